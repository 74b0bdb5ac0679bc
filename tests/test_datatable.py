"""What readers see of a chart's data: its declared columns, units and rounding."""

from __future__ import annotations

from decimal import Decimal

import altair as alt
import pandas as pd
import pytest

from chartspec.datatable import (
    declared_columns,
    reader_datasets,
    reader_view,
    schema_to_columns,
    table_label,
)
from chartspec.registry import ChartDef
from chartspec.spec_data import DataFiles
from chartspec.specs import chart_to_spec, with_schema
from chartspec.tables import Column, TableSchema

SCHEMA = TableSchema(
    [
        Column("model"),
        Column("speed", "number", unit="tokens/s", decimals=1),
        Column("runs", "integer"),
        Column("score", "number", unit="%"),
    ],
    key="model",
)
ROWS = [
    {"label_x": 590.452823992, "score": 45.47, "speed": 501.5, "runs": 3, "model": "MiniCPM"},
    {"label_x": 733.0, "score": 47.8, "speed": 733.04999, "runs": 4.0, "model": "Memory³"},
]


def test_the_schema_travels_with_the_spec(tmp_path) -> None:
    table = pd.DataFrame(ROWS)
    chart = with_schema(alt.Chart(table).mark_point().encode(x="speed:Q", y="score:Q"), SCHEMA)
    definition = ChartDef("m", "M", "d", "s", lambda: chart, tmp_path / "m.py")
    spec = chart_to_spec(chart, definition)
    assert spec["usermeta"]["chartspec"]["key"] == "model"
    assert declared_columns(spec) == schema_to_columns(SCHEMA)
    assert declared_columns(spec) == [
        {"name": "model"},
        {"name": "speed", "type": "number", "unit": "tokens/s", "decimals": 1},
        {"name": "runs", "type": "integer"},
        {"name": "score", "type": "number", "unit": "%"},
    ]


def test_reader_view_keeps_declared_columns_in_order_with_units_and_rounding() -> None:
    view = reader_view(ROWS, schema_to_columns(SCHEMA))
    assert view is not None
    headers, rows = view
    assert headers == ["model", "speed (tokens/s)", "runs", "score (%)"]
    assert rows == [
        {"model": "MiniCPM", "speed (tokens/s)": Decimal("501.5"), "runs": 3, "score (%)": 45.47},
        {"model": "Memory³", "speed (tokens/s)": Decimal("733.0"), "runs": 4, "score (%)": 47.8},
    ]
    assert str(rows[1]["speed (tokens/s)"]) == "733.0"  # the declared digits, trailing zero kept


def test_cells_read_back_from_csv_text_are_rounded_too() -> None:
    rows = [
        {"model": "a", "speed": "12.345", "runs": "2", "score": ""},
        {"model": "b", "speed": "12", "runs": "3.0", "score": "2250"},
    ]
    _, view = reader_view(rows, schema_to_columns(SCHEMA)) or ([], [])
    assert view == [
        {"model": "a", "speed (tokens/s)": Decimal("12.3"), "runs": 2, "score (%)": ""},
        {"model": "b", "speed (tokens/s)": Decimal("12.0"), "runs": 3, "score (%)": 2250},
    ]


def test_without_declared_columns_or_with_other_rows_nothing_changes() -> None:
    assert reader_view(ROWS, []) is None
    assert reader_view([{"model": "a"}], schema_to_columns(SCHEMA)) is None
    assert declared_columns({"usermeta": {"chartspec": {"columns": "speed"}}}) == []
    assert declared_columns({"usermeta": {"chartspec": {"columns": [{"name": 3}, "x"]}}}) == []


def test_decimals_are_for_number_columns() -> None:
    with pytest.raises(ValueError, match="decimals is for number columns"):
        Column("n", "integer", decimals=2)
    with pytest.raises(ValueError, match="decimals is for number columns"):
        Column("n", "number", decimals=-1)


def test_tables_are_named_after_the_chart_never_a_hash() -> None:
    assert table_label("data-9edb137afcd6cd84", "Speed") == "Speed"
    assert table_label("data/speed.0123456789abcdef.csv", "Speed") == "Speed"
    assert table_label("", "Speed") == "Speed"
    assert table_label("data/cars.json", "Speed") == "data/cars.json"


TRIPS = pd.DataFrame(
    {
        "pickup": pd.date_range("2024-01-01", periods=6000, freq="37min"),  # a Monday
        "km": [round(0.1 + (i * 7919 % 1000) / 100, 2) for i in range(6000)],
    }
)
TRIPS_SCHEMA = TableSchema([Column("pickup", "date"), Column("km", "number", unit="km")])


def aggregated_table(chart: alt.Chart) -> tuple[list[str], list[dict[str, object]]]:
    """Return the columns and rows readers see of a chart over 6,000 rows, aggregated."""
    definition = ChartDef("t", "Trips", "d", "s", lambda: chart, "t.py")
    spec = chart_to_spec(with_schema(chart, TRIPS_SCHEMA), definition)
    assert spec["usermeta"]["chartspec"]["aggregated"] is True
    (table,) = reader_datasets(spec, DataFiles(), title="Trips")
    assert table.declared
    return table.columns, table.rows


def test_an_aggregate_is_shown_as_the_chart_encodes_it_not_as_its_helper_columns() -> None:
    trips = alt.Chart(TRIPS)
    columns, rows = aggregated_table(
        trips.mark_rect().encode(
            alt.X("hours(pickup):O", title="Hour"), alt.Y("day(pickup):O"), color="count()"
        )
    )
    assert columns == ["Hour", "pickup (day)", "Count of Records"]
    at = TRIPS["pickup"].dt
    counts = TRIPS.groupby([at.hour, at.dayofweek]).size()
    assert rows[:2] == [  # pandas counts Monday as day 0, Vega-Lite Sunday
        {"Hour": 0, "pickup (day)": "Sunday", "Count of Records": counts[0, 6]},
        {"Hour": 0, "pickup (day)": "Monday", "Count of Records": counts[0, 0]},
    ]
    assert sum(row["Count of Records"] for row in rows) == 6000

    columns, rows = aggregated_table(
        trips.mark_bar().encode(alt.X("km:Q", bin=alt.Bin(step=2)), y="count()")
    )
    assert columns == ["km (binned) from", "km (binned) to", "Count of Records"]
    assert [(row["km (binned) from"], row["km (binned) to"]) for row in rows[:2]] == [
        (0, 2),
        (2, 4),
    ]

    columns, rows = aggregated_table(
        trips.mark_line(point=True).encode(alt.X("yearmonth(pickup):T"), alt.Y("mean(km):Q"))
    )
    assert columns == ["pickup (yearmonth)", "Mean of km"]
    months = sorted(TRIPS["pickup"].dt.strftime("%Y-%m").unique())
    assert [row["pickup (yearmonth)"] for row in rows] == months == ["2024-01", *months[1:]]


def test_a_raw_field_of_an_aggregate_names_its_unit_and_times_read_as_their_unit() -> None:
    columns, rows = aggregated_table(
        alt.Chart(TRIPS)
        .mark_point()
        .encode(
            alt.X("max(km):Q"),
            alt.Y("km:Q", aggregate="min"),
            detail="yearmonthdatehours(pickup):T",
        )
    )
    assert columns[:2] == ["Max of km", "Min of km"]
    hours = {row["pickup (yearmonthdatehours)"] for row in rows}
    assert len(hours) == len(rows) == TRIPS["pickup"].dt.floor("h").nunique()
    assert {"2024-01-01 00:00", "2024-01-01 01:00"} <= hours
