"""Every built-in chart, with no per-chart code: valid, clean, small, styled, exportable."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chartspec.chartcode import build_spec
from chartspec.export import spec_to_svg
from chartspec.fonts import FONT_FAMILY
from chartspec.registry import builtin_charts
from chartspec.specs import spec_to_json
from chartspec.validate import check_spec

CHARTS = builtin_charts()
MAX_SPEC_BYTES = 300_000
MAX_INLINE_ROWS = 5_000


@pytest.fixture(scope="module")
def specs() -> dict[str, dict[str, Any]]:
    return {name: build_spec(definition) for name, definition in CHARTS.items()}


def test_the_gallery_covers_the_chart_families():
    assert len(CHARTS) >= 13
    assert {"memory3-speed-vs-score", "memory3-retrieval-cost"} <= set(CHARTS)


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_chart_is_valid_clean_small_and_styled(specs, name):
    spec = specs[name]
    assert check_spec(spec) == []
    assert len(spec_to_json(spec).encode()) < MAX_SPEC_BYTES
    for rows in spec.get("datasets", {}).values():
        assert len(rows) <= MAX_INLINE_ROWS
    # drawn in the bundled font, with fallbacks after it where the chart names them
    assert spec["config"]["font"].split(",")[0] == FONT_FAMILY
    meta = spec["usermeta"]["chartspec"]
    assert meta["name"] == name and meta["title"] and meta["source"]
    # a chart may add what its data says to the registered description
    assert spec["description"].startswith(CHARTS[name].description)
    key = meta.get("key")
    if key:  # a declared key is a column whose values are unique in every dataset holding it
        holding = [rows for rows in spec["datasets"].values() if key in rows[0]]
        assert holding
        for rows in holding:
            assert len({json.dumps(row[key]) for row in rows}) == len(rows)


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_chart_builds_the_same_text_twice(specs, name):
    assert spec_to_json(build_spec(CHARTS[name])) == spec_to_json(specs[name])


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_chart_exports_to_svg(specs, name):
    svg = spec_to_svg(specs[name])
    assert svg.startswith("<svg") and "</svg>" in svg
    assert FONT_FAMILY in svg
