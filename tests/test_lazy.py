"""Lazy tables: schema checks by queries, one-line errors, limits, and a cache that never reads them."""

from __future__ import annotations

import json
import os
import re
import textwrap
from pathlib import Path

import duckdb
import pytest

from chartspec import Column, TableSchema, scan_csv, scan_parquet, scan_query
from chartspec.cache import files_fingerprint
from chartspec.errors import ChartspecError
from chartspec.inputs import FILES_PREFIX, VERSION_PREFIX, track_inputs
from chartspec.lazy import SHOW_QUERY_PROGRESS, connect, engine_settings, run_query

SCHEMA = TableSchema(
    [Column("id"), Column("km", "number", min=0, unit="km"), Column("n", "integer")], key="id"
)
GOOD_ROWS = "SELECT 'r' || i AS id, i / 10 AS km, i % 7 AS n FROM range(200) AS t(i)"


def parquet(path: Path, select: str = GOOD_ROWS) -> Path:
    duckdb.sql(f"COPY ({select}) TO '{path}' (FORMAT parquet)")
    return path


def error_of(make) -> str:
    with pytest.raises(ChartspecError) as caught:
        make()
    return str(caught.value)


def test_a_good_parquet_file_passes_its_schema(tmp_path: Path) -> None:
    table = scan_parquet(parquet(tmp_path / "t.parquet"), SCHEMA)
    assert table.columns() == {"id": "string", "km": "number", "n": "integer"}


# Tables that break the schema, and the line each gives (on every engine).
SCHEMA_ERRORS = [
    pytest.param(
        GOOD_ROWS.replace("i / 10 AS km", "i / 10 - 3 AS km"),
        "t.parquet:1:km: -3 km is below the allowed minimum 0; check the value or the "
        "column's declared range",
        id="range",
    ),
    pytest.param(
        GOOD_ROWS.replace("i / 10 AS km", "CASE WHEN i = 42 THEN NULL ELSE i END AS km"),
        "t.parquet:43:km: empty cell; fill it in",
        id="empty",
    ),
    pytest.param(
        GOOD_ROWS.replace("'r' || i AS id", "'r' || (i % 150) AS id"),
        "t.parquet:151:id: duplicate key 'r0'; each row needs its own key",
        id="duplicate-key",
    ),
    pytest.param(
        GOOD_ROWS.replace("i % 7 AS n", "i / 7 AS n"),
        "t.parquet:n: the column holds DOUBLE, not integer values; declare it as another "
        "type, or cast it to BIGINT",
        id="type",
    ),
    pytest.param(
        GOOD_ROWS.replace(", i % 7 AS n", ""),
        "t.parquet: missing column 'n' (the table has 'id', 'km'); add the column or fix its "
        "name in the schema",
        id="missing-column",
    ),
    pytest.param(
        GOOD_ROWS.replace("i / 10 AS km", "CASE WHEN i = 7 THEN 'nan'::DOUBLE ELSE i END AS km"),
        "t.parquet:8:km: nan is not a finite number; NaN and infinity are not allowed",
        id="nan",
    ),
]


@pytest.mark.parametrize(("select", "message"), SCHEMA_ERRORS)
def test_schema_errors_name_the_file_row_and_column(tmp_path: Path, select, message) -> None:
    path = parquet(tmp_path / "t.parquet", select)
    assert (
        error_of(lambda: scan_parquet(path, SCHEMA)) == f"{path}{message.removeprefix('t.parquet')}"
    )


def test_a_csv_error_names_the_line_counting_the_header(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("id,km,n\na,1,1\nb,-2,1\n", encoding="utf-8")
    assert error_of(lambda: scan_csv(path, SCHEMA)).startswith(
        f"{path}:3:km: -2 km is below the allowed minimum 0"
    )


def test_a_csv_without_a_declared_column_names_it_and_the_header(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("id,distance,n\na,1,1\n", encoding="utf-8")
    assert error_of(lambda: scan_csv(path, SCHEMA)) == (
        f"{path}: missing column 'km' (the table has 'id', 'distance', 'n'); add the column or "
        "fix its name in the schema"
    )


def test_a_bad_cell_in_a_csv_is_one_line_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("id,km,n\na,1,1\nb,lots,1\n", encoding="utf-8")
    message = error_of(lambda: scan_csv(path, SCHEMA))
    assert message.startswith(f"{path}: the engine cannot read the table: ")
    assert "\n" not in message


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "none.parquet", "{p}/none.parquet: no such file; check the path"),
        (lambda p: p, "{p}: no PARQUET file in the folder; check the path"),
        (lambda p: p / "*.parquet", "{p}/*.parquet: no PARQUET file matches the pattern"),
    ],
    ids=["missing-file", "empty-folder", "glob"],
)
def test_a_missing_parquet_file_is_named(tmp_path: Path, make, message) -> None:
    assert error_of(lambda: scan_parquet(make(tmp_path), SCHEMA)).startswith(
        message.format(p=tmp_path)
    )


def test_a_malformed_parquet_file_is_one_line_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    path.write_bytes(b"PAR1 this is not a table")
    message = error_of(lambda: scan_parquet(path, SCHEMA))
    assert message.startswith(f"{path}: the engine cannot read the table: ")
    assert "\n" not in message


def test_a_query_past_its_time_limit_is_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHARTSPEC_QUERY_TIMEOUT", "0.3")
    endless = "SELECT sum(a.i * b.i)::DOUBLE AS x FROM range(100000) a(i), range(100000) b(i)"
    message = error_of(lambda: scan_query(endless, TableSchema([Column("x", "number")])))
    assert message.startswith("query: the query over the table ran longer than 0.3 s; raise")


@pytest.mark.parametrize("shown", [True, False], ids=["shown", "quiet"])
def test_a_long_query_tells_how_far_it_has_come(monkeypatch, capsys, shown) -> None:
    table = scan_query("SELECT 1.0 AS x", TableSchema([Column("x", "number")]))
    monkeypatch.setenv("CHARTSPEC_PROGRESS_DELAY", "0")
    monkeypatch.setattr("chartspec.lazy.PROGRESS_POLL_SECONDS", 0.01)
    long_query = "SELECT sum(hash(i) % 7) AS n FROM range(150000000) r(i)"
    token = SHOW_QUERY_PROGRESS.set(shown)
    try:
        with connect(table) as con:
            assert run_query(con, table, long_query)["n"][0] > 0
    finally:
        SHOW_QUERY_PROGRESS.reset(token)
    lines = capsys.readouterr().err.splitlines()
    if not shown:
        assert lines == []
        return
    done = [int(re.fullmatch(r"chartspec: querying query \(percent\): (\d+)/100 \(.*s\)", line)[1])
            for line in lines]  # fmt: skip
    assert len(done) >= 2 and done[-1] == 100, lines  # at least one report before the end
    assert done == sorted(done)


def test_engine_settings_come_from_pyproject_and_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.chartspec.engine]\nquery-timeout = 30\nmemory-limit = "300MB"\n', encoding="utf-8"
    )
    assert engine_settings().query_timeout == 30
    table = scan_query("SELECT 1 AS x", TableSchema([Column("x", "number")]))
    with connect(table) as con:
        assert con.sql("SELECT current_setting('memory_limit')").fetchall()[0][0] == "286.1 MiB"
        spill = con.sql("SELECT current_setting('temp_directory')").fetchall()[0][0]
        assert not Path(spill).is_relative_to(tmp_path)  # never spills into the project
    monkeypatch.setenv("CHARTSPEC_QUERY_TIMEOUT", "5")
    assert engine_settings().query_timeout == 5
    (tmp_path / "pyproject.toml").write_text("[tool.chartspec.engine]\nthreads = 2\n", "utf-8")
    assert "unknown setting 'threads' in [tool.chartspec.engine]" in error_of(engine_settings)


def test_without_duckdb_a_lazy_table_asks_for_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(__import__("sys").modules, "duckdb", None)
    assert error_of(lambda: scan_query("SELECT 1 AS x", TableSchema([Column("x", "number")]))) == (
        "lazy tables need DuckDB, which is not installed; pip install 'chartspec[duckdb]'"
    )


# --- through the command line ---------------------------------------------------------------

TRIPS_CHART = """
import os
from pathlib import Path

import altair as alt
from chartspec import Column, TableSchema, chart, scan_parquet

SCHEMA = TableSchema([Column("km", "number", min=0), Column("n", "integer")])


@chart("trips", title="Trips", description="Trips by distance.", source="made up")
def trips():
    with open(os.environ["DRAWN_LOG"], "a") as log:  # counts the charts drawn, so the queries run
        log.write("drawn\\n")
    table = scan_parquet(Path(__file__).parent / "data", SCHEMA)
    return alt.Chart(table).mark_bar().encode(alt.X("km:Q", bin=True), y="count()"){extra}
"""


def lazy_project(folder: Path, *, extra: str = "") -> Path:
    (folder / "charts" / "data").mkdir(parents=True)
    chart = TRIPS_CHART.replace("{extra}", extra)
    (folder / "charts" / "trips.py").write_text(textwrap.dedent(chart), encoding="utf-8")
    parquet(
        folder / "charts" / "data" / "part-0.parquet",
        "SELECT i / 10 AS km, i % 7 AS n FROM range(300) t(i)",
    )
    return folder


def test_the_cache_keys_a_lazy_table_by_its_files_metadata(tmp_path: Path, cli) -> None:
    project = lazy_project(tmp_path / "p")
    log = tmp_path / "drawn.log"
    env = {"DRAWN_LOG": str(log)}
    assert cli("build", cwd=project, env=env).returncode == 0
    spec = json.loads((project / "specs" / "trips.vl.json").read_text(encoding="utf-8"))
    assert spec["usermeta"]["chartspec"]["inputs"] == [{"path": "charts/data"}]  # the folder
    (project / "notes.txt").write_text("unrelated", encoding="utf-8")
    assert cli("check", cwd=project, env=env).returncode == 0
    assert log.read_text().count("drawn") == 1  # check did not query the table again
    select = "SELECT i / 10 AS km, i % 7 AS n FROM range(900) t(i)"
    parquet(project / "charts" / "data" / "part-0.parquet", select)
    done = cli("check", cwd=project, env=env)
    assert done.returncode == 1 and "trips" in done.stdout + done.stderr  # the spec is stale
    assert log.read_text().count("drawn") == 2


def test_a_lazy_tables_fingerprint_is_its_files_names_sizes_and_times(tmp_path: Path) -> None:
    part = parquet(tmp_path / "part-0.parquet")
    pattern = str(tmp_path / "*.parquet")
    before = files_fingerprint(pattern)
    (tmp_path / "notes.txt").write_text("unrelated", encoding="utf-8")
    assert files_fingerprint(pattern) == before
    os.utime(part, ns=(0, 0))
    assert files_fingerprint(pattern) != before
    touched = files_fingerprint(pattern)
    parquet(tmp_path / "part-1.parquet")
    assert files_fingerprint(pattern) != touched


@pytest.mark.parametrize(
    ("extra", "break_data", "message"),
    [
        (
            "",
            lambda d: parquet(d / "part-0.parquet", "SELECT -1.0 AS km, 1 AS n"),
            "chartspec: error: {d}/part-0.parquet:1:km: -1 is below the allowed minimum 0; "
            "check the value or the column's declared range",
        ),
        (
            ".transform_filter('test(/a/, datum.n)')",
            lambda d: None,
            "chartspec: error: {d}: cannot push the 'filter' transform down to the engine: '/' "
            "in the expression 'test(/a/, datum.n)' has no SQL translation; rewrite it in terms "
            "chartspec translates, or aggregate or sample the table in its query "
            "(chartspec.scan_query), then chart that",
        ),
        (
            "",
            lambda d: (d / "part-0.parquet").write_bytes(b"PAR1 broken"),
            "chartspec: error: {d}/part-0.parquet: the engine cannot read the table: ",
        ),
        (
            "",
            lambda d: (d / "part-0.parquet").unlink(),
            "chartspec: error: {d}: no PARQUET file in the folder; check the path",
        ),
    ],
    ids=["schema", "untranslatable", "malformed", "missing"],
)
def test_bad_lazy_input_is_one_line_exit_2_and_nothing_written(
    tmp_path: Path, cli, extra, break_data, message
) -> None:
    project = lazy_project(tmp_path / "p", extra=extra)
    data = project / "charts" / "data"
    break_data(data)
    done = cli("build", cwd=project, env={"DRAWN_LOG": str(tmp_path / "log")})
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(message.format(d=data)), done.stderr
    assert done.stderr.count("\n") == 1
    assert not (project / "specs").exists() and not (project / "site").exists()


def test_a_query_past_the_time_limit_through_the_command_line(tmp_path: Path, cli) -> None:
    project = lazy_project(tmp_path / "p")
    (project / "pyproject.toml").write_text("[tool.chartspec.engine]\nquery-timeout = 0.3\n")
    chart = project / "charts" / "trips.py"
    endless = (
        "SELECT sum(a.i * b.i)::DOUBLE AS km, 1 AS n FROM range(100000) a(i), range(100000) b(i)"
    )
    chart.write_text(
        chart.read_text().replace(
            'scan_parquet(Path(__file__).parent / "data", SCHEMA)',
            f'__import__("chartspec").scan_query("{endless}", SCHEMA)',
        )
    )
    done = cli("build", cwd=project, env={"DRAWN_LOG": str(tmp_path / "log")})
    assert done.returncode == 2
    assert done.stderr == (
        "chartspec: error: query: the query over the table ran longer than 0.3 s; raise "
        "query-timeout in [tool.chartspec.engine] (or CHARTSPEC_QUERY_TIMEOUT), or reduce the "
        "table in its query\n"
    )
    assert not (project / "specs").exists()


def test_a_query_over_a_database_file_is_read_only_and_keyed_by_it(tmp_path: Path) -> None:
    database = tmp_path / "trips.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute(f"CREATE TABLE trips AS {GOOD_ROWS}")
    with track_inputs() as read:
        table = scan_query("SELECT * FROM trips", SCHEMA, database=database, version="2026-11")
    assert table.database == str(database)
    assert any(entry.startswith(FILES_PREFIX) and "trips.duckdb" in entry for entry in read)
    assert sum(entry.startswith(VERSION_PREFIX) for entry in read) == 1
    with connect(table) as con, pytest.raises(duckdb.Error, match="read-only"):
        con.execute("DELETE FROM trips")
