"""An example chart: the yearly rainfall of seven European cities."""

from __future__ import annotations

from pathlib import Path

import altair as alt

from chartspec import Column, TableSchema, chart, load_table, with_schema
from chartspec.fonts import FONT_FAMILY

DATA = Path(__file__).resolve().parent.parent / "data"

# The table's columns: a wrong type, an empty cell or a value out of range stops the build
# with the file, line and column of the problem.
RAINFALL = TableSchema(
    [
        Column("city"),
        Column("rainfall_mm", "number", unit="mm", min=0),
        Column("rainy_days", "integer", min=0, max=366),
    ],
    key="city",
)


@chart(
    "rainfall-by-city",
    title="Yearly rainfall in seven European cities",
    description=(
        "Bar chart of the average yearly rainfall in millimetres of seven European cities, "
        "sorted from the wettest, Bergen, to the driest, Athens."
    ),
    source="Climate normals, rounded (example data)",
)
def rainfall_by_city() -> alt.Chart:
    """Sorted bar chart of yearly rainfall by city."""
    table = load_table(DATA / "rainfall.csv", RAINFALL)
    bars: alt.Chart = (
        alt.Chart(table)
        .mark_bar(color="#4c78a8")
        .encode(
            x=alt.X("rainfall_mm:Q", title="Rainfall (mm per year)"),
            y=alt.Y("city:N", sort="-x", title=None),
            tooltip=["city:N", "rainfall_mm:Q", "rainy_days:Q"],
        )
        .properties(width=400)
        .configure(font=FONT_FAMILY)
    )
    # Readers of the data table and CSV see these columns, with their units; diffs match rows
    # by the key column.
    return with_schema(bars, RAINFALL)
