"""Build specs: draw each chart and turn it into its canonical, checked spec.

Charts whose code and data are unchanged come from the cache; the others are drawn in this
process or, when there are many, in worker processes. Every failing chart is named.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Collection, Iterable, Iterator, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chartspec.cache import FileHashes, Store, cache_dir_for, cached_spec, chart_key, store_spec
from chartspec.datafiles import (
    DATA_FOLDER,
    DEFAULT_INLINE_MAX_ROWS,
    DataPlacement,
    externalize_data,
)
from chartspec.errors import ChartspecError, ChartspecErrors
from chartspec.inputs import track_inputs
from chartspec.manifest import Manifest
from chartspec.pool import map_in_pool
from chartspec.progress import Progress
from chartspec.registry import (
    DEFAULT_TIME_LIMIT,
    ChartDef,
    describe_exception,
    draw_chart,
    select_charts,
)
from chartspec.remote import pin_urls, point_at_pins, remote_urls
from chartspec.rules import load_settings
from chartspec.spec import SPEC_SUFFIX, load_spec_text, spec_name
from chartspec.spec_data import data_urls
from chartspec.specs import chart_to_spec, spec_to_json
from chartspec.tables import ChartspecWarning
from chartspec.validate import check_spec

# Starting a process costs about a second (Python, Altair, the JavaScript engine): below this
# count the specs are built in this process.
MIN_PARALLEL_SPECS = 16


@dataclass(frozen=True)
class ProjectCharts:
    """The charts of a project, and the project files their modules read while importing."""

    charts: dict[str, ChartDef]
    module_inputs: dict[str, str]


def load_project_charts(
    charts_dir: Path | None, *, time_limit: float = DEFAULT_TIME_LIMIT
) -> ProjectCharts:
    """Load the charts (the built-in ones when `charts_dir` is None), noting what they read."""
    with track_inputs() as read:
        charts = select_charts(charts_dir, time_limit=time_limit)
    hashes = FileHashes()
    return ProjectCharts(charts, {path: hashes(path) or "" for path in sorted(read)})


def pick_charts(charts: dict[str, ChartDef], names: Sequence[str]) -> dict[str, ChartDef]:
    """Return the charts called `names` (all charts when none are named)."""
    unknown = [name for name in names if name not in charts]
    if unknown:
        raise ChartspecError(
            f"unknown chart {unknown[0]!r}",
            hint=f"known charts: {', '.join(charts)} (see `chartspec list`)",
        )
    return {name: charts[name] for name in names} if names else charts


def build_spec(definition: ChartDef, *, time_limit: float = DEFAULT_TIME_LIMIT) -> dict[str, Any]:
    """Draw one chart and return its checked, canonical spec."""
    drawn = draw_chart(definition, time_limit=time_limit)
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


# --- one chart, in this process or a worker -----------------------------------------------------


@dataclass(frozen=True)
class Built:
    """A chart's spec text, the project files it read while drawn, and its warnings."""

    text: str
    inputs: list[str]
    warnings: list[str]


@dataclass(frozen=True)
class Failed:
    """Why a chart could not be built: a ChartspecError's fields, which cross processes."""

    what: str
    file: str | None
    row: int | None
    column: str | None
    hint: str | None

    def error(self) -> ChartspecError:
        """Return the error to raise."""
        return ChartspecError(
            self.what, file=self.file, row=self.row, column=self.column, hint=self.hint
        )


def build_one(definition: ChartDef, time_limit: float = DEFAULT_TIME_LIMIT) -> Built | Failed:
    """Build one chart, recording what it read and the warnings it gave."""
    with warnings.catch_warnings(record=True) as caught, track_inputs() as read:
        warnings.simplefilter("always", UserWarning)  # each chart's own, for the cache
        try:
            text = spec_to_json(build_spec(definition, time_limit=time_limit))
        except ChartspecError as error:
            return Failed(error.what, error.file, error.row, error.column, error.hint)
    return Built(text, sorted(read), [str(w.message) for w in caught])


_worker: dict[str, Any] = {"charts": {}, "time_limit": DEFAULT_TIME_LIMIT}


def init_worker(charts_dir: str | None, time_limit: float) -> None:
    """Load the charts once in a worker process (the pool's initializer)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the parent already showed import-time warnings
        folder = None if charts_dir is None else Path(charts_dir)
        _worker["charts"] = select_charts(folder, time_limit=time_limit)
    _worker["time_limit"] = time_limit


def worker_setup(charts_dir: Path | None, time_limit: float) -> tuple[Any, ...]:
    """Return the initializer and its arguments for worker processes that build specs."""
    folder = None if charts_dir is None else str(Path(charts_dir).resolve())
    return init_worker, (folder, time_limit)


def _build_in_worker(name: str) -> Built | Failed:
    return build_one(_worker["charts"][name], _worker["time_limit"])


def _run(
    names: list[str],
    charts: dict[str, ChartDef],
    *,
    charts_dir: Path | None,
    jobs: int,
    time_limit: float,
) -> Iterator[tuple[str, Built | Failed]]:
    """Build `names` in this process or in a pool; yield (name, result) in order."""
    if jobs <= 1 or len(names) < MIN_PARALLEL_SPECS:
        for name in names:
            yield name, build_one(charts[name], time_limit)
        return
    initializer, initargs = worker_setup(charts_dir, time_limit)
    results = map_in_pool(
        _build_in_worker, names, jobs=jobs, initializer=initializer, initargs=initargs
    )
    for name in names:
        try:
            yield name, next(results)
        except BrokenProcessPool:
            raise ChartspecError(
                f"a worker process ended while building chart {name!r}",
                file=charts[name].location,
                hint="a chart module or function ends the process: fix it, or use --jobs 1",
            ) from None


# --- every chart ---------------------------------------------------------------------------------


def build_texts(
    charts: dict[str, ChartDef],
    *,
    specs_dir: Path | None = None,
    charts_dir: Path | None = None,
    module_inputs: dict[str, str] | None = None,
    jobs: int = 1,
    use_cache: bool = True,
    quiet: bool = True,
    time_limit: float = DEFAULT_TIME_LIMIT,
) -> dict[str, str]:
    """Return each chart's canonical spec text, by name; any failure stops the whole build.

    With `specs_dir`, charts whose inputs are unchanged come from the cache beside it. The
    others are built in up to `jobs` processes. Every failing chart is named, in name order.
    """
    store = Store(cache_dir_for(specs_dir)) if specs_dir is not None and use_cache else None
    hashes = FileHashes()
    keys = {
        name: chart_key(
            name=name,
            module_file=d.module_file,
            meta={
                "title": d.title,
                "description": d.description,
                "source": d.source,
                "featured": d.featured,
            },
            module_inputs=module_inputs or {},
        )
        for name, d in charts.items()
    }
    texts: dict[str, str] = {}
    todo: list[str] = []
    for name in charts:
        entry = cached_spec(store, name, keys[name], hashes) if store else None
        if entry is None:
            todo.append(name)
        else:
            texts[name] = entry["text"]
            _replay(entry.get("warnings") or [])
    results: dict[str, Built | Failed] = {}
    with Progress("building specs", len(todo), quiet=quiet) as progress:
        run = _run(todo, charts, charts_dir=charts_dir, jobs=jobs, time_limit=time_limit)
        for name, result in run:
            results[name] = result
            progress.advance(name)
    failed = []
    for name in todo:  # name order, whatever order the processes finish in
        built = results[name]
        if isinstance(built, Failed):
            failed.append(built.error())
            continue
        _replay(built.warnings)
        texts[name] = built.text
        if store is not None:  # charts that built are kept even when others fail
            inputs = {path: hashes(path) for path in built.inputs}
            store_spec(
                store, name, keys[name], text=built.text, inputs=inputs, warnings=built.warnings
            )
    if failed:
        raise failed[0] if len(failed) == 1 else ChartspecErrors(failed)
    return {name: texts[name] for name in charts}


def _replay(messages: Iterable[str]) -> None:
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
    remote = {name: json.loads(text) for name, text in texts.items()}
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
