"""Turn a folder of Vega-Lite specs into an offline static site under a strict CSP."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from chartspec import fonts
from chartspec.cache import Store, environment_key, key_of, sha256_bytes
from chartspec.check import check_for_publishing
from chartspec.datatable import reader_datasets
from chartspec.drawings import (
    RENDER_PARTS,
    RenderParts,
    dark_config_for,
    dark_css,
    drawing_key,
    drawing_record,
    inline_svg,
    is_inert,
    spec_to_drawings,
    svg_size,
    themed_svg,
)
from chartspec.errors import ChartspecError
from chartspec.files import os_error, sync_files
from chartspec.pool import map_in_pool
from chartspec.progress import Progress
from chartspec.registry import check_page_name
from chartspec.report import markdown_to_html
from chartspec.sandbox import read_inside
from chartspec.spec import chartspec_meta, check_drawable, find_specs, load_spec_file, spec_name
from chartspec.spec_data import (
    Dataset,
    LocalFiles,
    data_table,
    dataset_to_csv,
    inline_data,
)
from chartspec.specs import spec_to_script_json

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'"
)
MAX_NUMBER_COLUMNS = 40
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
RESERVED_NAMES = {"index"}
# Starting a process costs about a second: below this many drawings they are made here.
MIN_PARALLEL_RENDERS = 4
# The key of each chart's drawings and the hash of each part, so that a build without a cache
# (a fresh clone) reuses the drawings of the site it replaces, and a check compares keys: Vega
# draws some charts from an unseeded random source, and vl-convert cannot seed it.
DRAWINGS_RECORD = ".chartspec-drawings.json"
DRAWINGS_RECORD_VERSION = 1


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
    previous: Path | None = None,
) -> list[Path]:
    """Write the site for every `*.vl.json` under specs_dir into the empty folder out_dir.

    Returns the written files. `base_url`, when given, makes Open Graph URLs absolute. Each
    Markdown file in `reports` becomes the standalone page `<stem>.html`. Charts are drawn in
    up to `jobs` processes; with `cache_dir`, the files of unchanged charts are reused, and the
    drawings that the `previous` site records for the same key are reused too.
    Publishing (see publish.py) hands out_dir over and moves the files into place.
    """
    specs_dir = Path(specs_dir).resolve()
    out_dir = Path(out_dir).resolve()
    paths = _find_specs(specs_dir)
    charts = [_load_chart(path, specs_dir) for path in paths]  # unreadable data: one error
    check_for_publishing(paths, cache_dir=cache_dir)  # publish only what `check` passes
    _check_unique_names(charts)
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
    drawings = {}
    for chart, files in zip(charts, made, strict=True):  # written while others are drawn
        for rel, data, shared in files.files:
            writer.write_bytes(rel, data, shared=shared)
        chart.width, chart.height = files.width, files.height
        drawings[chart.name] = files.drawing
    writer.write_text(DRAWINGS_RECORD, _drawings_record_text(drawings))
    _write_index(charts, writer, common)
    _write_reports(reports, writer, specs_dir)
    writer.sync()
    return [out_dir / rel for rel in sorted(writer.written)]


def _write_shared_files(writer: _Writer, *, site_title: str) -> dict[str, Any]:
    """Write the bundle, styles, fonts and licences; return what every page's template needs."""
    return {
        "csp": CSP,
        "site_title": site_title,
        "theme_css": _theme_css(writer),
        "versions": _bundle_info(),
        "static": _copy_static(writer),
    }


def _write_index(charts: list[Chart], writer: _Writer, common: dict[str, Any]) -> None:
    """Write the gallery and the licences page."""
    env = _jinja_env()
    ordered = [c for c in charts if c.featured] + [c for c in charts if not c.featured]
    cards = [{"chart": chart, "href": f"{chart.name}.html"} for chart in ordered]
    site_title = common["site_title"]
    index = env.get_template("index.html").render(cards=cards, page_title=site_title, **common)
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
    """Write one chart's downloads, page and embed page."""
    name = chart.name
    spec_rel = f"charts/{_spec_relpath(chart)}"
    writer.copy_file(chart.spec_file, spec_rel)
    data_links = []
    for i, ds in enumerate(chart.datasets, start=1):
        if ds.source_file is not None:
            rel = f"charts/{_data_relpath(chart, ds.source_file)}"
            writer.copy_file(ds.source_file, rel, shared=True)  # charts may share a file
            if ds.source_file.suffix.lower() == ".csv" and not ds.declared:
                data_links.append({"href": rel, "label": ds.label})
                continue
        csv_rel = (
            f"charts/{name}.csv" if len(chart.datasets) == 1 else f"charts/{name}-data-{i}.csv"
        )
        writer.write_text(csv_rel, dataset_to_csv(ds))
        data_links.append({"href": csv_rel, "label": ds.label})

    live_spec = renders.live_spec
    svg_light, svg_dark = renders.svg_light, renders.svg_dark
    # Downloads and gallery thumbnails are shown without the page's web font.
    light_rel, dark_rel, og_image = _drawing_files(name)
    writer.write_text(light_rel, fonts.svg_with_font(svg_light))
    writer.write_text(dark_rel, fonts.svg_with_font(svg_dark))
    writer.write_bytes(og_image, renders.png)
    chart.width, chart.height = svg_size(svg_light)

    page_url = f"{name}.html"
    embed_src = f"{name}.embed.html"
    if base_url:
        root = base_url.rstrip("/") + "/"
        og_image, page_url, embed_src = root + og_image, root + page_url, root + embed_src
    snippet = (
        f'<iframe src="{_attr(embed_src)}" title="{_attr(chart.title)}" '
        f'width="{chart.width + 16}" height="{chart.height + 48}" loading="lazy"></iframe>'
    )
    page_ctx = {
        **common,
        "chart": chart,
        "page_title": f"{chart.title} · {common['site_title']}",
        "spec_json": spec_to_script_json(live_spec),
        "dark_config_json": spec_to_script_json(dark_config_for(live_spec)),
        **_fallback_svgs(name, svg_light, svg_dark),
        "spec_href": spec_rel,
        "data_links": data_links,
        "tables": [data_table(ds) for ds in chart.datasets],
        "snippet": snippet,
        "og_image": og_image,
        "page_url": page_url if base_url else None,
    }
    env = _jinja_env()
    writer.write_text(f"{name}.html", env.get_template("chart.html").render(**page_ctx))
    writer.write_text(f"{name}.embed.html", env.get_template("embed.html").render(**page_ctx))


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


def _load_chart(path: Path, specs_dir: Path) -> Chart:
    """Read one spec file and gather its title, description and data tables."""
    spec = load_spec_file(path)
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
    title = _text(meta.get("title")) or _title_of(spec) or name
    description = _text(spec.get("description")) or title
    chart = Chart(
        name=name,
        spec_file=path,
        spec=spec,
        title=title,
        description=description,
        source=_text(meta.get("source")),
        specs_dir=specs_dir,
        featured=meta.get("featured") is True,  # any other value is ignored, like a bad title
    )
    chart.datasets = reader_datasets(spec, _data_files(chart), title=chart.title, source=path)
    return chart


def _title_of(spec: dict[str, Any]) -> str:
    """Return the spec's title text, if any."""
    title = spec.get("title")
    if isinstance(title, dict):
        title = title.get("text")
    if isinstance(title, list):
        return " ".join(str(t) for t in title)
    return _text(title)


def _text(value: Any) -> str:
    """Return value as a stripped string, or '' for non-strings."""
    return value.strip() if isinstance(value, str) else ""


def _check_unique_names(charts: list[Chart]) -> None:
    """Refuse two specs that would write the same page."""
    seen: dict[str, Path] = {}
    for chart in charts:
        check_page_name(chart.name, file=chart.spec_file)
        key = chart.name.lower()  # case-insensitive file systems
        if key in seen:
            raise ChartspecError(
                f"two specs are both named {chart.name!r}",
                file=chart.spec_file,
                hint=f"the other is {seen[key]}",
            )
        seen[key] = chart.spec_file


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
    """Path of a url data file under charts/, mirroring the specs folder."""
    return path.relative_to(chart.specs_dir).as_posix()


@dataclass(frozen=True)
class Renders:
    """A chart's spec with its data inlined, and its light SVG, dark SVG and 2x PNG."""

    live_spec: dict[str, Any]
    svg_light: str
    svg_dark: str
    png: bytes


@dataclass(frozen=True)
class ChartFiles:
    """A chart's files in the site (path, bytes, whether charts may share it), its size, and
    the record of its drawings (`drawing_record`)."""

    files: list[tuple[str, bytes, bool]]
    width: int
    height: int
    drawing: dict[str, str]


def chart_files(
    charts: Sequence[Chart],
    common: dict[str, Any],
    *,
    base_url: str | None = None,
    jobs: int = 1,
    cache_dir: Path | None = None,
    quiet: bool = True,
    previous: Path | None = None,
) -> Iterator[ChartFiles]:
    """Draw every chart and write its pages, in memory; yield them in the order of `charts`.

    Unchanged charts come from the cache; drawings whose key the `previous` site records come
    from there. The others are drawn and written in up to `jobs` processes, each chart wholly
    in one, so the pages are made in parallel with the drawings. A failure names the first
    failed chart in `charts` order, whatever order they finish in.
    """
    store = Store(cache_dir) if cache_dir is not None else None
    recorded = _recorded_drawings(previous) if previous is not None else {}
    done: dict[str, ChartFiles] = {}
    tasks: list[_Task] = []
    for chart in charts:
        live_text = spec_to_script_json(
            inline_data(chart.spec, _data_files(chart), source=chart.spec_file)
        )
        render_key = drawing_key(live_text)
        record = recorded.get(chart.name)
        if record is not None and record["key"] != render_key:
            record = None
        sources = [_read_bytes(ds.source_file) for ds in chart.datasets if ds.source_file]
        page_key = key_of(
            environment_key(),
            render_key,
            record,  # pages drawn otherwise, from a cache, are not these
            chart.name,
            _spec_relpath(chart),
            sha256_bytes(_read_bytes(chart.spec_file)),
            [sha256_bytes(data) for data in sources],
            common,
            base_url,
        )
        cached = _cached_chart_files(store, page_key) if store else None
        if cached is not None:
            done[chart.name] = cached
            continue
        parts = _previous_drawings(previous, chart.name, record) if record and previous else None
        if parts is None and store is not None:
            parts = _cached_render(store, render_key)
        if parts is None:  # inlined data may hold what vl-convert cannot draw
            check_drawable(json.loads(live_text), file=chart.spec_file, text=live_text)
        tasks.append((chart, live_text, common, base_url, parts, cache_dir, (render_key, page_key)))
    with Progress("rendering charts", len(tasks), quiet=quiet) as progress:
        if jobs <= 1 or len(tasks) < MIN_PARALLEL_RENDERS:
            results: Iterator[ChartFiles | str] = map(_make_chart_files, tasks)
        else:
            results = map_in_pool(_make_chart_files, tasks, jobs=jobs)
        for chart in charts:  # results come in task order, which is chart order
            if chart.name not in done:
                result = next(results)
                progress.advance(chart.name)
                if isinstance(result, str):
                    raise ChartspecError(f"cannot render chart: {result}", file=chart.spec_file)
                done[chart.name] = result
            yield done.pop(chart.name)


# A chart, its live spec as script JSON, the pages' context, base_url, its drawings when cached,
# the cache folder, and its render and page keys.
_Task = tuple[
    Chart, str, dict[str, Any], str | None, RenderParts | None, Path | None, tuple[str, str]
]


def _make_chart_files(task: _Task) -> ChartFiles | str:
    """Draw a chart unless its drawings are given, then write its files; or return the error.

    What it makes goes into the cache from here, so the process writing the site only writes.
    """
    chart, live_text, common, base_url, parts, cache_dir, (render_key, page_key) = task
    if parts is None:
        rendered = spec_to_drawings(live_text, base_dir=chart.spec_file.parent)
        if isinstance(rendered, str):
            return rendered
        parts = rendered
    light, dark, png = parts
    renders = Renders(json.loads(live_text), light.decode(), dark.decode(), png)
    recorder = _Recorder()
    _write_chart(chart, recorder, common, renders, base_url=base_url)
    files = ChartFiles(recorder.files, chart.width, chart.height, drawing_record(render_key, parts))
    if cache_dir is not None:
        _store_chart(Store(cache_dir), render_key, page_key, parts, files)
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


def _cached_render(store: Store, key: str) -> RenderParts | None:
    """Return a spec's cached drawings, or None."""
    blobs = [store.read_blob("render", f"{key}.{part}") for part in RENDER_PARTS]
    if any(blob is None for blob in blobs):
        return None
    return blobs[0], blobs[1], blobs[2]  # type: ignore[return-value]


def _store_chart(
    store: Store, render_key: str, page_key: str, parts: RenderParts, made: ChartFiles
) -> None:
    """Remember a chart's drawings and its files."""
    for part, blob in zip(RENDER_PARTS, parts, strict=True):
        store.write_blob("render", f"{render_key}.{part}", blob)
    files = []
    for rel, data, shared in made.files:
        digest = sha256_bytes(data)
        store.write_blob("pagefiles", digest, data)
        files.append([rel, digest, shared])
    entry = {"files": files, "width": made.width, "height": made.height, "drawing": made.drawing}
    store.write_json("pages", page_key, entry)


def _drawing_files(name: str) -> tuple[str, str, str]:
    """Return where a chart's light SVG, dark SVG and PNG are in the site (SVGs with the font)."""
    return f"charts/{name}.svg", f"charts/{name}.dark.svg", f"charts/{name}.png"


def _drawings_record_text(drawings: dict[str, dict[str, str]]) -> str:
    """Return the site's record of its charts' drawings, in canonical form."""
    data = {"version": DRAWINGS_RECORD_VERSION, "charts": drawings}
    return json.dumps(data, indent=1, sort_keys=True) + "\n"


def _recorded_drawings(site: Path) -> dict[str, dict[str, str]]:
    """Return the drawings a site records, by chart name; none when it has no readable record."""
    try:
        data = json.loads(read_inside(DRAWINGS_RECORD, base=site, roots=[site]))
        charts = data["charts"] if data.get("version") == DRAWINGS_RECORD_VERSION else {}
        fields = {"key", *RENDER_PARTS}
        return {
            name: record
            for name, record in charts.items()
            if isinstance(record, dict)
            and set(record) == fields
            and all(isinstance(value, str) for value in record.values())
        }
    except (ChartspecError, ValueError, TypeError, AttributeError, KeyError):
        return {}


def _previous_drawings(site: Path, name: str, record: dict[str, str]) -> RenderParts | None:
    """Return chart `name`'s drawings from a site, if they are the ones its record names.

    A drawing found there is used only when every part has the recorded hash and its SVG is
    inert, since the folder may have been edited by hand.
    """
    try:
        light, dark, png = (
            read_inside(rel, base=site, roots=[site]) for rel in _drawing_files(name)
        )
        light = fonts.svg_without_font(light.decode("utf-8")).encode("utf-8")
        dark = fonts.svg_without_font(dark.decode("utf-8")).encode("utf-8")
    except (ChartspecError, UnicodeDecodeError):
        return None
    parts = (light, dark, png)
    if drawing_record(record["key"], parts) != record:
        return None
    return parts if is_inert(light.decode()) and is_inert(dark.decode()) else None


def theme_css() -> str:
    """Return the rules that recolour pre-rendered drawings in dark mode and align numbers."""
    # A data table lists its number columns once (data-numeric="2 3") instead of a class on
    # every cell; columns past the last rule stay left-aligned.
    numbers = "".join(
        f'table[data-numeric~="{i}"] :is(th, td):nth-child({i}),\n'
        for i in range(1, MAX_NUMBER_COLUMNS + 1)
    )
    return (
        dark_css(".fallback") + f"{numbers.rstrip(',' + chr(10))} {{\n"
        "  text-align: right;\n  font-variant-numeric: tabular-nums;\n}\n"
    )


def _fallback_svgs(name: str, light: str, dark: str) -> dict[str, str | None]:
    """Return the page's pre-rendered drawing: one for both themes, or else light and dark."""
    both = themed_svg(light, dark)
    if both is not None:
        return {
            "svg_both": inline_svg(both, prefix=f"{name}-"),
            "svg_light": None,
            "svg_dark": None,
        }
    return {
        "svg_both": None,
        "svg_light": inline_svg(light, prefix=f"{name}-l-"),
        "svg_dark": inline_svg(dark, prefix=f"{name}-d-"),
    }


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
