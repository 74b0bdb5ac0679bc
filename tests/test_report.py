"""Tests for chartspec.report: one standalone HTML file from Markdown and specs."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from chart_samples import LABELS, make_scatter_spec
from chartspec import fonts, report
from chartspec.errors import ChartspecError
from chartspec.report import markdown_to_report, to_html_fragment
from leaks import tree_hashes

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}  # fmt: skip


class StructureChecker(HTMLParser):
    """Collect structural errors: unclosed or misnested elements, duplicate ids, references."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.ids: list[str] = []
        self.urls: list[tuple[str, str, str]] = []
        self.counts: dict[str, int] = {}
        self.doctype = False
        self.texts: list[str] = []
        self.in_script = 0

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl.lower() == "doctype html"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._attrs(tag, attrs)
        if tag not in VOID:
            self.stack.append(tag)
        if tag == "script":
            self.in_script += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._attrs(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self.in_script -= 1
        if tag in VOID:
            self.errors.append(f"end tag for void element {tag}")
        elif not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1] if self.stack else 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not self.in_script:
            self.texts.append(data)

    def _attrs(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.counts[tag] = self.counts.get(tag, 0) + 1
        for name, value in attrs:
            if name == "id":
                self.ids.append(value or "")
            if name in ("src", "href", "xlink:href", "action", "poster", "data"):
                self.urls.append((tag, name, value or ""))


def check_structure(html: str) -> StructureChecker:
    checker = StructureChecker()
    checker.feed(html)
    checker.close()
    assert checker.doctype, "missing <!DOCTYPE html>"
    assert checker.errors == []
    assert checker.stack == []
    for tag in ("html", "head", "body", "title", "main"):
        assert checker.counts.get(tag) == 1, tag
    assert len(checker.ids) == len(set(checker.ids)), "duplicate ids"
    return checker


def assert_standalone(html: str, checker: StructureChecker) -> None:
    ids = set(checker.ids)
    for tag, name, value in checker.urls:
        if value.startswith("#"):
            assert value[1:] in ids, f"<{tag} {name}> points at a missing #{value[1:]}"
        else:
            assert value.startswith("data:"), f"<{tag} {name}={value!r}> leaves the page"
    assert "<link" not in html
    css_urls = re.findall(r"url\(\s*['\"]?([^'\")]+)", html)
    assert all(u.startswith(("data:", "#")) for u in css_urls)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    specs = tmp_path / "specs"
    specs.mkdir()
    for name, spec in {
        "memory3": make_scatter_spec(),
        "evil": make_scatter_spec(title="<script>alert('title')</script> & more"),
    }.items():
        path = specs / f"{name}.vl.json"
        path.write_text(json.dumps(spec, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    (tmp_path / "reports").mkdir()
    return tmp_path


def write_md(project: Path, text: str) -> Path:
    path = project / "reports" / "r.md"
    path.write_text(text, encoding="utf-8")
    return path


REPORT = """\
# Findings

Accuracy against speed, see [the data](#data) and <script>alert('md')</script>.

{{ chart: memory3 }}

Below, the same numbers with a hostile title; a [paper](https://example.org/paper).

{{ chart: evil }}

```
{{ chart: inside-a-code-block }}
```
"""


def render(project: Path, text: str = REPORT, **options: Any) -> str:
    md = write_md(project, text)
    out = project / "site" / "report.html"
    out.parent.mkdir(exist_ok=True)
    assert markdown_to_report(md, specs_dir=project / "specs", out_path=out, **options) == out
    return out.read_text(encoding="utf-8")


def test_report_is_one_valid_standalone_file(project: Path) -> None:
    html = render(project)
    assert sorted(p.name for p in (project / "site").iterdir()) == ["report.html"]
    checker = check_structure(html)
    assert_standalone(html, checker)
    assert checker.counts.get("script", 0) == 0
    assert "default-src 'none'" in html.replace("&#39;", "'")


def test_report_numbers_each_chart_and_captions_it(project: Path) -> None:
    html = render(project)
    assert html.count('<figure class="chartspec-figure"') == 2
    assert html.count('<div class="chartspec-layout chartspec-natural"><svg') == 2
    narrower = html.count('<div class="chartspec-layout chartspec-layout-1"><svg')
    assert narrower >= 1  # the charts are laid out again for phones
    assert html.count("<svg") == 2 + narrower
    assert "dark-fill" not in html  # in the light theme only, as the report is
    assert re.findall(r"Figure (\d)\.", html) == ["1", "2"]
    text = " ".join(check_structure(html).texts)
    assert "Professional tasks vs. decoding speed." in text
    assert "Retrieval-augmented accuracy against decoding speed with retrieval." in text
    assert "Source: Memory³ (arXiv:2407.01178), Tables 20 and 21." in text
    assert "{{ chart: inside-a-code-block }}" in text


def test_report_charts_are_inline_svg_with_labels(project: Path) -> None:
    html = render(project)
    natural = html.index('<div class="chartspec-layout chartspec-natural"><svg')
    svg = html[html.index("<svg", natural) : html.index("</svg>", natural)]
    for label in LABELS:
        assert f">{label}</text>" in svg
    assert f'font-family="{fonts.FONT_FAMILY}, sans-serif"' in svg
    assert "<style>" not in svg  # the page brings the whole font once


def test_still_fragments_carry_their_font(project: Path) -> None:
    still = to_html_fragment("memory3", interactive=False, specs_dir=project / "specs")
    assert still.count("<style>@font-face{") == 1
    # A live fragment goes on a chartspec site's page, which has the font and forbids <style>.
    live = to_html_fragment("memory3", interactive=True, specs_dir=project / "specs")
    assert "<style>" not in live


def test_report_embeds_the_bundled_font(project: Path) -> None:
    html = render(project)
    faces = re.findall(r'@font-face \{\s*font-family: "([^"]+)"[^}]*base64,([A-Za-z0-9+/=]+)', html)
    assert {family for family, _ in faces} == {fonts.FONT_FAMILY}
    embedded = {base64.b64decode(data) for _, data in faces}
    assert {p.read_bytes() for p in fonts.FONT_DIR.glob("*.woff2")} == embedded


def test_report_has_a_data_table_per_chart(project: Path) -> None:
    html = render(project)
    appendix = html[html.index('<section class="data-appendix"') :]
    assert appendix.count("<table>") == 2
    for label in LABELS:
        assert appendix.count(f"<td>{label}</td>") == 2
    assert '<td class="num">733.0</td>' in appendix


def test_report_escapes_markdown_and_titles(project: Path) -> None:
    html = render(project)
    assert "<script>" not in html
    text = " ".join(check_structure(html).texts)
    assert "<script>alert('md')</script>" in text
    assert "<script>alert('title')</script> & more." in text


def test_external_links_become_text(project: Path) -> None:
    html = render(project)
    assert 'href="https://' not in html
    assert "&lt;https://example.org/paper&gt;" in html


def test_local_images_are_embedded_and_remote_ones_refused(project: Path) -> None:
    pixel = base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGBgAAAABQABpfZFQAAAAABJRU5ErkJggg=="
    )
    (project / "reports" / "dot.png").write_bytes(pixel)
    html = render(project, "# Images\n\n![a dot](dot.png)\n")
    checker = check_structure(html)
    assert_standalone(html, checker)
    assert ("img", "src", f"data:image/png;base64,{base64.b64encode(pixel).decode()}") in (
        checker.urls
    )
    with pytest.raises(ChartspecError, match="not a local file"):
        render(project, "![remote](https://example.org/x.png)\n")


def test_unknown_chart_names_the_markdown_file_and_line(project: Path) -> None:
    md = write_md(project, "# R\n\ntext\n\n{{ chart: memory3 }}\n\n{{ chart: memory4 }}\n")
    out = project / "report.html"
    with pytest.raises(ChartspecError) as info:
        markdown_to_report(md, specs_dir=project / "specs", out_path=out)
    assert (info.value.file, info.value.row) == (str(md), 7)
    assert str(info.value).startswith(f"{md}:7: unknown chart 'memory4'; known charts: ")
    assert not out.exists()


def test_malformed_directive_is_an_error(project: Path) -> None:
    md = write_md(project, "{{ chart }}\n")
    with pytest.raises(ChartspecError, match="malformed chart directive") as info:
        markdown_to_report(md, specs_dir=project / "specs", out_path=project / "r.html")
    assert info.value.row == 1


def test_directive_inside_a_paragraph_line_is_text(project: Path) -> None:
    html = render(project, "See {{ chart: memory3 }} in the text.\n")
    assert "<figure" not in html
    assert "See {{ chart: memory3 }} in the text." in html


def test_fragment_static_has_no_script(scatter_spec: dict[str, Any]) -> None:
    fragment = to_html_fragment(scatter_spec, interactive=False)
    assert fragment.startswith('<figure class="chartspec-figure"')
    assert fragment.rstrip().endswith("</figure>")
    assert "<script" not in fragment
    assert "<svg" in fragment and "<figcaption>" in fragment
    assert "Source: Memory³ (arXiv:2407.01178), Tables 20 and 21." in fragment


def test_fragment_interactive_carries_the_spec(scatter_spec: dict[str, Any]) -> None:
    scatter_spec["title"] = "</script><script>alert(1)</script>"
    fragment = to_html_fragment(scatter_spec, interactive=True)
    payload = re.search(
        r'<script type="application/json" class="chartspec-spec" id="([^"]+)">(.*?)</script>',
        fragment,
        re.S,
    )
    assert payload is not None
    assert json.loads(payload[2])["title"] == scatter_spec["title"]
    assert f'data-spec-id="{payload[1]}"' in fragment  # where the site's loader draws it
    assert "<script>" not in fragment  # no inline script: the strict CSP holds
    assert "<svg" in fragment  # the static drawing stays until the live chart replaces it


def test_interactive_report_inlines_the_bundle_with_matching_csp(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle = project / "bundle.js"
    bundle.write_text("window.chartspecVega={marker:'</script>'};", encoding="utf-8")
    monkeypatch.setattr(report, "BUNDLE_PATH", bundle)
    html = render(project, interactive=True)
    checker = check_structure(html)
    assert_standalone(html, checker)
    assert "window.chartspecVega={marker:'<\\/script>'};" in html
    scripts = re.findall(r"<script>(.*?)</script>", html, re.S)
    assert len(scripts) == 2  # the bundle, then the loader shared by every figure
    csp = html.replace("&#39;", "'")
    for body in scripts:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp
    assert "'unsafe-eval'" not in csp


def test_cli_report(project: Path, cli: Any) -> None:
    write_md(project, "# R\n\n{{ chart: memory3 }}\n")
    done = cli("report", "reports/r.md", "--out", "r.html", cwd=project)
    assert (done.returncode, done.stdout) == (0, "wrote r.html\n")
    assert (project / "r.html").read_text(encoding="utf-8").count("<figure") == 1
    write_md(project, "# R\n\n{{ chart: memory9 }}\n")
    done = cli("report", "reports/r.md", cwd=project)
    assert done.returncode == 2
    assert done.stderr.startswith("chartspec: error: reports/r.md:3: unknown chart 'memory9'")


@pytest.mark.parametrize(
    ("image", "message"),
    [
        ("/proc/self/environ", "'/proc/self/environ' is an absolute path"),
        ("/etc/passwd", "'/etc/passwd' is an absolute path"),
        ("../../../../../../etc/passwd", "points outside the project"),
        ("fifo.png", "fifo.png: is not a regular file (a device, FIFO or socket)"),
        ("dev.png", "'dev.png' points outside the project"),  # a symlink to /dev/zero
    ],
)
def test_cli_report_reads_images_only_inside_the_project(
    project: Path, cli: Any, image: str, message: str
) -> None:
    os.mkfifo(project / "reports" / "fifo.png")  # nobody writes: reading it would hang
    (project / "reports" / "dev.png").symlink_to("/dev/zero")
    write_md(project, f"# R\n\n![secret]({image})\n")
    before = tree_hashes(project)
    done = cli("report", "reports/r.md", "--out", "r.html", cwd=project)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and message in done.stderr, done.stderr
    assert tree_hashes(project) == before  # nothing written


def test_cli_report_embeds_an_image_from_the_project_folder(project: Path, cli: Any) -> None:
    (project / "logo.png").write_bytes(b"\x89PNG logo")
    write_md(project, "# R\n\n![logo](../logo.png)\n")
    done = cli("report", "reports/r.md", "--out", "r.html", cwd=project)
    assert done.returncode == 0, done.stderr
    html = (project / "r.html").read_text(encoding="utf-8")
    assert base64.b64encode(b"\x89PNG logo").decode() in html


@pytest.mark.parametrize("args", [("reports/r.md", "--out", "reports/r.md"), ("reports/r.html",)])
def test_cli_report_never_overwrites_its_source(
    project: Path, cli: Any, args: tuple[str, ...]
) -> None:
    write_md(project, "# R\n\n{{ chart: memory3 }}\n")
    (project / "reports" / "r.html").write_text("<p>hand-written page</p>", encoding="utf-8")
    before = tree_hashes(project)
    done = cli("report", *args, cwd=project)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "the report would overwrite its own source" in done.stderr
    assert tree_hashes(project) == before
