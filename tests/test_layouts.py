"""Readable text and narrower layouts: font floor, layout choice, labels placed again."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from chartspec import drawings
from chartspec.drawings import (
    _dark_palette,
    _recoloured,
    _text_collisions,
    layout_drawings,
    spec_to_drawings,
    svg_size,
)
from chartspec.fonts import MEASURED_FAMILIES, text_width
from chartspec.labels import LABEL_COLUMNS
from chartspec.layouts import (
    LAYOUT_WIDTHS,
    MIN_FONT_SIZE,
    MIN_NARROWING,
    Layout,
    first_plot_width,
    laid_out,
    layout_for,
    layout_widths,
    readable_spec,
)

REPO = Path(__file__).resolve().parents[1]
MEMORY3 = REPO / "specs" / "memory3-speed-vs-score.vl.json"


def _memory3() -> dict[str, Any]:
    spec: dict[str, Any] = json.loads(MEMORY3.read_text(encoding="utf-8"))
    return spec


def test_readable_spec_raises_small_text_and_leaves_data_alone() -> None:
    spec = {
        "data": {"values": [{"fontSize": 3}]},
        "mark": {"type": "text", "fontSize": 8},
        "encoding": {"x": {"field": "a", "axis": {"labelFontSize": 6, "titleFontSize": 14}}},
        "config": {"legend": {"labelFontSize": 9}},
        "usermeta": {"fontSize": 1},
    }
    out = readable_spec(spec)
    assert out["mark"]["fontSize"] == MIN_FONT_SIZE
    assert out["encoding"]["x"]["axis"] == {"labelFontSize": MIN_FONT_SIZE, "titleFontSize": 14}
    assert out["config"]["legend"]["labelFontSize"] == MIN_FONT_SIZE
    # Vega-Lite's own 10-px defaults are raised too
    assert out["config"]["axis"]["labelFontSize"] == MIN_FONT_SIZE
    assert out["config"]["header"]["labelFontSize"] == MIN_FONT_SIZE
    assert out["data"] == spec["data"] and out["usermeta"] == {"fontSize": 1}
    assert spec["mark"]["fontSize"] == 8  # the caller's spec is not changed


def test_charts_of_several_views_keep_their_natural_size() -> None:
    for composed in (
        {"facet": {"field": "a"}, "spec": {"mark": "point"}},
        {"hconcat": [{"mark": "point"}, {"mark": "bar"}]},
        {"mark": "point", "encoding": {"column": {"field": "a"}}},
    ):
        assert layout_widths(composed, natural_width=900) == []
    assert layout_widths({"mark": "point"}, natural_width=500) == [288]
    assert layout_widths({"mark": "point"}, natural_width=900) == list(LAYOUT_WIDTHS)
    assert layout_widths({"mark": "point"}, natural_width=200) == []
    # a chart little wider than a layout scrolls in its box rather than being drawn again
    assert layout_widths({"mark": "point"}, natural_width=288 + MIN_NARROWING) == []
    assert layout_widths({"mark": "point"}, natural_width=736 + MIN_NARROWING) == [288]


def test_labels_are_placed_again_for_a_narrow_plot() -> None:
    spec = _memory3()
    natural = 613
    plot_width = first_plot_width(spec, width=288, natural_width=natural)
    assert plot_width is not None and plot_width < spec["width"]
    layout = layout_for(spec, width=288, plot_width=plot_width)
    assert layout is not None and layout.labels is not None
    rows = spec["datasets"][spec["data"]["name"]]
    assert len(layout.labels) == len(rows)
    moved = [(row["label_x"], new["label_x"]) for row, new in zip(rows, layout.labels, strict=True)]
    assert any(a != b for a, b in moved)  # placed for the narrower plot, not copied
    assert all(set(LABEL_COLUMNS) <= row.keys() for row in layout.labels)
    narrow = laid_out(spec, layout)
    labels = next(layer for layer in narrow["layer"] if layer["mark"]["type"] == "text")
    assert labels["data"] == {"values": layout.labels}
    assert narrow["width"] == plot_width
    # the legend inside the plot moves under it, where labels need not avoid it
    points = next(layer for layer in narrow["layer"] if layer["mark"]["type"] == "point")
    assert points["encoding"]["color"]["legend"]["orient"] == "bottom"
    # no room: no layout, rather than labels on points
    assert layout_for(spec, width=288, plot_width=30) is None


def test_titles_are_wrapped_to_the_layout() -> None:
    spec = _memory3()
    layout = layout_for(spec, width=288, plot_width=200)
    assert layout is not None
    title = laid_out(spec, layout)["title"]
    lines = [*title["text"], *title["subtitle"]]
    assert len(lines) > 3
    for line in title["subtitle"]:
        width = max(text_width(line, size=11, family=f) for f in MEASURED_FAMILIES)
        assert width <= 288 - 10, line


def test_layout_drawings_fit_their_width() -> None:
    live = MEMORY3.read_text(encoding="utf-8")
    natural = spec_to_drawings(live, png=False)
    assert not isinstance(natural, str)
    found = layout_drawings(live, natural[0].decode("utf-8"))
    assert [d.layout.width for d in found] == [288]
    assert svg_size(found[0].svg)[0] <= 288


def _natural(name: str) -> tuple[str, str, str]:
    """Return a committed spec's text and its natural light and dark drawings."""
    live = (REPO / "specs" / f"{name}.vl.json").read_text(encoding="utf-8")
    natural = spec_to_drawings(live, png=False)
    assert not isinstance(natural, str)
    return live, natural[0].decode("utf-8"), natural[1].decode("utf-8")


def _counting_drawings(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Record every spec `drawings` draws from here on."""
    drawn: list[dict[str, Any]] = []
    draw = drawings._svg

    def counted(spec: dict[str, Any], base_dir: Path | None) -> bytes | str:
        drawn.append(spec)
        return draw(spec, base_dir)

    monkeypatch.setattr(drawings, "_svg", counted)
    return drawn


def test_a_chart_without_placed_labels_is_fitted_to_each_layout_in_one_drawing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Vega-Lite fits the chart into the width itself; given the natural dark drawing, no
    layout is drawn dark."""
    live, light, dark = _natural("cars-weight-vs-mpg")
    drawn = _counting_drawings(monkeypatch)
    found = layout_drawings(live, light, dark=dark)
    assert [d.layout.width for d in found] == [288]
    assert len(drawn) == len(found)
    for spec, drawing in zip(drawn, found, strict=True):
        assert spec["autosize"] == {"type": "fit-x", "contains": "padding"}
        assert drawing.layout.width - 12 <= svg_size(drawing.svg)[0] <= drawing.layout.width
        assert drawings._plot_width(drawing.svg) >= 100


@pytest.mark.parametrize("name", ["chartspec-benchmarks", "memory3-retrieval-cost"])
def test_text_that_passes_the_fitted_plot_gets_a_layout_by_plot_width(name: str) -> None:
    """An axis title wider than the plot Vega-Lite fits (long labels beside it) or notes
    beside bars would leave the drawing: the layout is laid out by its plot's width instead,
    which wraps the title and makes room for the notes."""
    live, light, dark = _natural(name)
    found = layout_drawings(live, light, dark=dark)
    assert [d.layout.width for d in found] == [288]
    assert found[0].layout.plot_width is not None
    assert svg_size(found[0].svg)[0] <= 288 and _text_collisions(found[0].svg) == 0


@pytest.mark.parametrize("name", ["cars-weight-vs-mpg", "memory3-speed-vs-score", "stocks-prices"])
def test_layouts_take_the_dark_colours_their_dark_drawing_would_have(name: str) -> None:
    live, light, dark = _natural(name)
    assert layout_drawings(live, light, dark=dark) == layout_drawings(live, light)


def test_a_dark_palette_knows_each_colour_by_its_role() -> None:
    def svg(frame: str, grid: str) -> str:
        return (
            '<svg xmlns="http://www.w3.org/2000/svg"><path class="background" stroke="'
            f'{frame}"/><g class="mark-rule role-axis-grid"><line stroke="{grid}"/></g></svg>'
        )

    palette = _dark_palette(svg("#ddd", "#ddd"), svg("#4a505c", "#343944"))
    assert palette is not None
    recoloured = _recoloured(svg("#ddd", "#ddd"), palette)
    assert recoloured is not None
    assert ET.canonicalize(recoloured) == ET.canonicalize(svg("#4a505c", "#343944"))
    # a colour it has not seen in that role: the layout is drawn dark instead
    assert _recoloured(svg("#ddd", "#eee"), palette) is None
    # one light colour of one role that turns two ways gives no palette
    two_ways = svg("#ddd", "#ddd").replace("</g>", '<line stroke="#ddd"/></g>')
    assert (
        _dark_palette(
            two_ways, svg("#4a505c", "#343944").replace("</g>", '<line stroke="#000"/></g>')
        )
        is None
    )


@pytest.mark.parametrize(("second_x", "expected"), [(10, 1), (200, 0), (590, 1)])
def test_text_collisions_counts_overlaps_and_text_outside(second_x: int, expected: int) -> None:
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="600" height="100">'
        '<g transform="translate(5,5)"><g class="mark-text role-mark">'
        '<text transform="translate(0,20)" font-size="11px">first label</text>'
        f'<text transform="translate({second_x},24)" font-size="11px">second label</text>'
        "</g></g></svg>"
    )
    assert _text_collisions(svg) == expected


def _svg(*texts: str) -> str:
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="600" height="200">'
        f'<g class="mark-text role-axis-label">{"".join(texts)}</g></svg>'
    )


@pytest.mark.parametrize(("step", "expected"), [(30, 0), (8, 1)])
def test_text_collisions_measures_turned_labels_as_turned(step: int, expected: int) -> None:
    """Labels turned by 45 degrees stand apart when their ticks do, though their upright
    boxes would overlap."""
    svg = _svg(
        *(
            f'<text text-anchor="end" transform="translate({100 + i * step},20) rotate(315)" '
            f'font-size="11px">University Farm</text>'
            for i in range(2)
        )
    )
    assert _text_collisions(svg) == expected


def test_text_collisions_measures_every_line_of_a_text() -> None:
    note = (
        '<text transform="translate(100,20)" font-size="11px"><tspan>Lehman</tspan>'
        '<tspan x="0" dy="13">Brothers</tspan><tspan x="0" dy="13">fails</tspan></text>'
    )
    below = '<text transform="translate(100,{y})" font-size="11px">AAPL</text>'
    assert _text_collisions(_svg(note, below.format(y=52))) == 1  # on the third line
    assert _text_collisions(_svg(note, below.format(y=70))) == 0


def test_a_compact_layout_turns_discrete_labels_and_breaks_notes_into_words() -> None:
    spec = {
        "layer": [
            {
                "mark": "bar",
                "encoding": {"x": {"field": "site", "type": "nominal", "axis": {"labelAngle": 0}}},
            },
            {"mark": {"type": "text", "dx": 4}, "encoding": {"text": {"field": "note"}}},
        ]
    }
    plain = laid_out(spec, Layout(288))
    assert plain["layer"][0]["encoding"]["x"]["axis"] == {"labelAngle": 0}
    compact = laid_out(spec, Layout(288, compact=True))
    assert compact["layer"][0]["encoding"]["x"]["axis"] == {"labelAngle": -45}
    assert compact["layer"][1]["mark"] == {"type": "text", "dx": 4, "lineBreak": " "}
    # labels placed in pixels are measured as one line: never broken
    labelled = laid_out(_memory3(), Layout(288, 235, compact=True))
    text_layers = [v for v in labelled["layer"] if v["mark"].get("type") == "text"]
    assert text_layers and all("lineBreak" not in v["mark"] for v in text_layers)


@pytest.mark.parametrize("name", ["barley-sites-by-year", "stocks-annotated"])
def test_crowded_charts_get_a_compact_phone_layout(name: str) -> None:
    """Bars with long category names and notes beside rules read on a phone once compact."""
    live = (REPO / "specs" / f"{name}.vl.json").read_text(encoding="utf-8")
    natural = spec_to_drawings(live, png=False)
    assert not isinstance(natural, str)
    found = layout_drawings(live, natural[0].decode("utf-8"))
    assert [(d.layout.width, d.layout.compact) for d in found] == [(288, True)]
    assert svg_size(found[0].svg)[0] <= 288 and _text_collisions(found[0].svg) == 0
