"""Tables that stay where they are: Parquet or CSV files, or a SQL query, read by DuckDB.

A lazy table is never loaded into Python. Its schema is checked by queries (types, nulls,
ranges, keys), a chart over it is reduced by the engine (`pushdown.py`), and the build cache
knows it by its files' names, sizes and modification times, never by their bytes.
DuckDB is an optional dependency: `pip install 'chartspec[duckdb]'`. With the engine set to
Spark, files are read by Spark instead (`spark.py`), and the same DuckDB SQL runs there.
"""

from __future__ import annotations

import atexit
import glob
import math
import os
import re
import tempfile
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, NoReturn

from chartspec.errors import ChartspecError
from chartspec.inputs import declare_files, declare_version, note_table
from chartspec.progress import Progress
from chartspec.settings import tool_settings
from chartspec.tables import ChartspecWarning, Column, TableSchema
from chartspec.vega_sql import quote_name, string_literal

DEFAULT_QUERY_TIMEOUT = 600.0
Engine = Literal["duckdb", "spark"]
ENGINES: tuple[Engine, ...] = ("duckdb", "spark")
_SETTINGS = ("name", "query-timeout", "memory-limit", "temp-directory", "spark-master")
# Whether a long query tells how far it has come (on stderr); `build --quiet` turns it off.
SHOW_QUERY_PROGRESS: ContextVar[bool] = ContextVar("show_query_progress", default=True)
PROGRESS_POLL_SECONDS = 0.5
# What each declared type is read as, so a query gives the types a loaded CSV would have.
SQL_TYPES = {"string": "VARCHAR", "number": "DOUBLE", "integer": "BIGINT", "date": "TIMESTAMP"}
_ACCEPTED = {
    "string": ("VARCHAR",),
    "number": ("DOUBLE", "FLOAT", "REAL", "DECIMAL", "TINYINT", "SMALLINT", "INTEGER", "BIGINT",
               "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"),
    "integer": ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
                "UINTEGER", "UBIGINT"),
    "date": ("DATE", "TIMESTAMP"),
}  # fmt: skip


@dataclass(frozen=True)
class EngineSettings:
    """How queries run: the engine, their time limit, its memory limit and where it spills."""

    query_timeout: float = DEFAULT_QUERY_TIMEOUT
    memory_limit: str | None = None
    temp_directory: str | None = None
    name: Engine = "duckdb"
    spark_master: str = "local[1]"


@dataclass(frozen=True)
class QueryEngine:
    """An engine other than the embedded DuckDB: its session, and how a query runs in it."""

    session: Callable[[], Any]
    run: Callable[[Any, LazyTable, str, int | None], Any]


@dataclass(frozen=True)
class LazyTable:
    """A table read by the engine: where it lives, and the schema it was checked against."""

    source: str  # what errors name: the file, folder, glob or database
    kind: Literal["parquet", "csv", "query", "dataframe"]
    schema: TableSchema
    reader: str = field(repr=False)  # SQL that selects the declared columns, typed
    database: str | None = None
    # SQL of the rows with the file and row (from 1) each comes from, as `filename` and `__row`,
    # where the engine can tell them.
    numbered: str | None = field(default=None, repr=False)
    engine: QueryEngine | None = field(default=None, repr=False)  # None: the embedded DuckDB

    def columns(self) -> dict[str, str]:
        """Return each declared column's type."""
        return {c.name: c.type for c in self.schema.columns}


def duckdb_parquet(path: str | Path, schema: TableSchema) -> LazyTable:
    """Return the Parquet file, folder of files or glob at `path`, read by DuckDB, checked."""
    files = ", ".join(string_literal(f) for f in source_files(path, "parquet"))
    numbered = (
        "SELECT *, file_row_number + 1 AS __row "
        f"FROM read_parquet([{files}], filename = true, file_row_number = true)"
    )
    table = LazyTable(str(path), "parquet", schema, f"read_parquet([{files}])", numbered=numbered)
    return _checked(table)


def duckdb_csv(path: str | Path, schema: TableSchema) -> LazyTable:
    """Return the CSV file, folder of files or glob at `path`, read by DuckDB, checked."""
    files = ", ".join(string_literal(f) for f in source_files(path, "csv"))
    # The engine refuses types for columns the header lacks: type those it has, and let the
    # schema check name a missing one as for any table.
    header = LazyTable(str(path), "csv", schema, reader=f"read_csv([{files}], header = true)")
    with connect(header) as con:
        described = run_query(con, header, f"DESCRIBE SELECT * FROM {header.reader}")
    names = set(described["column_name"])
    types = ", ".join(
        f"{string_literal(c.name)}: '{SQL_TYPES[c.type]}'"
        for c in schema.columns
        if c.name in names
    )
    options = f"[{files}], header = true, types = {{{types}}}"
    numbered = (  # a line number: the header is line 1
        "SELECT *, row_number() OVER (PARTITION BY filename) + 1 AS __row "
        f"FROM read_csv({options}, filename = true)"
    )
    table = LazyTable(str(path), "csv", schema, f"read_csv({options})", numbered=numbered)
    return _checked(table)


def scan_query(
    sql: str,
    schema: TableSchema,
    *,
    database: str | Path | None = None,
    inputs: Sequence[str | Path] = (),
    version: str | None = None,
) -> LazyTable:
    """Return the result of the DuckDB query `sql` as a checked lazy table.

    `database` is a DuckDB file, opened read-only. The cache keys the table by the query, the
    database file and the files or globs in `inputs` (by their sizes and modification times),
    and by `version` when given: declare what the query reads, or a version you change.
    """
    db = None
    if database is not None:
        db = str(Path(database).resolve())
        if not Path(db).is_file():
            raise ChartspecError("no such database file", file=database, hint="check the path")
        declare_files(glob.escape(db))
        note_table(db)
    for pattern in inputs:
        declare_files(os.path.abspath(os.fspath(pattern)))
    declare_version(f"{sql}\0{version}")
    table = LazyTable(str(database or "query"), "query", schema, reader=f"({sql})", database=db)
    return _checked(table)


def engine_settings(pyproject: Path = Path("pyproject.toml")) -> EngineSettings:
    """Read `[tool.chartspec.engine]` of ./pyproject.toml and CHARTSPEC_* variables over it."""
    engine = dict(tool_settings(pyproject).get("engine", {}))
    unknown = sorted(set(engine) - set(_SETTINGS))
    if unknown:
        raise ChartspecError(
            f"unknown setting {unknown[0]!r} in [tool.chartspec.engine]",
            file=pyproject,
            hint=f"use {', '.join(_SETTINGS[:-1])} or {_SETTINGS[-1]}",
        )
    for key, variable in (("name", "CHARTSPEC_ENGINE"),
                          ("query-timeout", "CHARTSPEC_QUERY_TIMEOUT"),
                          ("memory-limit", "CHARTSPEC_MEMORY_LIMIT"),
                          ("spark-master", "CHARTSPEC_SPARK_MASTER")):  # fmt: skip
        if os.environ.get(variable):
            engine[key] = os.environ[variable]
    name = engine.get("name", "duckdb")
    if name not in ENGINES:
        raise ChartspecError(
            f"unknown engine {name!r}",
            file=pyproject,
            hint='set name = "duckdb" or "spark" in [tool.chartspec.engine] (or CHARTSPEC_ENGINE)',
        )
    try:
        timeout = float(engine.get("query-timeout", DEFAULT_QUERY_TIMEOUT))
    except (TypeError, ValueError):
        timeout = -1
    if not timeout > 0:
        raise ChartspecError(
            f"query-timeout must be a positive number of seconds, not {engine['query-timeout']!r}",
            file=pyproject,
            hint="set it in [tool.chartspec.engine] or CHARTSPEC_QUERY_TIMEOUT",
        )
    memory, temp = engine.get("memory-limit"), engine.get("temp-directory")
    return EngineSettings(
        timeout,
        None if memory is None else str(memory),
        None if temp is None else str(temp),
        name,
        str(engine.get("spark-master", "local[1]")),
    )


@contextmanager
def connect(table: LazyTable) -> Iterator[Any]:
    """Open a DuckDB connection for `table`, with the memory limit and spill folder set.

    A database file is opened afresh each time (it may have been rewritten since); tables of
    files and queries share one in-memory engine per thread and settings, since starting one
    costs about 0.1 s, each query with a connection of its own to it. A table Spark reads is
    queried in the process's Spark session instead.
    """
    if table.engine is not None:
        yield table.engine.session()
        return
    settings = engine_settings()
    with ExitStack() as cleanup:
        try:
            if table.database:
                spill = cleanup.enter_context(_spill_folder(settings))
                con = _open_engine(table.database, settings, spill)
            else:
                con = _shared_engine(settings).cursor()
        except _duckdb().Error as error:
            raise ChartspecError(
                f"cannot open the engine: {_first_line(error)}",
                file=table.database,
                hint="check memory-limit and temp-directory in [tool.chartspec.engine]",
            ) from None
        cleanup.callback(con.close)
        con.execute("SET TimeZone = 'UTC'")  # dates carry no zone; keep DuckDB's clock out
        # DuckDB's own bar would write to stdout between our lines: track, don't print.
        con.execute("SET enable_progress_bar = true")
        con.execute("SET enable_progress_bar_print = false")
        yield con


_engines = threading.local()


def _shared_engine(settings: EngineSettings) -> Any:
    """Return this thread's in-memory engine for `settings`, started on first use."""
    engines: dict[EngineSettings, Any] = _engines.__dict__.setdefault("by_settings", {})
    if settings not in engines:
        spill = _spill_folder(settings)  # kept until the process ends, as the engine is
        engines[settings] = _open_engine(":memory:", settings, spill.name)
        atexit.register(spill.cleanup)
    return engines[settings]


def _spill_folder(settings: EngineSettings) -> tempfile.TemporaryDirectory[str]:
    """Return a new folder for the engine to spill to: never the project folder (its default)."""
    return tempfile.TemporaryDirectory(prefix="chartspec-duckdb-", dir=settings.temp_directory)


def _open_engine(database: str, settings: EngineSettings, spill: str) -> Any:
    """Connect to `database` (read-only unless in memory)."""
    config = {"temp_directory": spill}
    if settings.memory_limit:
        config["memory_limit"] = settings.memory_limit
    return _duckdb().connect(database, read_only=database != ":memory:", config=config)


def run_query(con: Any, table: LazyTable, sql: str, *, limit: int | None = None) -> Any:
    """Run `sql` within the query time limit; return its rows as a pandas DataFrame."""
    if table.engine is not None:
        return table.engine.run(con, table, sql, limit)
    duckdb = _duckdb()
    timeout = engine_settings().query_timeout
    timer = threading.Timer(timeout, con.interrupt)
    timer.start()
    try:
        with progress_shown(table, con.query_progress):
            relation = con.sql(sql)
            return (relation.limit(limit) if limit is not None else relation).df()
    except duckdb.InterruptException:
        raise timed_out(table, timeout) from None
    except duckdb.Error as error:
        raise engine_error(error, table) from None
    finally:
        timer.cancel()


@contextmanager
def progress_shown(table: LazyTable, percent_done: Callable[[], float]) -> Iterator[None]:
    """Tell how far the query over `table` has come, once it runs longer than the progress delay.

    `percent_done` is polled from another thread; it returns -1 while the engine cannot tell.
    Log lines, not a bar: queries run in worker processes while the build draws its own bar.
    """
    progress = Progress(
        f"querying {table.source} (percent)", 100, quiet=not SHOW_QUERY_PROGRESS.get(), bar=False
    )
    finished = threading.Event()

    def poll() -> None:
        shown = 0
        while not finished.wait(PROGRESS_POLL_SECONDS):
            done = min(int(percent_done()), 99)
            if done > shown:  # never backwards: an engine may count a later step afresh
                shown = done
                progress.update(shown)

    poller = threading.Thread(target=poll, daemon=True)
    with progress:
        poller.start()
        try:
            yield
        finally:
            finished.set()
            poller.join()
        progress.update(100)


# --- files -----------------------------------------------------------------------------------


def source_files(path: str | Path, suffix: str) -> list[str]:
    """Return the files a file, folder or glob names, sorted, and declare them to the cache."""
    text = os.path.abspath(os.fspath(path))
    if os.path.isdir(text):
        pattern = os.path.join(glob.escape(text), "**", f"*.{suffix}")
    elif glob.has_magic(text):
        pattern = text
    else:
        pattern = glob.escape(text)
    files = sorted(p for p in glob.glob(pattern, recursive=True) if os.path.isfile(p))
    declare_files(pattern)
    note_table(text)
    if not files:
        what = f"no {suffix.upper()} file in the folder" if os.path.isdir(text) else "no such file"
        if glob.has_magic(text):
            what = f"no {suffix.upper()} file matches the pattern"
        raise ChartspecError(what, file=path, hint="check the path")
    return files


# --- schema checks ---------------------------------------------------------------------------


def _checked(table: LazyTable) -> LazyTable:
    """Check `table` against its schema by queries; return it reading the declared columns."""
    with connect(table) as con:
        described = run_query(con, table, f"DESCRIBE SELECT * FROM {table.reader}")
    return check_table(
        table, dict(zip(described["column_name"], described["column_type"], strict=True))
    )


def check_table(table: LazyTable, found: dict[str, str]) -> LazyTable:
    """Check `table`, whose columns have the SQL types `found`, against its schema by queries.

    Return it reading the declared columns, typed.
    """
    with connect(table) as con:
        schema = table.schema
        for column in schema.columns:
            if column.name not in found:
                raise ChartspecError(
                    f"missing column {column.name!r} (the table has {', '.join(map(repr, found))})",
                    file=table.source,
                    hint="add the column or fix its name in the schema",
                )
            kind = str(found[column.name])
            if not kind.split("(")[0].startswith(_ACCEPTED[column.type]):
                raise ChartspecError(
                    f"the column holds {kind}, not {column.type} values",
                    file=table.source,
                    column=column.name,
                    hint=f"declare it as another type, or cast it to {SQL_TYPES[column.type]}",
                )
        extra = [name for name in found if name not in table.columns()]
        if extra and schema.extra_columns == "warn":
            warnings.warn(
                f"{table.source}: ignoring undeclared column(s) {', '.join(map(repr, extra))}",
                ChartspecWarning,
                stacklevel=4,
            )
        _check_values(con, table)
    typed = ", ".join(
        f"CAST({quote_name(c.name)} AS {SQL_TYPES[c.type]}) AS {quote_name(c.name)}"
        for c in schema.columns
    )
    return replace(table, reader=f"(SELECT {typed} FROM {table.reader})")


def _check_values(con: Any, table: LazyTable) -> None:
    """Check empty cells, NaN, ranges and the key; name the first offending row of a broken rule.

    The rules are read off counts, minima and maxima, which DuckDB answers from a Parquet file's
    footer statistics without reading its rows; only a broken rule costs a scan, to find its row.
    """
    columns = table.schema.columns
    parts = ["count(*)"]
    for column in columns:
        name = quote_name(column.name)
        parts.append(f"count({name})")
        if column.type in ("number", "integer"):
            parts += [f"min({name})::DOUBLE", f"max({name})::DOUBLE"]
    key = table.schema.key
    if key is not None:
        parts.append(f"count(DISTINCT {quote_name(key)})")
    found = iter(run_query(con, table, f"SELECT {', '.join(parts)} FROM {table.reader}").iloc[0])
    rows = next(found)
    for column in columns:
        filled = next(found)
        if column.required and filled < rows:
            _broken(con, table, column, "{c} IS NULL", "empty cell", "fill it in")
        if column.type not in ("number", "integer"):
            continue
        low, high = next(found), next(found)
        if filled and not (math.isfinite(low) and math.isfinite(high)):
            what, hint = "{value} is not a finite number", "NaN and infinity are not allowed"
            _broken(con, table, column, "NOT isfinite({c})", what, hint)
        unit = f" {column.unit}" if column.unit else ""
        hint = "check the value or the column's declared range"
        if column.min is not None and low < column.min:
            what = f"{{value:g}}{unit} is below the allowed minimum {column.min:g}"
            _broken(con, table, column, f"{{c}} < {column.min!r}", what, hint)
        if column.max is not None and high > column.max:
            what = f"{{value:g}}{unit} is above the allowed maximum {column.max:g}"
            _broken(con, table, column, f"{{c}} > {column.max!r}", what, hint)
        if column.positive and low <= 0:
            what = f"{{value:g}}{unit} is not positive (a log scale needs values > 0)"
            _broken(con, table, column, "{c} <= 0", what, "check the value")
    if key is not None and next(found) < rows:
        repeats = f"row_number() OVER (PARTITION BY {quote_name(key)} ORDER BY filename, __row)"
        file, row, value = _first_row(con, table, key, "WHERE __nth > 1", nth=repeats)
        raise ChartspecError(
            f"duplicate key {value!r}", file=file, row=row, column=key,
            hint="each row needs its own key",
        )  # fmt: skip


def _broken(
    con: Any, table: LazyTable, column: Column, condition: str, what: str, hint: str
) -> NoReturn:
    """Raise the error of the first row whose `column` meets `condition` (`{c}` is the value)."""
    value = quote_name(column.name)
    if column.type in ("number", "integer"):
        value = f"CAST({value} AS DOUBLE)"
    file, row, value = _first_row(con, table, column.name, f"WHERE {condition.format(c=value)}")
    what = what.format(value=value) if value is not None else what.split(" is ")[-1]
    raise ChartspecError(what, file=file, row=row, column=column.name, hint=hint)


def _first_row(
    con: Any, table: LazyTable, column: str, where: str, *, nth: str = "NULL"
) -> tuple[str, int | None, Any]:
    """Return the file, row (the first is 1) and value of the first row `where` selects.

    `where` may test `__nth`, the SQL `nth` over the rows. A query's or data frame's rows have
    no place to name: only the value is found.
    """
    numbered = table.numbered or (
        f"SELECT *, NULL AS filename, CAST(NULL AS BIGINT) AS __row FROM {table.reader}"
    )
    name = quote_name(column)
    rows = run_query(
        con,
        table,
        f"SELECT filename, __row, {name} FROM (SELECT *, {nth} AS __nth FROM ({numbered})) "
        f"{where} ORDER BY filename, __row, {name} LIMIT 1",
    )
    if rows.empty:
        return table.source, None, None
    file, row, value = rows.iloc[0]
    if table.numbered is None:
        return table.source, None, value
    return str(file), int(row), value


# --- the engine ------------------------------------------------------------------------------


def _duckdb() -> Any:
    try:
        import duckdb
    except ImportError:
        raise ChartspecError(
            "lazy tables need DuckDB, which is not installed",
            hint="pip install 'chartspec[duckdb]'",
        ) from None
    return duckdb


def timed_out(table: LazyTable, timeout: float) -> ChartspecError:
    """Return the error of a query stopped at the time limit."""
    return ChartspecError(
        f"the query over the table ran longer than {timeout:g} s",
        file=table.source,
        hint="raise query-timeout in [tool.chartspec.engine] (or CHARTSPEC_QUERY_TIMEOUT), "
        "or reduce the table in its query",
    )


def engine_error(error: Exception, table: LazyTable) -> ChartspecError:
    """Return the one-line error for what the engine refused, naming the file it names."""
    message = _first_line(error)
    file = table.source
    for path in (table.database, *_quoted_paths(message)):
        if path:
            file = path
            break
    return ChartspecError(
        f"the engine cannot read the table: {message}",
        file=file,
        hint="check the file is what its name says, and the query",
    )


def _quoted_paths(message: str) -> list[str]:
    return [part for part in re.findall(r"['\"]([^'\"]+)['\"]", message) if os.path.isabs(part)]


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
