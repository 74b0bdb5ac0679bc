"""Build specs incrementally (reusing cached ones) and in parallel (one process per core)."""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from chartspec.cache import (
    FileHashes,
    Store,
    cache_dir_for,
    cached_spec,
    chart_key,
    key_of,
    sha256_bytes,
    store_spec,
)
from chartspec.errors import ChartspecError
from chartspec.inputs import track_inputs
from chartspec.progress import Progress
from chartspec.registry import ChartDef

_worker_charts: dict[str, ChartDef] = {}
_shared: list[tuple[int, ProcessPoolExecutor]] = []

# Starting a process costs about a second (Python, Altair, the JavaScript engine): below these
# counts the work is done in this process.
MIN_PARALLEL_SPECS = 16
MIN_PARALLEL_RENDERS = 4


def default_jobs() -> int:
    """Return the number of cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def select_charts_tracked(charts_dir: Path | None) -> tuple[dict[str, ChartDef], dict[str, str]]:
    """Load the charts, also returning the project files their modules read while importing."""
    from chartspec.build import select_charts
    from chartspec.cache import FileHashes

    with track_inputs() as read:
        charts = select_charts(charts_dir)
    hashes = FileHashes()
    return charts, {path: hashes(path) or "" for path in sorted(read)}


def build_texts_incremental(
    charts: dict[str, ChartDef],
    *,
    specs_dir: Path,
    charts_dir: Path | None,
    module_inputs: dict[str, str] | None = None,
    jobs: int = 1,
    use_cache: bool = True,
    quiet: bool = False,
) -> dict[str, str]:
    """Return each chart's canonical spec text, by name, like `build.build_texts`.

    Charts whose inputs are unchanged come from the cache beside `specs_dir`; the others are
    built in up to `jobs` processes. Any failure stops the whole build, naming the first failed
    chart in name order, whatever order the processes finish in.
    """
    store = Store(cache_dir_for(specs_dir))
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
        entry = cached_spec(store, name, keys[name], hashes) if use_cache else None
        if entry is None:
            todo.append(name)
        else:
            texts[name] = entry["text"]
            _replay(entry.get("warnings") or [])
    results: dict[str, tuple[Any, ...]] = {}
    with Progress("building specs", len(todo), quiet=quiet) as progress:
        for name, result in _run(todo, charts, charts_dir=charts_dir, jobs=jobs):
            results[name] = result
            progress.advance(name)
    for name in todo:  # name order: the first failure reported is always the same one
        result = results[name]
        if result[0] == "error":
            raise ChartspecError(result[1], **result[2])
        _, text, inputs, messages = result
        _replay(messages)
        texts[name] = text
        store_spec(
            store,
            name,
            keys[name],
            text=text,
            inputs={path: hashes(path) for path in inputs},
            warnings=messages,
        )
    return {name: texts[name] for name in charts}


def _replay(messages: Iterable[str]) -> None:
    from chartspec.tables import ChartspecWarning

    for message in messages:
        warnings.warn(message, ChartspecWarning, stacklevel=3)


def _run(
    names: list[str], charts: dict[str, ChartDef], *, charts_dir: Path | None, jobs: int
) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """Build `names` in this process or in a pool; yield (name, result) as each finishes."""
    if jobs <= 1 or len(names) < MIN_PARALLEL_SPECS:
        for name in names:
            yield name, build_one(charts[name])
        return
    folder = None if charts_dir is None else str(Path(charts_dir).resolve())
    results = map_in_pool(
        _build_in_worker, names, jobs=jobs, initializer=_init_worker, initargs=(folder,)
    )
    yield from zip(names, results, strict=True)


def map_in_pool(
    func: Callable[[Any], Any],
    items: Iterable[Any],
    *,
    jobs: int,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[Any, ...] = (),
) -> Iterator[Any]:
    """Yield func(item) for each item, in order, computed in `jobs` fresh processes.

    Processes are spawned, not forked: a fork of a process that already ran vl-convert or
    VegaFusion (both keep worker threads) can hang. One item is handed over at a time: each
    takes a tenth of a second or more, far above the cost of handing it over, and bigger
    chunks leave a process idle at the end.
    """
    if _shared and _shared[-1][0] == jobs:
        yield from _shared[-1][1].map(func, items)
        return
    with _new_pool(jobs, initializer, initargs) as pool:
        yield from pool.map(func, items)


def _new_pool(
    jobs: int, initializer: Callable[..., None] | None, initargs: tuple[Any, ...]
) -> ProcessPoolExecutor:
    context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(
        jobs, mp_context=context, initializer=_start_worker, initargs=(initializer, initargs)
    )


def _start_worker(initializer: Callable[..., None] | None, initargs: tuple[Any, ...]) -> None:
    """Watch the parent, then run the pool's own initializer."""
    threading.Thread(target=_exit_with_parent, daemon=True).start()
    if initializer is not None:
        initializer(*initargs)


def _exit_with_parent() -> None:
    """End this worker as soon as the process that started it is gone.

    A worker waits on a queue it also holds the writing end of, so it would never see a killed
    build (SIGKILL, out of memory, a closed terminal) and would stay behind for good.
    """
    parent = multiprocessing.parent_process()
    if parent is not None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(1)


@contextmanager
def shared_workers(jobs: int, *, charts_dir: Path | None) -> Iterator[None]:
    """Let every stage in the block (specs, renders) use one pool of `jobs` processes.

    The processes start only when a stage first needs them.
    """
    if jobs <= 1:
        yield
        return
    folder = None if charts_dir is None else str(Path(charts_dir).resolve())
    pool = _new_pool(jobs, _init_worker, (folder,))
    _shared.append((jobs, pool))
    try:
        yield
    finally:
        _shared.remove((jobs, pool))
        pool.shutdown(cancel_futures=True)


def build_one(definition: ChartDef) -> tuple[Any, ...]:
    """Build one chart; return ("ok", text, inputs, warnings) or ("error", what, fields)."""
    from chartspec.build import build_spec
    from chartspec.specs import spec_to_json

    with warnings.catch_warnings(record=True) as caught, track_inputs() as read:
        warnings.simplefilter("always", UserWarning)  # each chart's own, for the cache
        try:
            text = spec_to_json(build_spec(definition))
        except ChartspecError as error:
            fields = {
                "file": error.file,
                "row": error.row,
                "column": error.column,
                "hint": error.hint,
            }
            return ("error", error.what, fields)
    messages = [str(w.message) for w in caught]
    return ("ok", text, sorted(read), messages)


def _init_worker(charts_dir: str | None) -> None:
    from chartspec.build import select_charts

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the parent already showed import-time warnings
        _worker_charts.update(select_charts(None if charts_dir is None else Path(charts_dir)))


def _build_in_worker(name: str) -> tuple[Any, ...]:
    return build_one(_worker_charts[name])


# --- the site ---------------------------------------------------------------------------------


def build_site_incremental(
    specs_dir: Path,
    site_dir: Path,
    *,
    reports: list[Path],
    jobs: int = 1,
    quiet: bool = True,
    use_cache: bool = True,
    leave_out: bool = False,
) -> list[Path]:
    """Publish the site, skipping the work when neither its inputs nor its files have changed.

    The inputs are every file under `specs_dir`, the reports and chartspec itself; the site is
    current when the record of the last build says so and every file in `site_dir` still has
    the bytes that build wrote. Otherwise the site is rebuilt, reusing cached renders.
    """
    from chartspec.site import specs_to_site

    cache_dir = cache_dir_for(specs_dir)
    store = Store(cache_dir)
    record_name = key_of(str(Path(site_dir).resolve()))
    inputs = site_inputs_key(specs_dir, reports) if use_cache else None
    if inputs is not None and site_is_current(specs_dir, site_dir, reports=reports, inputs=inputs):
        root = Path(site_dir).resolve()
        return sorted(p for p in root.rglob("*") if p.is_file())
    written = specs_to_site(
        specs_dir,
        site_dir,
        reports=reports,
        jobs=jobs,
        cache_dir=cache_dir if use_cache else None,
        quiet=quiet,
        leave_out=leave_out,
    )
    if inputs is not None:
        store.write_json(
            "sites", record_name, {"inputs": inputs, "files": _tree_hashes(Path(site_dir))}
        )
    return written


def record_site(specs_dir: Path, site_dir: Path, *, reports: list[Path]) -> None:
    """Remember that `site_dir` is what a build of these inputs writes, for `site_is_current`."""
    inputs = site_inputs_key(specs_dir, reports)
    if inputs is not None:
        Store(cache_dir_for(specs_dir)).write_json(
            "sites",
            key_of(str(Path(site_dir).resolve())),
            {"inputs": inputs, "files": _tree_hashes(Path(site_dir))},
        )


def site_is_current(
    specs_dir: Path, site_dir: Path, *, reports: list[Path], inputs: str | None = None
) -> bool:
    """Tell whether `site_dir` is exactly what a build of these inputs wrote last time."""
    inputs = inputs or site_inputs_key(specs_dir, reports)
    if inputs is None:
        return False
    record = Store(cache_dir_for(specs_dir)).read_json(
        "sites", key_of(str(Path(site_dir).resolve()))
    )
    if not isinstance(record, dict) or record.get("inputs") != inputs:
        return False
    return _tree_hashes(Path(site_dir)) == record.get("files")


def site_inputs_key(specs_dir: Path, reports: list[Path]) -> str | None:
    """Return a hash of everything the site is built from, or None when a file cannot be read."""
    from chartspec.cache import environment_key

    specs_dir = Path(specs_dir)
    try:
        files = {
            p.relative_to(specs_dir).as_posix(): sha256_bytes(p.read_bytes())
            for p in sorted(specs_dir.rglob("*"))
            if p.is_file()
        }
        texts = {str(p.resolve()): sha256_bytes(p.read_bytes()) for p in reports}
    except OSError:
        return None
    return key_of(environment_key(), str(specs_dir.resolve()), files, texts)


def _tree_hashes(root: Path) -> dict[str, str]:
    """Return {relative path: SHA-256} of every file under `root` (empty when absent)."""
    if not root.is_dir():
        return {}
    return {
        p.relative_to(root).as_posix(): sha256_bytes(p.read_bytes())
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }
