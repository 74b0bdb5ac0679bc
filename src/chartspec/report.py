"""Turn a Markdown file with chart directives into one standalone, offline HTML report."""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import mimetypes
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import jinja2
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

from chartspec import fonts
from chartspec.datatable import reader_datasets
from chartspec.drawings import layout_drawings, svg_size
from chartspec.errors import ChartspecError
from chartspec.export import load_spec, spec_to_svg
from chartspec.files import write_atomic
from chartspec.layouts import laid_out, readable_spec
from chartspec.sandbox import read_inside
from chartspec.spec import chartspec_meta, find_spec
from chartspec.spec_data import (
    DataFiles,
    DataTable,
    LocalFiles,
    data_table,
    inline_data,
)
from chartspec.specs import spec_to_script_json

STATIC_DIR = Path(__file__).resolve().parent / "static"
BUNDLE_PATH = STATIC_DIR / "chartspec-vega.min.js"
BUNDLE_CSS_PATH = STATIC_DIR / "chartspec-vega.css"
LOADER_PATH = STATIC_DIR / "chartspec-embed.js"

DIRECTIVE = re.compile(r"^ {0,3}\{\{\s*chart\s*:\s*(?P<name>[A-Za-z0-9_.-]+)\s*\}\}\s*$")
LOOKS_LIKE_DIRECTIVE = re.compile(r"^\s*\{\{.*\bchart\b.*\}\}\s*$")
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("chartspec", "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)
_ENV.tests["number_like"] = lambda text: bool(re.fullmatch(r"-?\d[\d,]*(\.\d+)?(e-?\d+)?", text))


@dataclass
class Figure:
    """One chart placed in a report: its number, caption parts, drawing and data tables."""

    number: int
    name: str
    title: str
    description: str
    source: str
    html: Markup
    tables: list[DataTable] = field(default_factory=list)
    width: int = 0  # of the drawing
    # the narrower layouts' drawing widths, narrowest first (see layouts.py)
    layout_widths: list[int] = field(default_factory=list)


def markdown_to_report(
    md_path: Path, *, specs_dir: Path, out_path: Path, interactive: bool = False
) -> Path:
    """Render `md_path` and the charts it names into one self-contained HTML file."""
    out_path = Path(out_path)
    if _same_file(out_path, Path(md_path)):
        raise ChartspecError(
            "the report would overwrite its own source",
            file=out_path,
            hint="give another file with --out",
        )
    html = markdown_to_html(md_path, specs_dir=specs_dir, interactive=interactive)
    if not out_path.parent.is_dir():
        raise ChartspecError("output folder does not exist", file=out_path.parent)
    write_atomic(out_path, html.encode("utf-8"))
    return out_path


def _same_file(a: Path, b: Path) -> bool:
    """Tell whether two paths name one file (after symlinks, or as hard links)."""
    try:
        return a.resolve() == b.resolve() or (a.exists() and a.samefile(b))
    except OSError:
        return False


def markdown_to_html(md_path: Path, *, specs_dir: Path, interactive: bool = False) -> str:
    """Return the standalone HTML report for a Markdown file with `{{ chart: NAME }}` lines."""
    md_path = Path(md_path)
    try:
        text = md_path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ChartspecError(f"cannot read report source: {exc.strerror}", file=md_path) from None
    md = _markdown(md_path)
    blocks: list[Markup] = []
    figures: list[Figure] = []
    for kind, value, line in _split(text, md_path):
        if kind == "markdown":
            blocks.append(Markup(md.render(value)))
            continue
        spec_path = find_spec(value, specs_dir=Path(specs_dir), file=md_path, row=line)
        spec = load_spec(spec_path)
        figure = _figure(
            spec,
            name=value,
            number=len(figures) + 1,
            interactive=interactive,
            base_dir=spec_path.parent,
            appendix=True,
            narrow_layouts=True,
        )
        figures.append(figure)
        blocks.append(figure.html)
    title = _first_heading(text) or md_path.stem
    # Live charts use the site's own loader, inlined with the bundle and allowed by hash.
    scripts = [_bundle(), _loader()] if interactive and figures else []
    page = _ENV.get_template("report.html.j2").render(
        title=title,
        blocks=blocks,
        figures=figures,
        font_face=Markup(_font_face_css()),
        font_family=fonts.FONT_FAMILY,
        bundle_css=Markup(_bundle_css()) if scripts else "",
        scripts=[Markup(_script_text(script)) for script in scripts],
        csp=_csp(scripts),
    )
    return page


def to_html_fragment(
    chart: str | dict[str, Any],
    *,
    interactive: bool = True,
    number: int | None = None,
    base_dir: Path | None = None,
    specs_dir: Path = Path("specs"),
) -> str:
    """Return a `<figure>` with the chart as inline SVG, its caption and source.

    `chart` is a spec, or the name of a chart in `specs_dir`.

    A still figure (`interactive=False`) carries the subset of the bundled font it uses.
    With `interactive=True` the figure also carries the spec as JSON, and the static SVG is
    swapped for a live chart by the scripts of a chartspec site served beside the page
    (`static/chartspec-vega.min.js`, then `static/chartspec-embed.js`): no inline script, so
    the strict CSP holds. With `interactive=False` it holds no script at all.
    """
    if isinstance(chart, str):
        path = find_spec(chart, specs_dir=Path(specs_dir))
        spec, base_dir = load_spec(path), path.parent
    else:
        spec = chart
    name = str(chartspec_meta(spec).get("name") or "chart")
    # A still figure may land on any page (MkDocs, a blog) and brings its font; a live one is
    # redrawn by a chartspec site's scripts, on pages that have the font and a strict CSP.
    figure = _figure(
        spec,
        name=name,
        number=number,
        interactive=interactive,
        base_dir=base_dir,
        embed_font=not interactive,
    )
    return str(figure.html)


def _figure(
    spec: dict[str, Any],
    *,
    name: str,
    number: int | None,
    interactive: bool,
    base_dir: Path | None,
    appendix: bool = False,
    embed_font: bool = False,
    narrow_layouts: bool = False,
) -> Figure:
    meta = chartspec_meta(spec)
    title = str(meta.get("title") or _title_text(spec.get("title")) or name)
    description = spec.get("description")
    description = description if isinstance(description, str) else ""
    source = str(meta.get("source") or "")
    prefix = f"figure-{number}" if number is not None else f"chart-{_slug(name)}"
    spec = readable_spec(spec)
    natural = spec_to_svg(spec, base_dir=base_dir, embed_font=False)
    files = LocalFiles(base_dir) if base_dir is not None else DataFiles()
    inline = spec_to_script_json(inline_data(spec, files))
    # a fragment is shown in pages without the report's rules that pick a layout; a report is
    # in the light theme only, as its natural drawing is
    narrower = (
        layout_drawings(inline, natural, light_only=True, base_dir=base_dir)
        if narrow_layouts
        else ()
    )
    with_font = fonts.svg_with_font if embed_font else fonts.with_generic_family
    svg = _namespace_ids(_strip_xml_declaration(with_font(natural)), prefix)
    layouts: list[dict[str, Any]] = [
        {
            "svg": Markup(_namespace_ids(with_font(d.svg), f"{prefix}-w{d.layout.width}")),
            "width": svg_size(d.svg)[0],
            "spec_id": f"spec-{prefix}.w{d.layout.width}",
            "spec_json": Markup(
                spec_to_script_json(laid_out(json.loads(inline), d.layout)) if interactive else ""
            ),
        }
        for d in narrower
    ]
    live_spec = inline if interactive else ""
    figure = Figure(
        number=number or 0,
        name=name,
        title=title,
        description=description,
        source=source,
        html=Markup(""),
        tables=[data_table(ds) for ds in reader_datasets(spec, files, title=title)],
        width=svg_size(natural)[0],
        layout_widths=[layout["width"] for layout in layouts],
    )
    figure.html = Markup(
        _ENV.get_template("figure.html.j2").render(
            id=prefix,
            figure=figure,
            numbered=number is not None,
            appendix=appendix,
            svg=Markup(svg),
            spec_json=Markup(live_spec),
            layouts=layouts,
            layouts_json=json.dumps([[lay["width"], lay["spec_id"]] for lay in layouts]),
        )
    )
    return figure


def _split(text: str, md_path: Path) -> list[tuple[str, str, int]]:
    """Cut Markdown into ("markdown", text, first line) and ("chart", name, line) pieces."""
    pieces: list[tuple[str, str, int]] = []
    chunk: list[str] = []
    chunk_start = 1
    fence: str | None = None
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        stripped = line.rstrip("\r\n")
        fence_match = FENCE.match(stripped)
        if fence is not None:
            if fence_match and fence_match[1][0] == fence[0] and len(fence_match[1]) >= len(fence):
                fence = None
        elif fence_match:
            fence = fence_match[1]
        else:
            directive = DIRECTIVE.match(stripped)
            if directive or LOOKS_LIKE_DIRECTIVE.match(stripped):
                if not directive:
                    raise ChartspecError(
                        "malformed chart directive",
                        file=md_path,
                        row=number,
                        hint="write {{ chart: NAME }} alone on its line",
                    )
                if chunk:
                    pieces.append(("markdown", "".join(chunk), chunk_start))
                pieces.append(("chart", directive["name"], number))
                chunk, chunk_start = [], number + 1
                continue
        chunk.append(line)
    if chunk:
        pieces.append(("markdown", "".join(chunk), chunk_start))
    return pieces


def _markdown(md_path: Path) -> MarkdownIt:
    """Return a CommonMark renderer (raw HTML off) whose output never points outside the page."""
    md = MarkdownIt("commonmark", {"html": False}).enable("table")

    # markdown-it types md.renderer as RendererProtocol, which omits the RendererHTML API used here.
    default_image = md.renderer.rules["image"]  # type: ignore[attr-defined]

    def image(_self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
        token = tokens[idx]
        token.attrSet("src", _image_data_uri(str(token.attrGet("src") or ""), md_path))
        return str(default_image(tokens, idx, options, env))

    def link_open(_self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
        href = str(tokens[idx].attrGet("href") or "")
        internal = href.startswith("#")
        env.setdefault("links", []).append(None if internal else href)
        if internal:
            return str(md.renderer.renderToken(tokens, idx, options, env))  # type: ignore[attr-defined]
        # A standalone file cannot follow links out; the address is shown as text instead.
        return '<span class="link">'

    def link_close(_self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
        href = env["links"].pop()
        if href is None:
            return "</a>"
        return f'</span> <span class="url">&lt;{escape(href)}&gt;</span>'

    md.add_render_rule("image", image)
    md.add_render_rule("link_open", link_open)
    md.add_render_rule("link_close", link_close)
    return md


def _image_data_uri(src: str, md_path: Path) -> str:
    """Return an image inside the report's folder or the project as a data: URI."""
    if src.startswith("data:"):
        return src
    roots = (md_path.parent, Path.cwd())
    data = read_inside(src, base=md_path.parent, roots=roots, source=md_path)
    mime = mimetypes.guess_type(unquote(urlsplit(src).path))[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def report_title(md_path: Path) -> str:
    """Return a report's title: its first `#` heading, or else its file name."""
    try:
        text = Path(md_path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ChartspecError(f"cannot read report source: {exc}", file=md_path) from None
    return _first_heading(text) or Path(md_path).stem


def _first_heading(text: str) -> str | None:
    for line in text.splitlines():
        match = re.match(r"^ {0,3}#\s+(.+?)\s*#*\s*$", line)
        if match:
            return match[1]
    return None


def _title_text(title: Any) -> str:
    if isinstance(title, dict):
        title = title.get("text")
    if isinstance(title, list):
        return " ".join(str(t) for t in title)
    return title if isinstance(title, str) else ""


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-") or "chart"


def _strip_xml_declaration(svg: str) -> str:
    return re.sub(r"^\s*<\?xml[^>]*\?>\s*", "", svg)


def _namespace_ids(svg: str, prefix: str) -> str:
    """Prefix every id in an SVG and its references, so several charts can share one page."""
    svg = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}-\1"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", svg)
    return re.sub(r'((?:xlink:)?href)="#([^"]+)"', rf'\1="#{prefix}-\2"', svg)


def _script_text(text: str) -> str:
    """Make code safe inside a <script> element: only `</script` and `<!--` can end it early."""
    # Replacing every "</" would break minified regular expressions such as /</g.
    return re.sub(r"</(script)", r"<\\/\1", text, flags=re.IGNORECASE).replace("<!--", "<\\!--")


@functools.cache
def _font_face_css() -> str:
    """Return @font-face rules that embed the bundled font files as data: URIs."""

    def data_uri(woff2: Path) -> str:
        return f"data:font/woff2;base64,{base64.b64encode(woff2.read_bytes()).decode('ascii')}"

    return fonts.font_face_css(data_uri)


def _bundle() -> str:
    try:
        return BUNDLE_PATH.read_text(encoding="utf-8")
    except FileNotFoundError:
        msg = f"the Vega bundle {BUNDLE_PATH} is missing from the installed package"
        raise RuntimeError(msg) from None


def _loader() -> str:
    return LOADER_PATH.read_text(encoding="utf-8")


def _bundle_css() -> str:
    return BUNDLE_CSS_PATH.read_text(encoding="utf-8") if BUNDLE_CSS_PATH.is_file() else ""


def _csp(scripts: list[str]) -> str:
    """Return a Content-Security-Policy that lets the page load nothing from outside itself."""
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(_script_text(s).encode()).digest()).decode()}'"
        for s in scripts
    )
    script_src = hashes or "'none'"
    return (
        "default-src 'none'; img-src data:; font-src data:; style-src 'unsafe-inline'; "
        f"script-src {script_src}; base-uri 'none'; form-action 'none'"
    )
