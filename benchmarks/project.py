"""Generate a chart project of N gallery-like charts with varied parameters, one table each.

The kinds cycle through single views, layers, facets, concatenations and selections, as a
gallery of examples does.
"""

from __future__ import annotations

import math
import random
from pathlib import Path

KINDS = (
    "bar",
    "line",
    "scatter",
    "area",
    "heatmap",
    "histogram",
    "stacked",
    "layered",
    "strip",
    "tick",
    "facet",
    "concat",
    "brush",
    "legend-pick",
    "band",
)
CHARTS_PER_MODULE = 20

MODULE = '''"""Generated benchmark charts {first}..{last}."""

from __future__ import annotations

from pathlib import Path

import altair as alt

from chartspec import Column, TableSchema, chart, load_table

DATA = Path(__file__).resolve().parent / "data"
SCHEMA = TableSchema(
    [
        Column("id"),
        Column("group"),
        Column("day", "date"),
        Column("x", "number"),
        Column("y", "number"),
        Column("value", "number", min=0),
    ],
    key="id",
)


def draw(index: int, kind: str, width: int, scheme: str) -> alt.TopLevelMixin:
    """Draw one chart of the given kind over table `index`."""
    table = load_table(DATA / f"t{{index:03d}}.csv", SCHEMA)
    base = alt.Chart(table).properties(width=width, height=width * 2 // 3)
    color = alt.Color("group:N", scale=alt.Scale(scheme=scheme))
    if kind == "bar":
        return base.mark_bar().encode(x="group:N", y="sum(value):Q", color=color)
    if kind == "line":
        return base.mark_line().encode(x="day:T", y="mean(y):Q", color=color)
    if kind == "scatter":
        return base.mark_point().encode(x="x:Q", y="y:Q", color=color, tooltip=["id:N", "value:Q"])
    if kind == "area":
        return base.mark_area(opacity=0.7).encode(x="day:T", y="sum(value):Q", color=color)
    if kind == "heatmap":
        return base.mark_rect().encode(
            x=alt.X("x:Q", bin=alt.Bin(maxbins=12)),
            y=alt.Y("y:Q", bin=alt.Bin(maxbins=8)),
            color=alt.Color("count():Q", scale=alt.Scale(scheme="greys")),
        )
    if kind == "histogram":
        return base.mark_bar().encode(x=alt.X("value:Q", bin=alt.Bin(maxbins=20)), y="count()")
    if kind == "stacked":
        return base.mark_bar().encode(x="yearmonth(day):O", y="sum(value):Q", color=color)
    if kind == "layered":
        line = base.mark_line().encode(x="day:T", y="mean(value):Q")
        points = base.mark_point(filled=True).encode(x="day:T", y="mean(value):Q", color=color)
        return alt.layer(line, points)
    if kind == "strip":
        return base.mark_tick().encode(x="value:Q", y="group:N", color=color)
    if kind == "facet":
        small = base.properties(width=width // 3, height=width // 4)
        points = small.mark_point().encode(x="x:Q", y="y:Q", color=color)
        return points.facet(column=alt.Column("group:N", title=None), columns=3)
    if kind == "concat":
        half = base.properties(width=width // 2)
        bars = half.mark_bar().encode(x="group:N", y="mean(value):Q", color=color)
        trend = half.mark_line().encode(x="yearmonth(day):T", y="sum(value):Q")
        return alt.hconcat(bars, trend)
    if kind == "brush":
        brush = alt.selection_interval(encodings=["x"])
        points = base.mark_point().encode(
            x="x:Q", y="y:Q", color=alt.condition(brush, color, alt.value("#767676"))
        ).add_params(brush)
        bars = base.mark_bar().encode(x="count()", y="group:N", color=color).transform_filter(
            brush
        )
        return alt.vconcat(points, bars.properties(height=width // 4))
    if kind == "legend-pick":
        pick = alt.selection_point(fields=["group"], bind="legend")
        return base.mark_line().encode(
            x="day:T",
            y="mean(value):Q",
            color=color,
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.2)),
        ).add_params(pick)
    if kind == "band":
        band = base.mark_errorband(extent="stdev").encode(x="yearmonth(day):T", y="value:Q")
        mean = base.mark_line().encode(x="yearmonth(day):T", y="mean(value):Q")
        rule = base.mark_rule(strokeDash=[4, 2]).encode(y="mean(value):Q")
        return alt.layer(band, mean, rule)
    return base.mark_circle().encode(x="x:Q", y="group:N", size="value:Q", color=color)


def _register(index: int, kind: str, width: int, scheme: str) -> None:
    @chart(
        f"bench-{{index:03d}}-{{kind}}",
        title=f"Benchmark chart {{index}}: {{kind}}",
        description=f"A generated {{kind}} chart over table {{index}}, for benchmarks.",
        source="chartspec benchmarks (generated data)",
    )
    def _draw() -> alt.TopLevelMixin:
        return draw(index, kind, width, scheme)


for _index, _kind, _width, _scheme in {params!r}:
    _register(_index, _kind, _width, _scheme)
'''

SCHEMES = ("category10", "tableau10", "set2", "dark2", "paired")
GROUPS = ("north", "south", "east", "west", "centre")


def write_table(path: Path, index: int, *, rows: int, salt: int = 0) -> None:
    """Write table `index`: `rows` rows of ids, groups, days and numbers, seeded by index."""
    rng = random.Random(index * 1000 + salt)
    lines = ["id,group,day,x,y,value"]
    for row in range(rows):
        x = rng.gauss(0, 1)
        y = 0.6 * x + rng.gauss(0, 0.8)
        day = f"2024-{1 + row % 12:02d}-{1 + (row * 7) % 28:02d}"
        value = abs(round(50 + 20 * math.sin(row / 5) + rng.gauss(0, 5), 2))
        lines.append(f"r{row},{GROUPS[row % len(GROUPS)]},{day},{x:.4f},{y:.4f},{value}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def chart_params(count: int) -> list[tuple[int, str, int, str]]:
    """Return (index, kind, width, colour scheme) of `count` charts."""
    return [
        (i, KINDS[i % len(KINDS)], 200 + 40 * (i % 5), SCHEMES[(i // len(KINDS)) % len(SCHEMES)])
        for i in range(count)
    ]


def make_project(root: Path, *, charts: int = 200, rows: int = 120) -> Path:
    """Write `charts/` (modules of 20 charts) and `charts/data/` (a table per chart) under root."""
    folder = Path(root) / "charts"
    (folder / "data").mkdir(parents=True, exist_ok=True)
    params = chart_params(charts)
    for index, *_ in params:
        write_table(folder / "data" / f"t{index:03d}.csv", index, rows=rows)
    for start in range(0, charts, CHARTS_PER_MODULE):
        chunk = params[start : start + CHARTS_PER_MODULE]
        text = MODULE.format(first=chunk[0][0], last=chunk[-1][0], params=chunk)
        (folder / f"bench_{start // CHARTS_PER_MODULE:02d}.py").write_text(text, encoding="utf-8")
    return folder


def chart_name(index: int, charts: int) -> str:
    """Return the name of chart `index` of a generated project."""
    _, kind, _, _ = chart_params(charts)[index]
    return f"bench-{index:03d}-{kind}"
