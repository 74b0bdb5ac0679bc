"""Gallery: Iowa's electricity by source, 2001–2017, as a stacked area chart."""

from __future__ import annotations

import altair as alt

from chartspec.registry import chart
from chartspec.tables import Column, TableSchema, load_table
from chartspec_demos._gallery import HEIGHT, PALETTE, WIDTH, dataset_file, finish

SOURCE = "U.S. Energy Information Administration, as shipped by vega_datasets (iowa-electricity)"
ELECTRICITY = TableSchema(
    [
        Column("year", "date"),
        Column("source", description="Fossil Fuels, Nuclear Energy or Renewables"),
        Column("net_generation", "number", unit="GWh", min=0),
    ],
    description="Iowa's annual net generation of electricity by source",
)
SOURCES = ["Fossil Fuels", "Nuclear Energy", "Renewables"]


@chart(
    "iowa-electricity-sources",
    title="Iowa's electricity turns to wind",
    description=(
        "Stacked area chart of Iowa's annual net electricity generation in gigawatt hours from "
        "2001 to 2017, split into fossil fuels, nuclear energy and renewables. Renewables grow "
        "from almost nothing to more than a third of the total."
    ),
    source=SOURCE,
)
def iowa_electricity_sources() -> alt.Chart:
    """Stacked area chart of net generation by source over the years."""
    table = load_table(dataset_file("iowa_electricity"), ELECTRICITY)
    area = (
        alt.Chart(table)
        .mark_area()
        .encode(
            x=alt.X("year:T", title=None, axis=alt.Axis(format="%Y")),
            y=alt.Y("net_generation:Q", stack="zero", title="Net generation (GWh)"),
            color=alt.Color(
                "source:N",
                title="Source",
                scale=alt.Scale(domain=SOURCES, range=["#9d755d", PALETTE[5], PALETTE[2]]),
            ),
            order=alt.Order("source:N"),
            tooltip=[
                alt.Tooltip("year:T", format="%Y"),
                "source:N",
                alt.Tooltip("net_generation:Q", format=",", title="GWh"),
            ],
        )
        .properties(width=WIDTH, height=HEIGHT)
    )
    return finish(area)
