"""The site generator without a browser: escaping, CSP, reproducibility, links, bundle, safety."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from chartspec.drawings import StillDrawing
from chartspec.errors import ChartspecError
from chartspec.project import specs_to_site
from chartspec.site import (
    CSP,
    DRAWINGS_RECORD,
    PAGE_TABLE_ROWS,
    _drawing_files,
    _files_hash,
    _packed,
    _previous_drawing,
    _static_dir,
    spec_to_script_json,
    write_site,
)
from conftest import PAYLOAD_IMG, PAYLOAD_SCRIPT, SCHEMA, write_test_specs


@pytest.fixture
def site(site_dir: Path) -> Path:
    return site_dir


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _tags(path: Path) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.tags


def _digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_script_json_cannot_break_out() -> None:
    spec = {"title": PAYLOAD_SCRIPT, "d": "<!-- & \u2028", "x": PAYLOAD_IMG}
    text = spec_to_script_json(spec)
    assert not re.search(r"[<>&\u2028]", text)
    assert "\\u003c/script\\u003e" in text
    assert json.loads(text) == spec


def test_injection_page_has_no_raw_payload(site: Path) -> None:
    html = (site / "injection.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html
    scripts = [a for t, a in _tags(site / "injection.html") if t == "script"]
    assert all(a.get("src") or a.get("type") == "application/json" for a in scripts)


def test_every_page_has_the_csp_and_no_inline_code_or_style(site: Path) -> None:
    pages = sorted(site.glob("*.html"))
    assert len(pages) == 5 * 2 + 2
    for page in pages:
        tags = _tags(page)
        metas = [
            a for t, a in tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"
        ]
        assert [m["content"] for m in metas] == [CSP], page.name
        assert not any(t == "style" for t, _ in tags), page.name
        assert not any("style" in a for _, a in tags), page.name
        assert not any(k.startswith("on") for _, a in tags for k in a), page.name
        for t, a in tags:
            if t == "script":
                assert a.get("src") or a.get("type") == "application/json", page.name


def test_links_are_relative_and_resolve(site: Path) -> None:
    for page in sorted(site.glob("*.html")):
        for tag, attrs in _tags(page):
            for key in ("href", "src", "srcset"):
                value = attrs.get(key)
                if not value or (tag == "meta"):
                    continue
                parsed = urlparse(value)
                assert not parsed.scheme and not parsed.netloc, (page.name, value)
                assert not value.startswith("/"), (page.name, value)
                if parsed.path:
                    assert (site / parsed.path).is_file(), (page.name, value)
        for tag, attrs in _tags(page):
            if tag == "meta" and attrs.get("property") == "og:image":
                assert (site / str(attrs["content"])).is_file()


def test_build_is_byte_for_byte_reproducible(specs_dir: Path, site: Path, tmp_path: Path) -> None:
    specs_to_site(specs_dir, tmp_path / "site")  # again, and maybe in another process
    assert _digest(tmp_path / "site") == _digest(site)


def test_pages_carry_title_description_and_open_graph(site: Path) -> None:
    tags = _tags(site / "memory3.html")
    meta = {a.get("name") or a.get("property"): a.get("content") for t, a in tags if t == "meta"}
    assert meta["description"].startswith("Average benchmark score")
    assert meta["og:image"] == "charts/memory3.png"
    assert meta["og:title"] == "Memory³ against models of similar size"
    html = (site / "memory3.html").read_text(encoding="utf-8")
    assert "<title>Memory³ against models of similar size · Charts</title>" in html
    assert '<img src="charts/memory3.svg" alt="Average benchmark score' in html
    assert 'role="figure" data-spec-id' in html  # no name of its own: the drawing has it
    assert "&lt;iframe src=&#34;memory3.embed.html&#34;" in html
    for suffix in (".vl.json", ".csv", ".svg", ".png"):
        assert (site / "charts" / f"memory3{suffix}").is_file()


def test_url_data_is_copied_beside_the_spec_and_parsed_into_one_shared_script(
    site: Path, specs_dir: Path
) -> None:
    assert (site / "charts/data/cars.csv").read_bytes() == (
        specs_dir / "data/cars.csv"
    ).read_bytes()
    assert (site / "charts/cars-url.vl.json").read_bytes() == (
        specs_dir / "cars-url.vl.json"
    ).read_bytes()
    html = (site / "cars-url.html").read_text(encoding="utf-8")
    assert 'href="charts/data/cars.csv"' in html
    page_scripts = [a.get("src") or "" for _, a in _tags(site / "cars-url.html")]
    [script] = [src for src in page_scripts if src.startswith("charts/data/cars.csv.")]
    embed_scripts = [a.get("src") for _, a in _tags(site / "cars-url.embed.html")]
    assert script in embed_scripts and "charts/cars-url.spec.js" in embed_scripts
    data = (site / script).read_text(encoding="utf-8")
    # parsed here (the CSP forbids it later), each column named once
    assert '{"columns":["origin","count"],"rows":[["Europe","73"],' in data
    spec = (site / "charts/cars-url.spec.js").read_text(encoding="utf-8")
    assert f'"url":"{script}"' in spec and "Europe" not in spec
    assert "<td>73" not in (site / "cars-url.embed.html").read_text("utf-8")  # table: page only


def test_static_bundle_matches_bundle_json() -> None:
    static = _static_dir()
    info = json.loads((static / "bundle.json").read_text(encoding="utf-8"))
    digest = hashlib.sha256((static / info["bundle"]).read_bytes()).hexdigest()
    assert digest == info["bundle_sha256"]
    css = hashlib.sha256((static / info["css"]).read_bytes()).hexdigest()
    assert css == info["css_sha256"]
    schemas = list((static.parent / "schema").glob("vega-lite-v*.json"))
    assert [s.name for s in schemas] == [f"vega-lite-v{info['vega-lite']}.json"]
    assert info["vega"].startswith("6.") and info["vega-embed"].startswith("7.")
    for name, pkg in info["packages"].items():
        assert (static / pkg["license_file"]).read_text(encoding="utf-8").startswith(name)
    for name in ("vega", "vega-lite", "vega-embed", "vega-interpreter", "vega-tooltip"):
        assert name in info["packages"]


def test_js_lockfile_pins_the_bundle_versions() -> None:
    root = Path(__file__).resolve().parents[1] / "js"
    lock = json.loads((root / "package-lock.json").read_text(encoding="utf-8"))
    info = json.loads((_static_dir() / "bundle.json").read_text(encoding="utf-8"))
    for name in ("vega", "vega-lite", "vega-embed", "vega-interpreter", "vega-tooltip"):
        assert lock["packages"][f"node_modules/{name}"]["version"] == info[name]
    pkg = json.loads((root / "package.json").read_text(encoding="utf-8"))
    assert all(re.fullmatch(r"\d+\.\d+\.\d+", v) for v in pkg["dependencies"].values())


def test_failed_build_keeps_the_previous_site(specs_dir: Path, tmp_path: Path) -> None:
    specs = write_test_specs(tmp_path / "specs")
    out = tmp_path / "site"
    specs_to_site(specs, out)
    before = _digest(out)
    (specs / "broken.vl.json").write_text('{"mark": "point", "data": {"url": "missing.csv"}}')
    with pytest.raises(ChartspecError, match="missing.csv"):
        specs_to_site(specs, out)
    assert _digest(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".chartspec-lock", "site", "specs"]


def test_writes_beside_files_it_did_not_write(specs_dir: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "mine.txt").write_text("keep me")
    (site / "index.html").write_text("my own page")
    with pytest.raises(ChartspecError, match="index.html: chartspec would write this file, but"):
        specs_to_site(specs_dir, site)
    (site / "index.html").unlink()  # handing the path over to chartspec
    specs_to_site(specs_dir, site)
    assert (site / "mine.txt").read_text() == "keep me"
    assert (site / "index.html").is_file()


@pytest.mark.parametrize("url", ["https://example.org/x.csv", "/etc/passwd", "../outside.csv"])
def test_rejects_data_urls_off_site(tmp_path: Path, url: str) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    (tmp_path / "outside.csv").write_text("a\n1\n")
    (specs / "x.vl.json").write_text(json.dumps({"data": {"url": url}, "mark": "point"}))
    with pytest.raises(ChartspecError):
        specs_to_site(specs, tmp_path / "site")


def test_rejects_duplicate_names(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    (specs / "sub").mkdir(parents=True)
    spec = json.dumps({"data": {"values": [{"a": 1}]}, "mark": "point"})
    (specs / "x.vl.json").write_text(spec)
    (specs / "sub" / "x.vl.json").write_text(spec)
    with pytest.raises(ChartspecError, match="both named"):
        specs_to_site(specs, tmp_path / "site")


def _gallery_order(index: Path) -> list[str]:
    return re.findall(r'<li class="card" id="([^"]+)">', index.read_text(encoding="utf-8"))


def test_gallery_lists_featured_charts_first(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    flags: dict[str, object] = {"a": None, "b": True, "c": "yes", "d": True, "e": 1}
    for name, flag in flags.items():
        meta = {} if flag is None else {"usermeta": {"chartspec": {"featured": flag}}}
        spec = {"data": {"values": [{"a": 1}]}, "mark": "point", "title": name, **meta}
        (specs / f"{name}.vl.json").write_text(json.dumps(spec))
    # A value other than true is ignored, like a title that is not a string.
    specs_to_site(specs, tmp_path / "site")
    assert _gallery_order(tmp_path / "site" / "index.html") == ["b", "d", "a", "c", "e"]


def test_committed_gallery_starts_with_the_default_chart(repo: Path) -> None:
    assert _gallery_order(repo / "site" / "index.html")[0] == "memory3-speed-vs-score"


def test_static_site_never_polls_the_dev_server(site: Path) -> None:
    for path in site.rglob("*"):
        if path.suffix in (".html", ".js"):
            assert "__chartspec_reload" not in path.read_text(encoding="utf-8"), path


def test_pages_show_the_drawing_files_for_both_themes_and_every_layout(site: Path) -> None:
    """The page names the published drawing files rather than holding a copy of one: one file
    for both themes (`#dark`), also where the dark theme lightens a colour the chart sets."""
    html = (site / "faceted.html").read_text(encoding="utf-8")
    assert "<svg" not in html
    assert '<img src="charts/faceted.svg" alt="' in html
    assert 'srcset="charts/faceted.svg#dark"' in html
    # memory3's red labels are lightened for the dark page, and it has a narrow layout in both
    # themes for a page narrower than the natural drawing
    html = (site / "memory3.html").read_text(encoding="utf-8")
    assert "<svg" not in html
    assert 'srcset="charts/memory3.svg#dark"' in html
    width = re.search(r'data-width="(\d+)"', html)
    assert width
    narrow = f'media="(max-width: {int(width.group(1)) + 31}px)" srcset="charts/memory3.w288.svg"'
    assert narrow in html
    assert 'srcset="charts/memory3.w288.svg#dark"' in html
    assert not list(site.glob("charts/memory3*.dark.svg"))
    drawing = (site / "charts/memory3.w288.svg").read_text(encoding="utf-8")
    assert 'fill="#c0392b"' in drawing
    # lightened enough for its labels, and for its points drawn at Vega-Lite's 0.7 opacity
    assert ":root:target .dark-fill-e45b4a { fill: #e45b4a; }" in drawing


def _bars(**data: Any) -> dict[str, Any]:
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.4.1.json",
        "data": data,
        "mark": "bar",
        "encoding": {
            "x": {"field": "a", "type": "nominal"},
            "y": {"field": "b", "type": "quantitative"},
        },
    }


def test_site_leaves_out_what_it_cannot_publish_and_says_why(tmp_path: Path, cli: Any) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "t.csv").write_text("a,b\nx,1\ny,2\n", encoding="utf-8")
    good = {
        "good": _bars(values=[{"a": "x", "b": 1}]),
        "from-file": _bars(url="t.csv"),
        "inline-csv": _bars(values="a,b\nx,1\n", format={"type": "csv"}),
        "invalid": {**_bars(values=[{"a": "x", "b": 1}]), "mark": "circl"},
        "no-field": _bars(values=[{"a": "x", "c": 1}]),
        "missing-data": _bars(url="missing.csv"),
        "remote": _bars(url="https://example.org/t.csv"),
        "outside": _bars(url="../t.csv"),
    }
    for name, spec in good.items():
        (specs / f"{name}.vl.json").write_text(json.dumps(spec), encoding="utf-8")
    (specs / "broken.vl.json").write_text("{", encoding="utf-8")
    for run in range(2):  # the second run reuses the cached site and still tells
        done = cli("site", "--specs", "specs", "--out", "out", "-q", cwd=tmp_path)
        assert done.returncode == 1, done.stderr
        lines = done.stderr.splitlines()
        left = sorted(
            line.split(".vl.json: ")[0].removeprefix("chartspec: left out specs/")
            for line in lines
            if line.startswith("chartspec: left out ")
        )
        assert left == ["broken", "invalid", "missing-data", "no-field", "outside", "remote"], lines
        assert (
            "chartspec: left out specs/remote.vl.json: data url 'https://example.org/t.csv' is remote"
            " and not pinned" in done.stderr
        )
        assert "--fetch-remote" in done.stderr
        assert (
            "mark: 'circl' is not a mark type; did you mean 'circle'? [CS001 schema]" in done.stderr
        )
        assert "encoding.y.field: no field 'b' in the data" in done.stderr
        assert "[CS201 field-exists]" in done.stderr  # check's rules, by code and name
        if run == 0:  # warnings are printed, and the spec published
            warned = [line for line in lines if ": warning: " in line]
            assert (
                "specs/good.vl.json: warning: title: missing; expected a string or an object "
                'with "text" [CS101 title]'
            ) in warned, warned
            assert all(line.startswith("specs/") for line in warned), warned
        listed = (tmp_path / "out/.chartspec-left-out.json").read_text("utf-8")
        assert str(tmp_path) not in listed  # no local paths in a published file
        manifest = json.loads((tmp_path / "out/.chartspec-manifest.json").read_text("utf-8"))
        assert ".chartspec-left-out.json" in manifest["files"]  # chartspec's, like every page
        assert lines[-1] == "chartspec: 6 spec(s) left out"
    pages = sorted(p.name for p in (tmp_path / "out").glob("*.html") if ".embed." not in p.name)
    assert pages == [
        "from-file.html",
        "good.html",
        "index.html",
        "inline-csv.html",
        "licenses.html",
    ]
    index = (tmp_path / "out/index.html").read_text(encoding="utf-8")
    assert "invalid.html" not in index and "good.html" in index


def test_without_leave_out_the_first_unpublishable_spec_fails_the_site(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "remote.vl.json").write_text(json.dumps(_bars(url="https://example.org/t.csv")))
    with pytest.raises(ChartspecError, match="is remote and not pinned.*--fetch-remote"):
        specs_to_site(specs, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_data_file_is_shown_with_its_declared_columns_only(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    (specs / "data").mkdir(parents=True)
    (specs / "data" / "runs.0123456789abcdef.csv").write_text(
        "label_x,model,score\n700.123456789,alpha,47.80333\n520.5,beta,45\n"
    )
    spec = {
        "title": "Runs",
        "description": "Scores of two models.",
        "data": {"url": "data/runs.0123456789abcdef.csv", "format": {"type": "csv"}},
        "mark": "point",
        "encoding": {"x": {"field": "label_x", "type": "quantitative"}},
        "usermeta": {
            "chartspec": {
                "columns": [
                    {"name": "model"},
                    {"name": "score", "type": "number", "unit": "%", "decimals": 2},
                ]
            }
        },
    }
    (specs / "runs.vl.json").write_text(json.dumps(spec))
    site = tmp_path / "site"
    specs_to_site(specs, site)
    assert (site / "charts" / "runs.csv").read_text() == (
        "model,score (%)\nalpha,47.80\nbeta,45.00\n"
    )
    page = (site / "runs.html").read_text()
    assert 'href="charts/runs.csv"' in page
    table = page[page.index('<details class="data-table">') : page.index("</details>")]
    assert '<th scope="col">score (%)</th>' in table and "label_x" not in table
    assert "<td>47.80" in table and "0123456789abcdef" not in table


def test_a_long_table_shows_its_first_rows_and_links_every_row(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    (specs / "data").mkdir(parents=True)
    rows = "".join(f"{i},{i * i}\n" for i in range(PAGE_TABLE_ROWS + 5))
    (specs / "data" / "squares.csv").write_text("n,square\n" + rows)
    (specs / "short.csv").write_text("n\n1\n")
    for name, url in (("long", "data/squares.csv"), ("short", "short.csv")):
        spec = {"data": {"url": url}, "mark": "point", "encoding": {"x": {"field": "n"}}}
        (specs / f"{name}.vl.json").write_text(json.dumps(spec))
    site = tmp_path / "site"
    specs_to_site(specs, site)
    page = (site / "long.html").read_text()
    table = page[page.index('<details class="data-table">') : page.index("</details>")]
    assert table.count("<tr><td>") == PAGE_TABLE_ROWS
    assert f"<td>{PAGE_TABLE_ROWS - 1}<td>" in table and f"<td>{PAGE_TABLE_ROWS}<td>" not in table
    assert f"The first {PAGE_TABLE_ROWS} of {PAGE_TABLE_ROWS + 5} rows" in table
    link = re.search(r'all of them: <a href="([^"]+)" download>', table)
    assert link and (site / link.group(1)).read_text() == "n,square\n" + rows
    short = (site / "short.html").read_text()
    assert "<td>1" in short and "all of them" not in short


@pytest.mark.parametrize(
    ("values", "fmt", "packed"),
    [
        (
            '[{"a": 1, "b": "x"}, {"b": "y", "a": 2}]',
            {"type": "json"},
            {"columns": ["a", "b"], "rows": [[1, "x"], [2, "y"]]},
        ),
        ([{"a": "1"}], {"type": "json"}, {"columns": ["a"], "rows": [["1"]]}),
        ([{"a": 1}, {"b": 2}], {"type": "json"}, {"values": [{"a": 1}, {"b": 2}]}),
        ('{"rows": [{"a": 1}]}', {"type": "json", "property": "rows"}, None),
        ('{"type": "Topology"}', {"type": "topojson", "feature": "x"}, None),
        ("[NaN]", {"type": "json"}, None),
    ],
)
def test_data_scripts_write_each_key_once(values: Any, fmt: dict[str, Any], packed: Any) -> None:
    assert _packed(values, fmt) == (packed or {"values": values})


NOISY_CHARTS = """
from pathlib import Path

import altair as alt
from chartspec import Column, TableSchema, chart, load_table

SCHEMA = TableSchema([Column("group"), Column("value", "number")])


def table():
    return load_table(Path(__file__).parent / "values.csv", SCHEMA)


@chart("band", title="Band", description="Mean value with a bootstrap interval.", source="x")
def band():
    return alt.Chart(table()).mark_errorband(extent="ci").encode(x="group:N", y="value:Q")


@chart("jitter", title="Jitter", description="Values jittered sideways.", source="x")
def jitter():
    return (
        alt.Chart(table())
        .transform_calculate(offset="random()")
        .mark_point()
        .encode(x="offset:Q", y="value:Q")
    )
"""
NOISY_VALUES = "group,value\n" + "".join(
    f"{g},{(i * 37) % 101}\n" for g in "abc" for i in range(20)
)


@pytest.mark.slow
def test_a_fresh_clone_checks_and_rebuilds_random_drawings_unchanged(tmp_path: Path, cli) -> None:
    """Vega draws bootstrap intervals and random() unseeded: drawings are known by their key."""
    (tmp_path / "charts").mkdir()
    (tmp_path / "charts" / "noisy.py").write_text(NOISY_CHARTS, encoding="utf-8")
    (tmp_path / "charts" / "values.csv").write_text(NOISY_VALUES, encoding="utf-8")
    hand = {"$schema": SCHEMA, "description": "Random points.", "data": {"values": [{"v": 1}]}}
    hand |= {"transform": [{"calculate": "random()", "as": "r"}], "mark": "point"}
    hand |= {"encoding": {"x": {"field": "r", "type": "quantitative"}}}
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "hand.vl.json").write_text(json.dumps(hand), encoding="utf-8")
    cache = tmp_path / ".chartspec-cache"
    assert cli("build", cwd=tmp_path).returncode == 0
    built = _digest(tmp_path / "site") | _digest(tmp_path / "specs")

    shutil.rmtree(cache)  # a fresh clone
    checked = cli("check", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    shutil.rmtree(cache)
    assert cli("build", cwd=tmp_path).returncode == 0
    assert _digest(tmp_path / "site") | _digest(tmp_path / "specs") == built

    hand["data"]["values"].append({"v": 2})  # a new drawing is made and differs
    (tmp_path / "specs" / "hand.vl.json").write_text(json.dumps(hand), encoding="utf-8")
    shutil.rmtree(cache)
    checked = cli("check", cwd=tmp_path)
    assert checked.returncode == 1
    assert "site/charts/hand.svg: stale" in checked.stdout
    assert "site/charts/band.svg" not in checked.stdout

    with (tmp_path / "charts" / "values.csv").open("a", encoding="utf-8") as values:
        values.write("a,500\n")
    shutil.rmtree(cache)
    checked = cli("check", cwd=tmp_path)
    assert checked.returncode == 1
    assert "specs/band.vl.json: stale" in checked.stdout


def _edit_drawing(site: Path, rel: str, data: bytes, *, record: bool) -> None:
    """Replace one of chart `points`' drawing files; with `record`, update the site's record too."""
    (site / rel).write_bytes(data)
    if record:
        drawings = [*(site / "charts").glob("points*.svg"), site / "charts/points.png"]
        files = {path.relative_to(site).as_posix(): path.read_bytes() for path in drawings}
        text = (site / DRAWINGS_RECORD).read_text(encoding="utf-8")
        recorded = json.loads(text)
        recorded["charts"]["points"]["sha256"] = _files_hash(files)
        (site / DRAWINGS_RECORD).write_text(json.dumps(recorded), encoding="utf-8")


def test_a_drawing_is_reused_only_as_recorded_inert_and_as_chartspec_writes_it(
    tmp_path: Path,
) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    spec = {"$schema": SCHEMA, "title": "Points", "description": "Two points.", "mark": "point"}
    spec |= {"data": {"values": [{"x": 1, "y": 2}, {"x": 2, "y": 1}]}}
    spec |= {"encoding": {"x": {"field": "x", "type": "quantitative"}}}
    (specs / "points.vl.json").write_text(json.dumps(spec), encoding="utf-8")
    first = tmp_path / "first"
    write_site(specs, first)
    svg, png = ((first / "charts" / f"points.{ext}").read_bytes() for ext in ("svg", "png"))
    other_png = png[:-12] + b"\0" * 12  # bytes a new drawing cannot have

    def rebuilt() -> tuple[bytes, bytes]:
        out = tmp_path / f"site-{len(list(tmp_path.iterdir()))}"
        write_site(specs, out, previous=first)
        return (out / "charts/points.svg").read_bytes(), (out / "charts/points.png").read_bytes()

    _edit_drawing(first, "charts/points.png", other_png, record=True)
    assert rebuilt() == (svg, other_png)  # as recorded: reused, not drawn

    _edit_drawing(first, "charts/points.png", b"x" + other_png, record=False)
    assert rebuilt()[1] != b"x" + other_png  # not as recorded

    for edited in (
        svg.replace(b"<path ", b'<path onload="alert(1)" ', 1),  # not inert
        svg.replace(b":root:target", b":root", 1),  # not what chartspec writes
    ):
        _edit_drawing(first, "charts/points.png", other_png, record=False)
        _edit_drawing(first, "charts/points.svg", edited, record=True)
        assert rebuilt() == (svg, png)  # drawn again


def test_light_and_dark_drawing_files_give_back_their_still_drawing(tmp_path: Path) -> None:
    light = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><text>a</text></svg>'
    still = StillDrawing(light, light.replace(">a<", ">b<"), b"png")
    files = _drawing_files("x", still)
    assert sorted(files) == ["charts/x.dark.svg", "charts/x.png", "charts/x.svg"]
    for rel, data in files.items():
        (tmp_path / rel).parent.mkdir(exist_ok=True)
        (tmp_path / rel).write_bytes(data)
    record = {"key": "k", "sha256": _files_hash(files), "layouts": []}
    assert _previous_drawing(tmp_path, "x", record) == still
    (tmp_path / "charts/x.dark.svg").unlink()
    assert _previous_drawing(tmp_path, "x", record) is None
