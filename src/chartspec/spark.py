"""Lazy tables read by Spark: the DuckDB SQL of the schema checks and push-down, run on Spark.

The queries are written once, in DuckDB's SQL (`lazy.py`, `pushdown.py`); sqlglot translates
each into Spark's, and the few functions whose meaning differs between the two are rewritten
below. A local Spark session starts once per process, when a table first needs it, and stops
when the process ends; a session already running (under spark-submit, say) is used as it is.
PySpark and sqlglot are optional: `pip install 'chartspec[spark]'`.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import itertools
import os
import sys
import tempfile
import threading
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Literal
from urllib.parse import unquote, urlsplit

from chartspec.errors import ChartspecError
from chartspec.inputs import declare_files, declare_version
from chartspec.lazy import (
    LazyTable,
    QueryEngine,
    check_table,
    engine_error,
    engine_settings,
    progress_shown,
    source_files,
    timed_out,
)
from chartspec.tables import TableSchema
from chartspec.vega_sql import quote_name

# Spark's types by the names the schema errors give them (DuckDB's, as for any lazy table).
_SQL_NAMES = {"string": "VARCHAR", "double": "DOUBLE", "float": "FLOAT", "long": "BIGINT",
              "integer": "INTEGER", "short": "SMALLINT", "byte": "TINYINT", "decimal": "DECIMAL",
              "timestamp": "TIMESTAMP WITH TIME ZONE", "timestamp_ntz": "TIMESTAMP",
              "date": "DATE", "boolean": "BOOLEAN", "binary": "BLOB"}  # fmt: skip
# What each declared type is read from a CSV file as: DuckDB's TIMESTAMP is a time without zone.
_CSV_TYPES = {"string": "string", "number": "double", "integer": "bigint", "date": "timestamp_ntz"}
_CONFIG = {
    "spark.ui.enabled": "false",  # no web server: the session listens on no port of its own
    "spark.ui.showConsoleProgress": "false",
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.sql.session.timeZone": "UTC",  # times are wall clocks, as in DuckDB and pandas
}
# A file's path, from the URI Spark gives it (a literal "+" is kept; url_decode would not).
_FILE_PATH = (
    "url_decode(replace(regexp_replace(_metadata.file_path, '^file:(//)?', ''), '+', '%2B'))"
)
_INFINITY = "CAST('infinity' AS DOUBLE)"

CANCEL_POLL_SECONDS = 0.2  # how often a query past its time limit has its jobs cancelled

_lock = threading.Lock()
_sessions: list[Any] = []
_views = itertools.count()


def spark_session() -> Any:
    """Return the Spark session lazy tables are read in, starting a local one the first time."""
    with _lock:
        if not _sessions:
            _sessions.append(_start())
        return _sessions[0]


def scan_files(path: str | Path, kind: Literal["parquet", "csv"], schema: TableSchema) -> LazyTable:
    """Return the Parquet or CSV file, folder of files or glob at `path`, read by Spark, checked."""
    files = source_files(path, kind)
    table = LazyTable(str(path), kind, schema, reader="", engine=SPARK)
    spark = spark_session()
    try:
        if kind == "parquet":
            frame = spark.read.parquet(*files)
            row = "_metadata.row_index + 1"
        else:  # whole files, as DuckDB and pandas read them: quoted line breaks, "" for "
            options = {"header": True, "escape": '"', "multiLine": True, "mode": "FAILFAST"}
            frame = spark.read.options(**options).csv(files)
            # A line number (the header is line 1); a file is read in order, in one piece.
            row = (
                "row_number() OVER (PARTITION BY _metadata.file_path "
                "ORDER BY monotonically_increasing_id()) + 1"
            )
        numbered = frame.selectExpr("*", f"{_FILE_PATH} AS filename", f"{row} AS __row")
        if kind == "csv":
            types = {c.name: _CSV_TYPES[c.type] for c in schema.columns if c.name in frame.columns}
            numbered = numbered.withColumns({n: numbered[n].cast(t) for n, t in types.items()})
        rows = numbered.drop("filename", "__row")
        found = _sql_types(rows)
    except _errors() as error:
        raise engine_error(error, table) from None
    table = LazyTable(
        str(path), kind, schema, _view(rows), numbered=f"SELECT * FROM {_view(numbered)}",
        engine=SPARK,
    )  # fmt: skip
    return check_table(table, found)


def scan_spark(
    frame: Any, schema: TableSchema, *, name: str = "Spark DataFrame", version: str | None = None
) -> LazyTable:
    """Return the Spark DataFrame `frame` as a checked lazy table, named `name` in errors.

    The cache keys the table by the local files the frame reads (their sizes and modification
    times) and by `version` when given: declare a version you change when its data changes.
    """
    table = LazyTable(name, "dataframe", schema, reader="", engine=SPARK)
    try:
        files = frame.inputFiles()
        found = _sql_types(frame)
    except _errors() as error:
        raise engine_error(error, table) from None
    for uri in files:
        parts = urlsplit(uri)
        if parts.scheme in ("", "file"):
            declare_files(glob.escape(unquote(parts.path)))
    declare_version(f"{name}\0{version}")
    return check_table(LazyTable(name, "dataframe", schema, _view(frame), engine=SPARK), found)


def run_query(spark: Any, table: LazyTable, sql: str, *, limit: int | None = None) -> Any:
    """Run the DuckDB query `sql` in Spark within the time limit; return its rows in pandas."""
    import pandas as pd

    timeout = engine_settings().query_timeout
    group = f"chartspec-{uuid.uuid4().hex}"
    context = spark.sparkContext
    context.setJobGroup(group, "chartspec query", interruptOnCancel=True)
    finished, late = threading.Event(), threading.Event()

    def cancel_when_late() -> None:
        # A query runs as several jobs (a broadcast, then the scan): cancelling once can fall
        # between two of them, so every job the group starts past the deadline is cancelled.
        if finished.wait(timeout):
            return
        late.set()
        while not finished.is_set():
            context.cancelJobGroup(group)
            finished.wait(CANCEL_POLL_SECONDS)

    canceller = threading.Thread(target=cancel_when_late, name="chartspec-query-timer", daemon=True)
    canceller.start()
    try:
        with progress_shown(table, lambda: _percent_done(context, group)):
            frame = spark.sql(to_spark_sql(sql))
            if limit is not None:
                frame = frame.limit(limit)
            rows = frame.toArrow().to_pandas()
    except Exception as error:  # a cancelled job ends in whatever error its fetch meets
        if late.is_set():
            raise timed_out(table, timeout) from None
        if isinstance(error, _errors()):
            raise engine_error(error, table) from None
        raise
    finally:
        finished.set()
        canceller.join()
    for name, column in rows.items():
        if isinstance(column.dtype, pd.DatetimeTZDtype):  # an instant: its UTC wall clock
            rows[name] = column.dt.tz_convert("UTC").dt.tz_localize(None)
    return rows


def _percent_done(context: Any, group: str) -> float:
    """Return the share of the tasks of the group's jobs done so far, or -1 before the first."""
    tracker = context.statusTracker()
    done = total = 0
    for job in tracker.getJobIdsForGroup(group):
        info = tracker.getJobInfo(job)
        for stage in (tracker.getStageInfo(s) for s in (info.stageIds if info else ())):
            if stage is not None:
                done, total = done + stage.numCompletedTasks, total + stage.numTasks
    return 100 * done / total if total else -1


def to_spark_sql(sql: str) -> str:
    """Return the DuckDB query `sql` in Spark's SQL, meaning the same."""
    import sqlglot

    tree = sqlglot.parse_one(sql, read="duckdb").transform(_same_meaning)
    return str(tree.sql(dialect="spark", unsupported_level=sqlglot.ErrorLevel.RAISE))


def _same_meaning(node: Any) -> Any:
    """Rewrite a function Spark lacks, or has with another meaning, into what Spark means by it."""
    from sqlglot import exp, parse_one

    def spark(template: str, *args: Any) -> Any:
        spelled = (a.transform(_same_meaning).sql(dialect="spark") for a in args)
        return parse_one(template.format(*spelled), read="spark")

    if isinstance(node, exp.DayOfWeek):  # DuckDB counts Sunday as 0, Spark as 1
        return spark("(DAYOFWEEK({}) - 1)", node.this)
    if isinstance(node, exp.PercentileCont):  # quantile_cont(x, q): Spark's exact percentile
        return spark("PERCENTILE({}, {})", node.this, node.expression)
    if isinstance(node, exp.UnixToTime):  # chartspec writes epoch_ms(t) of a time only
        return spark("UNIX_MILLIS({})", node.this)
    if isinstance(node, exp.IsInf):
        return spark(f"(ABS({{}}) = {_INFINITY})", node.this)
    if isinstance(node, exp.TimestampFromParts):  # DuckDB's make_timestamp has no time zone
        parts = (node.args[k] for k in ("year", "month", "day", "hour", "min", "sec"))
        return spark("MAKE_TIMESTAMP_NTZ({}, {}, {}, {}, {}, {})", *parts)
    if isinstance(node, exp.Anonymous) and node.name.lower() == "isfinite":
        return spark(f"(NOT (ISNAN({{0}}) OR ABS({{0}}) = {_INFINITY}))", *node.expressions)
    if isinstance(node, exp.Anonymous) and node.name.lower() == "list_position":
        return spark("ARRAY_POSITION({}, {})", *node.expressions)
    return node


# --- the session -----------------------------------------------------------------------------


def _start() -> Any:
    """Return the running Spark session, or start a local one that ends with the process."""
    try:
        import sqlglot  # noqa: F401  (every query is translated with it)
        from pyspark.sql import SparkSession
    except ImportError:
        raise ChartspecError(
            "the Spark engine needs PySpark and sqlglot, which are not installed",
            hint="pip install 'chartspec[spark]'",
        ) from None
    running = SparkSession.getActiveSession()
    if running is not None:
        running.conf.set("spark.sql.session.timeZone", "UTC")
        return running
    settings = engine_settings()
    # Spark deletes what it spills when its Java process ends; the warehouse folder is made
    # only if a table is saved, which chartspec never does: neither is in the project folder.
    temp = settings.temp_directory or tempfile.gettempdir()
    config = {
        **_CONFIG,
        "spark.local.dir": temp,
        "spark.sql.warehouse.dir": os.path.join(temp, "chartspec-spark-warehouse"),
    }
    if settings.spark_master.startswith("local"):
        config["spark.sql.shuffle.partitions"] = "1"  # the reduced rows are few
    builder = SparkSession.builder.master(settings.spark_master).appName("chartspec")
    for key, value in config.items():
        builder = builder.config(key, value)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    with tempfile.TemporaryFile() as log:  # Spark's own log: unnamed, gone with the process
        try:
            with _output_to(log):
                spark = builder.getOrCreate()
        except Exception as error:  # PySpark raises plain errors when Java cannot start
            log.seek(0)
            lines = log.read().decode(errors="replace").strip().splitlines() or [str(error)]
            raise ChartspecError(
                f"cannot start Spark: {lines[-1].strip()}",
                hint="Spark needs Java 17 or later (JAVA_HOME); check spark-master in "
                "[tool.chartspec.engine]",
            ) from None
    atexit.register(_stop, spark)
    return spark


@contextlib.contextmanager
def _output_to(log: IO[bytes]) -> Iterator[None]:
    """Send what the Java process Spark starts writes to `log`, not between chartspec's lines."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    os.dup2(log.fileno(), 1)
    os.dup2(log.fileno(), 2)
    try:
        with warnings.catch_warnings():  # PySpark's warning about pandas versions it has not met
            warnings.simplefilter("ignore", FutureWarning)
            yield
    finally:
        for fd, copy in zip((1, 2), saved, strict=True):
            os.dup2(copy, fd)
            os.close(copy)


def _stop(spark: Any) -> None:
    with contextlib.suppress(Exception):
        spark.stop()


def _view(frame: Any) -> str:
    """Register `frame` as a temporary view; return its quoted name."""
    name = f"chartspec_{next(_views)}"
    frame.createOrReplaceTempView(name)
    return quote_name(name)


def _sql_types(frame: Any) -> dict[str, str]:
    return {
        f.name: _SQL_NAMES.get(f.dataType.typeName(), f.dataType.simpleString().upper())
        for f in frame.schema.fields
    }


def _errors() -> tuple[type[Exception], ...]:
    from py4j.protocol import Py4JError
    from pyspark.errors import PySparkException

    return PySparkException, Py4JError


def _run(spark: Any, table: LazyTable, sql: str, limit: int | None) -> Any:
    return run_query(spark, table, sql, limit=limit)


# What the engine-neutral code (`lazy.py`, `pushdown.py`) calls for a table Spark reads.
SPARK = QueryEngine(session=spark_session, run=_run)
