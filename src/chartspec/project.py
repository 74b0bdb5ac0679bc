"""A project's build, stage by stage, and its check against a rebuild.

select charts (registry) -> build specs, remote data read from pinned copies (build, remote) ->
check them (validate, rules, check) -> draw (drawings) -> write the site (site) -> publish
(publish). Each stage is a module that calls only stages below it; this module calls them in
order, and `check_project` compares the specs and site on disk with what they would give.
"""

from __future__ import annotations

import filecmp
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chartspec.build import (
    Stale,
    build_texts,
    load_project_charts,
    pin_texts,
    place_data,
    spec_files,
    spec_path,
    stale_specs,
    unused_data,
)
from chartspec.cache import (
    Store,
    cache_dir_for,
    site_files_unchanged,
    site_inputs_key,
    site_record,
    store_site_record,
)
from chartspec.check import CheckResult, LintWarning, check_files
from chartspec.datafiles import DEFAULT_INLINE_MAX_ROWS, DataPlacement
from chartspec.errors import ChartspecError
from chartspec.manifest import LEGACY_SITE_MARKER, Manifest
from chartspec.pool import shared_workers, worker_count
from chartspec.provenance import recorded_commit
from chartspec.publish import (
    Published,
    build_lock,
    check_outputs,
    project_root,
    publish,
    recover,
    recovered,
)
from chartspec.registry import DEFAULT_TIME_LIMIT
from chartspec.rules import LintSettings
from chartspec.settings import DEFAULT_CACHE_LIMIT_MB
from chartspec.spec import find_specs

if TYPE_CHECKING:
    from chartspec.vcs import Revision


@dataclass(frozen=True)
class ProjectBuild:
    """What `build_project` did: the spec text of each chart built, and what was published."""

    texts: dict[str, str]
    published: Published


def build_project(
    *,
    names: Sequence[str] = (),
    charts_dir: Path | None,
    specs_dir: Path,
    site_dir: Path,
    reports_dir: Path | None,
    data: DataPlacement = "inline",
    inline_max_rows: int = DEFAULT_INLINE_MAX_ROWS,
    jobs: int | None = None,
    quiet: bool = False,
    use_cache: bool = True,
    time_limit: float = DEFAULT_TIME_LIMIT,
    fetch_remote: bool = False,
    refresh_remote: bool = False,
    cache_limit_mb: int = DEFAULT_CACHE_LIMIT_MB,
) -> ProjectBuild:
    """Build the charts (all, or `names`) into `specs_dir` and publish the site, all or nothing.

    Charts whose code and data are unchanged come from the cache beside `specs_dir`; the rest
    are built in up to `jobs` processes (None: one per core). Specs of charts that are gone
    are removed only when every chart is built. Each chart may take `time_limit` seconds.
    Remote data is read from its pinned copy, fetched first when `fetch_remote` (or, for every
    URL, `refresh_remote`) allows. The cache is kept within `cache_limit_mb` megabytes.
    """
    check_outputs(
        {"specs": specs_dir, "site": site_dir},
        inputs={"project folder": Path.cwd(), "chart folder": charts_dir, "reports": reports_dir},
    )
    jobs = worker_count(jobs)
    with shared_workers(jobs):
        project = load_project_charts(
            charts_dir,
            specs_dir=specs_dir if use_cache else None,
            jobs=jobs,
            time_limit=time_limit,
        )
        texts = build_texts(
            project,
            names=names,
            specs_dir=specs_dir,
            jobs=jobs,
            use_cache=use_cache,
            quiet=quiet,
        )
        texts, pinned = pin_texts(texts, specs_dir, fetch=fetch_remote, refresh=refresh_remote)
        texts, files = place_data(texts, data=data, max_inline_rows=inline_max_rows)
        published = publish_outputs(
            spec_files(texts, pinned | files),
            specs_dir=specs_dir,
            site_dir=site_dir,
            reports_dir=reports_dir,
            prune=not names,
            jobs=jobs,
            quiet=quiet,
            use_cache=use_cache,
            cache_limit_mb=cache_limit_mb,
        )
    return ProjectBuild(texts=texts, published=published)


def project_texts(
    charts_dir: Path | None, *, jobs: int = 1, time_limit: float = DEFAULT_TIME_LIMIT
) -> dict[str, str]:
    """Return the spec text of each chart of `charts_dir`, built in worker processes.

    No cache is read or written, and no file: the texts are for the caller to compare or write.
    """
    with shared_workers(jobs):
        project = load_project_charts(charts_dir, jobs=jobs, time_limit=time_limit)
        return build_texts(project, jobs=jobs, use_cache=False)


def publish_outputs(
    files: dict[str, bytes] | None,
    *,
    specs_dir: Path,
    site_dir: Path,
    reports_dir: Path | None,
    prune: bool = True,
    jobs: int = 1,
    quiet: bool = True,
    use_cache: bool = True,
    leave_out: bool = False,
    cache_limit_mb: int = DEFAULT_CACHE_LIMIT_MB,
) -> Published:
    """Write the spec `files` (None: keep the specs) and the site, all or nothing, locked.

    With `leave_out`, specs that cannot be published are left out (see
    `chartspec.site.left_out_specs`) instead of failing. A build that wrote to the cache
    keeps it within `cache_limit_mb` megabytes.
    """
    specs_dir, site_dir = Path(specs_dir).resolve(), Path(site_dir).resolve()
    check_outputs(
        {"specs": specs_dir, "site": site_dir},
        inputs={"project folder": Path.cwd(), "reports": reports_dir},
    )
    reports = report_sources(reports_dir)
    cache = cache_dir_for(specs_dir) if use_cache else None
    root = project_root(specs_dir)
    with build_lock(root):
        recover(root)
        revision = _site_revision(specs_dir, site_dir)
        commit = revision.commit if revision else None
        found_current: list[bool] = []  # a site found current keeps its record as it is

        def is_current() -> bool:
            found_current.append(
                use_cache and site_is_current(specs_dir, site_dir, reports, commit=commit)
            )
            return found_current[-1]

        done = publish(
            specs_dir=specs_dir,
            site_dir=site_dir,
            spec_files=files,
            prune=prune,
            write_site=lambda specs, out: write_site(
                specs,
                out,
                reports=reports,
                jobs=jobs,
                cache_dir=cache,
                quiet=quiet,
                previous=site_dir,
                leave_out=leave_out,
                revision=revision,
                specs_shown_as=specs_dir,
            ),
            site_is_current=is_current,
            unused_data=unused_data,
        )
        if found_current != [True]:  # built: the cache was written (the specs, at least)
            if use_cache:
                _record_site(specs_dir, site_dir, reports, commit=commit)
            Store(cache_dir_for(specs_dir)).prune(cache_limit_mb * 1_000_000)
    return done


def write_specs(
    texts: dict[str, str],
    specs_dir: Path,
    *,
    files: dict[str, bytes] | None = None,
    prune: bool = True,
) -> list[Path]:
    """Write the specs (and data `files`) alone, all or nothing; return the files changed."""
    specs_dir = Path(specs_dir).resolve()
    root = project_root(specs_dir)
    with build_lock(root):
        recover(root)
        done = publish(
            specs_dir=specs_dir,
            site_dir=None,
            spec_files=spec_files(texts, files),
            prune=prune,
            unused_data=unused_data,
        )
    return done.changed_specs


def specs_to_site(
    specs_dir: Path,
    out_dir: Path,
    *,
    site_title: str = "Charts",
    base_url: str | None = None,
    reports: Sequence[Path] = (),
    jobs: int = 1,
    quiet: bool = True,
    leave_out: bool = False,
) -> list[Path]:
    """Publish every `*.vl.json` under specs_dir as the static site out_dir; return its files.

    All or nothing: a failure leaves out_dir as it was. Only files chartspec wrote into
    out_dir are replaced or removed. `base_url`, when given, makes Open Graph URLs absolute;
    each Markdown file in `reports` becomes the standalone page `<stem>.html`. With
    `leave_out`, specs that cannot be published are left out and named, with why, in the
    site (see `chartspec.site.left_out_specs`) instead of failing it.
    """
    specs_dir, out_dir = Path(specs_dir).resolve(), Path(out_dir).resolve()
    check_outputs({"specs": specs_dir, "site": out_dir}, inputs={})
    root = out_dir.parent  # the specs are only read: their folder may be read-only
    with build_lock(root):
        recover(root)
        done = publish(
            root=root,
            specs_dir=specs_dir,
            site_dir=out_dir,
            spec_files=None,
            write_site=lambda specs, out: write_site(
                specs,
                out,
                site_title=site_title,
                base_url=base_url,
                reports=reports,
                jobs=jobs,
                quiet=quiet,
                previous=out_dir,
                leave_out=leave_out,
                revision=_site_revision(specs_dir, out_dir),
            ),
        )
    return done.site_files


def write_site(specs_dir: Path, out_dir: Path, **options: Any) -> list[Path]:
    """Write the site of the specs in `specs_dir` into `out_dir` (see `site.write_site`)."""
    # deferred: pandas, Jinja and vl-convert are needed only when the site is written
    from chartspec import site

    return site.write_site(specs_dir, out_dir, **options)


def report_sources(reports_dir: Path | None) -> list[Path]:
    """Return the Markdown reports to publish with the site (none without a folder)."""
    return sorted(reports_dir.glob("*.md")) if reports_dir and reports_dir.is_dir() else []


# --- the record of the last site build ----------------------------------------------------------


def _site_revision(specs_dir: Path, site_dir: Path, *, commit: str = "HEAD") -> Revision | None:
    """Return the commit a site in `site_dir` names (see `vcs.site_revision`), if any."""
    from chartspec.vcs import site_revision  # deferred: git's diff stage, for builds only

    return site_revision(specs_dir, site_dir, commit=commit)


def _record_site(
    specs_dir: Path, site_dir: Path, reports: list[Path], *, commit: str | None
) -> None:
    """Remember that `site_dir` is what a build of these inputs writes, for `site_is_current`."""
    inputs = site_inputs_key(specs_dir, reports, commit=commit)
    if inputs is not None:
        files = Manifest.read(site_dir, legacy=False).files
        store_site_record(Store(cache_dir_for(specs_dir)), site_dir, inputs=inputs, files=files)


def site_is_current(
    specs_dir: Path, site_dir: Path, reports: list[Path], *, commit: str | None = None
) -> bool:
    """Tell whether chartspec's files in `site_dir` are exactly what it wrote from these inputs
    (and naming `commit`)."""
    inputs = site_inputs_key(specs_dir, reports, commit=commit)
    store = Store(cache_dir_for(specs_dir))
    record = site_record(store, site_dir)
    if inputs is None or record is None or record.get("inputs") != inputs:
        return False
    files = Manifest.read(site_dir, legacy=False).files
    return files == record.get("files") and site_files_unchanged(store, site_dir, record)


# --- what check compares -----------------------------------------------------------------------


def stale_site(
    specs_dir: Path, site_dir: Path, *, reports_dir: Path | None, refresh: str, jobs: int = 1
) -> list[Stale]:
    """Rebuild the site in a temporary folder and name every file of chartspec's that differs.

    Files in `site_dir` that chartspec did not write are not compared. Drawings are compared
    by what they were drawn from: the rebuild takes those whose key `site_dir` records from
    there, and draws only the others. A site that names the commit it was built from is
    rebuilt naming that commit, not the one checked out now: a new commit alone does not
    make it stale.
    """
    from chartspec.vcs import site_is_deployed  # deferred: git, for checks only

    if not site_dir.exists() and site_is_deployed(specs_dir, site_dir):
        return []  # a site deployed from elsewhere (CI), not built in this checkout
    reports = report_sources(reports_dir)
    built_from = recorded_commit(site_dir / "charts")
    revision = _site_revision(specs_dir, site_dir, commit=built_from) if built_from else None
    commit = revision.commit if revision else None
    if site_is_current(specs_dir, site_dir, reports, commit=commit):
        return []  # the record of its last build matches every input and every file
    manifest = Manifest.read(site_dir, legacy=(site_dir / LEGACY_SITE_MARKER).is_file())
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "site"
        cache = cache_dir_for(specs_dir)
        write_site(
            specs_dir,
            fresh,
            reports=reports,
            jobs=jobs,
            cache_dir=cache,
            previous=site_dir,
            revision=revision,
        )
        made = _files(fresh)
        owned = _files(site_dir) - {LEGACY_SITE_MARKER} if manifest.legacy else set(manifest.files)
        stale = []
        for rel in sorted(made | owned):
            old, new = site_dir / rel, fresh / rel
            if not old.is_file():
                stale.append(Stale(old, f"missing from the site; run `{refresh}`"))
            elif rel not in made:
                stale.append(Stale(old, f"no longer part of the site; run `{refresh}`"))
            elif rel not in owned:
                stale.append(
                    Stale(old, f"not written by chartspec; move it away, then run `{refresh}`")
                )
            elif not filecmp.cmp(old, new, shallow=False):
                stale.append(
                    Stale(old, f"stale: the site page differs from a rebuild; run `{refresh}`")
                )
        return stale


def _files(root: Path) -> set[str]:
    if not root.is_dir():
        return set()
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


# --- the project's check ------------------------------------------------------------------------


def check_project(
    files: tuple[Path, ...],
    *,
    settings: LintSettings,
    charts_dir: Path | None,
    specs_dir: Path,
    site_dir: Path,
    reports_dir: Path | None,
    data: DataPlacement,
    inline_max_rows: int,
    changed: bool,
    jobs: int,
    time_limit: float = DEFAULT_TIME_LIMIT,
) -> CheckResult:
    """Check FILES, or every spec of the project and that specs and site match a rebuild."""
    if files and changed:
        raise ChartspecError("give either FILES or --changed, not both")
    if files:
        return CheckResult(check_files(files, settings=settings, jobs=jobs))
    with recovered(specs_dir), shared_workers(jobs):  # finish a killed build first
        project = load_project_charts(
            charts_dir, specs_dir=specs_dir, jobs=jobs, time_limit=time_limit
        )
        charts = project.charts
        built = [spec_path(specs_dir, name) for name in charts]
        known: list[str] = []
        if changed:
            known = list(charts)
            # deferred: git and the semantic diff are needed only for --changed
            from chartspec.vcs import changed_charts

            names = changed_charts(charts, specs_dir)
            paths = [p for p in (spec_path(specs_dir, n) for n in names) if p.is_file()]
        else:
            names = list(charts)
            paths = find_specs(specs_dir)
        cache = cache_dir_for(specs_dir)
        checked = check_files(paths, settings=settings, built=built, cache_dir=cache, jobs=jobs)
        refresh = _refresh_command(charts_dir, specs_dir, site_dir, data, inline_max_rows)
        texts = build_texts(project, names=names, specs_dir=specs_dir, jobs=jobs) if names else {}
        texts, pinned = pin_texts(texts, specs_dir, fetch=False)
        texts, data_files = place_data(texts, data=data, max_inline_rows=inline_max_rows)
        files_made = pinned | data_files
        stale = stale_specs(texts, specs_dir, refresh=refresh, files=files_made, known=known)
        if not stale:  # a site is only comparable once its specs are fresh
            with warnings.catch_warnings():  # the specs' warnings are in `checked` already
                warnings.simplefilter("ignore", LintWarning)
                stale = stale_site(
                    specs_dir, site_dir, reports_dir=reports_dir, refresh=refresh, jobs=jobs
                )
        return CheckResult(checked, stale)


def _refresh_command(
    charts_dir: Path | None, specs_dir: Path, site_dir: Path, data: str, inline_max_rows: int
) -> str:
    """Return the build command that brings stale specs and site up to date."""
    refresh = "chartspec build" + (f" --charts {charts_dir}" if charts_dir else "")
    if specs_dir != Path("specs"):
        refresh += f" --specs {specs_dir}"
    if site_dir != Path("site"):
        refresh += f" --site {site_dir}"
    if data != "inline":
        refresh += f" --data {data} --inline-max-rows {inline_max_rows}"
    return refresh
