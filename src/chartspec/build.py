"""Build every registered chart into `specs/`, and tell which committed specs are stale."""

from __future__ import annotations

import filecmp
import json
import tempfile
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chartspec.datafiles import (
    DATA_FILE,
    DATA_FOLDER,
    DEFAULT_INLINE_MAX_ROWS,
    DataPlacement,
    externalize_data,
)
from chartspec.errors import ChartspecError
from chartspec.registry import (
    ChartDef,
    builtin_charts,
    describe_exception,
    draw_chart,
    load_charts,
)
from chartspec.spec import SPEC_SUFFIX, load_spec_file, load_spec_text, spec_name
from chartspec.spec_data import data_urls
from chartspec.specs import chart_to_spec, spec_to_json

if TYPE_CHECKING:
    from chartspec.publish import Published


def select_charts(charts_dir: Path | None) -> dict[str, ChartDef]:
    """Return the charts of `charts_dir`, or the built-in charts when it is None."""
    return builtin_charts() if charts_dir is None else load_charts(charts_dir)


def pick_charts(charts: dict[str, ChartDef], names: Sequence[str]) -> dict[str, ChartDef]:
    """Return the charts called `names` (all charts when none are named)."""
    unknown = [name for name in names if name not in charts]
    if unknown:
        raise ChartspecError(
            f"unknown chart {unknown[0]!r}",
            hint=f"known charts: {', '.join(charts)} (see `chartspec list`)",
        )
    return {name: charts[name] for name in names} if names else charts


def build_spec(definition: ChartDef) -> dict[str, Any]:
    """Draw one chart and return its checked, canonical spec."""
    from chartspec.rules import load_settings
    from chartspec.validate import check_spec

    drawn = draw_chart(definition)
    try:
        spec = chart_to_spec(drawn, definition)
    except ChartspecError:
        raise
    except Exception as error:
        raise ChartspecError(
            f"chart {definition.name!r} cannot be turned into a spec: {describe_exception(error)}",
            file=definition.location,
            hint="fix the chart function",
        ) from None
    found = check_spec(spec, base_dir=definition.module_file.parent)
    kept = load_settings().apply(found, file=None, hand_written=False)
    problems = [p for p in kept if p.severity == "error"]
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise ChartspecError(
            f"chart {definition.name!r} gives an invalid spec: {problems[0]}{more}",
            file=definition.location,
            hint="fix the chart function",
        )
    return spec


def build_texts(charts: dict[str, ChartDef]) -> dict[str, str]:
    """Return each chart's canonical spec text, by name; any failure stops the whole build."""
    return {name: spec_to_json(build_spec(definition)) for name, definition in charts.items()}


def place_data(
    texts: dict[str, str],
    *,
    data: DataPlacement = "inline",
    max_inline_rows: int = DEFAULT_INLINE_MAX_ROWS,
) -> tuple[dict[str, str], dict[str, bytes]]:
    """Return the spec texts with their data placed, and the data files by path in `specs/`.

    With `data="external"`, tables longer than `max_inline_rows` rows go to content-addressed
    files, so a data change and an encoding change show up in different files.
    """
    if data == "inline":
        return texts, {}
    placed: dict[str, str] = {}
    files: dict[str, bytes] = {}
    for name, text in texts.items():
        spec, moved = externalize_data(json.loads(text), name=name, max_inline_rows=max_inline_rows)
        files.update(moved)
        placed[name] = spec_to_json(spec)
    return placed, files


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
    fetch_remote: bool = False,
    refresh_remote: bool = False,
) -> ProjectBuild:
    """Build the charts (all, or `names`) into `specs_dir` and publish the site, all or nothing.

    Charts whose code and data are unchanged come from the cache beside `specs_dir`; the rest
    are built in up to `jobs` processes (None: one per core). Specs of charts that are gone
    are removed only when every chart is built. Remote data is read from its pinned copy,
    fetched first when `fetch_remote` (or, for every URL, `refresh_remote`) allows.
    """
    from chartspec.incremental import (
        build_texts_incremental,
        default_jobs,
        select_charts_tracked,
        shared_workers,
    )
    from chartspec.publish import publish_build
    from chartspec.remote import pin_texts, remove_replaced_copies

    jobs = jobs or default_jobs()
    charts, module_inputs = select_charts_tracked(charts_dir)
    with shared_workers(jobs, charts_dir=charts_dir):
        texts = build_texts_incremental(
            pick_charts(charts, names),
            specs_dir=specs_dir,
            charts_dir=charts_dir,
            module_inputs=module_inputs,
            jobs=jobs,
            use_cache=use_cache,
            quiet=quiet,
        )
        texts = pin_texts(texts, specs_dir, fetch=fetch_remote, refresh=refresh_remote)
        texts, files = place_data(texts, data=data, max_inline_rows=inline_max_rows)
        done = publish_build(
            texts,
            files=files,
            specs_dir=specs_dir,
            site_dir=site_dir,
            reports_dir=reports_dir,
            prune=not names,
            jobs=jobs,
            quiet=quiet,
            use_cache=use_cache,
        )
    if refresh_remote:
        remove_replaced_copies(specs_dir)
    return ProjectBuild(texts=texts, published=done)


def spec_path(specs_dir: Path, name: str) -> Path:
    """Return where the spec of chart `name` lives."""
    return specs_dir / f"{name}{SPEC_SUFFIX}"


def write_specs(
    texts: dict[str, str],
    specs_dir: Path,
    *,
    prune: bool = True,
    files: dict[str, bytes] | None = None,
) -> list[Path]:
    """Write the data files and specs that changed, and (if `prune`) remove specs of charts
    that are gone; data files that no spec references any more are always removed."""
    from chartspec.files import write_if_changed

    # Data first, so that no spec ever points at a file that is not there yet.
    changed = [
        specs_dir / relative
        for relative, content in sorted((files or {}).items())
        if write_if_changed(specs_dir / relative, content)
    ]
    changed += [
        spec_path(specs_dir, name)
        for name, text in texts.items()
        if write_if_changed(spec_path(specs_dir, name), text)
    ]
    for orphan in orphan_specs(texts, specs_dir) if prune else []:
        orphan.unlink()
        changed.append(orphan)
    for orphan in orphan_data_files(specs_dir):
        orphan.unlink()
        changed.append(orphan)
    return changed


def orphan_data_files(specs_dir: Path, *, expected: dict[str, str] | None = None) -> list[Path]:
    """Return data files chartspec wrote that no spec references.

    The references are read from the spec files on disk, or, with `expected`, from those
    texts (by chart name) plus the specs on disk that are not among them.
    """
    folder = specs_dir / DATA_FOLDER
    if not folder.is_dir():
        return []
    used: set[str] = set()
    texts = dict(expected or {})
    for path in specs_dir.glob(f"*{SPEC_SUFFIX}"):
        name = spec_name(path)
        if name not in texts:
            try:
                texts[name] = path.read_text(encoding="utf-8")
            except OSError:
                continue
    for name, text in texts.items():
        try:
            used.update(str(Path(url)) for url in data_urls(load_spec_text(text, source=name)))
        except ChartspecError:
            continue
    return [
        path
        for path in sorted(folder.iterdir())
        if DATA_FILE.fullmatch(path.name) and f"{DATA_FOLDER}/{path.name}" not in used
    ]


def orphan_specs(texts: dict[str, str], specs_dir: Path) -> list[Path]:
    """Return specs that chartspec built for a chart that no longer exists."""
    orphans = []
    for path in sorted(specs_dir.glob(f"*{SPEC_SUFFIX}")):
        name = spec_name(path)
        if name not in texts and _built_by_chartspec(path):
            orphans.append(path)
    return orphans


def _built_by_chartspec(path: Path) -> bool:
    try:
        spec = load_spec_file(path)
    except ChartspecError:
        return False
    return "chartspec" in (spec.get("usermeta") or {})


@dataclass(frozen=True)
class Stale:
    """A committed spec that does not match what its chart produces now."""

    path: Path
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


def stale_specs(
    texts: dict[str, str],
    specs_dir: Path,
    *,
    refresh: str,
    files: dict[str, bytes] | None = None,
    known: Collection[str] = (),
) -> list[Stale]:
    """Compare freshly built `texts` and data `files` with what is in `specs_dir`.

    Specs of the charts in `known` are not orphans even when `texts` leaves them out.
    """
    stale = []
    for name, text in texts.items():
        path = spec_path(specs_dir, name)
        if not path.is_file():
            stale.append(Stale(path, f"missing: chart {name!r} has no spec; run `{refresh}`"))
        elif path.read_text(encoding="utf-8") != text:
            stale.append(
                Stale(path, f"stale: chart {name!r} now produces a different spec; run `{refresh}`")
            )
    for relative, content in sorted((files or {}).items()):
        path = specs_dir / relative
        if not path.is_file():
            stale.append(Stale(path, f"missing: a spec references this data file; run `{refresh}`"))
        elif path.read_bytes() != content:
            stale.append(Stale(path, f"stale: the data file has changed; run `{refresh}`"))
    for path in orphan_specs(texts, specs_dir):
        name = spec_name(path)
        if name not in known:
            stale.append(Stale(path, f"orphan: no chart named {name!r}; run `{refresh}`"))
    stale += [
        Stale(path, f"orphan: no spec references this data file; run `{refresh}`")
        for path in orphan_data_files(specs_dir, expected=texts)
    ]
    return stale


def report_sources(reports_dir: Path | None) -> list[Path]:
    """Return the Markdown reports to publish with the site (none without a folder)."""
    return sorted(reports_dir.glob("*.md")) if reports_dir and reports_dir.is_dir() else []


def build_site(
    specs_dir: Path,
    site_dir: Path,
    *,
    reports_dir: Path | None,
    jobs: int = 1,
    quiet: bool = True,
    use_cache: bool = True,
    leave_out: bool = False,
) -> list[Path]:
    """Publish every spec in `specs_dir`, and the reports, as the static site `site_dir`.

    Renders come from the cache beside `specs_dir` when their spec is unchanged (`use_cache`);
    the rest are spread over `jobs` processes. With `leave_out`, specs that cannot be
    published are left out (see `chartspec.site.left_out_specs`) instead of failing.
    """
    from chartspec.incremental import build_site_incremental

    return build_site_incremental(
        specs_dir,
        site_dir,
        reports=report_sources(reports_dir),
        jobs=jobs,
        quiet=quiet,
        use_cache=use_cache,
        leave_out=leave_out,
    )


def stale_site(
    specs_dir: Path, site_dir: Path, *, reports_dir: Path, refresh: str, jobs: int = 1
) -> list[Stale]:
    """Rebuild the site in a temporary folder and name every file that differs from `site_dir`."""
    from chartspec.incremental import site_is_current

    if site_is_current(specs_dir, site_dir, reports=report_sources(reports_dir)):
        return []  # the record of its last build matches every input and every file
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "site"
        build_site(specs_dir, fresh, reports_dir=reports_dir, jobs=jobs)
        stale = []
        for path in sorted({*_files(fresh), *_files(site_dir)}):
            old, new = site_dir / path, fresh / path
            if not old.is_file():
                stale.append(Stale(old, f"missing from the site; run `{refresh}`"))
            elif not new.is_file():
                stale.append(Stale(old, f"no longer part of the site; run `{refresh}`"))
            elif not filecmp.cmp(old, new, shallow=False):
                stale.append(
                    Stale(old, f"stale: the site page differs from a rebuild; run `{refresh}`")
                )
        return stale


def _files(root: Path) -> set[Path]:
    return {p.relative_to(root) for p in root.rglob("*") if p.is_file()} if root.is_dir() else set()
