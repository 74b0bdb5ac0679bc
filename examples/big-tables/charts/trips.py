"""Charts over a table of trips too big to load: DuckDB reduces each to a few hundred rows."""

from pathlib import Path

import altair as alt

from chartspec import Column, TableSchema, chart, scan_parquet, with_schema

TRIPS = Path(__file__).resolve().parent.parent / "data" / "trips"  # make_trips.py writes it
SCHEMA = TableSchema(
    [
        Column("pickup", "date", description="When the trip began (local time)"),
        Column("distance_km", "number", unit="km", min=0, decimals=2),
        Column("passengers", "integer", min=1, max=8),
    ]
)
SOURCE = "synthetic trips (examples/big-tables/make_trips.py)"


@chart(
    "trips-hour-by-weekday",
    title="Trips by hour and weekday",
    description="A heat map of the number of trips per hour of the day and day of the week.",
    source=SOURCE,
)
def trips_hour_by_weekday():
    trips = alt.Chart(scan_parquet(TRIPS, SCHEMA))
    return trips.mark_rect().encode(
        alt.X("hours(pickup):O", title="Hour of the day"),
        alt.Y("day(pickup):O", title="Day of the week"),
        alt.Color("count():Q", title="Trips"),
    )


@chart(
    "trip-distance",
    title="Trip distances",
    description="A histogram of trip distances in kilometres.",
    source=SOURCE,
)
def trip_distance():
    trips = alt.Chart(scan_parquet(TRIPS, SCHEMA))
    bars = trips.mark_bar().encode(
        alt.X("distance_km:Q", bin=alt.Bin(maxbins=40), title="Distance (km)"),
        alt.Y("count():Q", title="Trips"),
    )
    return with_schema(bars, SCHEMA)


@chart(
    "trips-per-month",
    title="Trips per month",
    description="The number of trips and their mean distance, month by month.",
    source=SOURCE,
)
def trips_per_month():
    trips = alt.Chart(scan_parquet(TRIPS, SCHEMA))
    return trips.mark_line().encode(
        alt.X("yearmonth(pickup):T", title="Month"),
        alt.Y("count():Q", title="Trips"),
        alt.Tooltip("mean(distance_km):Q", title="Mean distance (km)", format=".2f"),
    )
