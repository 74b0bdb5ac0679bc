"""Run vl-convert offline: the one place chartspec draws a spec, with no network and no `file:` URL.

vl-convert's loader refuses data URLs only when given an empty allow-list, and it fetches the
images an SVG names whenever it rasterises one, whatever the allow-list says. So every drawing
is made as SVG first; its images are then inlined from inside the project (as `data:` URLs) or
left out, and only that SVG is turned into PNG or PDF.
"""

from __future__ import annotations

import base64
import html
import math
import mimetypes
import os
import re
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chartspec import fonts
from chartspec.errors import ChartspecError
from chartspec.sandbox import is_remote, read_inside
from chartspec.spec import VEGA_LITE_VERSION

if TYPE_CHECKING:
    from types import ModuleType

VL_VERSION = VEGA_LITE_VERSION.rsplit(".", 1)[0]  # vl-convert names Vega-Lite by minor version
MAX_PIXELS = 64_000_000
"""Largest PNG drawn (8,000 x 8,000 pixels); a bigger one would exhaust memory, not fail."""

# vl-convert's Vega loader resolves a relative URL against this base; an image href that starts
# with it was relative in the spec.
_LOADER_BASE = "https://vega.github.io/vega-datasets/"
_IMAGE_HREF = re.compile(r'(<image\b[^>]*?\s(?:xlink:)?href=")([^"]*)"')


def vegalite_to_svg(
    spec: dict[str, Any],
    *,
    base_dir: Path | None,
    config: dict[str, Any] | None = None,
    source: str | Path | None = None,
) -> str:
    """Draw a spec as SVG without the network, its relative images read from `base_dir`.

    Raises ValueError (vl-convert's) when Vega cannot draw the spec, ChartspecError naming
    `source` when an image lies outside the project.
    """
    fonts.register_fonts()
    svg = _with_cause(
        _vlc().vegalite_to_svg, spec, vl_version=VL_VERSION, config=config, allowed_base_urls=[]
    )
    return local_images(svg, base_dir=base_dir, source=source)


def position_scales(spec: dict[str, Any]) -> dict[str, tuple[list[float], list[float]]]:
    """Return the domain and range Vega gives a single view's `x` and `y` scales.

    Asked of Vega itself, so every default (`nice`, `zero`, the default size, padding, reverse)
    is applied as it is when the chart is drawn. The spec's data must be inline.
    """
    vega = _vlc().vegalite_to_vega(spec, vl_version=VL_VERSION)
    ask = ", ".join(f"{kind}('{name}')" for name in ("x", "y") for kind in ("domain", "range"))
    # One text item whose lines are the answers: a scenegraph holds no scales, only marks.
    vega.setdefault("marks", []).append(
        {
            "type": "text",
            "name": "chartspec_scales",
            "encode": {"enter": {"text": {"signal": f"[{ask}]"}}},
        }
    )
    scenegraph = _vlc().vega_to_scenegraph(vega, allowed_base_urls=[])
    root = scenegraph["scenegraph"]["items"][0]
    (probe,) = (mark for mark in root["items"] if mark.get("name") == "chartspec_scales")
    x_domain, x_range, y_domain, y_range = probe["items"][0]["text"]
    return {"x": (x_domain, x_range), "y": (y_domain, y_range)}


def _with_cause(convert: Callable[..., str], *args: Any, **options: Any) -> str:
    """Call vl-convert with the standard error captured, and put a failure's cause first.

    Vega prints why it failed (`Error: invalid format: ...`) with a JavaScript stack on the
    standard error, then raises a later error that does not say it. Output of a success is
    passed on unchanged.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    failed: ValueError | None = None
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            result = convert(*args, **options)
        except ValueError as error:
            failed = error
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        captured.seek(0)
        printed = captured.read().decode("utf-8", "replace")
    if failed is None:
        sys.stderr.write(printed)
        return result
    causes = [line.split("Error:", 1)[1] for line in printed.splitlines() if "Error:" in line]
    raise ValueError(f"Error:{causes[0]}\n{failed}" if causes else str(failed)) from None


def local_images(svg: str, *, base_dir: Path | None, source: str | Path | None = None) -> str:
    """Return `svg` with each image inlined from the project, or its href emptied.

    Remote images are left out of the drawing (a live chart loads them, if the page allows);
    local ones resolve against `base_dir` and must lie inside it or the project folder.
    """
    roots: Sequence[Path] = (base_dir, Path.cwd()) if base_dir is not None else ()

    def inline(match: re.Match[str]) -> str:
        href = html.unescape(match.group(2))
        if href.startswith(_LOADER_BASE):
            href = href[len(_LOADER_BASE) :]
        if href.lower().startswith("data:image/"):
            return match.group(0)
        if base_dir is None or (is_remote(href) and not href.lower().startswith("file:")):
            return f'{match.group(1)}"'
        data = read_inside(href, base=base_dir, roots=roots, source=source)
        mime = mimetypes.guess_type(href.split("?")[0])[0] or "application/octet-stream"
        return f'{match.group(1)}data:{mime};base64,{base64.b64encode(data).decode("ascii")}"'

    return _IMAGE_HREF.sub(inline, svg)


def svg_to_png(svg: str, *, scale: float | None = None, ppi: float | None = None) -> bytes:
    """Rasterise a drawing made by `vegalite_to_svg`, refusing sizes no machine can hold."""
    factor = check_resolution(scale, ppi)
    width, height = _svg_size(svg)
    pixels = width * factor * height * factor
    if pixels > MAX_PIXELS:
        raise ChartspecError(
            f"the PNG would have {pixels:,.0f} pixels, more than the {MAX_PIXELS:,} allowed",
            hint="choose a smaller --scale or --ppi",
        )
    options = {k: v for k, v in (("scale", scale), ("ppi", ppi)) if v is not None}
    png: bytes = _vlc().svg_to_png(svg, **options)
    return png


def svg_to_pdf(svg: str) -> bytes:
    """Turn a drawing made by `vegalite_to_svg` into a PDF with text kept as text."""
    pdf: bytes = _vlc().svg_to_pdf(svg)
    return pdf


def error_line(exc: Exception) -> str:
    """Return the line of a vl-convert error that says what went wrong, without the stack."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return next((line for line in lines if line.startswith("Error:")), lines[0] if lines else "")


def check_resolution(scale: float | None, ppi: float | None) -> float:
    """Return how many times its size a PNG is drawn; refuse a scale or ppi that is not one."""
    if scale is not None and ppi is not None:
        raise ChartspecError("give either a scale or a ppi, not both")
    for label, value in (("scale", scale), ("ppi", ppi)):
        if value is not None and not (math.isfinite(value) and value > 0):
            raise ChartspecError(f"{label} must be a positive number, got {value}")
    return scale if scale is not None else (ppi / 72 if ppi is not None else 1.0)


def _svg_size(svg: str) -> tuple[float, float]:
    """Return the width and height attributes of an SVG's root element."""
    root = re.search(r"<svg\b[^>]*>", svg)
    sizes = [re.search(rf'\s{name}="([0-9.]+)"', root.group(0)) if root else None
             for name in ("width", "height")]  # fmt: skip
    return tuple(float(m.group(1)) if m else 0.0 for m in sizes)  # type: ignore[return-value]


def _vlc() -> ModuleType:
    """Return vl-convert, imported on first use: a process that draws nothing never loads it."""
    import vl_convert

    return vl_convert
