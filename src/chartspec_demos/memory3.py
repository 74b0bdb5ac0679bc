"""The Memory³ paper's Figure 2 (right): decoding speed vs. professional task performance."""

from __future__ import annotations

import json
from pathlib import Path

import altair as alt
import pandas as pd

from chartspec.fonts import FONT_FAMILY, FONT_STACK, MEASURED_FAMILIES, text_width
from chartspec.labels import label_points, symbol_radius
from chartspec.registry import chart
from chartspec.specs import with_schema
from chartspec.tables import Column, TableSchema, load_table

DATA = Path(__file__).resolve().parent / "data"
SOURCE = (
    "Yang et al., “Memory³: Language Modeling with Explicit Memory” (arXiv:2407.01178), "
    "Tables 20 and 21"
)

TASKS = TableSchema(
    [
        Column("model", description="model name as Table 20 spells it"),
        *(
            Column(
                f"{task}_{refs}refs",
                "number",
                unit="%",
                min=0.0,
                max=100.0,
                required=refs == 5,
                decimals=2,
            )
            for task in ("jecqa", "med")
            for refs in (3, 5, 7)
        ),
    ],
    key="model",
    description="Table 20: accuracy on JEC-QA and MED with 3, 5 and 7 retrieved references, 5-shot",
)
THROUGHPUT = TableSchema(
    [
        Column("model", description="model name as Table 21 spells it"),
        Column("size", description="parameters, e.g. 2.4B"),
        Column("server_with_retrieval", "number", unit="tokens/s", positive=True),
        Column("server_without_retrieval", "number", unit="tokens/s", min=0.0),
        Column("device_with_retrieval", "number", unit="tokens/s", min=0.0, required=False),
        Column("device_without_retrieval", "number", unit="tokens/s", min=0.0, required=False),
    ],
    key="model",
    description="Table 21: inference throughput in tokens per second (A800 server, Jetson device)",
)
MODELS = TableSchema(
    [
        Column("label", description="the name the figure prints"),
        Column("table20", description="the name in Table 20"),
        Column("table21", description="the name in Table 21"),
        Column("group", description="legend group"),
    ],
    key="label",
    description="the models of the figure and how each table spells them",
)

# What readers of the two charts' data see: the columns a reader can check against the paper.
MODEL = Column("model", description="the name the figure prints")
GROUP = Column("group", description="legend group")
SPEED_VS_SCORE = TableSchema(
    [
        MODEL,
        GROUP,
        Column(
            "speed",
            "number",
            unit="tokens/s",
            decimals=1,
            description="server decoding speed with retrieval",
        ),
        Column("score", "number", unit="%", decimals=2, description="mean of JEC-QA and MED"),
        TASKS.column("jecqa_5refs"),
        TASKS.column("med_5refs"),
    ],
    key="model",
)
RETRIEVAL_COST = TableSchema(
    [
        MODEL,
        GROUP,
        Column(
            "without",
            "number",
            unit="tokens/s",
            decimals=1,
            description="server decoding speed without retrieval",
        ),
        Column(
            "with",
            "number",
            unit="tokens/s",
            decimals=1,
            description="server decoding speed with retrieval",
        ),
        Column(
            "slowdown",
            "number",
            unit="×",
            decimals=2,
            description="speed without retrieval / speed with it",
        ),
    ],
    key="model",
)

RED, BLUE = "#d62728", "#1f77b4"
WIDTH, HEIGHT = 560, 380
SPEED_DOMAIN = (300.0, 2000.0)
SCORE_DOMAIN = (34.0, 60.0)  # room above 55 for the legend, as in the paper
FONT_SIZE = 11
POINT_SIZE = 100  # Vega symbol size: a circle of radius 5 px
LEGEND_OFFSET, LEGEND_PADDING = 8, 6


def memory3_table() -> pd.DataFrame:
    """Join Tables 20 and 21 through the model mapping, one row per model of the figure."""
    tasks = load_table(DATA / "memory3_table20_professional_tasks.csv", TASKS)
    throughput = load_table(DATA / "memory3_table21_throughput.csv", THROUGHPUT)
    models = load_table(DATA / "memory3_models.csv", MODELS)
    joined = models.merge(tasks, left_on="table20", right_on="model", validate="1:1").merge(
        throughput, left_on="table21", right_on="model", validate="1:1", suffixes=("", "_21")
    )
    if len(joined) != len(models):
        missing = sorted(set(models["label"]) - set(joined["label"]))
        msg = f"models {missing} are not in both tables"
        raise ValueError(msg)
    # The paper: "the average of the scores of the two tasks in Table 20 with five references".
    joined["score"] = (joined["jecqa_5refs"] + joined["med_5refs"]) / 2
    joined["speed"] = joined["server_with_retrieval"]
    # How many times slower server decoding gets when the model retrieves.
    joined["slowdown"] = joined["server_without_retrieval"] / joined["server_with_retrieval"]
    return joined.rename(columns={"label": "model_label"})


def highlight_first(table: pd.DataFrame) -> list[str]:
    """Return the legend groups in the mapping file's order: the highlighted group first."""
    return list(dict.fromkeys(table.sort_index()["group"]))


def _highlight_color(group: str) -> dict[str, object]:
    """Colour text red in the highlighted group; other text keeps the theme's colour (dark mode)."""
    return {"condition": {"test": (alt.datum.group == group).to_dict(), "value": RED}}


def _legend_box(groups: list[str]) -> tuple[float, float, float, float]:
    """Return a box safely covering the top-left legend, measured with the labels' font metrics."""
    # Vega lays an entry out as symbol, gap, label; the spare 40 px covers its column padding.
    label = max(
        text_width(group, size=FONT_SIZE, family=family)
        for group in groups
        for family in MEASURED_FAMILIES
    )
    width = 2 * LEGEND_PADDING + 2 * symbol_radius(POINT_SIZE) + label + 40
    height = 2 * LEGEND_PADDING + len(groups) * (FONT_SIZE + 2) + 8
    return (0.0, 0.0, LEGEND_OFFSET + width, LEGEND_OFFSET + height)


@chart(
    "memory3-speed-vs-score",
    title="Decoding speed vs. professional task performance",
    description=(
        "Scatter plot of seven small language models, each using retrieval: decoding speed in "
        "tokens per second on a log scale against the average score on two professional tasks, "
        "JEC-QA and MED. Memory³-2B-SFT, highlighted in red, is the only model that retrieves "
        "explicit memories instead of text references. Top right is better."
    ),
    source=SOURCE,
    featured=True,
    notes=[
        "The paper's Tables 20 and 21 spell some model names differently; "
        "memory3_models.csv maps the figure's labels to each table's spelling.",
        "Score: the mean of the JEC-QA and MED scores with five retrieved references (Table 20).",
        "Speed: server decoding speed with retrieval, in tokens per second (Table 21).",
    ],
)
def memory3_speed_vs_score() -> alt.LayerChart:
    """Scatter plot of decoding speed with retrieval against the mean professional-task score."""
    table = memory3_table()
    groups = highlight_first(table)
    data = table[["model_label", "group", "speed", "score", "jecqa_5refs", "med_5refs"]].rename(
        columns={"model_label": "model"}
    )

    color = alt.Color(
        "group:N",
        scale=alt.Scale(domain=groups, range=[RED, BLUE]),
        legend=alt.Legend(
            title=None,
            orient="top-left",
            offset=LEGEND_OFFSET,
            padding=LEGEND_PADDING,
            symbolSize=POINT_SIZE,
            labelFontSize=FONT_SIZE,
        ),
    )
    x_axis = alt.Axis(
        values=[400, 600, 1000, 2000],
        labelExpr=(
            "datum.value == 1000 ? '10³' : datum.value < 1000 ? (datum.value / 100) + '×10²' "
            ": (datum.value / 1000) + '×10³'"
        ),
        title="Decoding speed with retrieval (token/sec)",
    )
    y_axis = alt.Axis(
        values=[35 + 2.5 * i for i in range(9)],
        format=".1~f",
        title="Professional tasks with retrieval (avg score)",
    )
    x_scale_spec = alt.Scale(type="log", domain=list(SPEED_DOMAIN))
    y_scale_spec = alt.Scale(domain=list(SCORE_DOMAIN))
    points = (
        alt.Chart(data)
        .mark_point(filled=True, size=POINT_SIZE, opacity=1)
        .encode(
            x=alt.X("speed:Q", scale=x_scale_spec, axis=x_axis),
            y=alt.Y("score:Q", scale=y_scale_spec, axis=y_axis),
            color=color,
            shape=alt.value("circle"),
            tooltip=[
                alt.Tooltip("model:N", title="Model"),
                alt.Tooltip("speed:Q", title="Decoding speed (token/s)", format=",.1f"),
                alt.Tooltip("score:Q", title="Average score", format=".2f"),
                alt.Tooltip("jecqa_5refs:Q", title="JEC-QA, 5 references", format=".2f"),
                alt.Tooltip("med_5refs:Q", title="MED, 5 references", format=".2f"),
            ],
        )
        .properties(width=WIDTH, height=HEIGHT)
    )
    labelled = label_points(
        points,
        "model",
        font_size=FONT_SIZE,
        obstacles=[_legend_box(groups)],
        color=_highlight_color(groups[0]),
    )
    layered = (
        labelled.properties(
            title=alt.Title(
                "Decoding speed vs. professional task performance",
                subtitle=[
                    "Score: mean of JEC-QA and MED accuracy with five retrieved references. "
                    "Top right is better.",
                    f"Source: {SOURCE}",
                ],
                anchor="start",
            ),
        )
        .configure(font=FONT_STACK)  # the legend too stays within its measured box
        .configure_legend(fillColor="white", strokeColor="#ccc")
    )
    return with_schema(layered, SPEED_VS_SCORE)


COST_DOMAIN = (300.0, 3000.0)
COST_DESCRIPTION = (
    "Dumbbell chart of seven small language models: server decoding speed in tokens per "
    "second without retrieval (open circle) and with retrieval (filled circle), on a log "
    "scale, with the slowdown written beside each model, sorted from the smallest "
    "slowdown to the largest; Memory³ is highlighted in red."
)


@chart(
    "memory3-retrieval-cost",
    title="What retrieval costs in decoding speed",
    description=COST_DESCRIPTION,
    source=SOURCE,
    notes=[
        "The paper's Tables 20 and 21 spell some model names differently; "
        "memory3_models.csv maps the figure's labels to each table's spelling.",
        "Slowdown: server decoding speed without retrieval divided by the speed with it "
        "(Table 21).",
    ],
)
def memory3_retrieval_cost() -> alt.LayerChart:
    """Dumbbell chart of server decoding speed without and with retrieval, sorted by slowdown."""
    table = memory3_table().sort_values("slowdown", kind="stable")
    groups = highlight_first(table)
    highlighted = table.loc[table["group"] == groups[0], "model_label"].tolist()
    data = table[
        ["model_label", "group", "server_without_retrieval", "server_with_retrieval", "slowdown"]
    ].rename(
        columns={
            "model_label": "model",
            "server_without_retrieval": "without",
            "server_with_retrieval": "with",
        }
    )
    data["slowdown_text"] = [f"{ratio:.2f}× slower" for ratio in data["slowdown"]]
    order = list(data["model"])
    x_scale = alt.Scale(type="log", domain=list(COST_DOMAIN))
    x_axis = alt.Axis(values=[300, 500, 1000, 2000, 3000], format=",")
    y = alt.Y(
        "model:N",
        sort=order,
        title=None,
        axis=alt.Axis(
            labelFontSize=FONT_SIZE,
            labelFontWeight=alt.ExprRef(
                expr=f"indexof({json.dumps(highlighted)}, datum.value) >= 0 ? 'bold' : 'normal'"
            ),
        ),
    )
    color = alt.Color("group:N", scale=alt.Scale(domain=groups, range=[RED, BLUE]), legend=None)
    tooltip = [
        alt.Tooltip("model:N", title="Model"),
        alt.Tooltip("without:Q", title="Without retrieval (token/s)", format=",.1f"),
        alt.Tooltip("with:Q", title="With retrieval (token/s)", format=",.1f"),
        alt.Tooltip("slowdown:Q", title="Slowdown (times)", format=".2f"),
    ]
    base = alt.Chart(data)
    bars = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("with:Q", scale=x_scale, axis=x_axis, title="Server decoding speed (token/sec)"),
        x2="without:Q",
        y=y,
        color=color,
    )
    without = base.mark_point(size=POINT_SIZE, filled=False, strokeWidth=2, opacity=1).encode(
        x=alt.X("without:Q", scale=x_scale), y=y, color=color, tooltip=tooltip
    )
    with_retrieval = base.mark_point(size=POINT_SIZE, filled=True, opacity=1).encode(
        x=alt.X("with:Q", scale=x_scale), y=y, color=color, tooltip=tooltip
    )
    text = base.mark_text(align="left", dx=10, fontSize=FONT_SIZE).encode(
        x=alt.X("without:Q", scale=x_scale),
        y=y,
        text="slowdown_text:N",
        color=_highlight_color(groups[0]),
    )
    slowest, fastest = table.iloc[-1], table.iloc[0]
    layered = (
        alt.layer(bars, without, with_retrieval, text)
        .properties(
            description=(
                f"{COST_DESCRIPTION} "
                + "; ".join(
                    f"{row.model_label} slows down {row.slowdown:.2f} times"
                    for row in table.itertuples()
                    if row.group == groups[0]
                )
                + f"; the least slowdown is {fastest.model_label}'s ({fastest.slowdown:.2f} "
                f"times), the largest {slowest.model_label}'s ({slowest.slowdown:.2f} times)."
            ),
            width=WIDTH,
            height=alt.Step(34),
            title=alt.Title(
                "What retrieval costs in decoding speed",
                subtitle=[
                    "Server throughput (A800): open circle without retrieval, filled circle "
                    "with retrieval; log scale, sorted by slowdown.",
                    f"Source: {SOURCE}",
                ],
                anchor="start",
            ),
        )
        .configure(font=FONT_FAMILY)
    )
    return with_schema(layered, RETRIEVAL_COST)
