"""Every page of the built-in site, audited with axe-core in Chromium: the WCAG 2.1 A and AA rules
and axe's best practices, in the light and the dark theme, with the live charts drawn and the data
tables opened, and again after a brush is drawn on the charts that have one. axe-core comes with
the test dependencies (axe-playwright-python bundles it); the site never ships it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page

from chartspec import themes
from chartspec.project import specs_to_site

from .conftest import REPO, serve_folder, visit_each

SITE = REPO / "site"
PAGES = sorted(p.relative_to(SITE).as_posix() for p in SITE.rglob("*.html"))
AXE = Axe()
# Every body row of a data table is the same markup (a <tr> of <td> and <td class="num"> holding
# text) under the same style sheet, so rows past the first two (both parities, should rows ever
# be striped) have those rows' colours; only their text differs, and contrast does not depend on
# it. The contrast rule, which costs most of axe's time, skips them; every other rule checks
# every row.
RUN_AXE = """async ({tags, sameAsFirstRows}) => {
  const only = (runOnly, more) => ({runOnly, resultTypes: ['violations'], ...more});
  const contrast = 'color-contrast';
  const rest = await axe.run(document, only({type: 'tag', values: tags},
                                            {rules: {[contrast]: {enabled: false}}}));
  const contrasts = await axe.run({exclude: [[sameAsFirstRows]]},
                                  only({type: 'rule', values: [contrast]}));
  return [...rest.violations, ...contrasts.violations];
}"""


def _violations(page: Page) -> list[str]:
    """Return one line per axe violation on the page: rule, impact, first element, count."""
    page.evaluate(AXE.axe_script)
    found = page.evaluate(
        RUN_AXE,
        {
            "tags": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
            "sameAsFirstRows": "tbody tr:nth-child(n+3)",
        },
    )
    return [
        f"{v['id']} ({v['impact']}) at {v['nodes'][0]['target']} and {len(v['nodes']) - 1} more"
        for v in found
    ]


def _has_interval(node: Any) -> bool:
    if isinstance(node, dict):
        if node.get("select") == "interval" or _dict(node.get("select")).get("type") == "interval":
            return True
        return any(_has_interval(v) for v in node.values())
    return isinstance(node, list) and any(_has_interval(v) for v in node)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _brushed(name: str) -> bool:
    spec = SITE / "charts" / f"{name}.vl.json"
    return spec.is_file() and _has_interval(json.loads(spec.read_text("utf-8")))


def test_the_site_has_every_kind_of_page() -> None:
    names = set(PAGES)
    assert {"index.html", "report.html", "memory3-speed-vs-score.html"} <= names
    assert "memory3-speed-vs-score.embed.html" in names
    assert any(_brushed(p.removesuffix(".html")) for p in PAGES)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_page_has_no_axe_violations(browser: Browser, repo_server: str, scheme: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    found: dict[str, list[str]] = {}
    try:
        for url, v in visit_each(context, [repo_server + rel for rel in PAGES]):
            rel, page = url.removeprefix(repo_server), v.page
            charts = page.locator("[data-spec-id]").count()
            if charts:
                page.wait_for_function(
                    "n => document.querySelectorAll('.is-live svg').length === n", arg=charts
                )
            # Opened as a reader opens them: a table that scrolls must be reachable by keyboard.
            page.eval_on_selector_all("details", "all => all.forEach(d => { d.open = true; })")
            if violations := _violations(page):
                found[rel] = violations
            name = rel.removesuffix(".html")
            if _brushed(name):
                plot = page.locator(".chart.is-live svg g.role-mark").first.bounding_box()
                assert plot, rel
                y = plot["y"] + plot["height"] / 2
                page.mouse.move(plot["x"] + plot["width"] * 0.2, y)
                page.mouse.down()
                page.mouse.move(plot["x"] + plot["width"] * 0.5, y, steps=4)
                page.mouse.up()
                if violations := _violations(page):
                    found[f"{rel}, brushed"] = violations
    finally:
        context.close()
    assert found == {}


def _text_fills(page: Page, root: str) -> list[str]:
    return page.evaluate(
        "root => Array.from(document.querySelectorAll(root + ' g.mark-text.role-mark text'))"
        ".map(t => getComputedStyle(t).fill)",
        root,
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_dark_theme_lightens_a_label_colour_a_spec_hard_codes(
    browser: Browser, tmp_path: Path, scheme: str
) -> None:
    """A user's blue labels, readable on the light page, are drawn lighter on the dark one,
    live and in the drawing shown without JavaScript."""
    specs = tmp_path / "specs"
    specs.mkdir()
    spec = {
        "title": "Labels",
        "description": "Two labelled points.",
        "data": {"values": [{"a": 1, "b": "one"}, {"a": 2, "b": "two"}]},
        "encoding": {"x": {"field": "a", "type": "quantitative"}},
        "layer": [
            {"mark": "point"},
            {
                "mark": {"type": "text", "dy": -10, "color": "#1f4e9c"},
                "encoding": {"text": {"field": "b"}},
            },
        ],
    }
    (specs / "labels.vl.json").write_text(json.dumps(spec), "utf-8")
    specs_to_site(specs, tmp_path / "site")
    expected = "#1f4e9c" if scheme == "light" else themes.dark_theme_for(spec)["colours"][0][1]
    page_bg = themes.LIGHT_BACKGROUND if scheme == "light" else themes.DARK_COLOURS["background"]
    assert themes.contrast(expected, page_bg) >= 4.5
    with serve_folder(tmp_path / "site") as url:
        for javascript in (True, False):
            ctx = browser.new_context(color_scheme=scheme, java_script_enabled=javascript)
            page = ctx.new_page()
            page.goto(url + "labels.html", wait_until="load")
            if javascript:
                page.wait_for_selector(".chart.is-live svg")
                fills = _text_fills(page, ".chart.is-live")
            else:  # the drawing file the picture shows for this theme, opened on its own
                shown = page.eval_on_selector(".chart picture img", "img => img.currentSrc")
                page.goto(shown, wait_until="load")
                fills = _text_fills(page, "svg")
            ctx.close()
            assert fills == [_rgb(expected)] * 2, (javascript, fills)


def _rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"
