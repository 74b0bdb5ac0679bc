"""Labels drawn by plain vega-embed in Chromium, in each measured font, and exported SVGs in <img>."""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import altair as alt
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageChops, ImageFilter
from playwright.sync_api import Browser, Page

from chartspec.chartcode import build_spec
from chartspec.errors import ChartspecError
from chartspec.export import spec_to_png, spec_to_svg
from chartspec.fonts import FONT_DIR, FONT_FAMILY, MEASURED_FAMILIES, text_width
from chartspec.labels import label_points
from chartspec.registry import select_charts

from .conftest import serve_folder

BUNDLE = Path(__file__).resolve().parents[2] / "src" / "chartspec" / "static"
MEMORY3 = "memory3-speed-vs-score"

# A page with the bundled font as a web font, and one with nothing but the machine's fonts.
FIRA_CSS = "".join(
    f'@font-face {{ font-family: "{FONT_FAMILY}"; font-weight: {weight}; '
    f'src: url("{name}") format("woff2"); }}\n'
    for name, weight in (("FiraSans-Regular.woff2", 400), ("FiraSans-Bold.woff2", 700))
)
PAGE = """<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<style>{css}</style>
<script src="chartspec-vega.min.js"></script></head><body><div id="chart"></div></body></html>
"""

# Draw a spec, optionally forcing every text of the chart into one family, then measure what
# a reader sees: each label's glyphs (canvas metrics in the font the SVG text really uses),
# each point's circle, the plot area and the legend, in page pixels.
DRAW_AND_MEASURE = """
async ({spec, family}) => {
  if (family && !document.getElementById('forced-family')) {
    const style = document.createElement('style');
    style.id = 'forced-family';
    style.textContent = `#chart text { font-family: "${family}" !important; }`;
    document.head.appendChild(style);
  }
  const target = document.getElementById('chart');
  await window.chartspecVega.vegaEmbed(target, spec, {mode: 'vega-lite', renderer: 'svg',
                                                      actions: false});
  await document.fonts.ready;
  for (const face of document.fonts) await face.load();
  const ctx = document.createElement('canvas').getContext('2d');
  const box = (el) => { const r = el.getBoundingClientRect();
                        return [r.left, r.top, r.right, r.bottom]; };
  const svg = target.querySelector('svg');
  const labels = [...svg.querySelectorAll('g.mark-text.role-mark text')].map((t) => {
    const cs = getComputedStyle(t);
    ctx.font = `${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
    const anchor = t.getAttribute('text-anchor') || 'start';
    ctx.textAlign = {start: 'left', middle: 'center', end: 'right'}[anchor];
    ctx.textBaseline = 'alphabetic';
    const m = ctx.measureText(t.textContent);
    const o = new DOMPoint(0, 0).matrixTransform(t.getScreenCTM());
    return {text: t.textContent, family: cs.fontFamily, width: t.getComputedTextLength(),
            canvasWidth: m.width,
            box: [o.x - m.actualBoundingBoxLeft, o.y - m.actualBoundingBoxAscent,
                  o.x + m.actualBoundingBoxRight, o.y + m.actualBoundingBoxDescent]};
  });
  const points = [...svg.querySelectorAll('g.mark-symbol.role-mark path')].map(box);
  const legend = [...svg.querySelectorAll('g.role-legend')]
    .map((g) => box(g.querySelector('path.background')));
  const plot = box(svg.querySelector('g.role-frame.root > g > path.background'));
  return {labels, points, legend, plot};
}
"""


@pytest.fixture(scope="module")
def pages(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Serve the two test pages, the bundle and the font files; yield the base URL."""
    folder = tmp_path_factory.mktemp("label-pages")
    shutil.copy(BUNDLE / "chartspec-vega.min.js", folder)
    for woff2 in FONT_DIR.glob("*.woff2"):
        shutil.copy(woff2, folder)
    (folder / "fira.html").write_text(PAGE.format(css=FIRA_CSS), encoding="utf-8")
    (folder / "plain.html").write_text(PAGE.format(css=""), encoding="utf-8")
    with serve_folder(folder) as url:
        yield url


@pytest.fixture(scope="module")
def draw(browser: Browser, pages: str) -> Iterator[Callable[[dict[str, Any], str | None], Any]]:
    """Draw a spec in `family` (None: the machine's own fonts) and measure it, on a page of
    that family's: vega-embed replaces the chart the page drew before, and the page's fonts
    and forced family stay as they were, so the page is loaded once per family."""
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    family_pages: dict[str | None, tuple[Page, list[str]]] = {}

    def draw_(spec: dict[str, Any], family: str | None) -> Any:
        if family not in family_pages:
            page, errors = context.new_page(), []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(pages + ("fira.html" if family == FONT_FAMILY else "plain.html"))
            family_pages[family] = page, errors
        page, errors = family_pages[family]
        errors.clear()
        measured = page.evaluate(DRAW_AND_MEASURE, {"spec": spec, "family": family})
        assert not errors, errors
        return measured

    yield draw_
    context.close()


def _overlap(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _distance(circle: list[float], box: list[float]) -> float:
    """Return how far a rendered point's edge is from a box (negative: the box covers it)."""
    cx, cy, r = (
        (circle[0] + circle[2]) / 2,
        (circle[1] + circle[3]) / 2,
        (circle[2] - circle[0]) / 2,
    )
    dx = max(box[0] - cx, 0.0, cx - box[2])
    dy = max(box[1] - cy, 0.0, cy - box[3])
    return float((dx * dx + dy * dy) ** 0.5 - r)


def assert_readable(measured: Any, family: str | None, *, size: float = 11) -> None:
    """No label on a point, on another label or the legend, or outside the plot."""
    labels, plot = measured["labels"], measured["plot"]
    assert labels and measured["points"]
    for label in labels:
        name, box = label["text"], label["box"]
        if family is not None:
            # The text really is drawn in `family`: its width is that font's, as the canvas
            # measures it (the SVG and canvas paths round and kern apart by under a pixel).
            assert label["width"] == pytest.approx(label["canvasWidth"], abs=1.0), name
            # Placement measures without kerning, which only narrows a word ('Wa': 4 %).
            expected = text_width(name, size=size, family=family)
            assert 0.94 * expected <= label["width"] <= expected + 0.5, (name, family)
        assert plot[0] <= box[0] and box[2] <= plot[2], (name, "clipped", box, plot)
        assert plot[1] <= box[1] and box[3] <= plot[3], (name, "clipped", box, plot)
        for point in measured["points"]:
            assert _distance(point, box) > 0.5, (name, "covers a point", box, point)
        for legend in measured["legend"]:
            assert not _overlap(box, legend), (name, "on the legend")
    for i, a in enumerate(labels):
        for b in labels[i + 1 :]:
            assert not _overlap(a["box"], b["box"]), (a["text"], b["text"])


@pytest.fixture(scope="module")
def memory3() -> dict[str, Any]:
    """Return the Memory³ spec as `chartspec build` writes it."""
    return build_spec(select_charts(None)[MEMORY3])


@pytest.mark.parametrize("family", [None, *MEASURED_FAMILIES])
def test_memory3_labels_read_in_every_font(
    draw: Callable[[dict[str, Any], str | None], Any], memory3: dict[str, Any], family: str | None
) -> None:
    measured = draw(memory3, family)
    assert len(measured["labels"]) == 7
    assert len(measured["legend"]) == 1
    assert_readable(measured, family)


def user_chart(rows: list[tuple[float, float, str]], stated: bool) -> alt.Chart:
    """Return a point chart as a user writes it: log x, with or without domains and a size."""
    table = pd.DataFrame(rows, columns=["speed", "score", "name"])
    chart = alt.Chart(table).mark_point(filled=True, size=60)
    if not stated:  # Vega chooses the domains and the size
        return chart.encode(x=alt.X("speed:Q", scale=alt.Scale(type="log")), y="score:Q")
    return chart.encode(
        x=alt.X("speed:Q", scale=alt.Scale(type="log", domain=[10, 10_000])),
        y=alt.Y("score:Q", scale=alt.Scale(domain=[0, 100])),
    ).properties(width=420, height=300)


names = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefgjpqy0123456789-.³ ", min_size=2, max_size=14
)
rows = st.lists(
    st.tuples(
        st.floats(min_value=12, max_value=9000),
        st.floats(min_value=2, max_value=98),
        names.map(str.strip).filter(bool),
    ),
    min_size=3,
    max_size=10,
)


@settings(
    max_examples=6,
    phases=[Phase.generate],  # each example opens three pages: no shrinking
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(rows, st.booleans())
def test_random_point_sets_read_in_every_font(
    draw: Callable[[dict[str, Any], str | None], Any],
    rows: list[tuple[float, float, str]],
    stated: bool,
) -> None:
    try:
        chart = label_points(user_chart(rows, stated), "name")
    except ChartspecError:
        assume(False)  # no collision-free placement exists; the error is tested elsewhere
    spec = chart.to_dict()
    for family in MEASURED_FAMILIES:
        assert_readable(draw(spec, family), family)


def test_exported_svg_in_an_img_looks_like_the_png(
    browser: Browser, memory3: dict[str, Any], tmp_path: Path
) -> None:
    """On a page without the web font, the SVG brings its own and matches vl-convert's PNG."""
    expected = Image.open(io.BytesIO(spec_to_png(memory3, scale=1))).convert("RGB")
    (tmp_path / "with-font.svg").write_text(spec_to_svg(memory3), encoding="utf-8")
    (tmp_path / "without.svg").write_text(spec_to_svg(memory3, embed_font=False), "utf-8")
    for name in ("with-font", "without"):
        (tmp_path / f"{name}.html").write_text(
            '<!doctype html><html><head><link rel="icon" href="data:,"></head>'
            '<body style="margin:0;background:white">'
            f'<img id="chart" src="{name}.svg"></body></html>',
            encoding="utf-8",
        )
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    page = context.new_page()
    difference = {}
    with serve_folder(tmp_path) as url:
        for name in ("with-font", "without"):
            page.goto(f"{url}{name}.html")
            page.wait_for_function("document.getElementById('chart').complete")
            shot = Image.open(io.BytesIO(page.locator("#chart").screenshot())).convert("RGB")
            assert shot.size == expected.size
            difference[name] = _differing(shot, expected)
    context.close()
    assert difference["with-font"] < 0.001, difference
    # Without the font the browser draws another face: the comparison can tell.
    assert difference["without"] > 0.01, difference


def _differing(a: Image.Image, b: Image.Image) -> float:
    """Return the share of pixels that differ visibly, once edge anti-aliasing is blurred away."""
    blur = ImageFilter.GaussianBlur(1.5)
    diff = ImageChops.difference(a.filter(blur), b.filter(blur)).convert("L")
    return float(np.count_nonzero(np.asarray(diff) > 32)) / (a.width * a.height)
