"""Chart code, run only in chartspec's worker processes: list a project's charts, draw them.

The process that plans a build never imports a chart module: it sends these tasks to its
workers and gets back plain dataclasses. Each worker imports a chart module at most once, when
it first lists or draws one of its charts, and records the files chart code reads, with a hook
that lives as long as the worker.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chartspec.cache import key_of, sha256_bytes
from chartspec.errors import ChartspecError
from chartspec.inputs import tables_read, track_inputs
from chartspec.provenance import module_path, table_input
from chartspec.registry import (
    DEFAULT_TIME_LIMIT,
    ChartDef,
    ChartInfo,
    describe_exception,
    draw_chart,
    load_module,
    select_charts,
)
from chartspec.rules import LintSettings, load_settings
from chartspec.specs import chart_to_spec, spec_to_json


@dataclass(frozen=True)
class ChartsTask:
    """Where a project's charts are (None: the built-in ones), and how long chart code may run.

    `generation` names the version of the modules and of what they read on import that the
    build planned with: a worker that imported another version imports the module again.
    `settings` are the lint rules charts are checked with (None: the project's); `quiet`
    keeps long queries over lazy tables from telling their progress.
    """

    charts_dir: Path | None
    time_limit: float = DEFAULT_TIME_LIMIT
    generation: str | None = None
    settings: LintSettings | None = None
    quiet: bool = False


@dataclass(frozen=True)
class Listing:
    """A project's charts, the files its modules read while imported, and the warnings given.

    `generation` is a hash of those files' contents.
    """

    charts: list[ChartInfo]
    inputs: list[str]
    warnings: list[str]
    generation: str


@dataclass(frozen=True)
class Built:
    """A chart's spec text, the project files it read while drawn, and its warnings."""

    text: str
    inputs: list[str]
    warnings: list[str]


@dataclass(frozen=True)
class Failed:
    """Why chart code failed: a ChartspecError's fields, which cross processes."""

    what: str
    file: str | None
    row: int | None
    column: str | None
    hint: str | None

    @classmethod
    def of(cls, error: ChartspecError) -> Failed:
        """Return the fields of `error`."""
        file = None if error.file is None else str(error.file)
        return cls(error.what, file, error.row, error.column, error.hint)

    def error(self) -> ChartspecError:
        """Return the error to raise."""
        return ChartspecError(
            self.what, file=self.file, row=self.row, column=self.column, hint=self.hint
        )


# The charts this worker imported, by project and module file, with the generation imported.
_loaded: dict[tuple[Path | None, Path], tuple[str | None, dict[str, ChartDef]]] = {}


def list_charts(task: ChartsTask) -> Listing | Failed:
    """Import every chart module of the project and describe the charts they register."""
    with warnings.catch_warnings(record=True) as caught, track_inputs() as read:
        warnings.simplefilter("always", UserWarning)  # the modules' own, for the cache
        try:
            charts = select_charts(task.charts_dir, time_limit=task.time_limit)
        except ChartspecError as error:
            return Failed.of(error)
    generation = key_of({path: _sha256(path) for path in sorted(read)})
    _loaded.update({(task.charts_dir, d.module_file): (generation, {}) for d in charts.values()})
    for definition in charts.values():
        _loaded[task.charts_dir, definition.module_file][1][definition.name] = definition
    infos = [definition.info() for definition in charts.values()]
    return Listing(infos, sorted(read), [str(w.message) for w in caught], generation)


def build_charts(task: ChartsTask, charts: list[ChartInfo]) -> list[Built | Failed]:
    """Build each of `charts` (see `build_chart`)."""
    return [build_chart(task, chart) for chart in charts]


def build_chart(task: ChartsTask, chart: ChartInfo) -> Built | Failed:
    """Draw one chart and return its canonical spec text, what it read and its warnings."""
    # deferred: lazy tables bring pandas, which the process planning a build does not import
    from chartspec.lazy import SHOW_QUERY_PROGRESS

    try:
        definition = _definition(task, chart)
    except ChartspecError as error:
        return Failed.of(error)
    with warnings.catch_warnings(record=True) as caught, track_inputs() as read:
        warnings.simplefilter("always", UserWarning)  # each chart's own, for the cache
        shown = SHOW_QUERY_PROGRESS.set(not task.quiet)
        try:
            spec = build_spec(definition, time_limit=task.time_limit, settings=task.settings)
            text = spec_to_json(spec)
        except ChartspecError as error:
            if error.file is None:  # raised by a helper the chart called: say which chart
                error.file = definition.location
            return Failed.of(error)
        finally:
            SHOW_QUERY_PROGRESS.reset(shown)
    return Built(text, sorted(read), [str(w.message) for w in caught])


def _definition(task: ChartsTask, chart: ChartInfo) -> ChartDef:
    """Return the chart's definition, importing its module unless this worker has it already."""
    key = (task.charts_dir, chart.module_file)
    if key not in _loaded or _loaded[key][0] != task.generation:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # given once already, when the charts were listed
            charts = load_module(chart.module_file, task.charts_dir, time_limit=task.time_limit)
        _loaded[key] = (task.generation, charts)
    try:
        return _loaded[key][1][chart.name]
    except KeyError:
        raise ChartspecError(
            f"chart {chart.name!r} is no longer in its module",
            file=chart.module_file,
            hint="build again",
        ) from None


def _sha256(path: str) -> str | None:
    try:
        return sha256_bytes(Path(path).read_bytes())
    except OSError:
        return None


def build_spec(
    definition: ChartDef,
    *,
    time_limit: float = DEFAULT_TIME_LIMIT,
    settings: LintSettings | None = None,
) -> dict[str, Any]:
    """Draw one chart and return its spec, canonical and checked with `settings` (the project's)."""
    # deferred: the schema is needed only by workers, not by a build that finds nothing to do
    from chartspec.validate import check_spec

    with tables_read() as tables:
        drawn = draw_chart(definition, time_limit=time_limit)
    inputs = [table_input(Path(path), module_file=definition.module_file) for path in tables]
    try:
        spec = chart_to_spec(
            drawn, definition, inputs=inputs, code=module_path(definition.module_file)
        )
    except ChartspecError:
        raise
    except Exception as error:
        raise ChartspecError(
            f"chart {definition.name!r} cannot be turned into a spec: {describe_exception(error)}",
            file=definition.location,
            hint="fix the chart function",
        ) from None
    found = check_spec(spec, base_dir=definition.module_file.parent)
    kept = (settings or load_settings()).apply(found, file=None, hand_written=False)
    problems = [p for p in kept if p.severity == "error"]
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise ChartspecError(
            f"chart {definition.name!r} gives an invalid spec: {problems[0]}{more}",
            file=definition.location,
            hint="fix the chart function",
        )
    return spec
