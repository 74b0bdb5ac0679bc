"""The committed site/ and the hand-written specs' site in a real browser, with no per-chart code.

Each page must render with no console error and no CSP violation; where the spec's data says how
many marks to expect, exactly that many are drawn.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from .conftest import REPO, Visit
from .test_site_pages import _assert_clean, assert_labels_clear

COMMITTED = sorted(p.name.removesuffix(".vl.json") for p in (REPO / "specs").glob("*.vl.json"))
HANDWRITTEN_DIR = REPO / "tests" / "handwritten"
HANDWRITTEN = sorted(p.name.removesuffix(".vl.json") for p in HANDWRITTEN_DIR.glob("*.vl.json"))
MEMORY3 = "memory3-speed-vs-score"

# Vega-Lite mark -> the rendered elements of one mark per data row.
ROW_MARKS = {
    "point": "g.mark-symbol.role-mark path",
    "circle": "g.mark-symbol.role-mark path",
    "square": "g.mark-symbol.role-mark path",
    "bar": "g.mark-rect.role-mark path",
    "rect": "g.mark-rect.role-mark path",
    "tick": "g.mark-rect.role-mark path",
    "text": "g.mark-text.role-mark text",
    "rule": "g.mark-rule.role-mark line",
}
# Anything here makes the number of marks differ from the number of rows.
REGROUPING = {"aggregate", "bin", "timeUnit"}
MULTI_VIEW = {"facet", "repeat", "concat", "hconcat", "vconcat"}


def _rows(spec: dict[str, Any], data: Any) -> list[Any] | None:
    if not isinstance(data, dict):
        return None
    if "values" in data:
        return data["values"]
    return spec.get("datasets", {}).get(data.get("name"))


def expected_marks(spec: dict[str, Any]) -> dict[str, int] | None:
    """Return the number of rendered elements per selector, or None when not simply derived."""
    if MULTI_VIEW & spec.keys() or "transform" in spec:
        return None
    units = spec.get("layer", [spec])
    counts: dict[str, int] = {}
    for unit in units:
        mark = unit.get("mark")
        kind = mark.get("type") if isinstance(mark, dict) else mark
        encoding = {**spec.get("encoding", {}), **unit.get("encoding", {})}
        rows = _rows(spec, unit.get("data", spec.get("data")))
        if (
            kind not in ROW_MARKS
            or rows is None
            or "transform" in unit
            or "layer" in unit
            or {"row", "column", "facet"} & encoding.keys()
            or any(REGROUPING & set(d) for d in encoding.values() if isinstance(d, dict))
        ):
            return None
        counts[ROW_MARKS[kind]] = counts.get(ROW_MARKS[kind], 0) + len(rows)
    return counts


def _check_page(visit: Callable[..., Visit], url: str, spec: dict[str, Any]) -> None:
    v = visit(url)
    root = ".chart.is-live"
    assert v.page.locator(f"{root} svg").count() == 1
    expected = expected_marks(spec)
    if expected is None:
        assert v.page.locator(f"{root} g.role-mark > *").count() >= 1
    else:
        found = {sel: v.page.locator(f"{root} {sel}").count() for sel in expected}
        assert found == expected
    _assert_clean(v)


def test_expected_marks_is_derived_for_unit_and_layer_specs():
    spec = json.loads((REPO / "specs" / f"{MEMORY3}.vl.json").read_text(encoding="utf-8"))
    assert expected_marks(spec) == {
        "g.mark-symbol.role-mark path": 7,
        "g.mark-text.role-mark text": 7,
    }
    assert expected_marks({"facet": {}, "spec": {}}) is None


@pytest.mark.parametrize("name", COMMITTED)
def test_committed_chart_renders(visit: Callable[..., Visit], repo_server: str, name: str) -> None:
    spec = json.loads((REPO / "specs" / f"{name}.vl.json").read_text(encoding="utf-8"))
    _check_page(visit, f"{repo_server}{name}.html", spec)


@pytest.mark.parametrize("name", HANDWRITTEN)
def test_handwritten_chart_renders(
    visit: Callable[..., Visit], handwritten_server: str, name: str
) -> None:
    spec = json.loads((HANDWRITTEN_DIR / f"{name}.vl.json").read_text(encoding="utf-8"))
    _check_page(visit, f"{handwritten_server}{name}.html", spec)


def test_committed_gallery_lists_every_chart(visit: Callable[..., Visit], repo_server: str) -> None:
    v = visit(repo_server + "index.html", wait_live=False)
    assert v.page.locator(".card").count() == len(COMMITTED)
    for name in COMMITTED:
        assert v.page.locator(f"a[href='{name}.html']").count() >= 1
    _assert_clean(v)


@pytest.mark.parametrize("width", [360, 1280])
def test_memory3_labels_are_apart_and_inside(
    visit: Callable[..., Visit], repo_server: str, width: int
) -> None:
    v = visit(f"{repo_server}{MEMORY3}.html", width=width)
    labels = assert_labels_clear(v.page)
    assert {label["text"] for label in labels} >= {"Memory³-2B-SFT", "Phi-2"}
    _assert_clean(v)


def _largest_axis_number(v: Visit) -> float:
    texts = v.page.locator(".chart.is-live g.role-axis-label text").all_text_contents()
    return max(float(t.replace(",", "")) for t in texts if t.replace(",", "").isdigit())


def test_brush_selection_filters_the_linked_view(
    visit: Callable[..., Visit], repo_server: str
) -> None:
    v = visit(f"{repo_server}seattle-weather-brush.html")
    before = _largest_axis_number(v)
    plot = v.page.locator(".chart.is-live g.mark-symbol.role-mark").first.bounding_box()
    assert plot and before >= 700  # the count axis covers all 1,461 days
    y = plot["y"] + plot["height"] / 2
    v.page.mouse.move(plot["x"] + plot["width"] * 0.02, y)
    v.page.mouse.down()
    v.page.mouse.move(plot["x"] + plot["width"] * 0.10, y, steps=5)
    v.page.mouse.up()
    v.page.wait_for_timeout(200)
    spec = json.loads((REPO / "specs" / "seattle-weather-brush.vl.json").read_text("utf-8"))
    faded = spec["vconcat"][0]["encoding"]["color"]["value"]
    grey = v.page.locator(f".chart.is-live g.mark-symbol.role-mark path[fill='{faded}']").count()
    assert grey > 1000  # the points outside the brush fade
    assert _largest_axis_number(v) <= 200  # the bars count only the brushed days
    _assert_clean(v)
