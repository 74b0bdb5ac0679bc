"""chartspec's own benchmark results: every run `python -m benchmarks` added, the latest as bars.

The results are not part of the package: they live beside the benchmark suite in a source
checkout, and the chart is one of the built-in charts only where they are.
"""

from __future__ import annotations

from pathlib import Path

import altair as alt

from chartspec.fonts import FONT_FAMILY
from chartspec.registry import chart
from chartspec.specs import with_key, with_schema
from chartspec.tables import Column, TableSchema, load_table

RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results.csv"
SCALING = RESULTS.with_name("lazy-scaling.csv")
SCHEMA = TableSchema(
    [
        Column("run", description="when the run started (UTC)"),
        Column("benchmark", description="what is compared"),
        Column("measured", description="the chartspec side"),
        Column("baseline", description="what it is compared with"),
        Column("value", "number", min=0, description="the chartspec side, in `unit`"),
        Column("reference", "number", min=0, description="the baseline, in `unit`"),
        Column("unit", description="s or bytes"),
        Column("ratio", "number", min=0, description="baseline / chartspec (above 1: better)"),
        Column("target", description="the goal set for the ratio"),
        Column("met", description="yes when the target is met"),
        Column(
            "peak_mb",
            "number",
            min=0,
            unit="MB",
            required=False,
            description="chartspec's peak memory",
        ),
        Column(
            "reference_peak_mb",
            "number",
            min=0,
            unit="MB",
            required=False,
            description="the baseline's peak memory",
        ),
    ],
    description="results of python -m benchmarks: medians of several runs, side by side",
)


def chartspec_benchmarks() -> alt.LayerChart:
    """Bars of each benchmark's latest ratio, coloured by whether it meets its target or only
    reports; a dot for each earlier run's ratio."""
    table = load_table(RESULTS, SCHEMA)
    table = table[table["ratio"] > 0].copy()
    table["status"] = [
        "report only" if target == "report" else ("met" if met == "yes" else "missed")
        for target, met in zip(table["target"], table["met"], strict=True)
    ]
    table["entry"] = table["run"] + " " + table["benchmark"]  # a row's key
    if table["entry"].duplicated().any():
        raise ValueError(f"{RESULTS} holds a benchmark twice in one run")
    table["latest"] = table["run"] == table.groupby("benchmark")["run"].transform("max")
    base = alt.Chart(table)
    ratio = alt.X("ratio:Q", scale=alt.Scale(type="log"), title="baseline ÷ chartspec (log scale)")
    # Names past 170 px end in an ellipsis (the tooltip and the table give them whole), so the
    # chart keeps a plot on a phone.
    benchmark = alt.Y("benchmark:N", sort=None, title=None, axis=alt.Axis(labelLimit=170))
    tooltip = [
        alt.Tooltip("benchmark:N", title="Benchmark"),
        alt.Tooltip("run:N", title="Run (UTC)"),
        alt.Tooltip("measured:N", title="chartspec"),
        alt.Tooltip("baseline:N", title="Baseline"),
        alt.Tooltip("ratio:Q", title="Ratio", format=".3g"),
        alt.Tooltip("target:N", title="Target"),
    ]
    bars = (
        base.transform_filter("datum.latest")
        .mark_bar()
        .encode(
            # bars grow from 1 (a tie): right where chartspec wins, left where it loses
            x=ratio,
            x2=alt.datum(1),
            y=benchmark,
            color=alt.Color(
                "status:N",
                scale=alt.Scale(
                    domain=["met", "missed", "report only"],
                    range=["#1f77b4", "#e97200", "#8e949a"],
                ),
                title="target",
            ),
            tooltip=tooltip,
        )
    )
    earlier = (
        base.transform_filter("!datum.latest")
        .mark_point(shape="diamond", filled=True, color="#333333", size=30)
        .encode(x=ratio, y=benchmark, tooltip=tooltip)
    )
    # one rule at ratio 1 (aggregated to one row, so the chart keeps a single table)
    one = base.transform_aggregate(n="count()").mark_rule(color="#666").encode(x=alt.datum(1))
    layered = alt.layer(bars, earlier, one).properties(width=480, height=alt.Step(18))
    return with_key(layered.configure(font=FONT_FAMILY), "entry")


SCALING_SCHEMA = TableSchema(
    [
        Column("chart", description="a chart of the big-tables example"),
        Column("rows", "integer", min=1, description="rows of the Parquet table"),
        Column("by", description="chartspec, or the same query written by hand in DuckDB"),
        Column("seconds", "number", unit="s", min=0, description="wall time of one process"),
        Column("peak_mb", "number", unit="MB", min=0, description="its peak resident memory"),
    ],
    description="the big-tables benchmark of python -m benchmarks, by table size",
)


def big_tables_scaling() -> alt.VConcatChart:
    """Time and peak memory of charts over a Parquet table as it grows, against the query."""
    base = alt.Chart(load_table(SCALING, SCALING_SCHEMA)).encode(
        alt.X(
            "rows:Q",
            scale=alt.Scale(type="log", domain=[10**6, 10**8]),
            axis=alt.Axis(values=[10**6, 10**7, 10**8], format="~s"),
            title="rows of the table (log scale)",
        ),
        alt.Color("chart:N", title="chart"),
        alt.StrokeDash("by:N", title="measured"),
        tooltip=["chart:N", "by:N", alt.Tooltip("rows:Q", format=","), "seconds:Q", "peak_mb:Q"],
    )
    time = base.mark_line().encode(
        alt.Y("seconds:Q", scale=alt.Scale(type="log"), title="seconds (log scale)")
    )
    memory = base.mark_line().encode(alt.Y("peak_mb:Q", title="peak memory (MB)"))
    both = alt.vconcat(
        time.properties(width=420, height=180), memory.properties(width=420, height=180)
    )
    return with_schema(both.configure(font=FONT_FAMILY), SCALING_SCHEMA)


if SCALING.is_file():
    chart(
        "chartspec-big-tables-scaling",
        title="Charts over a Parquet table: time and memory as it grows",
        description=(
            "Two line charts over the number of rows of a Parquet table of trips, on a log scale: "
            "above, the seconds chartspec takes to build each chart of the big-tables example and "
            "the seconds the same query written by hand takes in DuckDB; below, the peak memory "
            "of each. Time grows with the table and memory far less, since the engine "
            "reduces the table and only the drawn rows reach Python."
        ),
        source="python -m benchmarks --only lazy (see BENCHMARKS.md)",
    )(big_tables_scaling)


if RESULTS.is_file():
    chart(
        "chartspec-benchmarks",
        title="chartspec benchmarks: how many times faster or smaller",
        description=(
            "Bar chart of chartspec's benchmark ratios on a log scale: for each comparison, the "
            "baseline's time or size divided by chartspec's, measured side by side in one run; "
            "bars right of the line at 1 mean chartspec is faster or smaller. Blue bars meet their "
            "target, orange bars miss it, grey bars are reported without one. Bars show each "
            "benchmark's latest run; dark diamonds its earlier runs."
        ),
        source="python -m benchmarks (see BENCHMARKS.md)",
    )(chartspec_benchmarks)
