"""The generated site in a real browser: rendering, CSP, offline use, layout, injection."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

import pytest
from PIL import Image, ImageColor
from playwright.sync_api import Browser, Page

from chartspec.drawings import DARK_COLOURS
from conftest import EXPECTED_MARKS, PAYLOAD_SCRIPT

from .conftest import ARTIFACTS, CSP_LISTENER, Visit, visit_each

MARK_SELECTORS = {
    "symbol": "g.mark-symbol.role-mark path",
    "text": "g.mark-text.role-mark text",
    "rect": "g.mark-rect.role-mark path",
}
CHARTS = sorted(EXPECTED_MARKS)


def _mark_counts(page: Page, root: str, kinds: dict[str, int]) -> dict[str, int]:
    return {k: page.locator(f"{root} {MARK_SELECTORS[k]}").count() for k in kinds}


def _assert_clean(v: Visit) -> None:
    assert v.errors == [], v.errors
    for url in v.requests:
        parsed = urlparse(url)
        assert parsed.scheme in ("http", "file", "data"), url
        if parsed.scheme == "http":
            assert parsed.hostname == "127.0.0.1", url


@pytest.mark.parametrize("name", CHARTS)
@pytest.mark.parametrize("kind", ["page", "embed"])
def test_chart_renders_live_with_expected_marks(
    visit: Callable[..., Visit], server: str, name: str, kind: str
) -> None:
    url = f"{server}{name}.html" if kind == "page" else f"{server}{name}.embed.html"
    v = visit(url)
    expected = EXPECTED_MARKS[name]
    assert _mark_counts(v.page, ".chart.is-live", expected) == expected
    assert v.page.locator(".chart .fallback").count() == 0  # replaced by the live chart
    _assert_clean(v)


def test_gallery_lists_every_chart_with_thumbnails(
    visit: Callable[..., Visit], server: str
) -> None:
    v = visit(server + "index.html", wait_live=False)
    cards = v.page.locator(".card")
    assert cards.count() == len(CHARTS)
    # wait_for_function would evaluate a string, which the page's CSP forbids: poll instead
    for _ in range(50):
        if v.page.evaluate(
            "Array.from(document.querySelectorAll('.thumb img')).every(i => i.complete)"
        ):
            break
        v.page.wait_for_timeout(100)
    loaded = v.page.evaluate(
        "Array.from(document.querySelectorAll('.thumb img')).map(i => i.complete && i.naturalWidth)"
    )
    assert all(loaded), loaded
    for name in CHARTS:
        v.page.locator(f"a[href='{name}.html']").first.wait_for()
    _assert_clean(v)


@pytest.mark.parametrize("name", ["memory3", "cars-url", "injection"])
def test_works_from_file_url(visit: Callable[..., Visit], site_dir: Path, name: str) -> None:
    v = visit((site_dir / f"{name}.html").as_uri())
    expected = EXPECTED_MARKS[name]
    assert _mark_counts(v.page, ".chart.is-live", expected) == expected
    _assert_clean(v)
    assert all(urlparse(u).scheme in ("file", "data") for u in v.requests), v.requests


def test_without_javascript_fallback_and_table_are_visible(
    visit: Callable[..., Visit], server: str
) -> None:
    """A phone without JavaScript shows the drawing laid out for its width, and the data."""
    v = visit(server + "memory3.html", wait_live=False, java_script_enabled=False, width=360)
    page = v.page
    img = page.locator(".chart .fallback img")
    img.wait_for()
    description = page.locator('meta[name="description"]').get_attribute("content")
    assert img.get_attribute("alt") == description
    shown = page.evaluate("i => [i.currentSrc, i.complete && i.naturalWidth]", img.element_handle())
    assert shown[0].endswith("charts/memory3.w288.svg") and shown[1], shown
    box = img.bounding_box()
    assert box and box["width"] <= 288 and box["height"] > 100
    page.locator("details.data-table summary").first.click()
    table = page.locator("details.data-table table").first
    assert table.is_visible()
    assert table.locator("tbody tr").count() == 7
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(_artifact("memory3-nojs-360.png")), full_page=True)
    assert v.errors == []


LIGHTENED_RED = (0xE4, 0x5B, 0x4A)  # memory3's red (#c0392b) as the dark page shows it


def _named(page: Page, name: str) -> list[str]:
    """Return the role of every element of the page's accessibility tree named `name` (not
    the text of a paragraph that says it)."""
    nodes = page.context.new_cdp_session(page).send("Accessibility.getFullAXTree")["nodes"]
    return [
        n["role"]["value"]
        for n in nodes
        if not n.get("ignored")
        and n.get("name", {}).get("value") == name
        and n["role"]["value"] not in ("StaticText", "InlineTextBox", "paragraph")
    ]


@pytest.mark.parametrize("live", [False, True])
def test_a_screen_reader_hears_the_description_of_the_drawing_once(
    visit: Callable[..., Visit], server: str, live: bool
) -> None:
    """The figure around the drawing has no name of its own, so its description is said once:
    as the still image's alt text, or as the live chart's label."""
    v = visit(server + "memory3.html", wait_live=live, java_script_enabled=live)
    description = v.page.locator('meta[name="description"]').get_attribute("content") or ""
    roles = _named(v.page, description)
    assert roles == (["graphics-document"] if live else ["image"]), roles


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(
    "name",
    # memory3's red and grey labels are lightened for the dark page; the faceted chart's dark
    # colours are the theme's
    ["memory3", "faceted"],
)
def test_drawing_files_show_the_theme_of_the_page(
    visit: Callable[..., Visit], server: str, scheme: str, name: str
) -> None:
    """The pages, the embed pages and the gallery show the one drawing file in the page's theme:
    in dark colours as `#dark`, lightened colours included."""
    dark_file = f"{name}.svg#dark"
    for page in (f"{name}.html", f"{name}.embed.html", "index.html"):
        v = visit(server + page, wait_live=False, java_script_enabled=False, color_scheme=scheme)
        img = v.page.locator(f'picture img[src="charts/{name}.svg"]')
        img.wait_for()
        assert v.page.evaluate("i => i.complete && i.naturalWidth > 0", img.element_handle())
        shown = v.page.evaluate("i => i.currentSrc", img.element_handle())
        assert shown.endswith(dark_file if scheme == "dark" else f"{name}.svg"), shown
        box = img.bounding_box()
        assert box
        corner = v.page.screenshot(clip={**box, "width": 4, "height": 4})
        with Image.open(io.BytesIO(corner)) as picture:
            pixel = picture.convert("RGB").getpixel((1, 1))
        background = DARK_COLOURS["background"] if scheme == "dark" else "#ffffff"
        assert pixel == ImageColor.getrgb(background), (page, pixel)
        if name == "memory3" and page != "index.html":  # the gallery's thumbnail is shrunk
            with Image.open(io.BytesIO(v.page.screenshot(clip=box))) as picture:
                colours = {c for _, c in picture.convert("RGB").getcolors(1 << 20) or []}
            near = [
                c
                for c in colours
                if sum(abs(a - b) for a, b in zip(c, LIGHTENED_RED, strict=True)) < 12
            ]
            assert bool(near) == (scheme == "dark"), page
        assert v.errors == []


def _artifact(name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name


# The smallest text a chart may show, in CSS pixels: its font size times the drawing's scale.
SMALLEST_TEXT = """(root) => {
  const svg = document.querySelector(root + ' svg');
  const scale = svg.getBoundingClientRect().width / parseFloat(svg.getAttribute('width'));
  const sizes = Array.from(svg.querySelectorAll('text'))
    .filter(t => t.textContent.trim() && t.getBoundingClientRect().width > 0)
    .map(t => parseFloat(getComputedStyle(t).fontSize) * scale);
  return Math.min(...sizes);
}"""


@pytest.mark.parametrize("width", [360, 768, 1280])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_layout_fits_and_screenshots(
    browser: Browser, server: str, width: int, scheme: str
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    context.add_init_script(CSP_LISTENER)
    try:
        for url, v in visit_each(context, [f"{server}{name}.html" for name in [*CHARTS, "index"]]):
            name = url.removeprefix(server).removesuffix(".html")
            if name != "index":
                v.page.wait_for_selector(".chart.is-live svg", timeout=15_000)
            scroll = v.page.evaluate("document.documentElement.scrollWidth")
            assert scroll <= width, f"{name}: page is {scroll}px wide at {width}px"
            chart = v.page.locator(".chart svg").first if name != "index" else None
            if chart is not None:  # at its own size, never shrunk; text readable
                box = chart.bounding_box()
                natural = float(chart.get_attribute("width") or 0)
                assert box and natural > 0
                assert box["width"] == pytest.approx(natural, abs=1), name
                smallest = v.page.evaluate(SMALLEST_TEXT, ".chart.is-live")
                assert smallest >= 11, f"{name}: text {smallest:.1f}px at {width}px"
            v.page.screenshot(path=str(_artifact(f"{name}-{width}-{scheme}.png")), full_page=True)
            _assert_clean(v)
    finally:
        context.close()


def _contrast(page: Page, fg_selector: str, bg_selector: str, fg_prop: str = "color") -> float:
    return page.evaluate(
        """([fgSel, bgSel, prop]) => {
          const parse = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
          const lum = ([r, g, b]) => {
            const f = (v) => {
              v /= 255;
              return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
            };
            return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
          };
          const fgEl = document.querySelector(fgSel);
          const fg = parse(getComputedStyle(fgEl)[prop] || fgEl.getAttribute('fill'));
          const bg = parse(getComputedStyle(document.querySelector(bgSel)).backgroundColor);
          const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
          return (a + 0.05) / (b + 0.05);
        }""",
        [fg_selector, bg_selector, fg_prop],
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_contrast_and_dark_chart(
    visit: Callable[..., Visit], server: str, scheme: str
) -> None:
    v = visit(server + "memory3.html", color_scheme=scheme)
    for sel in ["body", ".description", ".site-footer", "a"]:
        assert _contrast(v.page, sel, "body") >= 4.5, sel
    label = ".chart.is-live g.role-axis-label text"
    assert _contrast(v.page, label, "body", "fill") >= 4.5
    bg = v.page.evaluate("getComputedStyle(document.body).backgroundColor")
    if scheme == "dark":
        assert bg == "rgb(21, 23, 28)"
        assert v.page.locator(".chart.is-live.is-dark").count() == 1
    else:
        assert bg == "rgb(255, 255, 255)"
    _assert_clean(v)


def _boxes(page: Page, selector: str) -> list[dict[str, float]]:
    return page.evaluate(
        """(sel) => Array.from(document.querySelectorAll(sel)).map(e => {
             const r = e.getBoundingClientRect();
             return {x: r.left, y: r.top, w: r.width, h: r.height, text: e.textContent};
           })""",
        selector,
    )


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return not (
        a["x"] + a["w"] <= b["x"]
        or b["x"] + b["w"] <= a["x"]
        or a["y"] + a["h"] <= b["y"]
        or b["y"] + b["h"] <= a["y"]
    )


def assert_labels_clear(page: Page) -> list[dict[str, float]]:
    """Assert the live chart's 7 labels overlap no label or point and stay inside the drawing."""
    labels = _boxes(page, ".chart.is-live g.mark-text.role-mark text")
    points = _boxes(page, ".chart.is-live g.mark-symbol.role-mark path")
    frame = page.locator(".chart.is-live svg").bounding_box()
    assert len(labels) == 7 and len(points) == 7 and frame
    for i, a in enumerate(labels):
        assert a["w"] > 0 and a["h"] > 0
        for b in labels[i + 1 :]:
            assert not _overlap(a, b), (a["text"], b["text"])
        for p in points:
            assert not _overlap(a, p), (a["text"], p)
        assert a["x"] >= frame["x"] and a["x"] + a["w"] <= frame["x"] + frame["width"], a
        assert a["y"] >= frame["y"] and a["y"] + a["h"] <= frame["y"] + frame["height"], a
    return labels


@pytest.mark.parametrize("width", [360, 768, 1280])
def test_memory3_labels_do_not_collide_or_clip(
    visit: Callable[..., Visit], server: str, width: int
) -> None:
    v = visit(server + "memory3.html", width=width)
    assert_labels_clear(v.page)
    _assert_clean(v)


@pytest.mark.parametrize("javascript", [True, False])
def test_injection_spec_runs_nothing(
    visit: Callable[..., Visit], server: str, javascript: bool
) -> None:
    v = visit(server + "injection.html", wait_live=javascript, java_script_enabled=javascript)
    page = v.page
    page.wait_for_timeout(300)
    assert v.dialogs == []
    assert page.locator("img[src='x']").count() == 0
    assert page.locator("script:not([src]):not([type='application/json'])").count() == 0
    assert PAYLOAD_SCRIPT in page.locator("h1").inner_text()
    if javascript:
        texts = page.locator(".chart g.mark-text.role-mark text").all_text_contents()
        assert PAYLOAD_SCRIPT in texts
    else:  # the drawing is an image: its text is text in the file, which runs nothing
        src = page.evaluate("document.querySelector('.chart img').currentSrc")
        assert src.endswith("charts/injection.svg"), src
        drawing = page.request.get(src).text()
        assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in drawing
        assert "<script" not in drawing
    _assert_clean(v)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_about_this_data_reads_well_and_the_title_is_said_once(
    visit: Callable[..., Visit], server: str, scheme: str
) -> None:
    v = visit(server + "memory3.html", width=360, color_scheme=scheme)
    about = v.page.locator("#about")
    assert about.is_visible()
    said = about.inner_text()
    assert "Memory³ paper, table 3 (illustrative)" in said and "None declared" in said
    for sel in ["#about dt", "#about dd", "#about code"]:
        assert _contrast(v.page, sel, "body") >= 4.5, sel
    # the drawing shows the title: the heading is there for screen readers, not seen twice
    title = "Memory³ against models of similar size"
    heading = v.page.get_by_role("heading", level=1, name=title)
    assert heading.count() == 1
    box = heading.bounding_box()
    assert box and box["width"] <= 1 and box["height"] <= 1
    assert v.page.evaluate("document.documentElement.scrollWidth") <= 360
    _assert_clean(v)
