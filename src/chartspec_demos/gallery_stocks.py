"""Gallery: monthly closing prices of five technology stocks, 2000–2010."""

from __future__ import annotations

import altair as alt
import pandas as pd

from chartspec.registry import chart
from chartspec.tables import Column, TableSchema, load_table
from chartspec_demos._gallery import HEIGHT, TEXT_PALETTE, WIDTH, dataset_file, finish

SOURCE = "vega_datasets stocks.csv: monthly closing prices, January 2000 to March 2010"
STOCKS = TableSchema(
    [
        Column("symbol", description="ticker symbol"),
        Column("date", "date", format="%b %d %Y"),
        Column("price", "number", unit="USD", positive=True),
    ],
    description="one row per stock and month",
)
SYMBOLS = ["AAPL", "AMZN", "GOOG", "IBM", "MSFT"]
PRICE_TOP = 800.0
# Events worth marking on a chart of these prices.
EVENTS = [
    ("2000-03-10", "Dot-com crash begins"),
    ("2008-09-15", "Lehman Brothers fails"),
]


def _stocks() -> pd.DataFrame:
    return load_table(dataset_file("stocks"), STOCKS)


def _dodge(values: list[float], *, top: float, gap: float) -> list[float]:
    """Spread label positions so that neighbours are at least `gap` apart (in data units)."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    placed = [0.0] * len(values)
    floor = float("-inf")
    for i in order:
        placed[i] = max(values[i], floor + gap)
        floor = placed[i]
    overshoot = max(placed) - top
    return [v - max(overshoot, 0.0) for v in placed]


def _color() -> alt.Color:
    return alt.Color("symbol:N", title=None, scale=alt.Scale(domain=SYMBOLS, range=TEXT_PALETTE))


@chart(
    "stocks-prices",
    title="Five technology stocks, 2000–2010",
    description=(
        "Line chart of the monthly closing prices in US dollars of Apple, Amazon, Google, IBM "
        "and Microsoft from January 2000 to March 2010, one line per stock. Google, listed in "
        "2004, climbs far above the others; Microsoft stays nearly flat."
    ),
    source=SOURCE,
)
def stocks_prices() -> alt.Chart:
    """Multi-series line chart of monthly prices, one line per symbol."""
    lines = (
        alt.Chart(_stocks())
        .mark_line(strokeWidth=2)
        .encode(
            x=alt.X("date:T", title=None, axis=alt.Axis(format="%Y")),
            y=alt.Y("price:Q", title="Closing price (USD)"),
            color=_color(),
            tooltip=["symbol:N", alt.Tooltip("date:T", format="%B %Y"), "price:Q"],
        )
        .properties(width=WIDTH, height=HEIGHT)
    )
    return finish(lines)


@chart(
    "stocks-annotated",
    title="Technology stocks through two crashes",
    description=(
        "Line chart of the monthly closing prices of five technology stocks, 2000–2010, with "
        "each line labelled at its end and two events marked by vertical rules with notes: the "
        "start of the dot-com crash in March 2000 and the failure of Lehman Brothers in "
        "September 2008."
    ),
    source=SOURCE,
)
def stocks_annotated() -> alt.LayerChart:
    """Layered chart: price lines, end-of-line labels, and annotated event rules."""
    stocks = _stocks()
    ends = stocks.loc[stocks.groupby("symbol")["date"].idxmax()].copy()
    # Labels 13 px apart on an axis of PRICE_TOP dollars over HEIGHT pixels never overlap.
    ends["label_y"] = _dodge(list(ends["price"]), top=PRICE_TOP, gap=13 * PRICE_TOP / HEIGHT)
    events = pd.DataFrame(EVENTS, columns=["date", "event"])
    events["date"] = pd.to_datetime(events["date"])
    x = alt.X("date:T", title=None, axis=alt.Axis(format="%Y"))
    y_scale = alt.Scale(domain=[0, PRICE_TOP])
    y = alt.Y("price:Q", title="Closing price (USD)", scale=y_scale)
    lines = alt.Chart(stocks).mark_line(strokeWidth=2).encode(x=x, y=y, color=_color())
    labels = (
        alt.Chart(ends)
        .mark_text(align="left", dx=6, fontSize=11, fontWeight="bold")
        .encode(
            x=x,
            y=alt.Y("label_y:Q", scale=y_scale),
            text="symbol:N",
            color=alt.Color("symbol:N", legend=None),
        )
    )
    rules = alt.Chart(events).mark_rule(color="#666", strokeDash=[4, 3]).encode(x="date:T")
    notes = (
        alt.Chart(events)
        .mark_text(align="left", baseline="top", dx=4, dy=4, fontSize=11, color="#333")
        .encode(x="date:T", y=alt.value(0), text="event:N")
    )
    layered = alt.layer(lines, labels, rules, notes).properties(width=WIDTH, height=HEIGHT)
    return finish(layered.configure_legend(disable=True), key=None)
