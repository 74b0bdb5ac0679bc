"""Gallery: the cars dataset (1970s and early 1980s cars) as a sorted bar chart and a scatter."""

from __future__ import annotations

import altair as alt

from chartspec.registry import chart
from chartspec.tables import Column, TableSchema, load_records
from chartspec_demos._gallery import HEIGHT, PALETTE, WIDTH, dataset_file, finish

SOURCE = (
    "Donoho and Ramos (1982), the “cars” data of the StatLib archive, as shipped by vega_datasets"
)
CARS = TableSchema(
    [
        Column("Name", description="maker and model, lower case"),
        Column("Miles_per_Gallon", "number", unit="mpg", min=0, required=False),
        Column("Cylinders", "integer", min=1),
        Column("Horsepower", "number", unit="hp", min=0, required=False),
        Column("Weight_in_lbs", "number", unit="lb", positive=True),
        Column("Year", "date"),
        Column("Origin"),
    ],
    description="406 cars, one row each",
    extra_columns="ignore",
)
# The data spells some makers in more than one way.
MAKER_SPELLINGS = {
    "chevy": "chevrolet",
    "chevroelt": "chevrolet",
    "vw": "volkswagen",
    "vokswagen": "volkswagen",
    "maxda": "mazda",
    "toyouta": "toyota",
    "mercedes": "mercedes-benz",
}
ORIGINS = ["Europe", "Japan", "USA"]  # one colour per origin in every cars chart
MIN_CARS = 5  # makers with fewer cars give a mean too noisy to rank


def _cars():
    return load_records(dataset_file("cars"), CARS)


@chart(
    "cars-mpg-by-maker",
    title="Fuel economy by car maker",
    description=(
        "Horizontal bar chart of the mean fuel economy, in miles per gallon, of each maker with "
        f"at least {MIN_CARS} cars in the data, sorted from the most to the least economical. "
        "Japanese makers lead; the large American makers come last."
    ),
    source=SOURCE,
)
def cars_mpg_by_maker() -> alt.Chart:
    """Sorted bar chart of mean miles per gallon by maker."""
    cars = _cars().dropna(subset=["Miles_per_Gallon"])
    cars["maker"] = cars["Name"].str.split().str[0].replace(MAKER_SPELLINGS)
    makers = (
        cars.groupby("maker")
        .agg(mpg=("Miles_per_Gallon", "mean"), cars=("Name", "size"), origin=("Origin", "first"))
        .reset_index()
    )
    makers = makers[makers["cars"] >= MIN_CARS].round({"mpg": 2})
    bars = (
        alt.Chart(makers)
        .mark_bar()
        .encode(
            x=alt.X("mpg:Q", title="Mean fuel economy (miles per gallon)"),
            y=alt.Y("maker:N", sort="-x", title=None),
            color=alt.Color(
                "origin:N",
                title="Origin",
                scale=alt.Scale(domain=ORIGINS, range=PALETTE[:3]),
            ),
            tooltip=["maker:N", "origin:N", alt.Tooltip("mpg:Q", format=".1f"), "cars:Q"],
        )
        .properties(width=WIDTH - 120, height=alt.Step(16))
    )
    return finish(bars, key="maker")


@chart(
    "cars-weight-vs-mpg",
    title="Heavier cars use more fuel",
    description=(
        "Scatter plot of fuel economy in miles per gallon against weight in pounds for 398 cars, "
        "coloured by origin, with a LOESS trend line per origin. Economy falls steeply up to "
        "about 3,500 lb and more slowly after."
    ),
    source=SOURCE,
)
def cars_weight_vs_mpg() -> alt.LayerChart:
    """Scatter plot of weight against fuel economy with a LOESS line per origin."""
    cars = _cars().dropna(subset=["Miles_per_Gallon"])
    cars = cars[["Name", "Weight_in_lbs", "Miles_per_Gallon", "Origin"]]
    color = alt.Color("Origin:N", scale=alt.Scale(domain=ORIGINS, range=PALETTE[:3]))
    x = alt.X(
        "Weight_in_lbs:Q",
        title="Weight (lb)",
        scale=alt.Scale(zero=False),
        axis=alt.Axis(tickCount=8),
    )
    y = alt.Y("Miles_per_Gallon:Q", title="Fuel economy (miles per gallon)")
    base = alt.Chart(cars)
    # rings at full opacity: 3:1 against the page, and overlaps still show
    points = base.mark_point(size=28, filled=False, opacity=1).encode(
        x=x,
        y=y,
        color=color,
        tooltip=["Name:N", "Origin:N", "Weight_in_lbs:Q", "Miles_per_Gallon:Q"],
    )
    trend = (
        base.transform_loess("Weight_in_lbs", "Miles_per_Gallon", groupby=["Origin"], bandwidth=0.5)
        .mark_line(strokeWidth=2.5)
        .encode(x=x, y=y, color=color)
    )
    return finish(alt.layer(points, trend).properties(width=WIDTH, height=HEIGHT))
