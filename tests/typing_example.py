"""A small chart project written against chartspec's public API, checked with `mypy --strict`.

Each `assert_type` fails under mypy when the name reaches the type checker as `Any`, so this
file proves that `import chartspec` gives editors and type checkers the real types.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, assert_type

import altair as alt
import pandas as pd

import chartspec
from chartspec import Column, TableSchema, chart, load_table, with_key

SALES = TableSchema(
    [Column("region"), Column("revenue", "number", unit="EUR", min=0)],
    key="region",
)


@chart("sales", title="Sales", description="Revenue per region.", source="made up")
def sales() -> Any:
    table = load_table(Path(__file__).parent / "sales.csv", SALES)
    assert_type(table, pd.DataFrame)
    return with_key(alt.Chart(table).mark_bar().encode(x="revenue:Q", y="region:N"), "region")


def build(folder: Path) -> dict[str, str]:
    charts = chartspec.load_charts(folder)
    assert_type(charts, dict[str, chartspec.ChartDef])
    texts: dict[str, str] = {}
    for name, definition in charts.items():
        spec = chartspec.chart_to_spec(definition.draw(), definition)
        problems = chartspec.check_spec(spec)
        assert_type(problems, list[chartspec.Problem])
        if problems:
            raise chartspec.CheckFailed(f"{len(problems)} problem(s) in {name}")
        texts[name] = chartspec.spec_to_json(spec)
    return texts


def review(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    change = chartspec.diff_specs(old, new, name="sales")
    assert_type(change, chartspec.ChartDiff)
    assert_type(change.changed, bool)
    return change.lines() + chartspec.spec_to_facts(new)


def labels() -> list[tuple[float, float]]:
    x = chartspec.LogScale(domain=(10.0, 1000.0), range=(0.0, 400.0))
    y = chartspec.LinearScale(domain=(0.0, 100.0), range=(300.0, 0.0))
    points = [(x.to_pixel(v), y.to_pixel(s)) for v, s in [(20.0, 40.0), (300.0, 60.0)]]
    boxes = chartspec.place_labels(
        points,
        ["a", "b"],
        width=400,
        height=300,
        font_size=11,
        marker_radius=chartspec.symbol_radius(60),
    )
    assert_type(boxes, list[chartspec.LabelBox])
    return [box.data_position(x, y) for box in boxes]


def publish(specs: Path, out: Path, spec: dict[str, Any]) -> None:
    chartspec.declare_input(specs / "notes.txt")
    assert_type(chartspec.specs_to_site(specs, out), list[Path])
    assert_type(chartspec.spec_to_svg(spec), str)
    assert_type(chartspec.spec_to_png(spec, scale=2), bytes)
    assert_type(chartspec.spec_to_pdf(spec), bytes)
    assert_type(chartspec.to_html_fragment(spec, interactive=False), str)


def report(error: chartspec.ChartspecException) -> int:
    assert_type(chartspec.__version__, str)
    assert_type(chartspec.FONT_FAMILY, str)
    if isinstance(error, chartspec.ChartspecError):
        assert_type(error.file, str | None)
    return error.exit_code
