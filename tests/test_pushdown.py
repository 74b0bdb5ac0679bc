"""A chart over a lazy table gives the very bytes pre-aggregating the loaded table gives."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd
import pytest

from chartspec import Column, TableSchema, load_table, scan_csv, scan_parquet, scan_query
from chartspec.errors import ChartspecError
from chartspec.registry import ChartDef, draw_chart, load_charts
from chartspec.specs import chart_to_spec, spec_to_json
from chartspec.validate import check_spec
from conftest import REPO

ROWS = 600
SCHEMA = TableSchema(
    [
        Column("x", "number"),
        Column("y", "number", required=False),
        Column("t", "date"),
        Column("c", required=False),
        Column("i", "integer", required=False),
    ]
)
DEFINITION = ChartDef("c", "C", "A chart over a lazy table.", "test", lambda: None, __file__)


@pytest.fixture(autouse=True)
def preaggregate_loaded_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pre-aggregate loaded tables of any size, as tables of over 5,000 rows are."""
    monkeypatch.setattr("chartspec.specs.needs_preaggregation", lambda chart: True)


def write_small_table(folder: Path) -> pd.DataFrame:
    """Write a small table of every kind of column to t.csv and t.parquet; return it loaded."""
    rng = np.random.default_rng(7)
    frame = pd.DataFrame(
        {
            "x": rng.normal(size=ROWS).round(4),
            "y": rng.normal(size=ROWS).round(4),
            "t": pd.date_range("2024-01-01", periods=ROWS, freq="5h"),
            "c": rng.choice(["a", "b", "c"], ROWS),
            "i": rng.integers(0, 10, ROWS),
        }
    )
    frame = frame.astype({"y": object, "c": object, "i": object})
    frame.loc[5, "y"] = None  # empty cells, where the schema allows them
    frame.loc[9, "i"] = None
    frame.loc[11, "c"] = None
    frame.to_csv(folder / "t.csv", index=False)
    loaded = load_table(folder / "t.csv", SCHEMA)
    # In microseconds, the finest time Spark reads from Parquet.
    loaded.to_parquet(folder / "t.parquet", coerce_timestamps="us")
    return loaded


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The same small table, loaded into pandas and as Parquet, CSV and a query over Parquet."""
    folder = tmp_path_factory.mktemp("tables")
    return {
        "pandas": write_small_table(folder),
        "parquet": scan_parquet(folder / "t.parquet", SCHEMA),
        "csv": scan_csv(folder / "t.csv", SCHEMA),
        "query": scan_query(f"SELECT * FROM '{folder / 't.parquet'}'", SCHEMA),
    }


def charts(data: object) -> dict[str, alt.Chart]:
    base = alt.Chart(data)
    return {
        "bin-2d": base.mark_rect().encode(
            alt.X("x:Q", bin=alt.Bin(maxbins=30)),
            alt.Y("y:Q", bin=alt.Bin(maxbins=20)),
            alt.Color("count():Q"),
        ),
        "bin-1d": base.mark_bar().encode(alt.X("x:Q", bin=True), y="count()"),
        # bins from 0, over a column with an empty cell and over one without
        "bin-from-zero": base.mark_bar().encode(alt.X("i:Q", bin=True), y="count()"),
        "bin-from-zero-filled": base.transform_calculate(s="datum.x * datum.x")
        .mark_bar()
        .encode(alt.X("s:Q", bin=alt.Bin(maxbins=7)), y="count()"),
        "bin-extent-step": base.mark_bar().encode(
            alt.X("x:Q", bin=alt.Bin(extent=[-2, 2], step=0.5)), y="count()"
        ),
        "timeunit-mean": base.mark_line().encode(
            alt.X("yearmonthdate(t):T"), alt.Y("mean(y):Q"), color="c:N"
        ),
        "timeunit-bar-sum": base.mark_bar().encode(alt.X("yearmonth(t):T"), alt.Y("sum(i):Q")),
        "hour-by-weekday": base.mark_rect().encode(
            alt.X("hours(t):O"), alt.Y("day(t):O"), color="count()"
        ),
        "month-max": base.mark_line().encode(alt.X("month(t):O"), alt.Y("max(i):Q")),
        "line-points": base.mark_line(point=True).encode(
            alt.X("yearmonth(t):T"), alt.Y("mean(y):Q"), color="c:N"
        ),
        "quartiles-distinct": base.mark_point().encode(
            x="c:N",
            y="median(y):Q",
            color="q1(y):Q",
            size="q3(x):Q",
            opacity="distinct(i):Q",
            tooltip=["min(y):Q", "max(x):Q", "sum(i):Q", "valid(y):Q", "missing(y):Q"],
        ),
        "filter-calculate": base.transform_filter("datum.x > 0 && datum.c != 'b'")
        .transform_calculate(z="datum.x * 2 + abs(datum.y)")
        .mark_bar()
        .encode(x="c:N", y="sum(z):Q"),
        "calculate-integer": base.transform_calculate(k="datum.i * 2 + 1")
        .mark_bar()
        .encode(x="c:N", y="sum(k):Q"),
        "field-predicates": base.transform_filter(
            alt.FieldOneOfPredicate(field="c", oneOf=["a", "b"])
        )
        .transform_filter(alt.FieldGTEPredicate(field="x", gte=-1))
        .mark_bar()
        .encode(x="c:N", y="mean(x):Q"),
        "stacked-bars": base.mark_bar().encode(x="c:N", y="sum(x):Q", color="i:N"),
        "aggregate-transform": base.transform_aggregate(total="sum(x)", groupby=["c"])
        .mark_point()
        .encode(x="c:N", y="total:Q"),
    }


def spec_text(chart: alt.Chart) -> str:
    return spec_to_json(chart_to_spec(chart, DEFINITION))


@pytest.mark.parametrize("kind", list(charts(None)))
def test_each_pushed_down_chart_matches_the_pandas_spec_byte_for_byte(tables, kind) -> None:
    expected = spec_text(charts(tables["pandas"])[kind])
    assert spec_text(charts(tables["parquet"])[kind]) == expected


@pytest.mark.parametrize("source", ["csv", "query"])
def test_csv_files_and_queries_give_the_same_bytes_as_parquet(tables, source) -> None:
    for kind in ("bin-2d", "hour-by-weekday", "quartiles-distinct"):
        assert spec_text(charts(tables[source])[kind]) == spec_text(charts(tables["parquet"])[kind])


def test_the_hour_by_weekday_heat_map_keeps_both_time_units(tables) -> None:
    spec = chart_to_spec(charts(tables["parquet"])["hour-by-weekday"], DEFINITION)
    x, y = spec["encoding"]["x"], spec["encoding"]["y"]
    assert (x["field"], x["timeUnit"]) == ("t", "hours")
    assert (y["field"], y["timeUnit"], y["title"]) == ("day_t", "day", "t (day)")
    (rows,) = spec["datasets"].values()
    assert len(rows) == 7 * 24  # 600 rows 5 hours apart meet every hour of every weekday
    assert {row["day_t"][:10] for row in rows} == {f"2012-01-0{d}" for d in range(1, 8)}


def test_a_folder_of_parquet_files_is_one_table(tables, tmp_path: Path) -> None:
    loaded = tables["pandas"]
    for part, rows in enumerate(np.array_split(np.arange(len(loaded)), 3)):
        loaded.iloc[rows].to_parquet(tmp_path / f"part-{part}.parquet")
    folder = scan_parquet(tmp_path, SCHEMA)
    glob = scan_parquet(tmp_path / "part-*.parquet", SCHEMA)
    expected = spec_text(charts(tables["parquet"])["bin-2d"])
    assert spec_text(charts(folder)["bin-2d"]) == expected
    assert spec_text(charts(glob)["bin-2d"]) == expected


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda b: b.transform_window(rank="rank()").mark_bar().encode(x="c:N", y="max(rank):Q"),
            "cannot push the 'window' transform down to the engine: the 'window' transform has no "
            "SQL translation",
        ),
        (
            lambda b: (
                b.transform_filter("test(/a/, datum.c)").mark_bar().encode(x="c:N", y="count()")
            ),
            "cannot push the 'filter' transform down to the engine",
        ),
        (
            lambda b: b.mark_point().encode(x="x:Q", y="y:Q"),
            "the chart draws every row of the lazy table; bin or aggregate an encoding, or "
            "aggregate or sample the table in its query (chartspec.scan_query), then chart that",
        ),
        (
            lambda b: alt.layer(b.mark_bar().encode(x="c:N", y="count()")),
            "a LayerChart over the lazy table",
        ),
    ],
    ids=["window", "regex-filter", "every-row", "layer"],
)
def test_what_cannot_be_pushed_down_is_named_never_read_whole(tables, make, message) -> None:
    with pytest.raises(ChartspecError) as caught:
        chart_to_spec(make(alt.Chart(tables["parquet"])), DEFINITION)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_reduction_to_too_many_rows_is_refused() -> None:
    table = scan_query(
        "SELECT i::DOUBLE AS x FROM range(6000) AS r(i)", TableSchema([Column("x", "number")])
    )
    chart = alt.Chart(table).mark_point().encode(x="x:Q", y="count()")
    with pytest.raises(ChartspecError, match="reduces the lazy table to over 5,000 rows"):
        chart_to_spec(chart, DEFINITION)


def test_the_big_tables_example_builds_small_valid_specs(tmp_path: Path) -> None:
    example = Path(shutil.copytree(REPO / "examples" / "big-tables", tmp_path / "example"))
    subprocess.run([sys.executable, str(example / "make_trips.py"), "--rows", "20000"], check=True)
    built = {
        name: chart_to_spec(draw_chart(definition), definition)
        for name, definition in load_charts(example / "charts").items()
    }
    assert set(built) == {"trips-hour-by-weekday", "trip-distance", "trips-per-month"}
    for spec in built.values():
        assert check_spec(spec) == []
        (rows,) = spec["datasets"].values()
        assert 0 < len(rows) <= 7 * 24
    weekdays = built["trips-hour-by-weekday"]["datasets"]
    assert sum(row["__count"] for rows in weekdays.values() for row in rows) == 20000
