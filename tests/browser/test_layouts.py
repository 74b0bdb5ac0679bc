"""Every built-in chart and a sample of the official examples at a phone's, a tablet's and a
desktop's width, light and dark: drawn without errors, readable text, no sideways page scroll,
labels clear.

The built-in charts are built afresh (the committed site may be older).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser
from playwright.sync_api import Error as PlaywrightError

from chartspec.layouts import MIN_FONT_SIZE, layout_widths
from chartspec.spec import load_spec_file

from .conftest import ARTIFACTS, CSP_LISTENER, REPO, Visit, serve_folder, visit_each
from .test_site_pages import SMALLEST_TEXT, _boxes, _overlap

BUILT_IN = sorted(p.name.removesuffix(".vl.json") for p in (REPO / "specs").glob("*.vl.json"))
WIDTHS = [360, 768, 1280]
VIEWS = [(width, scheme) for width in WIDTHS for scheme in ("light", "dark")]
LABELLED = "memory3-speed-vs-score"
# Charts of one view (no facets, concatenations or repeats), which a phone gets a layout of.
SINGLE_VIEW = [
    name
    for name in BUILT_IN
    if layout_widths(load_spec_file(REPO / "specs" / f"{name}.vl.json"), natural_width=1e9)
]
# The corners of every shown text of the live drawing, in page pixels, as the browser turns it.
TEXT_QUADS = """() => {
  const svg = document.querySelector('.chart.is-live svg');
  return Array.from(svg.querySelectorAll('text')).filter(t =>
    t.textContent.trim() && getComputedStyle(t).opacity !== '0'
  ).map(t => {
    const b = t.getBBox(), m = t.getScreenCTM();
    const corners = [[b.x, b.y], [b.x + b.width, b.y], [b.x + b.width, b.y + b.height],
                     [b.x, b.y + b.height]];
    return {text: t.textContent, quad: corners.map(([x, y]) => {
      const p = new DOMPoint(x, y).matrixTransform(m);
      return [p.x + scrollX, p.y + scrollY];
    })};
  });
}"""


# In one call to the page: how wide it scrolls, its chart's smallest text, and each live
# drawing's width on the page and as drawn.
MEASURE_PAGE = f"""() => ({{
  scroll: document.documentElement.scrollWidth,
  smallest: ({SMALLEST_TEXT})('.chart.is-live'),
  drawings: Array.from(document.querySelectorAll('.chart.is-live svg')).map(svg =>
    [svg.getBoundingClientRect().width, parseFloat(svg.getAttribute('width') || '0')]),
}})"""


@pytest.fixture(scope="module")
def built_in_server(repository_build: Path) -> Iterator[str]:
    """Serve the site of a fresh build of the repository; yield its base URL."""
    with serve_folder(repository_build / "site") as url:
        yield url


def _not_drawn_cleanly(v: Visit) -> list[str]:
    """Return why this loaded page's live chart is not drawn cleanly: not drawn, errors, no marks."""
    try:
        v.page.wait_for_selector(".chart.is-live svg", timeout=15_000)
    except PlaywrightError as error:
        return [f"not drawn ({str(error).splitlines()[0]})", *v.errors]
    marks = v.page.locator(".chart.is-live g.role-mark > *").count()
    return [f"error: {e}" for e in v.errors] + ([] if marks else ["no marks"])


def _problems(v: Visit, width: int) -> list[str]:
    """Return what a reader of this loaded chart page at this width would find wrong: a chart
    not drawn cleanly, small text, a page scrolling sideways, a drawing shrunk."""
    found = _not_drawn_cleanly(v)
    if found:
        return found
    seen = v.page.evaluate(MEASURE_PAGE)
    if seen["scroll"] > width:
        found.append(f"the page scrolls sideways ({seen['scroll']}px)")
    if seen["smallest"] < MIN_FONT_SIZE:
        found.append(f"text {seen['smallest']:.1f}px")
    for shown, natural in seen["drawings"]:
        if abs(shown - natural) > 1:
            found.append(f"drawing shrunk to {shown} of {natural}px")
    return found


def _visit_all(
    browser: Browser,
    base: str,
    names: list[str],
    tag: str,
    *,
    views: list[tuple[int, str]] = VIEWS,
) -> list[str]:
    """Visit every page in each (width, scheme) of `views`; return the problems, one line each."""
    failed = []
    for width, scheme in views:
        context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
        context.add_init_script(CSP_LISTENER)
        try:
            for url, v in visit_each(context, [f"{base}{name}.html" for name in names]):
                if problems := _problems(v, width):  # and a picture of what the reader sees
                    name = url.removeprefix(base).removesuffix(".html")
                    failed.append(f"{name} at {width}px {scheme}: {', '.join(problems)}")
                    ARTIFACTS.mkdir(exist_ok=True)
                    shot = ARTIFACTS / f"{tag}-{name}-{width}-{scheme}.png"
                    v.page.screenshot(path=str(shot), full_page=True)
        finally:
            context.close()
    return failed


def test_built_in_charts_read_well_at_every_width(browser: Browser, built_in_server: str) -> None:
    assert _visit_all(browser, built_in_server, BUILT_IN, "built-in") == []


@pytest.mark.parametrize("width", WIDTHS)
def test_labelled_chart_labels_clear_at_every_width(
    browser: Browser, built_in_server: str, width: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{built_in_server}{LABELLED}.html", wait_until="load")
        page.wait_for_selector(".chart.is-live svg", timeout=15_000)
        labels = _boxes(page, ".chart.is-live g.mark-text.role-mark text")
        points = _boxes(page, ".chart.is-live g.mark-symbol.role-mark path")
        frame = page.locator(".chart.is-live svg").bounding_box()
        assert len(labels) == len(points) == 7 and frame
        for i, a in enumerate(labels):
            assert not any(_overlap(a, b) for b in labels[i + 1 :]), a["text"]
            assert not any(_overlap(a, p) for p in points), a["text"]
            assert frame["x"] <= a["x"] and a["x"] + a["w"] <= frame["x"] + frame["width"], a
            assert frame["y"] <= a["y"] and a["y"] + a["h"] <= frame["y"] + frame["height"], a
    finally:
        context.close()


def test_phone_without_javascript_shows_the_narrow_drawing(
    browser: Browser, built_in_server: str
) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 900}, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{built_in_server}{LABELLED}.html", wait_until="load")
        img = page.locator(".chart picture img")
        img.wait_for()
        shown, loaded = page.evaluate(
            "i => [i.currentSrc, i.complete && i.naturalWidth]", img.element_handle()
        )
        assert shown.endswith(f"charts/{LABELLED}.w288.svg") and loaded, shown
        box = img.bounding_box()
        assert box and box["width"] <= 288
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
    finally:
        context.close()


def _quads_overlap(a: list[list[float]], b: list[list[float]]) -> bool:
    """Tell whether two convex quadrilaterals overlap by more than a pixel's rounding."""
    for shape in (a, b):
        for i, (x0, y0) in enumerate(shape):
            x1, y1 = shape[(i + 1) % 4]
            nx, ny = y0 - y1, x1 - x0
            length = (nx * nx + ny * ny) ** 0.5 or 1.0
            pa = [(nx * x + ny * y) / length for x, y in a]
            pb = [(nx * x + ny * y) / length for x, y in b]
            if max(pa) <= min(pb) + 0.5 or max(pb) <= min(pa) + 0.5:
                return False
    return True


def test_phone_gets_every_single_view_chart_laid_out_with_text_apart(
    browser: Browser, built_in_server: str
) -> None:
    """At 360 px every chart of one view fits the page without scrolling in its box, and no
    text (tick labels, notes, titles, legends) overlaps another or leaves the drawing."""
    context = browser.new_context(viewport={"width": 360, "height": 900})
    page = context.new_page()
    failed = []
    try:
        for name in SINGLE_VIEW:
            page.goto(f"{built_in_server}{name}.html", wait_until="load")
            page.wait_for_selector(".chart.is-live svg", timeout=15_000)
            svg = page.locator(".chart.is-live svg")
            frame = svg.bounding_box()
            assert frame
            if frame["width"] > 288:
                failed.append(f"{name}: no phone layout, drawn {frame['width']}px wide")
            texts = page.evaluate(TEXT_QUADS)
            for i, a in enumerate(texts):
                for b in texts[i + 1 :]:
                    if _quads_overlap(a["quad"], b["quad"]):
                        failed.append(f"{name}: {a['text']!r} overlaps {b['text']!r}")
                right, bottom = frame["x"] + frame["width"], frame["y"] + frame["height"]
                if any(
                    not (
                        frame["x"] - 0.5 <= x <= right + 0.5
                        and frame["y"] - 0.5 <= y <= bottom + 0.5
                    )
                    for x, y in a["quad"]
                ):
                    failed.append(f"{name}: {a['text']!r} leaves the drawing")
    finally:
        context.close()
    assert failed == []
