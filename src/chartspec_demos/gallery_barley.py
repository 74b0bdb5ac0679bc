"""Gallery: barley yields at six Minnesota sites, 1931 and 1932 (Immer et al., 1934)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from chartspec.registry import chart
from chartspec.tables import Column, TableSchema, load_records
from chartspec_demos._gallery import PALETTE, dataset_file, finish

SOURCE = "Immer, Hayes and Powers (1934), barley yields, as shipped by vega_datasets (barley)"
BARLEY = TableSchema(
    [
        Column("yield", "number", unit="bushels/acre", positive=True),
        Column("variety"),
        Column("year", "integer", min=1931, max=1932),
        Column("site"),
    ],
    description="yield of ten varieties at six sites in two years",
)
YEARS = ["1931", "1932"]
YEAR_COLORS = PALETTE[:2]


def _barley() -> pd.DataFrame:
    table = load_records(dataset_file("barley"), BARLEY)
    table["year"] = table["year"].astype(str)  # a category here, not a quantity
    return table


@chart(
    "barley-sites-by-year",
    title="Barley yield by site and year",
    description=(
        "Grouped bar chart of the mean barley yield, in bushels per acre over ten varieties, at "
        "six Minnesota sites in 1931 and 1932. Every site but Morris yields less in 1932."
    ),
    source=SOURCE,
)
def barley_sites_by_year() -> alt.Chart:
    """Grouped bar chart: one group per site, one bar per year."""
    table = _barley()
    means = table.groupby(["site", "year"], as_index=False)["yield"].mean().round({"yield": 2})
    means["id"] = means["site"] + " " + means["year"]
    bars = (
        alt.Chart(means)
        .mark_bar()
        .encode(
            x=alt.X("site:N", title=None, sort="-y", axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("year:N", sort=YEARS),
            y=alt.Y("yield:Q", title="Mean yield (bushels per acre)"),
            color=alt.Color(
                "year:N", title="Year", scale=alt.Scale(domain=YEARS, range=YEAR_COLORS)
            ),
            tooltip=["site:N", "year:N", alt.Tooltip("yield:Q", format=".1f")],
        )
        .properties(width=alt.Step(36), height=300)
    )
    return finish(bars, key="id")


@chart(
    "barley-yield-by-variety",
    title="Spread of barley yields by variety",
    description=(
        "Box plots of the barley yield, in bushels per acre, of ten varieties over six sites "
        "and two years (12 plots each): median, quartiles, and whiskers to the extremes. "
        "Trebi yields most; the spread within a variety is larger than between varieties."
    ),
    source=SOURCE,
)
def barley_yield_by_variety() -> alt.Chart:
    """Box plot of yield per variety, sorted by median."""
    table = _barley()[["variety", "yield"]]
    order = list(table.groupby("variety")["yield"].median().sort_values(ascending=False).index)
    box = (
        alt.Chart(table)
        .mark_boxplot(extent="min-max", size=18, color=PALETTE[0], median={"color": "white"})
        .encode(
            x=alt.X("yield:Q", title="Yield (bushels per acre)", scale=alt.Scale(zero=False)),
            y=alt.Y("variety:N", sort=order, title=None),
        )
        .properties(width=480, height=alt.Step(26))
    )
    return finish(box)


@chart(
    "barley-small-multiples",
    title="Barley yields, site by site",
    description=(
        "Small multiples, one panel per Minnesota site: a dot plot of the yield of each of ten "
        "barley varieties in 1931 and 1932. At Morris, unlike every other site, 1932 beats 1931 — "
        "the anomaly Cleveland made famous."
    ),
    source=SOURCE,
)
def barley_small_multiples() -> alt.FacetChart:
    """Dot plots of yield by variety, faceted by site in a two-column grid."""
    table = _barley()
    table["id"] = table["site"] + " " + table["variety"] + " " + table["year"]
    sites = list(table.groupby("site")["yield"].median().sort_values(ascending=False).index)
    varieties = list(table.groupby("variety")["yield"].median().sort_values(ascending=False).index)
    dots = (
        alt.Chart(table)
        .mark_point(filled=True, size=40, opacity=1)  # 0.7 would fall below 3:1
        .encode(
            x=alt.X("yield:Q", title="Yield (bushels per acre)", scale=alt.Scale(zero=False)),
            y=alt.Y("variety:N", sort=varieties, title=None),
            color=alt.Color(
                "year:N", title="Year", scale=alt.Scale(domain=YEARS, range=YEAR_COLORS)
            ),
            tooltip=["site:N", "variety:N", "year:N", "yield:Q"],
        )
        .properties(width=220, height=alt.Step(14))
        .facet(facet=alt.Facet("site:N", sort=sites, title=None), columns=2)
    )
    return finish(dots, key="id")
