"""Turn a folder of Vega-Lite specs into an offline static site under a strict CSP."""

from __future__ import annotations

import base64
import copy
import dataclasses
import functools
import hashlib
import json
import mimetypes
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2

from chartspec import fonts
from chartspec.cache import Store, environment_key, key_of, sha256_bytes
from chartspec.check import check_for_publishing
from chartspec.datatable import reader_datasets
from chartspec.drawings import (
    DARK_TARGET,
    LayoutDrawing,
    StillDrawing,
    drawing_file,
    drawing_key,
    file_to_still_svg,
    layout_drawings,
    spec_to_drawings,
    still_drawing,
    svg_size,
)
from chartspec.errors import ChartspecError
from chartspec.files import os_error, sync_files
from chartspec.layouts import Layout, laid_out, readable_spec
from chartspec.pool import map_in_pool
from chartspec.progress import Progress
from chartspec.provenance import chart_metadata, chart_zip, metadata_to_json, spec_inputs
from chartspec.registry import check_page_name
from chartspec.report import markdown_to_html, report_title
from chartspec.sandbox import is_remote, read_inside, read_regular_file, resolve_inside
from chartspec.settings import project_license
from chartspec.spec import (
    chartspec_meta,
    check_drawable,
    find_specs,
    iter_views,
    load_spec_file,
    named_project_files,
    spec_name,
)
from chartspec.spec_data import (
    Dataset,
    LocalFiles,
    data_format,
    data_table,
    dataset_to_csv,
    inline_data,
    iter_data,
    page_values,
    read_url,
)
from chartspec.specs import spec_to_script_json
from chartspec.themes import dark_theme_for

if TYPE_CHECKING:
    from chartspec.vcs import Revision

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'"
)
LEFT_OUT_FILE = ".chartspec-left-out.json"
"""Where a site names the specs it left out, and why: a site that comes unchanged from the
cache still tells (see `left_out_specs`)."""
MAX_NUMBER_COLUMNS = 40
PAGE_TABLE_ROWS = 100
"""Rows a chart page shows of each table, its full download linked beside them: a table of
every row would weigh more than the rest of the page, on every page that reads the file."""
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
RESERVED_NAMES = {"index"}
# Starting a process costs about a second: below this many drawings they are made here.
MIN_PARALLEL_RENDERS = 4
# The key of each chart's drawing and the hash of its drawing files, so that a build without a
# cache (a fresh clone) reuses the drawings of the site it replaces, and a check compares keys:
# Vega draws some charts from an unseeded random source, and vl-convert cannot seed it.
DRAWINGS_RECORD = ".chartspec-drawings.json"
DRAWINGS_RECORD_VERSION = 3


@dataclass
class Chart:
    """Everything the templates need about one spec."""

    name: str
    spec_file: Path
    spec: dict[str, Any]
    title: str
    description: str
    source: str | None
    specs_dir: Path
    datasets: list[Dataset] = field(default_factory=list)
    width: int = 0
    height: int = 0
    featured: bool = False  # listed first in the gallery
    # the drawing itself shows the title, and the source in its subtitle: the page says them once
    title_drawn: bool = False
    source_drawn: bool = False
    dark_drawing: str = ""  # the drawing file in dark colours (see drawings.drawing_file)
    live_text: str = ""  # the spec drawn at build time, its data inline
    page_spec: dict[str, Any] = field(default_factory=dict)  # url data named by its script
    data_scripts: list[tuple[str, bytes]] = field(default_factory=list)  # site path, content
    # file, and its site path (None outside the specs folder: the page's spec then carries it)
    images: list[tuple[Path, str | None]] = field(default_factory=list)
    # the table files it was built from, with their versions (see provenance.spec_inputs)
    inputs: list[dict[str, str]] = field(default_factory=list)
    # the commit it was built from and which of its files differ (see `_chart_revision`)
    revision: dict[str, Any] | None = None


def write_site(
    specs_dir: Path,
    out_dir: Path,
    *,
    site_title: str = "Charts",
    base_url: str | None = None,
    reports: Sequence[Path] = (),
    jobs: int = 1,
    cache_dir: Path | None = None,
    quiet: bool = True,
    leave_out: bool = False,
    previous: Path | None = None,
    revision: Revision | None = None,
    specs_shown_as: Path | None = None,
) -> list[Path]:
    """Write the site for every `*.vl.json` under specs_dir into the empty folder out_dir.

    Returns the written files. `base_url`, when given, makes Open Graph URLs absolute. Each
    Markdown file in `reports` becomes the standalone page `<stem>.html`. Charts are drawn in
    up to `jobs` processes; with `cache_dir`, the files of unchanged charts are reused, and the
    drawings that the `previous` site records for the same key are reused too. With a
    `revision`, each chart's metadata names its commit (see `vcs.site_revision`). Warnings name
    specs in `specs_shown_as`, when specs_dir is a staged copy of that folder.
    Publishing (see publish.py) hands out_dir over and moves the files into place.
    A spec that cannot be published (unreadable, rejected by check, its data or images not
    readable, not drawable) fails the site, or with `leave_out` is left out and named, with
    its reason, in the site's `LEFT_OUT_FILE`.
    """
    specs_dir = Path(specs_dir).resolve()
    out_dir = Path(out_dir).resolve()
    shown_as = (specs_dir, Path(specs_shown_as)) if specs_shown_as is not None else None
    charts, left_out = _load_charts(
        _find_specs(specs_dir),
        specs_dir,
        leave_out=leave_out,
        cache_dir=cache_dir,
        shown_as=shown_as,
    )
    if revision is not None:
        for chart in charts:
            chart.revision = _chart_revision(chart, revision)
    writer = _Writer(out_dir)
    common = _write_shared_files(writer, site_title=site_title)
    made = chart_files(
        charts,
        common,
        base_url=base_url,
        jobs=jobs,
        cache_dir=cache_dir,
        quiet=quiet,
        previous=previous,
    )
    published = []
    drawings = {}
    for chart, files in zip(charts, made, strict=True):  # written while others are drawn
        if isinstance(files, str):
            if not leave_out:
                raise ChartspecError(f"cannot render chart: {files}", file=chart.spec_file)
            left_out.append((chart.spec_file, f"cannot render chart: {files}"))
            continue
        for rel, data, shared in files.files:
            writer.write_bytes(rel, data, shared=shared)
        chart.width, chart.height = files.width, files.height
        chart.dark_drawing = _dark_drawing(chart.name, [rel for rel, _, _ in files.files])
        published.append(chart)
        drawings[chart.name] = files.drawing
    writer.write_text(DRAWINGS_RECORD, _drawings_record_text(drawings))
    _write_index(published, writer, common, reports)
    if left_out:
        writer.write_text(LEFT_OUT_FILE, _left_out_json(left_out, specs_dir))
    _write_reports(reports, writer, specs_dir)
    writer.sync()
    return [out_dir / rel for rel in sorted(writer.written)]


def _chart_revision(chart: Chart, revision: Revision) -> dict[str, Any]:
    """Return the commit a chart is built from, and which files of the project it is made
    from differ from that commit: its spec, the data and images it reads, the chart module
    and the table files it was built from."""
    found: dict[str, bytes] = {}
    read = [chart.spec_file, *(ds.source_file for ds in chart.datasets if ds.source_file)]
    read += [image for image, _ in chart.images]
    for path in read:
        path = path.resolve()
        named = path  # a build reads a copy of the specs folder staged beside it
        if path.is_relative_to(chart.specs_dir):
            named = revision.specs / path.relative_to(chart.specs_dir)
        if named.is_relative_to(revision.project):
            found[named.relative_to(revision.project).as_posix()] = _read_bytes(path)
    for rel in named_project_files(chart.spec):
        path = (revision.project / rel).resolve()
        if not Path(rel).is_absolute() and path.is_relative_to(revision.project):
            try:
                found[path.relative_to(revision.project).as_posix()] = path.read_bytes()
            except OSError:
                continue  # gone, or a folder of a lazy table: not a file git holds
    return {"commit": revision.commit, "uncommitted": revision.uncommitted(found)}


def left_out_specs(site_dir: Path) -> list[str]:
    """Return the specs a site built with `leave_out` left out: `path: reason`, one each."""
    try:
        found = json.loads((Path(site_dir) / LEFT_OUT_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as error:
        where = Path(site_dir) / LEFT_OUT_FILE
        raise ChartspecError(f"cannot be read ({error})", file=where) from None
    return [f"{rel}: {reason}" for rel, reason in found["left out"].items()]


def _left_out_json(left_out: list[tuple[Path, str]], specs_dir: Path) -> str:
    """Return the left-out specs and why, named relative to the specs folder (no local paths)."""
    root = str(specs_dir) + os.sep
    reasons = {
        path.relative_to(specs_dir).as_posix(): reason.replace(root, "")
        for path, reason in sorted(left_out)
    }
    return json.dumps({"left out": reasons}, indent=1, ensure_ascii=False) + "\n"


def _write_shared_files(writer: _Writer, *, site_title: str) -> dict[str, Any]:
    """Write the bundle, styles, fonts and licences; return what every page's template needs."""
    return {
        "csp": CSP,
        "site_title": site_title,
        "license": project_license(),  # of the charts that declare none
        "theme_css": _theme_css(writer),
        "versions": _bundle_info(),
        "static": _copy_static(writer),
    }


def _write_index(
    charts: list[Chart], writer: _Writer, common: dict[str, Any], reports: Sequence[Path]
) -> None:
    """Write the gallery, with the reports' titles and links, and the licences page."""
    env = _jinja_env()
    ordered = [c for c in charts if c.featured] + [c for c in charts if not c.featured]
    cards = [{"chart": chart, "href": f"{chart.name}.html"} for chart in ordered]
    listed = [{"title": report_title(r), "href": f"{r.stem}.html"} for r in sorted(reports)]
    site_title = common["site_title"]
    index = env.get_template("index.html").render(
        cards=cards, reports=listed, page_title=site_title, **common
    )
    writer.write_text("index.html", index)
    licenses = env.get_template("licenses.html").render(
        page_title=f"Licences · {site_title}", **common
    )
    writer.write_text("licenses.html", licenses)


def _write_reports(reports: Sequence[Path], writer: _Writer, specs_dir: Path) -> None:
    """Render each Markdown report into one standalone page of the site."""
    for source in sorted(reports):
        writer.write_text(f"{source.stem}.html", markdown_to_html(source, specs_dir=specs_dir))


def _write_chart(
    chart: Chart,
    writer: _Recorder,
    common: dict[str, Any],
    renders: Renders,
    *,
    base_url: str | None,
) -> None:
    """Write one chart's downloads, scripts, page and embed page.

    The two pages share the chart's spec script and its data scripts (one per data file, shared
    by every chart that reads it), so no data is written twice.
    """
    name = chart.name
    spec_rel = f"charts/{_spec_relpath(chart)}"
    spec_bytes = _read_bytes(chart.spec_file)
    writer.write_bytes(spec_rel, spec_bytes)
    data_files = []  # site path, dataset, bytes: what readers download of the data
    for i, ds in enumerate(chart.datasets, start=1):
        if ds.source_file is not None:
            rel = f"charts/{_data_relpath(chart, ds.source_file)}"
            content = _read_bytes(ds.source_file)
            writer.write_bytes(rel, content, shared=True)  # charts may share a file
            if not ds.declared:  # the file as it is; declared columns are the chart's
                data_files.append((rel, ds, content))
                continue
        csv_rel = (
            f"charts/{name}.csv" if len(chart.datasets) == 1 else f"charts/{name}-data-{i}.csv"
        )
        content = dataset_to_csv(ds).encode("utf-8")
        writer.write_bytes(csv_rel, content)
        data_files.append((csv_rel, ds, content))
    data_links = [
        {"href": rel, "label": ds.label, "kind": Path(rel).suffix.lower() or ".txt"}
        for rel, ds, _ in data_files
    ]
    for source, image_rel in chart.images:
        if image_rel is not None:
            writer.copy_file(source, image_rel, shared=True)
    scripts = []
    for rel, content in chart.data_scripts:
        writer.write_bytes(rel, content, shared=True)
        scripts.append(rel)
    live_spec, still = renders.live_spec, renders.still
    spec_script = f"charts/{name}.spec.js"
    specs = [(f"spec-{name}", chart.page_spec)]
    for drawing in still.layouts:
        specs.append(
            (_layout_spec_id(name, drawing.layout), laid_out(chart.page_spec, drawing.layout))
        )
    writer.write_text(spec_script, "".join(_script("chartspecSpecs", k, v) for k, v in specs))
    scripts.append(spec_script)

    drawings = _drawing_files(name, still)
    for rel, data in drawings.items():
        writer.write_bytes(rel, data)
    chart.width, chart.height = svg_size(still.svg)
    chart.dark_drawing = _dark_drawing(name, [rel for rel, _, _ in writer.files])
    layouts = _page_layouts(name, still)

    og_image = f"charts/{name}.png"
    page_url = f"{name}.html"
    embed_src = f"{name}.embed.html"
    if base_url:
        root = base_url.rstrip("/") + "/"
        og_image, page_url, embed_src = root + og_image, root + page_url, root + embed_src
    metadata = _write_provenance(
        chart,
        writer,
        common,
        data_files=data_files,
        other_files=[  # the light drawing: reused, the chart looks as it does printed
            (spec_rel, spec_bytes),
            *((rel, drawings[rel]) for rel in (f"charts/{name}.svg", f"charts/{name}.png")),
        ],
        page_url=page_url if base_url else None,
    )
    snippet = (
        f'<iframe src="{_attr(embed_src)}" title="{_attr(chart.title)}" '
        f'width="{chart.width + 16}" height="{chart.height + 48}" loading="lazy"></iframe>'
    )
    dark = dark_theme_for(live_spec)  # None: the chart draws on its own background in both
    page_ctx = {
        **common,
        "chart": chart,
        "page_title": f"{chart.title} · {common['site_title']}",
        "chart_scripts": scripts,
        "files_url": f"charts/{_folder_relpath(chart)}",
        "dark_theme_json": "null" if dark is None else spec_to_script_json(dark),
        "layouts": layouts,
        "layouts_json": json.dumps([[lay["width"], lay["spec_id"]] for lay in layouts]),
        "spec_href": spec_rel,
        "data_links": data_links,
        "zip_href": f"charts/{name}.zip",
        "metadata_href": f"charts/{name}.metadata.json",
        "about": metadata,
        "tables": [
            {"table": data_table(ds, max_rows=PAGE_TABLE_ROWS), "download": link}
            for ds, link in zip(chart.datasets, data_links, strict=True)
        ],
        "snippet": snippet,
        "og_image": og_image,
        "page_url": page_url if base_url else None,
    }
    env = _jinja_env()
    # the room beside a chart: the page's margins
    page = env.get_template("chart.html").render(**page_ctx, gutter=32)
    writer.write_text(f"{name}.html", page)
    embed = env.get_template("embed.html").render(**page_ctx, gutter=16)
    writer.write_text(f"{name}.embed.html", embed)


def _write_provenance(
    chart: Chart,
    writer: _Recorder,
    common: dict[str, Any],
    *,
    data_files: list[tuple[str, Dataset, bytes]],
    other_files: list[tuple[str, bytes]],
    page_url: str | None,
) -> dict[str, Any]:
    """Write a chart's metadata and its ZIP (those files, the data files and a README), named
    as under charts/ so that the spec finds its data; return the metadata."""
    metadata = chart_metadata(
        chart.spec,
        name=chart.name,
        title=chart.title,
        description=chart.description,
        data_files=[
            (_in_charts(rel), ds.label, len(ds.rows), data) for rel, ds, data in data_files
        ],
        license=common["license"],
        versions={"vega": common["versions"]["vega"]},
        inputs=chart.inputs,
        revision=chart.revision,
    )
    metadata_rel = f"charts/{chart.name}.metadata.json"
    text = metadata_to_json(metadata).encode("utf-8")
    writer.write_bytes(metadata_rel, text)
    packed = [(rel, data) for rel, _, data in data_files] + [*other_files, (metadata_rel, text)]
    files = {_in_charts(rel): data for rel, data in packed}
    writer.write_bytes(f"charts/{chart.name}.zip", chart_zip(files, metadata, page_url=page_url))
    return metadata


def _in_charts(rel: str) -> str:
    """Return a site path under charts/ as the chart's ZIP and metadata name it."""
    return rel.removeprefix("charts/")


def _script(registry: str, key: str, value: Any) -> str:
    """Return a script that files `value` under `key` in the page's global `registry`."""
    return (
        f"(self.{registry} = self.{registry} || {{}})"
        f"[{json.dumps(key)}] = {spec_to_script_json(value)};\n"
    )


class _Recorder:
    """Keep a chart's files in memory, in order, for the process that writes the site."""

    def __init__(self) -> None:
        self.files: list[tuple[str, bytes, bool]] = []

    def write_bytes(self, rel: str, data: bytes, *, shared: bool = False) -> None:
        self.files.append((rel, data, shared))

    def write_text(self, rel: str, text: str) -> None:
        self.write_bytes(rel, text.encode("utf-8"))

    def copy_file(self, src: Path, rel: str, *, shared: bool = False) -> None:
        self.write_bytes(rel, _read_bytes(src), shared=shared)


# --- reading specs --------------------------------------------------------------------------


def _find_specs(specs_dir: Path) -> list[Path]:
    """Return every spec file under specs_dir in a stable order."""
    if not specs_dir.is_dir():
        raise ChartspecError("specs folder not found", file=specs_dir)
    found = find_specs(specs_dir)
    if not found:
        raise ChartspecError(
            "no *.vl.json specs found", file=specs_dir, hint="run `chartspec build` first"
        )
    return found


def _load_charts(
    paths: list[Path],
    specs_dir: Path,
    *,
    leave_out: bool,
    cache_dir: Path | None,
    shown_as: tuple[Path, Path] | None = None,
) -> tuple[list[Chart], list[tuple[Path, str]]]:
    """Read every spec and check it as `check` does; return the charts and, with `leave_out`,
    the specs left out and why (without it, the first problem is raised).

    A spec whose data cannot be read says so rather than what the check makes of it. When no
    spec can be published, the last one's error is the site's.
    """
    loaded: dict[Path, Chart | ChartspecError] = {}
    for path in paths:
        try:
            loaded[path] = _load_chart(path, specs_dir)
        except ChartspecError as error:
            if not leave_out:
                raise
            loaded[path] = error
    readable = [path for path in paths if isinstance(loaded[path], Chart)]
    refused = check_for_publishing(
        readable, cache_dir=cache_dir, leave_out=leave_out, shown_as=shown_as
    )
    charts: list[Chart] = []
    left_out: list[tuple[Path, str]] = []
    seen: dict[str, Path] = {}
    for path in paths:
        found = refused.get(path, loaded[path])
        if isinstance(found, Chart):
            key = found.name.lower()  # case-insensitive file systems
            if key not in seen:
                seen[key] = path
                charts.append(found)
                continue
            found = ChartspecError(
                f"two specs are both named {found.name!r}",
                file=path,
                hint=f"the other is {seen[key]}",
            )
            if not leave_out:
                raise found
        if not charts and len(left_out) == len(paths) - 1:
            raise found  # nothing to publish: the last spec's error is the site's
        left_out.append((path, _reason(found, path)))
    return charts, left_out


def _reason(error: ChartspecError, path: Path) -> str:
    """Return an error as one line, without the spec's own name when it is the file at fault."""
    if error.file != str(path):
        return str(error)
    return str(ChartspecError(error.what, row=error.row, column=error.column, hint=error.hint))


def _load_chart(path: Path, specs_dir: Path) -> Chart:
    """Read one spec file, check it, and gather its title, description, data and images."""
    spec = readable_spec(load_spec_file(path))  # what the site shows, its text readable
    name = spec_name(path)
    meta = chartspec_meta(spec)
    if isinstance(meta.get("name"), str):
        name = meta["name"]
    if not NAME_RE.match(name) or name.lower() in RESERVED_NAMES:
        raise ChartspecError(
            f"chart name {name!r} cannot be used in the site",
            file=path,
            hint="use letters, digits, '.', '_' or '-', and not 'index'",
        )
    check_page_name(name, file=path)
    title = _text(meta.get("title")) or _title_of(spec) or name
    description = _text(spec.get("description")) or title
    source = _text(meta.get("source"))
    chart = Chart(
        name=name,
        spec_file=path,
        spec=spec,
        title=title,
        description=description,
        source=source,
        specs_dir=specs_dir,
        featured=meta.get("featured") is True,  # any other value is ignored, like a bad title
        title_drawn=_title_of(spec) == title,
        source_drawn=bool(source) and source in _subtitle_of(spec),
    )
    files = _data_files(chart)
    # the project folder holds the specs folder, as it does the lock (see publish.project_root)
    chart.inputs = spec_inputs(spec, root=specs_dir.resolve().parent)
    chart.datasets = reader_datasets(spec, files, title=title, source=path)
    images, drawn = _images(chart)
    chart.images = [(source, rel) for source, rel, _ in images.values()]
    # The drawing gets its images from the renderer, which inlines them from the project; the
    # page's spec carries those a mark draws as `data:` URLs, since a page opened from disk
    # may not load them itself (Vega asks for them with CORS).
    data_urls = {ref: data_url for ref, (_, _, data_url) in images.items() if ref in drawn}
    live_text = spec_to_script_json(inline_data(spec, files, source=path))
    check_drawable(json.loads(live_text), file=path, text=live_text)  # inlined data too
    chart.live_text = live_text
    page_spec, chart.data_scripts = _page_spec(chart, files)
    chart.page_spec = _with_images(page_spec, data_urls, _image_fields(spec)[0])
    return chart


def _page_spec(chart: Chart, files: LocalFiles) -> tuple[dict[str, Any], list[tuple[str, bytes]]]:
    """Return the spec a page draws, and the scripts holding its url data, one per file.

    Each url is replaced by its script's path, which the page loader resolves; delimited
    text is parsed here, since parsing it in the browser needs what the CSP forbids.
    """
    spec = copy.deepcopy(chart.spec)
    scripts: dict[str, bytes] = {}
    for data in iter_data(spec):
        url = data.get("url")
        if url is None and not isinstance(data.get("values"), str):
            continue
        fmt = data_format(data)
        if url is None:
            data["values"], data["format"] = page_values(data["values"], fmt)
            continue
        path, text = read_url(url, files, source=chart.spec_file)
        values, data["format"] = page_values(text, fmt)
        packed = _packed(values, data["format"])
        body = spec_to_script_json(packed)
        digest = hashlib.sha256(body.encode("utf-8")).hexdigest()[:12]
        name = _data_relpath(chart, path) if path is not None else "data"
        data["url"] = rel = f"charts/{name}.{digest}.js"
        scripts[rel] = _script("chartspecData", rel, packed).encode("utf-8")
    return spec, sorted(scripts.items())


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _packed(values: Any, fmt: dict[str, Any]) -> dict[str, Any]:
    """Return url data as its page script holds it (the page loader unpacks it).

    Records that share their keys become `columns` and `rows` of cells, each key written once
    rather than in every row; a JSON array of records is parsed here for that. Anything else
    stays as it is, under `values`.
    """
    if isinstance(values, str) and fmt.get("type", "json") == "json" and "property" not in fmt:
        try:
            parsed = json.loads(values, parse_constant=_no_constant)
        except ValueError:
            parsed = None  # the browser says what is wrong with it, as it would for the file
        if isinstance(parsed, list) and parsed and all(isinstance(r, dict) for r in parsed):
            values = parsed
    if isinstance(values, list) and values and all(isinstance(r, dict) for r in values):
        keys = values[0].keys()
        if all(r.keys() == keys for r in values):
            columns = list(keys)
            return {"columns": columns, "rows": [[r[c] for c in columns] for r in values]}
    return {"values": values}


def _image_fields(spec: dict[str, Any]) -> tuple[set[str], set[str], set[str]]:
    """Return the fields whose values are drawn as images, those shown in tooltips, and the
    literal image urls of a spec (image marks' `url` and url channels' `value`)."""
    drawn: set[str] = set()
    tooltip: set[str] = set()
    literal: set[str] = set()
    for _, view in iter_views(spec):
        mark = view.get("mark")
        if isinstance(mark, dict) and isinstance(mark.get("url"), str):
            literal.add(mark["url"])
        encoding = view.get("encoding")
        if not isinstance(encoding, dict):
            continue
        for channel, defs in encoding.items():
            for d in defs if isinstance(defs, list) else [defs]:
                if not isinstance(d, dict):
                    continue
                if channel == "url":
                    if isinstance(d.get("value"), str):
                        literal.add(d["value"])
                    if isinstance(d.get("field"), str):
                        drawn.add(d["field"])
                elif (
                    channel == "tooltip"  # vega-tooltip shows an entry titled `image` as one
                    and d.get("title", d.get("field")) == "image"
                    and isinstance(d.get("field"), str)
                ):
                    tooltip.add(d["field"])
    return drawn, tooltip, literal


def _images(chart: Chart) -> tuple[dict[str, tuple[Path, str | None, str]], set[str]]:
    """Return the images a chart shows, by reference: file, site path and `data:` URL; and the
    references drawn (not only shown in tooltips).

    Images are read from inside the specs folder (copied into the site) or the project, as
    drawings read them; remote ones are never fetched, so neither drawn nor copied.
    """
    drawn_fields, tooltip_fields, literal = _image_fields(chart.spec)
    drawn, shown = set(literal), set[str]()
    for ds in chart.datasets:
        for row in ds.rows:
            drawn.update(v for f in drawn_fields if isinstance(v := row.get(f), str))
            shown.update(v for f in tooltip_fields if isinstance(v := row.get(f), str))
    found = {}
    for ref in sorted((drawn | shown) - {""}):
        if is_remote(ref):  # data: URLs stay; `file:` ones are the renderer's to refuse
            continue
        roots = [chart.specs_dir, Path.cwd()]  # the project, as for drawings
        path = resolve_inside(ref, base=chart.spec_file.parent, roots=roots, source=chart.spec_file)
        content = read_regular_file(path)
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        data_url = f"data:{mime};base64,{base64.b64encode(content).decode('ascii')}"
        inside = path.is_relative_to(chart.specs_dir)
        found[ref] = (path, f"charts/{_data_relpath(chart, path)}" if inside else None, data_url)
    return found, drawn


def _with_images(spec: Any, data_urls: dict[str, str], fields: set[str]) -> Any:
    """Return the spec with drawn image references replaced by `data:` URLs."""
    if not data_urls:
        return spec
    if isinstance(spec, list):
        return [_with_images(item, data_urls, fields) for item in spec]
    if not isinstance(spec, dict):
        return spec
    out = {}
    for key, value in spec.items():
        drawn = key in fields or key in ("url", "value")
        if drawn and isinstance(value, str) and value in data_urls:
            out[key] = data_urls[value]
        else:
            out[key] = _with_images(value, data_urls, fields)
    return out


def _title_of(spec: dict[str, Any]) -> str:
    """Return the spec's title text, if any."""
    title = spec.get("title")
    if isinstance(title, dict):
        title = title.get("text")
    if isinstance(title, list):
        return " ".join(str(t) for t in title)
    return _text(title)


def _subtitle_of(spec: dict[str, Any]) -> str:
    """Return the spec's subtitle text, if any."""
    title = spec.get("title")
    subtitle = title.get("subtitle") if isinstance(title, dict) else None
    if isinstance(subtitle, list):
        return " ".join(str(t) for t in subtitle)
    return _text(subtitle)


def _text(value: Any) -> str:
    """Return value as a stripped string, or '' for non-strings."""
    return value.strip() if isinstance(value, str) else ""


def _data_files(chart: Chart) -> LocalFiles:
    """Return where a chart's data files are read from: inside the specs folder, published too."""
    return LocalFiles(
        chart.spec_file.parent,
        roots=[chart.specs_dir],
        source=chart.spec_file,
        pins=chart.specs_dir,
        area=("the specs folder", f"move the file under {chart.specs_dir.name}"),
    )


# --- turning specs into pages -------------------------------------------------------------


def _spec_relpath(chart: Chart) -> str:
    """Path of the spec under charts/, mirroring the specs folder so relative urls still work."""
    return chart.spec_file.resolve().relative_to(chart.specs_dir).as_posix()


def _data_relpath(chart: Chart, path: Path) -> str:
    """Path of a url data file or image under charts/, mirroring the specs folder."""
    return path.relative_to(chart.specs_dir).as_posix()


def _folder_relpath(chart: Chart) -> str:
    """The spec's folder under charts/, where its relative urls resolve (empty or ending in /)."""
    folder = chart.spec_file.resolve().parent.relative_to(chart.specs_dir).as_posix()
    return "" if folder == "." else f"{folder}/"


@dataclass(frozen=True)
class Renders:
    """A chart's spec with its data inlined, and its still drawing."""

    live_spec: dict[str, Any]
    still: StillDrawing


@dataclass(frozen=True)
class ChartFiles:
    """A chart's files in the site (path, bytes, whether charts may share it), its size, and
    the record of its drawing (see `DRAWINGS_RECORD`)."""

    files: list[tuple[str, bytes, bool]]
    width: int
    height: int
    drawing: dict[str, Any]


def chart_files(
    charts: Sequence[Chart],
    common: dict[str, Any],
    *,
    base_url: str | None = None,
    jobs: int = 1,
    cache_dir: Path | None = None,
    quiet: bool = True,
    previous: Path | None = None,
) -> Iterator[ChartFiles | str]:
    """Draw every chart and write its pages, in memory; yield them in the order of `charts`.

    Unchanged charts come from the cache; drawings whose key the `previous` site records come
    from there. The others are drawn and written in up to `jobs` processes, each chart wholly
    in one, so the pages are made in parallel with the drawings. A chart that cannot be drawn
    gives the error instead, in its place.
    """
    store = Store(cache_dir) if cache_dir is not None else None
    recorded = _recorded_drawings(previous) if previous is not None else {}
    done: dict[str, ChartFiles | str] = {}
    tasks: list[_Task] = []
    for chart in charts:
        live_text = chart.live_text
        images = [sha256_bytes(_read_bytes(image)) for image, _ in chart.images]
        render_key = drawing_key(live_text, images)
        record = recorded.get(chart.name)
        if record is not None and record["key"] != render_key:
            record = None
        files = [ds.source_file for ds in chart.datasets if ds.source_file]
        page_key = key_of(
            environment_key(store),
            render_key,
            record,  # pages drawn otherwise, from a cache, are not these
            chart.name,
            _spec_relpath(chart),
            sha256_bytes(_read_bytes(chart.spec_file)),
            [sha256_bytes(_read_bytes(path)) for path in files],
            chart.inputs,
            chart.revision,
            common,
            base_url,
        )
        cached = _cached_chart_files(store, page_key) if store else None
        if cached is not None:
            done[chart.name] = cached
            continue
        still = _previous_drawing(previous, chart.name, record) if previous and record else None
        if still is None and store is not None:
            still = _cached_render(store, render_key)
        tasks.append((chart, live_text, common, base_url, still, cache_dir, (render_key, page_key)))
    with Progress("rendering charts", len(tasks), quiet=quiet) as progress:
        if jobs <= 1 or len(tasks) < MIN_PARALLEL_RENDERS:
            results: Iterator[ChartFiles | str] = map(_make_chart_files, tasks)
        else:
            results = map_in_pool(_make_chart_files, tasks, jobs=jobs)
        for chart in charts:  # results come in task order, which is chart order
            if chart.name not in done:
                result = next(results)
                progress.advance(chart.name)
                done[chart.name] = result
            yield done.pop(chart.name)


# A chart, its live spec as script JSON, the pages' context, base_url, its drawing when reused,
# the cache folder, and its render and page keys.
_Task = tuple[
    Chart, str, dict[str, Any], str | None, StillDrawing | None, Path | None, tuple[str, str]
]


def _make_chart_files(task: _Task) -> ChartFiles | str:
    """Draw a chart unless its drawing is given, then write its files; or return the error.

    What it makes goes into the cache from here, so the process writing the site only writes.
    """
    chart, live_text, common, base_url, still, cache_dir, (render_key, page_key) = task
    if still is None:
        rendered = spec_to_drawings(live_text, base_dir=chart.spec_file.parent)
        if isinstance(rendered, str):
            return rendered
        light, dark = (part.decode("utf-8") for part in rendered[:2])
        narrower = layout_drawings(live_text, light, dark=dark, base_dir=chart.spec_file.parent)
        still = dataclasses.replace(still_drawing(rendered), layouts=narrower)
    recorder = _Recorder()
    _write_chart(chart, recorder, common, Renders(json.loads(live_text), still), base_url=base_url)
    record = {
        "key": render_key,
        "sha256": _files_hash(_drawing_files(chart.name, still)),
        "layouts": [dataclasses.asdict(d.layout) for d in still.layouts],
    }
    files = ChartFiles(recorder.files, chart.width, chart.height, record)
    if cache_dir is not None:
        _store_chart(Store(cache_dir), render_key, page_key, still, files)
    return files


def _cached_chart_files(store: Store, key: str) -> ChartFiles | None:
    """Return a chart's files from the cache, or None when any part is missing."""
    entry = store.read_json("pages", key)
    if not isinstance(entry, dict) or not isinstance(entry.get("drawing"), dict):
        return None
    files = []
    for rel, digest, shared in entry["files"]:
        blob = store.read_blob("pagefiles", digest)
        if blob is None:
            return None
        files.append((rel, blob, shared))
    return ChartFiles(files, entry["width"], entry["height"], entry["drawing"])


def _cached_render(store: Store, key: str) -> StillDrawing | None:
    """Return a spec's cached still drawing, or None."""
    svgs, png = store.read_json("render", key), store.read_blob("render", f"{key}.png")
    if not isinstance(svgs, dict) or png is None:
        return None
    layouts = tuple(
        LayoutDrawing(Layout(**d["layout"]), d["svg"], d["dark"]) for d in svgs["layouts"]
    )
    return StillDrawing(svgs["svg"], svgs["dark"], png, layouts)


def _store_chart(
    store: Store, render_key: str, page_key: str, still: StillDrawing, made: ChartFiles
) -> None:
    """Remember a chart's still drawing and its files."""
    layouts = [
        {"layout": dataclasses.asdict(d.layout), "svg": d.svg, "dark": d.dark}
        for d in still.layouts
    ]
    store.write_json(
        "render", render_key, {"svg": still.svg, "dark": still.dark, "layouts": layouts}
    )
    store.write_blob("render", f"{render_key}.png", still.png)
    files = []
    for rel, data, shared in made.files:
        digest = sha256_bytes(data)
        store.write_blob("pagefiles", digest, data)
        files.append([rel, digest, shared])
    entry = {"files": files, "width": made.width, "height": made.height, "drawing": made.drawing}
    store.write_json("pages", page_key, entry)


def _drawing_files(name: str, still: StillDrawing) -> dict[str, bytes]:
    """Return a chart's drawing files by site path: its SVG (one for both themes, or a light and
    a dark one) and those of its narrower layouts, with the bundled font since pages, downloads
    and gallery thumbnails show them as images, without the page's web font; and its PNG."""
    drawings = [(f"charts/{name}", still.svg, still.dark)]
    drawings += [(_layout_stem(name, d.layout), d.svg, d.dark) for d in still.layouts]
    svgs = {}
    for stem, svg, dark in drawings:
        if dark is None:
            svgs[f"{stem}.svg"] = drawing_file(svg)
        else:
            svgs |= {f"{stem}.svg": svg, f"{stem}.dark.svg": dark}
    files = {rel: fonts.svg_with_font(svg).encode("utf-8") for rel, svg in svgs.items()}
    return files | {f"charts/{name}.png": still.png}


def _layout_stem(name: str, layout: Layout) -> str:
    """Return the site path, without suffix, of a chart's drawing in a layout."""
    return f"charts/{name}.w{layout.width}"


def _layout_spec_id(name: str, layout: Layout) -> str:
    """Return the key of a chart's spec in a layout in the page's spec registry."""
    return f"spec-{name}.w{layout.width}"


def _page_layouts(name: str, still: StillDrawing) -> list[dict[str, Any]]:
    """Return what a page needs to show a chart's narrower layouts, narrowest first: each
    drawing's size, files and spec, and the widest drawing it gives way to."""
    found = []
    wider = [svg_size(d.svg)[0] for d in still.layouts[1:]] + [svg_size(still.svg)[0]]
    for drawing, next_width in zip(still.layouts, wider, strict=False):
        stem = _layout_stem(name, drawing.layout)
        width, height = svg_size(drawing.svg)
        found.append(
            {
                "width": width,
                "height": height,
                "light": f"{stem}.svg",
                "dark": f"{stem}.svg#{DARK_TARGET}" if drawing.dark is None else f"{stem}.dark.svg",
                "spec_id": _layout_spec_id(name, drawing.layout),
                "until": next_width,  # shown while the room is narrower than this
            }
        )
    return found


def _files_hash(files: dict[str, bytes]) -> str:
    """Return one hash of files by path."""
    return key_of({rel: sha256_bytes(data) for rel, data in files.items()})


def _drawings_record_text(drawings: dict[str, dict[str, Any]]) -> str:
    """Return the site's record of its charts' drawings, in canonical form."""
    data = {"version": DRAWINGS_RECORD_VERSION, "charts": drawings}
    return json.dumps(data, indent=1, sort_keys=True) + "\n"


def _recorded_drawings(site: Path) -> dict[str, dict[str, Any]]:
    """Return the drawings a site records, by chart name; none when it has no readable record."""
    try:
        data = json.loads(read_inside(DRAWINGS_RECORD, base=site, roots=[site]))
        charts = data["charts"] if data.get("version") == DRAWINGS_RECORD_VERSION else {}
        return {
            name: record
            for name, record in charts.items()
            if isinstance(record, dict)
            and set(record) == {"key", "sha256", "layouts"}
            and isinstance(record["key"], str)
            and isinstance(record["sha256"], str)
            and isinstance(record["layouts"], list)
        }
    except (ChartspecError, ValueError, TypeError, AttributeError, KeyError):
        return {}


def _previous_drawing(site: Path, name: str, record: dict[str, Any]) -> StillDrawing | None:
    """Return chart `name`'s still drawing from the drawing files of a site, if they are the
    ones its record names and writing them again from it gives the same bytes.

    The folder may have been edited by hand: a drawing that is not inert is drawn again.
    """
    try:
        layouts = [Layout(**layout) for layout in record["layouts"]]
    except TypeError:
        return None
    stems = [f"charts/{name}"] + [_layout_stem(name, layout) for layout in layouts]
    png_rel = f"charts/{name}.png"
    wanted = [f"{stem}{ext}" for stem in stems for ext in (".svg", ".dark.svg")] + [png_rel]
    try:
        files = {
            rel: read_inside(rel, base=site, roots=[site])
            for rel in wanted
            if (site / rel).exists()
        }
    except ChartspecError:
        return None
    if _files_hash(files) != record["sha256"] or png_rel not in files:
        return None

    def still_svgs(stem: str) -> tuple[str, str | None] | None:
        svg_rel, dark_rel = f"{stem}.svg", f"{stem}.dark.svg"
        if svg_rel not in files:
            return None
        # bytes that are not UTF-8 are not written back the same
        text = {rel: data.decode("utf-8", "replace") for rel, data in files.items()}
        svg = file_to_still_svg(text[svg_rel], themed=dark_rel not in files)
        dark = file_to_still_svg(text[dark_rel], themed=False) if dark_rel in files else None
        if svg is None or (dark_rel in files and dark is None):
            return None
        return svg, dark

    drawings = [still_svgs(stem) for stem in stems]
    if any(d is None for d in drawings):
        return None
    (svg, dark), *narrower = [d for d in drawings if d is not None]
    still = StillDrawing(
        svg,
        dark,
        files[png_rel],
        tuple(LayoutDrawing(lay, *d) for lay, d in zip(layouts, narrower, strict=True)),
    )
    return still if _drawing_files(name, still) == files else None


def theme_css() -> str:
    """Return the rules that align numbers in data tables."""
    # A data table lists its number columns once (data-numeric="2 3") instead of a class on
    # every cell; columns past the last rule stay left-aligned.
    numbers = "".join(
        f'table[data-numeric~="{i}"] :is(th, td):nth-child({i}),\n'
        for i in range(1, MAX_NUMBER_COLUMNS + 1)
    )
    return (
        f"{numbers.rstrip(',' + chr(10))} {{\n"
        "  text-align: right;\n  font-variant-numeric: tabular-nums;\n}\n"
    )


def _dark_drawing(name: str, files: list[str]) -> str:
    """Return where a chart's drawing shows its dark colours: the dark file when it has one,
    else the `#dark` of its one file."""
    dark = f"charts/{name}.dark.svg"
    return dark if dark in files else f"charts/{name}.svg#{DARK_TARGET}"


def _attr(value: str) -> str:
    """Escape a value for a double-quoted HTML attribute."""
    return (
        value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    )


# --- static files, fonts, templates -------------------------------------------------------


def _static_dir() -> Path:
    """Return the package's static folder."""
    return Path(str(resources.files("chartspec") / "static"))


def _bundle_info() -> dict[str, Any]:
    """Return bundle.json: the bundled libraries' versions and hashes."""
    info: dict[str, Any] = json.loads((_static_dir() / "bundle.json").read_text(encoding="utf-8"))
    return info


def _copy_static(writer: _Writer) -> dict[str, str]:
    """Copy the bundle, CSS, loader and licences into static/; return their site paths."""
    src = _static_dir()
    info = _bundle_info()
    files = {
        "bundle": info["bundle"],
        "vega_css": info["css"],
        "loader": "chartspec-embed.js",
        "site_css": "chartspec-site.css",
        "favicon": "favicon.svg",
    }
    for rel in files.values():
        writer.copy_file(src / rel, f"static/{rel}")
    writer.copy_file(src / "bundle.json", "static/bundle.json")
    for lic in sorted((src / "licenses").glob("*.txt")):
        writer.copy_file(lic, f"static/licenses/{lic.name}")
    return {key: f"static/{rel}" for key, rel in files.items()}


def _theme_css(writer: _Writer) -> str:
    """Copy the bundled fonts; write their @font-face rules and the dark drawing's colours."""
    for woff2 in fonts.web_fonts():
        writer.copy_file(woff2, f"static/fonts/{woff2.name}")
    rules = [fonts.font_face_css(lambda woff2: f"fonts/{woff2.name}")]
    for extra in sorted(Path(fonts.FONT_DIR).glob("*.txt")):  # the font's licence
        writer.copy_file(extra, f"static/fonts/{extra.name}")
    rules.append(f':root {{ --chart-font: "{fonts.FONT_FAMILY}"; }}\n')
    rules.append(theme_css())
    writer.write_text("static/chartspec-theme.css", "\n".join(rules))
    return "static/chartspec-theme.css"


@functools.cache
def _jinja_env() -> jinja2.Environment:
    """Return the Jinja2 environment over the package templates, autoescaping everything."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("chartspec", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


# --- writing --------------------------------------------------------------------------------


class _Writer:
    """Write files into the folder publishing hands over, refusing to write one path twice."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.written: set[str] = set()
        self._shared: dict[str, bytes] = {}

    def write_bytes(self, rel: str, data: bytes, *, shared: bool = False) -> None:
        """Write bytes to root/rel; a `shared` file may come again with the same bytes."""
        if rel in self.written:
            if shared and self._shared.get(rel) == data:
                return
            raise ChartspecError(
                f"two outputs would both be written to {rel}",
                hint="rename one of the specs or data files",
            )
        self.written.add(rel)
        if shared:
            self._shared[rel] = data
        path = self.root / rel
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        except OSError as error:
            raise os_error(error, path, "cannot write the file") from None

    def write_text(self, rel: str, text: str) -> None:
        """Write UTF-8 text with LF line ends."""
        self.write_bytes(rel, text.encode("utf-8"))

    def copy_file(self, src: Path, rel: str) -> None:
        """Copy a file's bytes to root/rel."""
        self.write_bytes(rel, _read_bytes(src))

    def sync(self) -> None:
        """Flush everything written to disk, before the folder is renamed into place.

        Files are written plainly and flushed together here, which costs far less than one
        synced temporary file each: nobody sees the folder until it is complete.
        """
        sync_files(self.root, self.written)


def _read_bytes(path: Path) -> bytes:
    """Read a file to copy into the site, naming it when it cannot be read."""
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise os_error(error, path, "cannot read the file") from None
