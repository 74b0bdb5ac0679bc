"""Script payloads in every user string, built through the real pipeline, run nothing.

A chart module and its CSV put payloads in the title, description, source, axis titles,
column names (hence field names, tooltip keys and table headers), data values (text marks,
tooltips, the data table) and a data file's name (a hand-written spec reading it by url).
Each payload, if it ran, would set `window.__pwned`.
"""

from __future__ import annotations

import json
import shutil
import textwrap
from collections.abc import Callable, Iterator

import pytest

from chartspec.build import spec_files
from chartspec.project import project_texts, publish_outputs

from .conftest import ARTIFACTS, Visit, serve_folder

FLAG = "window.__pwned=1"
PAYLOADS = [
    f"<script>{FLAG}</script>",
    f"</script><script>{FLAG}</script>",
    f'<img src=x onerror="{FLAG}">',
    f'"><svg onload={FLAG}>',
    '\'><iframe srcdoc="<script>parent.__pwned=1</script>">',
    f"<!--<script>{FLAG}//-->",
    f"javascript:{FLAG}",
    f'<a href="javascript:{FLAG}">link</a>',
    "{{constructor.constructor('window.__pwned=1')()}}",
    "${window.__pwned=1}",
    f'"];{FLAG};//',
    f"\u2028{FLAG}\u2029",
    f"datum.x + ({FLAG})",
    f"<math><mtext><table><mglyph><style><img src=x onerror={FLAG}>",
    "<style>@import 'http://127.0.0.1:9/x.css';</style>",
    f'<object data="javascript:{FLAG}"></object>',
]
# As column names (label, value, group, note). Not ones with a double quote: Vega-Lite writes
# a tooltip's field into an expression without escaping it, so such a name makes the chart fail
# to render (refused with a ChartspecError at build time, never run).
NAME_PAYLOADS = [PAYLOADS[0], PAYLOADS[1], PAYLOADS[13], PAYLOADS[5]]
FILE_PAYLOAD = f'x"><img src=x onerror={FLAG}>'  # a data file name (no '/')

CHART = """
from pathlib import Path

import altair as alt
from chartspec import Column, TableSchema, chart, load_table

LABEL, VALUE, GROUP, NOTE = {names!r}
PAYLOADS = {payloads!r}
SCHEMA = TableSchema(
    [Column(LABEL), Column(VALUE, "number"), Column(GROUP), Column(NOTE)], key=LABEL
)


def f(name):
    # Vega-Lite reads . [ ] and quotes in a field as an access path: escape them.
    for char in "\\\\.[]'\\"":
        name = name.replace(char, "\\\\" + char)
    return name


@chart("payloads", title=PAYLOADS[0], description=PAYLOADS[2], source=PAYLOADS[3])
def payloads():
    table = load_table(Path(__file__).parent / "data.csv", SCHEMA)
    base = alt.Chart(table).encode(
        x=alt.X(field=f(VALUE), type="quantitative", title=PAYLOADS[5]),
        y=alt.Y(field=f(LABEL), type="nominal", title=PAYLOADS[1]),
        tooltip=[
            alt.Tooltip(field=f(LABEL), type="nominal"),
            alt.Tooltip(field=f(NOTE), type="nominal", title=PAYLOADS[4]),
            alt.Tooltip(field=f(GROUP), type="nominal"),
        ],
    )
    points = base.mark_point(size=400, filled=True).encode(
        color=alt.Color(field=f(GROUP), type="nominal", title=PAYLOADS[6])
    )
    labels = base.mark_text(align="left", dx=12).encode(text=alt.Text(field=f(NOTE)))
    return alt.layer(points, labels).properties(width=400, height=600)
"""


def _field(name: str) -> str:
    """Escape a column name for a Vega-Lite field (. [ ] and quotes form access paths)."""
    for char in "\\.[]'\"":
        name = name.replace(char, "\\" + char)
    return name


def _csv(rows: list[list[str]]) -> str:
    import csv
    import io

    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


@pytest.fixture(scope="module")
def payload_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Build the payload chart and a url-data spec into a site and serve it."""
    project = tmp_path_factory.mktemp("payloads")
    charts, specs = project / "charts", project / "specs"
    charts.mkdir()
    specs.mkdir()
    (charts / "payloads.py").write_text(
        textwrap.dedent(CHART.format(names=tuple(NAME_PAYLOADS), payloads=PAYLOADS))
    )
    rows = [list(NAME_PAYLOADS)]
    for i, payload in enumerate(PAYLOADS):
        rows.append([f"{i} {payload}", str(i + 1), PAYLOADS[i % 3], payload])
    (charts / "data.csv").write_text(_csv(rows), encoding="utf-8")
    # A hand-written spec whose data file name is itself a payload.
    (specs / "data").mkdir()
    (specs / "data" / f"{FILE_PAYLOAD}.csv").write_text(_csv(rows), encoding="utf-8")
    hand = {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.4.1.json",
        "title": PAYLOADS[7],
        "description": PAYLOADS[8],
        "data": {"url": f"data/{FILE_PAYLOAD}.csv"},
        "mark": "bar",
        "encoding": {
            "y": {"field": _field(NAME_PAYLOADS[0]), "type": "nominal", "title": PAYLOADS[9]},
            "x": {"field": _field(NAME_PAYLOADS[1]), "type": "quantitative", "title": PAYLOADS[10]},
            "tooltip": [{"field": _field(NAME_PAYLOADS[3]), "type": "nominal"}],
        },
    }
    (specs / "hand.vl.json").write_text(json.dumps(hand, indent=2), encoding="utf-8")
    texts = project_texts(charts)
    publish_outputs(
        spec_files(texts), specs_dir=specs, site_dir=project / "site", reports_dir=project / "r"
    )
    with serve_folder(project / "site") as url:
        yield url
    shutil.rmtree(project, ignore_errors=True)


def _assert_nothing_ran(v: Visit) -> None:
    page = v.page
    page.wait_for_timeout(200)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert v.dialogs == []
    assert v.errors == [], v.errors  # console errors include every CSP violation
    assert page.locator("img[src='x'], iframe[srcdoc], object, math").count() == 0
    inline = page.locator("script:not([src]):not([type='application/json'])")
    assert inline.count() == 0


@pytest.mark.parametrize("page_name", ["payloads", "payloads.embed", "hand", "index"])
def test_payload_pages_run_nothing(
    visit: Callable[..., Visit], payload_site: str, page_name: str
) -> None:
    v = visit(f"{payload_site}{page_name}.html", wait_live=page_name != "index")
    if page_name != "index":
        text = v.page.locator("body").inner_text()
        assert "window.__pwned=1" in text  # the payloads are shown as text
    _assert_nothing_ran(v)


def test_tooltip_shows_payloads_as_text(visit: Callable[..., Visit], payload_site: str) -> None:
    v = visit(f"{payload_site}payloads.html")
    page = v.page
    points = page.locator(".chart.is-live g.mark-symbol.role-mark path")
    assert points.count() == len(PAYLOADS)
    for i in (0, 2, 4):  # rows with <script>, <img onerror> and <iframe srcdoc> payloads
        points.nth(i).hover(force=True)
        tooltip = page.locator("#vg-tooltip-element.visible")
        tooltip.wait_for(timeout=5000)
        assert "__pwned" in tooltip.inner_text()
        assert tooltip.locator("img, script, iframe, svg").count() == 0
        page.mouse.move(0, 0)
    _assert_nothing_ran(v)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "payloads.json").write_text(
        json.dumps(
            {
                "payloads": len(PAYLOADS) + 1,  # and the data file name
                "places": [
                    "title",
                    "description",
                    "source",
                    "axis titles",
                    "legend title",
                    "tooltip title",
                    "column names",
                    "data values",
                    "text marks",
                    "data file name",
                ],
                "pages": 4,
            },
            indent=2,
        )
        + "\n"
    )
