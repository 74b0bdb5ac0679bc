"""Export Vega-Lite specs to SVG, PNG and PDF with vl-convert (no browser, no Node)."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from chartspec import fonts, render
from chartspec.errors import ChartspecError
from chartspec.files import write_atomic
from chartspec.progress import Progress
from chartspec.render import check_resolution
from chartspec.spec import check_drawable, load_spec_file, spec_name
from chartspec.spec_data import DataFiles, LocalFiles, inline_data, spec_files
from chartspec.validate import validate_spec

Format = Literal["svg", "png", "pdf"]


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
            spec = inline_data(load_spec(path), spec_files(path), source=path)
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


def _convert(spec: dict[str, Any], *, base_dir: Path | None) -> str:
    """Draw a spec as SVG with local data (and pinned copies of remote data) inlined."""
    files = LocalFiles(base_dir) if base_dir is not None else DataFiles()
    spec = inline_data(spec, files)
    check_drawable(spec, file=base_dir)
    try:
        # config here is a fallback: a spec's own config.font still wins.
        return render.vegalite_to_svg(
            spec, base_dir=base_dir, config={"font": fonts.FONT_FAMILY}, source=base_dir
        )
    except ValueError as exc:
        detail = render.error_line(exc)
        raise ChartspecError(f"Vega-Lite could not render the spec: {detail}") from None


def _deterministic_pdf(raw: bytes) -> bytes:
    """Rewrite a PDF so the same drawing always gives the same bytes (no dates, ids, metadata)."""
    import pikepdf  # here, not above: builds load this module and make no PDFs

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
