"""Build specs: each chart's canonical, checked spec, from the cache or from worker processes.

This process plans: it reads the cache records and sends the charts whose code or data changed
to worker processes (`chartcode.py`), so chart modules, pandas and Altair are imported only
there. When nothing changed, no worker starts. Every failing chart is named.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Collection, Iterable, Iterator, Sequence
from concurrent.futures import BrokenExecutor
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path

from chartspec.cache import (
    Fingerprints,
    Store,
    cache_dir_for,
    cached_spec,
    chart_key,
    environment_key,
    key_of,
    new_record,
    read_record,
    sha_of,
    store_spec,
)
from chartspec.chartcode import Built, ChartsTask, Failed, Listing, build_charts, list_charts
from chartspec.datafiles import (
    DATA_FOLDER,
    DEFAULT_INLINE_MAX_ROWS,
    DataPlacement,
    externalize_data,
)
from chartspec.errors import ChartspecError, ChartspecErrors, ChartspecWarning
from chartspec.manifest import Manifest
from chartspec.pool import map_in_pool
from chartspec.progress import Progress
from chartspec.registry import DEFAULT_TIME_LIMIT, ChartInfo, chart_modules
from chartspec.remote import pin_urls, point_at_pins, remote_urls
from chartspec.rules import load_settings
from chartspec.spec import SPEC_SUFFIX, load_spec_text, spec_name
from chartspec.spec_data import data_urls
from chartspec.specs import spec_to_json

# Starting a process costs about a second (Python, Altair, the JavaScript engine): below this
# count the specs are built in one worker process, not in all of them.
MIN_PARALLEL_SPECS = 16


@dataclass(frozen=True)
class ProjectCharts:
    """The charts of a project, and the SHA-256 of their modules and the files those read."""

    charts_dir: Path | None
    charts: dict[str, ChartInfo]
    module_inputs: dict[str, str | None]  # the files read while the modules were imported
    sources: dict[str, str | None]  # each chart module
    generation: str | None = None  # see `ChartsTask`
    time_limit: float = DEFAULT_TIME_LIMIT


def load_project_charts(
    charts_dir: Path | None,
    *,
    specs_dir: Path | None = None,
    jobs: int = 1,
    time_limit: float = DEFAULT_TIME_LIMIT,
) -> ProjectCharts:
    """Return the charts of `charts_dir` (None: the built-in ones), noting what they read.

    With `specs_dir`, the record in the cache beside it answers when no chart module and no
    file they read on import changed; otherwise a worker process (one of `jobs`) imports them.
    """
    modules = chart_modules(charts_dir)
    store = Store(cache_dir_for(specs_dir)) if specs_dir is not None else None
    prints = Fingerprints()
    name = key_of(None if charts_dir is None else str(Path(charts_dir).resolve()))
    key = key_of(environment_key(store), [str(m) for m in modules])
    entry = read_record(store, "charts", name, key, prints) if store else None
    if entry is None:
        listing = _list_in_worker(ChartsTask(charts_dir, time_limit), jobs)
        described = [{**asdict(c), "module_file": str(c.module_file)} for c in listing.charts]
        files = {os.path.abspath(m) for m in modules} | {c["module_file"] for c in described}
        found = {
            "charts": described,
            "imported": listing.inputs,
            "warnings": listing.warnings,
            "generation": listing.generation,
        }
        entry = new_record(key, files | set(listing.inputs), prints, **found)
        if store is not None:
            store.write_json("charts", name, entry)
    _replay(entry["warnings"])
    recorded = entry["inputs"]
    charts = [
        ChartInfo(**{**c, "module_file": Path(c["module_file"]), "notes": tuple(c["notes"])})
        for c in entry["charts"]
    ]
    sources = {str(c.module_file): sha_of(recorded.get(str(c.module_file))) for c in charts}
    return ProjectCharts(
        charts_dir,
        {chart.name: chart for chart in charts},
        # A chart module keys its own charts (`sources`); anything else read on import, all.
        {path: sha_of(recorded.get(path)) for path in entry["imported"] if path not in sources},
        sources,
        entry["generation"],
        time_limit,
    )


def _list_in_worker(task: ChartsTask, jobs: int) -> Listing:
    try:
        listing: Listing | Failed
        [listing] = map_in_pool(list_charts, [task], jobs=jobs)
    except BrokenExecutor:
        raise ChartspecError(
            "a worker process ended while importing the chart modules",
            file=task.charts_dir,
            hint="a chart module ends the process: fix it",
        ) from None
    if isinstance(listing, Failed):
        raise listing.error()
    return listing


def pick_charts(charts: dict[str, ChartInfo], names: Sequence[str]) -> dict[str, ChartInfo]:
    """Return the charts called `names` (all charts when none are named)."""
    unknown = [name for name in names if name not in charts]
    if unknown:
        raise ChartspecError(
            f"unknown chart {unknown[0]!r}",
            hint=f"known charts: {', '.join(charts)} (see `chartspec list`)",
        )
    return {name: charts[name] for name in names} if names else charts


def _run(
    todo: list[ChartInfo], task: ChartsTask, *, jobs: int
) -> Iterator[tuple[list[ChartInfo], list[Built | Failed]]]:
    """Build charts in worker processes; yield each batch of charts with its results, in order.

    A few charts go to one worker as one batch: it may have imported their modules already
    while listing them. Many go one by one to `jobs` workers.
    """
    if not todo:
        return
    batches = [[chart] for chart in todo] if len(todo) >= MIN_PARALLEL_SPECS else [todo]
    results = map_in_pool(partial(build_charts, task), batches, jobs=jobs)
    for batch in batches:
        try:
            yield batch, next(results)
        except BrokenExecutor:
            names = ", ".join(repr(chart.name) for chart in batch)
            raise ChartspecError(
                f"a worker process ended while building chart {names}",
                file=batch[0].location,
                hint="a chart module or function ends the process: fix it",
            ) from None


def build_texts(
    project: ProjectCharts,
    *,
    names: Sequence[str] = (),
    specs_dir: Path | None = None,
    jobs: int = 1,
    use_cache: bool = True,
    quiet: bool = True,
) -> dict[str, str]:
    """Return each chart's canonical spec text (all, or `names`), by name.

    With `specs_dir` and `use_cache`, charts whose inputs are unchanged come from the cache
    beside it; the others are built in up to `jobs` worker processes. With `specs_dir`, each
    chart built is remembered in that cache, with or without `use_cache`, so that the build
    after one without the cache goes on from what it built. Any failure stops the whole
    build; every failing chart is named, in name order.
    """
    charts = pick_charts(project.charts, names)
    store = Store(cache_dir_for(specs_dir)) if specs_dir is not None else None
    prints = Fingerprints()
    settings = load_settings()
    rules = [
        sorted(settings.enabled),
        settings.per_file_ignores,
        sorted(settings.severities.items()),
    ]
    keys = {
        name: chart_key(
            name=name,
            module_file=info.module_file,
            source=project.sources.get(str(info.module_file)),
            meta={
                "title": info.title,
                "description": info.description,
                "source": info.source,
                "featured": info.featured,
                "notes": info.notes,
                "license": info.license,
                "rules": key_of(str(settings.root), *rules),  # a lint error fails a chart
            },
            module_inputs=project.module_inputs,
        )
        for name, info in charts.items()
    }
    texts: dict[str, str] = {}
    todo: list[ChartInfo] = []
    for name, info in charts.items():
        entry = cached_spec(store, name, keys[name], prints) if store and use_cache else None
        if entry is None:
            todo.append(info)
        else:
            texts[name] = entry["text"]
            _replay(entry.get("warnings") or [])
    results: dict[str, Built | Failed] = {}
    task = ChartsTask(
        project.charts_dir, project.time_limit, project.generation, settings, quiet=quiet
    )
    with Progress("building specs", len(todo), quiet=quiet) as progress:
        for batch, built in _run(todo, task, jobs=jobs):
            for info, result in zip(batch, built, strict=True):
                results[info.name] = result
                progress.advance(info.name)
    failed = []
    for info in todo:  # name order, whatever order the processes finish in
        result = results[info.name]
        if isinstance(result, Failed):
            failed.append(result.error())
            continue
        _replay(result.warnings)
        texts[info.name] = result.text
        if store is not None:  # charts that built are kept even when others fail
            store_spec(
                store,
                info.name,
                keys[info.name],
                prints,
                text=result.text,
                inputs=result.inputs,
                warnings=result.warnings,
            )
    if failed:
        raise failed[0] if len(failed) == 1 else ChartspecErrors(failed)
    return {name: texts[name] for name in charts}


def _replay(messages: Iterable[str]) -> None:
    """Warn again what chart code warned when it ran (in a worker, or in an earlier build)."""
    for message in messages:
        warnings.warn(message, ChartspecWarning, stacklevel=3)


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


def pin_texts(
    texts: dict[str, str], specs_dir: Path, *, fetch: bool, refresh: bool = False
) -> tuple[dict[str, str], dict[str, bytes]]:
    """Return spec texts (by chart name) whose remote data URLs point at their pinned copies,
    and the pinned copies and their lock by path in the specs folder.

    Unpinned URLs are fetched when `fetch` is set, all of them again with `refresh`; otherwise
    they are an error that names the spec and how to opt in.
    """
    # Canonical spec text spells its keys as they are: one without "url" reads no remote data.
    remote = {name: json.loads(text) for name, text in texts.items() if '"url"' in text}
    remote = {name: spec for name, spec in remote.items() if any(remote_urls(spec))}
    urls: dict[str, str | Path | None] = {}
    for name, spec in remote.items():
        for url in remote_urls(spec):
            urls.setdefault(url, spec_path(Path(specs_dir), name))
    pinned = pin_urls(urls, specs_dir, fetch=fetch, refresh=refresh)
    pointed = {
        name: spec_to_json(point_at_pins(spec, pinned.pins)) for name, spec in remote.items()
    }
    return texts | pointed, pinned.files


def spec_files(texts: dict[str, str], files: dict[str, bytes] | None = None) -> dict[str, bytes]:
    """Return every file the specs folder gets, by path in it: the data files and the specs."""
    specs = {spec_path(Path(), name).as_posix(): text.encode() for name, text in texts.items()}
    return {**(files or {}), **specs}


def spec_path(specs_dir: Path, name: str) -> Path:
    """Return where the spec of chart `name` lives."""
    return specs_dir / f"{name}{SPEC_SUFFIX}"


def unused_data(
    specs_dir: Path, candidates: set[str], *, expected: dict[str, str] | None = None
) -> set[str]:
    """Return the data files among `candidates` that no spec in `specs_dir` references.

    The references are read from the spec files there, or, with `expected`, from those texts
    (by chart name) plus the specs on disk that are not among them.
    """
    if not candidates:
        return set()
    texts = dict(expected or {})
    for path in Path(specs_dir).glob(f"*{SPEC_SUFFIX}"):
        name = spec_name(path)
        if name not in texts:
            try:
                texts[name] = path.read_text(encoding="utf-8")
            except OSError:
                continue
    used: set[str] = set()
    for name, text in texts.items():
        try:
            spec = load_spec_text(text, source=name)
        except ChartspecError:
            continue
        used.update(Path(url).as_posix() for url in data_urls(spec))
    return {rel for rel in candidates if rel not in used}


# --- checking against the specs folder ------------------------------------------------------------


@dataclass(frozen=True)
class Stale:
    """A committed file that does not match what chartspec produces now."""

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

    Orphans are the specs and data files that chartspec wrote (its manifest says so) and that
    no chart makes any more; specs of the charts in `known` are not orphans.
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
    owned = Manifest.read(specs_dir, legacy=False).files
    for rel in sorted(owned):
        name = spec_name(rel)
        path = specs_dir / rel
        if "/" not in rel and name not in texts and name not in known and path.is_file():
            stale.append(Stale(path, f"orphan: no chart named {name!r}; run `{refresh}`"))
    data = {rel for rel in owned if rel.startswith(f"{DATA_FOLDER}/") and rel not in (files or {})}
    stale += [
        Stale(specs_dir / rel, f"orphan: no spec references this data file; run `{refresh}`")
        for rel in sorted(unused_data(specs_dir, data, expected=texts))
        if (specs_dir / rel).is_file()
    ]
    return stale
