"""Export Vega-Lite specs to SVG, PNG and PDF with vl-convert (no browser, no Node)."""

from __future__ import annotations

import copy
import io
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import pikepdf

from chartspec import fonts, render
from chartspec.errors import ChartspecError
from chartspec.files import write_atomic
from chartspec.progress import Progress
from chartspec.remote import is_remote_url, pinned_file
from chartspec.render import check_resolution
from chartspec.validate import format_path, load_spec_file, validate_spec

Format = Literal["svg", "png", "pdf"]

SPEC_SUFFIX = ".vl.json"

# Data formats Vega can parse from an inline string, by file extension.
_TEXT_FORMATS = {".csv": "csv", ".tsv": "tsv", ".json": "json", ".dsv": "dsv"}


def spec_to_svg(
    spec: dict[str, Any], *, base_dir: Path | None = None, embed_font: bool = True
) -> str:
    """Render a spec to an SVG string in the bundled font.

    With `embed_font` the SVG carries the subset of the font its text uses (see
    `fonts.svg_with_font`), so it looks the same wherever it is shown; without, it holds no
    `<style>`, for pages that bring the font themselves under a strict CSP.
    """
    svg = _convert(spec, base_dir=base_dir)
    return fonts.svg_with_font(svg) if embed_font else fonts.with_generic_family(svg)


def spec_to_png(
    spec: dict[str, Any],
    *,
    scale: float | None = None,
    ppi: float | None = None,
    base_dir: Path | None = None,
) -> bytes:
    """Render a spec to PNG bytes at `scale` times its size, or at `ppi` pixels per inch."""
    check_resolution(scale, ppi)
    return render.svg_to_png(_convert(spec, base_dir=base_dir), scale=scale, ppi=ppi)


def spec_to_pdf(spec: dict[str, Any], *, base_dir: Path | None = None) -> bytes:
    """Render a spec to a one-page PDF with text kept as text, byte-identical across runs."""
    return _deterministic_pdf(render.svg_to_pdf(_convert(spec, base_dir=base_dir)))


def _svg_bytes(
    spec: dict[str, Any], *, base_dir: Path | None, scale: float | None, ppi: float | None
) -> bytes:
    _no_resolution("svg", scale, ppi)
    return spec_to_svg(spec, base_dir=base_dir).encode("utf-8")


def _png_bytes(
    spec: dict[str, Any], *, base_dir: Path | None, scale: float | None, ppi: float | None
) -> bytes:
    return spec_to_png(spec, scale=scale, ppi=ppi, base_dir=base_dir)


def _pdf_bytes(
    spec: dict[str, Any], *, base_dir: Path | None, scale: float | None, ppi: float | None
) -> bytes:
    _no_resolution("pdf", scale, ppi)
    return spec_to_pdf(spec, base_dir=base_dir)


Exporter = Callable[..., bytes]

EXPORTERS: dict[Format, Exporter] = {"svg": _svg_bytes, "png": _png_bytes, "pdf": _pdf_bytes}
"""Format -> function(spec, *, base_dir, scale, ppi) returning the file's bytes."""


def export_specs(
    specs: list[Path],
    *,
    fmt: Format,
    out_dir: Path,
    scale: float | None = None,
    ppi: float | None = None,
    quiet: bool = True,
) -> list[Path]:
    """Render spec files to `out_dir/<name>.<fmt>`; write nothing unless every spec renders.

    Unless `quiet`, progress is shown on stderr once the export takes more than a second.
    """

    if fmt not in EXPORTERS:
        known = ", ".join(EXPORTERS)
        raise ChartspecError(f"unknown export format {fmt!r}", hint=f"use one of: {known}")
    exporter = EXPORTERS[fmt]
    # Render everything in memory first so one bad spec leaves the output folder untouched.
    rendered: list[tuple[str, bytes]] = []
    with Progress(f"exporting {fmt.upper()}", len(specs), quiet=quiet) as progress:
        for path in specs:
            spec = load_spec(path)
            data = exporter(spec, base_dir=path.parent, scale=scale, ppi=ppi)
            rendered.append((f"{spec_name(path)}.{fmt}", data))
            progress.advance(spec_name(path))
    out_dir = Path(out_dir)
    _make_dir(out_dir)
    written = []
    for filename, data in rendered:
        target = out_dir / filename
        write_atomic(target, data)
        written.append(target)
    return written


def spec_name(path: Path) -> str:
    """Return a chart's name from its spec file name (`specs/memory3.vl.json` -> `memory3`)."""
    name = path.name
    for suffix in (SPEC_SUFFIX, ".json"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return path.stem


def find_spec(
    name: str, *, specs_dir: Path, file: Path | None = None, row: int | None = None
) -> Path:
    """Return the spec file of chart `name` in `specs_dir`, or raise naming the known charts."""
    path = Path(specs_dir) / f"{name}{SPEC_SUFFIX}"
    if "/" in name or "\\" in name or not path.is_file():
        known = sorted(spec_name(p) for p in Path(specs_dir).glob(f"*{SPEC_SUFFIX}"))
        hint = f"known charts: {', '.join(known)}" if known else f"no specs in {specs_dir}"
        raise ChartspecError(f"unknown chart {name!r}", file=file, row=row, hint=hint)
    return path


def load_spec(path: Path) -> dict[str, Any]:
    """Read a spec file and check it against the pinned Vega-Lite schema."""
    spec = load_spec_file(path)
    problems = validate_spec(spec)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise ChartspecError(
            f"spec does not follow the Vega-Lite schema: {problems[0]}{more}",
            file=path,
            hint="run `chartspec check` on it for every problem",
        )
    return spec


def _make_dir(out_dir: Path) -> None:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ChartspecError(f"cannot create output folder: {exc.strerror}", file=out_dir) from None
    if not os.access(out_dir, os.W_OK | os.X_OK):
        raise ChartspecError("output folder is not writable", file=out_dir)


def _no_resolution(fmt: str, scale: float | None, ppi: float | None) -> None:
    if scale is not None or ppi is not None:
        raise ChartspecError(f"scale and ppi apply to PNG only, not {fmt.upper()}")


# Characters XML 1.0 does not allow. vl-convert aborts the whole process (a Rust panic that
# cannot unwind) when one of them reaches an SVG text, so they are refused before rendering.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def check_renderable(spec: Any, *, file: str | Path | None = None) -> None:
    """Raise ChartspecError when a string in `spec` holds a character no SVG may contain."""

    stack: list[tuple[Any, tuple[str | int, ...]]] = [(spec, ())]
    while stack:
        value, loc = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                stack += [(key, (*loc, str(key))), (item, (*loc, str(key)))]
        elif isinstance(value, list):
            stack += [(item, (*loc, i)) for i, item in enumerate(value)]
        elif isinstance(value, str) and (match := _NOT_XML.search(value)):
            raise ChartspecError(
                f"{format_path(loc) or '(root)'} holds the control character "
                f"U+{ord(match[0]):04X}, which cannot be drawn",
                file=file,
                hint="remove it from the data or the chart",
            )


def _convert(spec: dict[str, Any], *, base_dir: Path | None) -> str:
    """Draw a spec as SVG with local data inlined and the bundled font."""
    spec = inline_url_data(spec, base_dir=base_dir)
    check_renderable(spec, file=base_dir)
    try:
        # config here is a fallback: a spec's own config.font still wins.
        return render.vegalite_to_svg(
            spec, base_dir=base_dir, config={"font": fonts.FONT_FAMILY}, source=base_dir
        )
    except ValueError as exc:
        detail = render.error_line(exc)
        raise ChartspecError(f"Vega-Lite could not render the spec: {detail}") from None


def inline_url_data(spec: dict[str, Any], *, base_dir: Path | None) -> dict[str, Any]:
    """Return a copy of `spec` whose `data: {url: ...}` on local files carry the file's text."""
    if not any(True for _ in _url_data(spec)):
        return spec
    spec = copy.deepcopy(spec)
    for data in _url_data(spec):
        url = data["url"]
        if not isinstance(url, str):
            raise ChartspecError(f"data url must be a string, got {url!r}")
        pinned = pinned_file(url, Path(base_dir)) if base_dir and is_remote_url(url) else None
        if pinned is None and (urlsplit(url).scheme or url.startswith("//")):
            raise ChartspecError(
                f"data url {url!r} is not a local file",
                hint="exports never fetch from the network: save the data next to the spec, "
                "or pin it with `chartspec build --fetch-remote`",
            )
        if base_dir is None:
            raise ChartspecError(
                f"data url {url!r} is relative but the spec has no folder to resolve it from"
            )
        path = pinned or (Path(base_dir) / url).resolve()
        if not path.is_relative_to(Path(base_dir).resolve()):
            raise ChartspecError(
                f"data url {url!r} points outside the spec's folder",
                file=Path(base_dir),
                hint="keep data files beside the spec or below it",
            )
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ChartspecError(f"cannot read data file: {exc.strerror}", file=path) from None
        fmt = dict(data.get("format") or {})
        fmt.setdefault("type", _TEXT_FORMATS.get(path.suffix.lower(), "json"))
        del data["url"]
        data["values"] = text
        data["format"] = fmt
    return spec


def _url_data(node: Any) -> Iterator[dict[str, Any]]:
    """Yield every data object with a `url` anywhere in a spec (layers, concat, lookups)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "data" and isinstance(value, dict) and "url" in value:
                yield value
            else:
                yield from _url_data(value)
    elif isinstance(node, list):
        for item in node:
            yield from _url_data(item)


def _deterministic_pdf(raw: bytes) -> bytes:
    """Rewrite a PDF so the same drawing always gives the same bytes (no dates, ids, metadata)."""
    with pikepdf.open(io.BytesIO(raw)) as pdf:
        if "/Info" in pdf.trailer:
            del pdf.trailer["/Info"]
        if "/Metadata" in pdf.Root:
            del pdf.Root["/Metadata"]
        out = io.BytesIO()
        pdf.save(
            out,
            deterministic_id=True,
            object_stream_mode=pikepdf.ObjectStreamMode.disable,
            compress_streams=True,
            linearize=False,
        )
    return out.getvalue()
