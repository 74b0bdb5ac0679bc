"""Pre-aggregation draws the same marks as the full table, in a far smaller spec."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import pytest
import vl_convert as vlc

from chartspec.aggregate import needs_preaggregation, preaggregated_dict
from chartspec.errors import ChartspecError
from chartspec.registry import ChartDef
from chartspec.specs import canonical_spec, chart_to_spec, spec_to_json
from chartspec.validate import check_spec


def table(rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    return pd.DataFrame(
        {
            "x": rng.normal(size=rows),
            "y": rng.normal(size=rows),
            "t": pd.date_range("2024-01-01", periods=rows, freq="h"),
            "c": rng.choice(["a", "b", "c"], rows),
        }
    )


def charts(df: pd.DataFrame) -> dict[str, alt.Chart]:
    base = alt.Chart(df)
    return {
        "heatmap": base.mark_rect().encode(
            alt.X("x:Q", bin=alt.Bin(maxbins=30)),
            alt.Y("y:Q", bin=alt.Bin(maxbins=20)),
            alt.Color("count():Q"),
        ),
        "histogram": base.mark_bar().encode(alt.X("x:Q", bin=True), y="count()"),
        "line": base.mark_line().encode(
            alt.X("yearmonthdate(t):T"), alt.Y("mean(y):Q"), color="c:N"
        ),
        "filtered": base.transform_filter("datum.x > 0").mark_bar().encode(x="c:N", y="sum(y):Q"),
    }


def _round(value):
    # canonical specs keep 12 significant digits; pixels agree far beyond what is visible
    return round(value, 6) if isinstance(value, float) else value


def marks(spec: dict) -> list:
    """Return every data mark item's geometry and colour, sorted."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("role") == "mark" and node.get("marktype"):
                for item in node.get("items", []):
                    keys = ("x", "y", "width", "height", "x2", "y2", "fill", "stroke", "path")
                    found.append(
                        (node["marktype"], tuple((k, _round(item[k])) for k in keys if k in item))
                    )
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(vlc.vegalite_to_scenegraph(spec))
    return sorted(found, key=repr)


@pytest.mark.parametrize("kind", ["heatmap", "histogram", "line", "filtered"])
def test_preaggregated_chart_draws_the_same_marks(kind):
    chart = charts(table(3000))[kind]
    with alt.data_transformers.enable("default", max_rows=None):
        full = chart.to_dict(validate=False)
    small = canonical_spec(preaggregated_dict(chart))
    assert marks(small) == marks(full)
    assert len(spec_to_json(small)) < len(spec_to_json(full)) / 2


def test_a_big_table_is_preaggregated_into_a_small_valid_spec():
    chart = charts(table(200_000))["heatmap"]
    assert needs_preaggregation(chart)
    definition = ChartDef("big", "Big", "A heat map of many rows.", "test", lambda: chart, __file__)
    spec = chart_to_spec(chart, definition)
    assert check_spec(spec) == []
    assert len(spec_to_json(spec)) < 100_000
    assert spec["encoding"]["x"]["bin"] == "binned"


def test_small_tables_are_left_alone():
    assert not needs_preaggregation(charts(table(100))["heatmap"])


def test_a_layered_big_chart_gets_a_clear_error():
    chart = charts(table(10))["histogram"]
    layered = alt.layer(chart, chart).properties(data=table(6000))
    with pytest.raises(ChartspecError, match="cannot be pre-aggregated"):
        preaggregated_dict(layered)
