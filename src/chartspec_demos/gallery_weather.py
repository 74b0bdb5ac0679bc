"""Gallery: Seattle's daily weather, 2012–2015, as a histogram, a heatmap, a time axis, a brush."""

from __future__ import annotations

import altair as alt
import pandas as pd

from chartspec.registry import chart
from chartspec.tables import Column, TableSchema, load_table
from chartspec_demos._gallery import HEIGHT, PALETTE, WIDTH, dataset_file, finish

SOURCE = "NOAA daily records for Seattle, 2012–2015, as shipped by vega_datasets (seattle-weather)"
WEATHER = TableSchema(
    [
        Column("date", "date", format="%Y/%m/%d"),
        Column("precipitation", "number", unit="mm", min=0),
        Column("temp_max", "number", unit="°C", min=-30, max=50),
        Column("temp_min", "number", unit="°C", min=-30, max=50),
        Column("wind", "number", unit="m/s", min=0),
        Column("weather", description="drizzle, rain, sun, snow or fog"),
    ],
    key="date",
    description="one row per day",
)
WEATHER_KINDS = ["sun", "fog", "drizzle", "rain", "snow"]
WEATHER_COLORS = ["#b88d16", "#7f7f7f", "#7e95b5", "#1f77b4", "#9467bd"]
UNSELECTED = "#939393"  # days outside the brush: grey, yet 3:1 against either page


def _weather() -> pd.DataFrame:
    return load_table(dataset_file("seattle_weather"), WEATHER)


@chart(
    "seattle-temperature-histogram",
    title="How warm Seattle's days get",
    description=(
        "Histogram of the daily maximum temperature in Seattle over 1,461 days from 2012 to "
        "2015, in bins of 2 °C. Most days peak between 10 and 20 °C; few pass 30 °C."
    ),
    source=SOURCE,
)
def seattle_temperature_histogram() -> alt.Chart:
    """Histogram of daily maximum temperatures, binned by Vega-Lite."""
    days = _weather()[["temp_max"]]
    bars = (
        alt.Chart(days)
        .mark_bar(color=PALETTE[0], binSpacing=1)
        .encode(
            x=alt.X(
                "temp_max:Q",
                bin=alt.Bin(step=2),
                title="Daily maximum temperature (°C)",
                axis=alt.Axis(format="~g"),
            ),
            y=alt.Y("count():Q", title="Days"),
            tooltip=[alt.Tooltip("temp_max:Q", bin=alt.Bin(step=2), title="°C"), "count():Q"],
        )
        .properties(width=WIDTH, height=HEIGHT)
    )
    return finish(bars)


@chart(
    "seattle-temperature-heatmap",
    title="Seattle's year in daily highs",
    description=(
        "Heatmap of the mean daily maximum temperature in Seattle, 2012–2015, for each day of "
        "the month (columns) in each month (rows). Warm from July to early September, coldest "
        "in December and January."
    ),
    source=SOURCE,
)
def seattle_temperature_heatmap() -> alt.Chart:
    """Heatmap of the mean maximum temperature by month and day of month, averaged in pandas."""
    days = _weather()
    days["month"] = days["date"].dt.strftime("%b")
    days["month_number"] = days["date"].dt.month
    days["day"] = days["date"].dt.day
    cells = (
        days.groupby(["month_number", "month", "day"], as_index=False)["temp_max"]
        .mean()
        .round({"temp_max": 2})
    )
    months = list(dict.fromkeys(cells.sort_values("month_number")["month"]))
    heat = (
        alt.Chart(cells.drop(columns="month_number"))
        .mark_rect()
        .encode(
            x=alt.X(
                "day:O",
                title="Day of the month",
                axis=alt.Axis(labelAngle=0, values=[1, 5, 10, 15, 20, 25, 30]),
            ),
            y=alt.Y("month:O", sort=months, title=None),
            color=alt.Color(
                "temp_max:Q",
                title="°C",
                scale=alt.Scale(scheme="redyellowblue", reverse=True),
            ),
            tooltip=["month:O", "day:O", alt.Tooltip("temp_max:Q", format=".1f", title="°C")],
        )
        .properties(width=WIDTH, height=alt.Step(22))
    )
    return finish(heat)


@chart(
    "seattle-monthly-precipitation",
    title="Seattle's wet winters",
    description=(
        "Bar chart of total precipitation per month in Seattle from January 2012 to December "
        "2015 on a time axis labelled by quarter. Every winter is wet and every July dry."
    ),
    source=SOURCE,
)
def seattle_monthly_precipitation() -> alt.Chart:
    """Monthly precipitation totals on a time axis with a custom format."""
    days = _weather()
    monthly = days.set_index("date")["precipitation"].resample("MS").sum().round(1).reset_index()
    monthly = monthly.rename(columns={"date": "month"})
    bars = (
        alt.Chart(monthly)
        .mark_bar(color=PALETTE[0], width=alt.RelativeBandSize(0.8))
        .encode(
            x=alt.X(
                "yearmonth(month):T",
                title=None,
                axis=alt.Axis(
                    format="%b %Y",
                    tickCount={"interval": "month", "step": 6},
                    labelAngle=0,
                ),
            ),
            y=alt.Y("precipitation:Q", title="Precipitation (mm per month)"),
            tooltip=[
                alt.Tooltip("yearmonth(month):T", format="%B %Y", title="Month"),
                alt.Tooltip("precipitation:Q", format=".1f", title="mm"),
            ],
        )
        .properties(width=WIDTH, height=HEIGHT)
    )
    return finish(bars, key="month")


@chart(
    "seattle-weather-brush",
    title="Pick a season, see its weather",
    description=(
        "Two linked views of Seattle's weather, 2012–2015. Top: daily maximum temperature "
        "against the day of the year, coloured by the weather. Drag across it to select a "
        "stretch of the year; the bar chart below then counts the kinds of weather in that stretch."
    ),
    source=SOURCE,
)
def seattle_weather_brush() -> alt.VConcatChart:
    """Scatter plot with an interval brush that filters a bar chart of weather kinds."""
    days = _weather()[["date", "temp_max", "weather"]]
    # One leap-free year on the x axis, so a brush selects the same season in every year.
    days["day"] = (
        days["date"]
        .dt.strftime("2013-%m-%d")
        .where(days["date"].dt.strftime("%m-%d") != "02-29", "2013-02-28")
    )
    days = days.drop(columns="date")
    brush = alt.selection_interval(encodings=["x"], name="season")
    color = alt.Color(
        "weather:N",
        title="Weather",
        scale=alt.Scale(domain=WEATHER_KINDS, range=WEATHER_COLORS),
    )
    points = (
        alt.Chart(days)
        .mark_point(filled=True, size=14, opacity=1)
        .encode(
            x=alt.X("day:T", title=None, axis=alt.Axis(format="%b", tickCount="month")),
            y=alt.Y("temp_max:Q", title="Daily maximum (°C)"),
            color=alt.condition(brush, color, alt.value(UNSELECTED)),
        )
        .add_params(brush)
        .properties(width=WIDTH, height=220)
    )
    bars = (
        alt.Chart(days)
        .mark_bar()
        .encode(
            x=alt.X("count():Q", title="Days in the selection"),
            y=alt.Y("weather:N", sort=WEATHER_KINDS, title=None),
            color=color,
        )
        .transform_filter(brush)
        .properties(width=WIDTH)
    )
    return finish(alt.vconcat(points, bars))
