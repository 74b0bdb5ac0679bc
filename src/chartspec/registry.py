"""Charts registered by name: the `chart` decorator and the loading of chart modules."""

from __future__ import annotations

import importlib
import importlib.util
import os
import pkgutil
import re
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chartspec.errors import ChartspecError
from chartspec.files import os_error
from chartspec.inputs import declare_input

NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]*")
MAX_NAME_LENGTH = 100  # `<name>.embed.html` and the cache's names stay below 255 bytes
# The site's own pages and folders: a chart of one of these names would overwrite them.
RESERVED_NAMES = frozenset({"index", "licenses", "static"})
BUILTIN_PACKAGE = "chartspec_demos"
DEFAULT_TIME_LIMIT = 600.0
"""Seconds a chart module may take to import, and a chart function to draw (`chart-timeout`)."""


class ChartExit(BaseException):
    """Chart code called `os._exit`; like SystemExit, not caught by `except Exception`."""

    def __init__(self, status: object) -> None:
        super().__init__(status)
        self.code = status


class ChartTimeout(BaseException):
    """Chart code ran past its time limit; not caught by `except Exception`, so it ends it."""


@contextmanager
def chart_code(time_limit: float = DEFAULT_TIME_LIMIT) -> Iterator[None]:
    """Run chart code so that exiting the process or running past `time_limit` s raises.

    Chart code that calls `sys.exit` raises SystemExit, `os._exit` raises ChartExit; running
    past the limit raises ChartTimeout (in the main thread, where the system has interval
    timers). Other threads keep the real `os._exit`.
    """
    real_exit, owner = os._exit, threading.get_ident()

    def refuse_exit(status: int) -> None:
        if threading.get_ident() != owner:
            real_exit(status)
        raise ChartExit(status)

    timed = (
        time_limit > 0
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    previous: Any = None
    if timed:
        previous = signal.signal(signal.SIGALRM, _time_up)
        signal.setitimer(signal.ITIMER_REAL, time_limit)
    os._exit = refuse_exit  # type: ignore[assignment]
    try:
        yield
    finally:
        os._exit = real_exit
        if timed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


def _time_up(_signum: int, _frame: object) -> None:
    raise ChartTimeout


def _ended(error: BaseException, time_limit: float) -> str | None:
    """Say how chart code ended the run instead of returning, or None for an ordinary error."""
    if isinstance(error, SystemExit | ChartExit):
        call = "sys.exit" if isinstance(error, SystemExit) else "os._exit"
        return f"called {call}({error.code!r})"
    if isinstance(error, ChartTimeout):
        return f"ran longer than its time limit of {time_limit:g} s"
    return None


@dataclass(frozen=True)
class ChartDef:
    """A registered chart: its name, what readers see about it, and the function that draws it."""

    name: str
    title: str
    description: str
    source: str
    draw: Callable[[], Any]
    module_file: Path
    featured: bool = False
    notes: tuple[str, ...] = ()
    license: str | None = None

    @property
    def location(self) -> str:
        """`file:line` of the chart function, for error messages."""
        code = getattr(self.draw, "__code__", None)
        return f"{self.module_file}:{code.co_firstlineno}" if code else str(self.module_file)

    def info(self) -> ChartInfo:
        """Return what is known of this chart without its code, to hand to another process."""
        return ChartInfo(
            self.name,
            self.title,
            self.description,
            self.source,
            self.module_file,
            self.location,
            self.featured,
            self.notes,
            self.license,
        )


@dataclass(frozen=True)
class ChartInfo:
    """A registered chart as the build plans it: all of a ChartDef but the function."""

    name: str
    title: str
    description: str
    source: str
    module_file: Path
    location: str
    featured: bool = False
    notes: tuple[str, ...] = ()
    license: str | None = None


_collecting: list[ChartDef] | None = None


def chart(
    name: str,
    *,
    title: str,
    description: str,
    source: str,
    featured: bool = False,
    notes: str | Sequence[str] = (),
    license: str | None = None,
) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
    """Register the decorated function as the chart `name`.

    The function takes no arguments and returns an Altair chart. `title` and `description`
    become the spec's title and its screen-reader description, `source` the source note.
    A `featured` chart is listed before the others in the site's gallery. `notes` (a text or
    several) say how the source's numbers were processed, and `license` is the licence of the
    chart and its data (the project's `license` setting otherwise); readers find both in the
    chart's page, metadata and ZIP download.
    """
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        msg = f"chart name {name!r} is not allowed"
        raise ChartspecError(msg, hint="use lower-case letters, digits, '-' and '_' only")
    check_page_name(name)
    if not isinstance(featured, bool):
        msg = f"featured={featured!r} for chart {name!r} is not True or False"
        raise ChartspecError(msg, hint="write featured=True or leave it out")
    notes = (notes,) if isinstance(notes, str) else notes
    if not isinstance(notes, Sequence) or not all(isinstance(n, str) for n in notes):
        msg = f"notes={notes!r} for chart {name!r} is not a text or a list of texts"
        raise ChartspecError(msg, hint='write notes="..." or notes=["...", "..."]')
    if license is not None and not (isinstance(license, str) and license.strip()):
        msg = f"license={license!r} for chart {name!r} is not a text"
        raise ChartspecError(msg, hint='write license="CC-BY-4.0", for example, or leave it out')
    kept = tuple(n.strip() for n in notes if n.strip())

    def register(draw: Callable[[], Any]) -> Callable[[], Any]:
        module_file = Path(sys.modules[draw.__module__].__file__ or draw.__module__)
        if _collecting is not None:
            _collecting.append(
                ChartDef(
                    name,
                    title,
                    description,
                    source,
                    draw,
                    module_file,
                    featured,
                    kept,
                    license.strip() if license else None,
                )
            )
        return draw

    return register


def check_page_name(name: str, *, file: str | Path | None = None) -> None:
    """Refuse a chart name too long for a file name, or taken by one of the site's own pages."""
    if len(name) > MAX_NAME_LENGTH:
        raise ChartspecError(
            f"chart name {name[:20]!r}... is {len(name)} characters long",
            file=file,
            hint=f"use at most {MAX_NAME_LENGTH}",
        )
    if name.lower() in RESERVED_NAMES:
        raise ChartspecError(
            f"chart name {name!r} is taken by the site's own {name.lower()} page",
            file=file,
            hint="choose another name",
        )


@contextmanager
def _collect() -> Iterator[list[ChartDef]]:
    """Gather the charts registered while the block runs."""
    global _collecting
    previous, _collecting = _collecting, []
    try:
        yield _collecting
    finally:
        _collecting = previous


def select_charts(
    charts_dir: Path | None, *, time_limit: float = DEFAULT_TIME_LIMIT
) -> dict[str, ChartDef]:
    """Return the charts of `charts_dir`, or the built-in charts when it is None."""
    if charts_dir is None:
        return builtin_charts()
    return load_charts(charts_dir, time_limit=time_limit)


def chart_modules(charts_dir: Path | None) -> list[Path]:
    """Return the chart modules of `charts_dir` (None: the built-in ones), not importing them."""
    if charts_dir is None:
        spec = importlib.util.find_spec(BUILTIN_PACKAGE)
        folders = list(spec.submodule_search_locations or []) if spec else []
        return sorted(
            Path(folder) / f"{info.name}.py"
            for folder in folders
            for info in pkgutil.iter_modules([folder])
            if not info.ispkg
        )
    folder = Path(charts_dir)
    if not folder.is_dir():
        raise ChartspecError("chart folder not found", file=folder, hint="check the --charts path")
    try:
        names = sorted(os.listdir(folder))  # glob would see an unreadable folder as empty
    except OSError as error:
        raise os_error(error, folder, "cannot list the chart folder") from None
    return [folder / name for name in names if name.endswith(".py") and not name.startswith("_")]


def load_module(
    module_file: Path, charts_dir: Path | None, *, time_limit: float = DEFAULT_TIME_LIMIT
) -> dict[str, ChartDef]:
    """Import the one chart module `module_file` of `charts_dir` (None: a built-in one).

    Return the charts it registers.
    """
    with _collect() as found:
        if charts_dir is None:
            _import_builtin(f"{BUILTIN_PACKAGE}.{Path(module_file).stem}")
        else:
            _import_file(Path(charts_dir) / Path(module_file).name, time_limit)
    return _by_name(found)


def builtin_charts() -> dict[str, ChartDef]:
    """Return the charts that ship with chartspec, built when a project has none of its own."""
    package = importlib.import_module(BUILTIN_PACKAGE)
    # They live outside chartspec's folder, whose hash keys every cached chart: their own files
    # key them instead, so a change to one rebuilds them and no project's charts.
    for folder in package.__path__:
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                declare_input(path)
    with _collect() as found:
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
            _import_builtin(f"{BUILTIN_PACKAGE}.{info.name}")
    return _by_name(found)


def _import_builtin(module_name: str) -> None:
    # Re-run the module body so its decorators register again into this collection.
    if module_name in sys.modules:
        importlib.reload(sys.modules[module_name])
    else:
        importlib.import_module(module_name)


def load_charts(
    folder: str | Path, *, time_limit: float = DEFAULT_TIME_LIMIT
) -> dict[str, ChartDef]:
    """Import every `*.py` module in `folder` and return the charts they register.

    Each module may take up to `time_limit` seconds.
    """
    folder = Path(folder)
    modules = chart_modules(folder)
    with _collect() as found:
        for module in modules:
            _import_file(module, time_limit)
    if not found:
        raise ChartspecError(
            "no charts registered here",
            file=folder,
            hint="decorate a function with @chartspec.chart",
        )
    return _by_name(found)


def _import_file(path: Path, time_limit: float) -> None:
    """Run the module at `path`, turning any failure into a ChartspecError naming it."""
    module_name = "chartspec_user_" + re.sub(r"\W", "_", path.stem)
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ChartspecError("cannot import this file", file=path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        with chart_code(time_limit), _importable_beside(path):
            spec.loader.exec_module(module)
    except KeyboardInterrupt:
        sys.modules.pop(module_name, None)
        raise
    except ChartspecError as error:
        sys.modules.pop(module_name, None)
        if error.file is not None:
            raise
        # e.g. a refused chart name in a decorator: point at the line that declared it
        raise ChartspecError(
            error.what, file=path, row=_line_in(error, path), hint=error.hint
        ) from None
    except BaseException as error:  # noqa: BLE001 - user code may raise anything, even SystemExit
        sys.modules.pop(module_name, None)
        ended = _ended(error, time_limit)
        raise ChartspecError(
            f"the chart module {ended} while importing"
            if ended
            else f"the chart module does not import: {describe_exception(error)}",
            file=path,
            row=_line_in(error, path),
            hint="fix the module",
        ) from None


@contextmanager
def _importable_beside(path: Path) -> Iterator[None]:
    """Let a module import the modules beside it (`from style import COLOR`), as a script can,
    without leaving a `__pycache__` folder among the user's files."""
    folder = str(path.resolve().parent)
    sys.path.insert(0, folder)
    writes_bytecode, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    try:
        yield
    finally:
        sys.dont_write_bytecode = writes_bytecode
        sys.path.remove(folder)


def _by_name(found: list[ChartDef]) -> dict[str, ChartDef]:
    """Index charts by name, refusing two charts with the same name."""
    charts: dict[str, ChartDef] = {}
    for definition in found:
        if definition.name in charts:
            raise ChartspecError(
                f"two charts are named {definition.name!r} "
                f"(also at {charts[definition.name].location})",
                file=definition.location,
                hint="give each chart its own name",
            )
        charts[definition.name] = definition
    return dict(sorted(charts.items()))


def describe_exception(error: BaseException) -> str:
    """Return `Type: message` for an exception raised by user code."""
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


def _line_in(error: BaseException, path: Path) -> int | None:
    """Return the deepest line of `path` in the error's traceback, if any."""
    if isinstance(error, SyntaxError) and error.lineno:
        return error.lineno
    target = path.resolve()
    frames = traceback.extract_tb(error.__traceback__)
    lines = [f.lineno for f in frames if Path(f.filename).resolve() == target]
    return lines[-1] if lines else None


def draw_chart(definition: ChartDef, *, time_limit: float = DEFAULT_TIME_LIMIT) -> Any:
    """Call the chart function, turning a failure into a ChartspecError at its line.

    The function may take up to `time_limit` seconds; exiting the process is a failure too.
    """
    try:
        with chart_code(time_limit):
            drawn = definition.draw()
    except (ChartspecError, KeyboardInterrupt):
        raise
    except (Exception, SystemExit, ChartExit, ChartTimeout) as error:
        line = _line_in(error, definition.module_file)
        ended = _ended(error, time_limit)
        raise ChartspecError(
            f"chart {definition.name!r} {ended}"
            if ended
            else f"chart {definition.name!r} failed: {describe_exception(error)}",
            file=definition.module_file,
            row=line,
            hint="fix the chart function",
        ) from None
    if not hasattr(drawn, "to_dict"):
        raise ChartspecError(
            f"chart {definition.name!r} returned {type(drawn).__name__}, not an Altair chart",
            file=definition.location,
            hint="return an alt.Chart (or layer/concat of charts)",
        )
    return drawn
