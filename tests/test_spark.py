"""Spark reads lazy tables: the same checks, the same errors and the very same spec bytes as DuckDB.

One local Spark session (it takes seconds to start) serves the whole module.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import altair as alt
import duckdb
import pytest

import chartspec.spark
from chartspec import scan_csv, scan_parquet
from chartspec.errors import ChartspecError
from chartspec.inputs import FILES_PREFIX, VERSION_PREFIX, track_inputs
from chartspec.lazy import LazyTable, engine_settings
from chartspec.spark import SPARK, run_query, scan_spark, spark_session, to_spark_sql
from chartspec.specs import chart_to_spec
from test_lazy import GOOD_ROWS, SCHEMA_ERRORS, error_of, lazy_project, parquet
from test_lazy import SCHEMA as KEYED
from test_pushdown import DEFINITION, ROWS, SCHEMA, charts, spec_text, write_small_table

pytestmark = pytest.mark.slow  # a Java process starts: about 20 s before the first query


@pytest.fixture(autouse=True)
def preaggregate_loaded_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pre-aggregate loaded tables of any size, as tables of over 5,000 rows are."""
    monkeypatch.setattr("chartspec.specs.needs_preaggregation", lambda chart: True)


@pytest.fixture
def on_spark(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHARTSPEC_ENGINE", "spark")


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The same small table loaded into pandas, read by DuckDB, and read by Spark three ways."""
    folder = tmp_path_factory.mktemp("tables")
    loaded = write_small_table(folder)
    with pytest.MonkeyPatch.context() as patch:
        duck = scan_parquet(folder / "t.parquet", SCHEMA)
        patch.setenv("CHARTSPEC_ENGINE", "spark")
        spark_parquet = scan_parquet(folder / "t.parquet", SCHEMA)
        spark_csv = scan_csv(folder / "t.csv", SCHEMA)
    dataframe = scan_spark(spark_session().read.parquet(str(folder / "t.parquet")), SCHEMA)
    assert duck.engine is None  # the embedded DuckDB
    assert spark_parquet.engine is dataframe.engine is SPARK
    return {
        "pandas": loaded,
        "duckdb": duck,
        "spark": spark_parquet,
        "spark-csv": spark_csv,
        "spark-dataframe": dataframe,
    }


@pytest.mark.parametrize("kind", list(charts(None)))
def test_each_chart_on_spark_matches_duckdb_and_pandas_byte_for_byte(tables, kind) -> None:
    on_spark = spec_text(charts(tables["spark"])[kind])
    assert on_spark == spec_text(charts(tables["duckdb"])[kind])
    assert on_spark == spec_text(charts(tables["pandas"])[kind])


@pytest.mark.parametrize("source", ["spark-csv", "spark-dataframe"])
def test_csv_files_and_data_frames_on_spark_give_the_same_bytes(tables, source) -> None:
    for kind in ("bin-2d", "hour-by-weekday"):
        assert spec_text(charts(tables[source])[kind]) == spec_text(charts(tables["spark"])[kind])


def test_a_heat_map_on_spark_has_the_rows_duckdb_counts(tables) -> None:
    spec = chart_to_spec(charts(tables["spark"])["hour-by-weekday"], DEFINITION)
    (rows,) = spec["datasets"].values()
    assert len(rows) == 7 * 24 and sum(row["__count"] for row in rows) == ROWS
    assert {row["day_t"][:10] for row in rows} == {f"2012-01-0{d}" for d in range(1, 8)}


@pytest.mark.parametrize(("select", "message"), SCHEMA_ERRORS)
def test_schema_errors_on_spark_are_duckdbs_lines(
    tmp_path: Path, on_spark: None, select, message
) -> None:
    path = parquet(tmp_path / "t.parquet", select)
    assert (
        error_of(lambda: scan_parquet(path, KEYED)) == f"{path}{message.removeprefix('t.parquet')}"
    )


def test_a_csv_error_on_spark_names_the_line_counting_the_header(
    tmp_path: Path, on_spark: None
) -> None:
    path = tmp_path / "t.csv"
    path.write_text('id,km,n\na,1,1\n"b\nc",2,1\nd,-2,1\n', encoding="utf-8")
    assert error_of(lambda: scan_csv(path, KEYED)) == (
        f"{path}:4:km: -2 km is below the allowed minimum 0; check the value or the column's "
        "declared range"
    )


def test_a_data_frame_error_names_the_frame_and_column() -> None:
    rows = duckdb.sql(GOOD_ROWS.replace("i / 10 AS km", "i / 10 - 3 AS km")).df()
    frame = spark_session().createDataFrame(rows)
    assert error_of(lambda: scan_spark(frame, KEYED, name="trips")) == (
        "trips:km: -3 km is below the allowed minimum 0; check the value or the column's "
        "declared range"
    )


def test_a_data_frame_is_keyed_by_its_files_and_version(tmp_path: Path) -> None:
    path = parquet(tmp_path / "t.parquet")
    with track_inputs() as read:
        scan_spark(spark_session().read.parquet(str(path)), KEYED, version="2026-11")
    assert any(entry.startswith(FILES_PREFIX) and entry.endswith("t.parquet") for entry in read)
    assert sum(entry.startswith(VERSION_PREFIX) for entry in read) == 1


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "none.parquet", "{p}/none.parquet: no such file; check the path"),
        (
            lambda p: (p / "t.parquet").write_bytes(b"PAR1 broken") and p / "t.parquet",
            "{p}/t.parquet: the engine cannot read the table: ",
        ),
    ],
    ids=["missing", "malformed"],
)
def test_a_missing_or_malformed_file_on_spark_is_one_line(
    tmp_path: Path, on_spark: None, make, message
) -> None:
    found = error_of(lambda: scan_parquet(make(tmp_path), KEYED))
    assert found.startswith(message.format(p=tmp_path)) and "\n" not in found


def test_what_spark_cannot_be_given_is_named(tables) -> None:
    chart = alt.Chart(tables["spark"]).transform_window(rank="rank()").mark_bar()
    with pytest.raises(ChartspecError) as caught:
        chart_to_spec(chart.encode(x="c:N", y="max(rank):Q"), DEFINITION)
    assert "cannot push the 'window' transform down to the engine" in str(caught.value)


def test_the_engine_is_chosen_by_pyproject_or_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert engine_settings().name == "duckdb"
    (tmp_path / "pyproject.toml").write_text(
        '[tool.chartspec.engine]\nname = "spark"\nspark-master = "local[2]"\n', encoding="utf-8"
    )
    assert (engine_settings().name, engine_settings().spark_master) == ("spark", "local[2]")
    monkeypatch.setenv("CHARTSPEC_ENGINE", "presto")
    assert error_of(engine_settings) == (
        'pyproject.toml: unknown engine \'presto\'; set name = "duckdb" or "spark" in '
        "[tool.chartspec.engine] (or CHARTSPEC_ENGINE)"
    )


@pytest.mark.parametrize(
    ("duckdb_sql", "spark_sql"),
    [
        ("SELECT dayofweek(t) FROM v", "SELECT (DAYOFWEEK(t) - 1) FROM v"),
        ("SELECT quantile_cont(x, 0.25) FROM v", "SELECT PERCENTILE(x, 0.25) FROM v"),
        ("SELECT epoch_ms(t) FROM v", "SELECT UNIX_MILLIS(t) FROM v"),
        (
            "SELECT make_timestamp(2012, 1, 1, 0, 0, 0)",
            "SELECT MAKE_TIMESTAMP_NTZ(2012, 1, 1, 0, 0, 0)",
        ),
    ],
)
def test_functions_that_differ_are_translated_to_their_meaning(duckdb_sql, spark_sql) -> None:
    assert to_spark_sql(duckdb_sql) == spark_sql


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT dayofweek(TIMESTAMP '2024-01-07 05:00'), epoch_ms(TIMESTAMP '2024-01-07 05:00')",
        "SELECT quantile_cont(x, 0.25), median(x) FROM (VALUES (1.0::DOUBLE), (2.0), (4.0), (8.0)) AS v(x)",
        "SELECT isinf(x), isfinite(x) FROM (VALUES ('infinity'::DOUBLE), ('nan'::DOUBLE), (1.5), (NULL)) AS v(x)",
        "SELECT coalesce(list_position(['a', 'b'], 'b'), 0) - 1, coalesce(list_position(['a'], 'z'), 0) - 1",
        "SELECT date_trunc('month', TIMESTAMP '2024-05-07 05:00')::TIMESTAMP + INTERVAL '3 months'",
    ],
)
def test_translated_functions_give_duckdbs_values(sql) -> None:
    expected = duckdb.sql(sql).fetchall()
    found = spark_session().sql(to_spark_sql(sql)).collect()
    assert json.dumps([list(r) for r in found], default=str) == json.dumps(
        [list(r) for r in expected], default=str
    )


def test_a_long_query_on_spark_tells_how_far_it_has_come(monkeypatch, capsys) -> None:
    monkeypatch.setenv("CHARTSPEC_PROGRESS_DELAY", "0")
    monkeypatch.setattr("chartspec.lazy.PROGRESS_POLL_SECONDS", 0.01)
    spark = spark_session()
    spark.range(0, 2 * 10**8, 1, 8).createOrReplaceTempView("numbers")  # 8 tasks
    table = LazyTable("numbers", "dataframe", SCHEMA, reader="numbers", engine=SPARK)
    assert run_query(spark, table, "SELECT sum(id % 7) AS n FROM numbers")["n"][0] > 0
    lines = capsys.readouterr().err.splitlines()
    done = [int(re.fullmatch(r"chartspec: querying numbers \(percent\): (\d+)/100 \(.*s\)", line)[1])
            for line in lines]  # fmt: skip
    assert len(done) >= 2 and done[-1] == 100, lines  # at least one report before the end
    assert done == sorted(done)


def test_a_query_past_the_time_limit_is_stopped_with_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A join of 10^12 row pairs would run for hours: the limit stops it, whichever job is running."""
    monkeypatch.setenv("CHARTSPEC_QUERY_TIMEOUT", "2")
    spark = spark_session()
    left = spark.range(10**6).withColumnRenamed("id", "a")
    left.crossJoin(spark.range(10**6).withColumnRenamed("id", "b")).createOrReplaceTempView("pairs")
    table = LazyTable("pairs", "dataframe", SCHEMA, reader="pairs", engine=SPARK)
    outcome: list[object] = []

    def query() -> None:
        try:
            outcome.append(run_query(spark, table, "SELECT sum(a * 0.5 + b) AS x FROM pairs"))
        except ChartspecError as error:
            outcome.append(str(error))

    running = threading.Thread(target=query, daemon=True)
    running.start()
    running.join(600)  # seconds, not hours: generous for a busy machine
    try:
        assert not running.is_alive(), "the query still runs 10 minutes past its 2 s limit"
        assert outcome == [
            "pairs: the query over the table ran longer than 2 s; raise query-timeout in "
            "[tool.chartspec.engine] (or CHARTSPEC_QUERY_TIMEOUT), or reduce the table in its query"
        ]
    finally:
        spark.sparkContext.cancelAllJobs()


def test_a_build_set_to_spark_writes_duckdbs_spec_and_nothing_else(tmp_path: Path) -> None:
    def build(project: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "chartspec", "build", "--jobs", "1"],
            cwd=project,
            env={**os.environ, "DRAWN_LOG": str(tmp_path / "drawn.log")},
            capture_output=True,
            text=True,
            timeout=1200,  # a Java process starts: slow on a busy machine
        )

    on_duckdb = lazy_project(tmp_path / "duckdb")
    assert build(on_duckdb).returncode == 0
    on_spark = lazy_project(tmp_path / "spark")
    (on_spark / "pyproject.toml").write_text('[tool.chartspec.engine]\nname = "spark"\n')
    done = build(on_spark)
    assert done.returncode == 0, done.stderr
    assert "WARN" not in done.stderr + done.stdout  # Spark's own log is kept out
    spec = Path("specs") / "trips.vl.json"
    assert (on_spark / spec).read_bytes() == (on_duckdb / spec).read_bytes()


def test_without_pyspark_the_spark_engine_asks_for_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(__import__("sys").modules, "pyspark.sql", None)
    assert error_of(chartspec.spark._start) == (
        "the Spark engine needs PySpark and sqlglot, which are not installed; "
        "pip install 'chartspec[spark]'"
    )
