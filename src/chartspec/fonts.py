"""The bundled font: where it lives, registering it with vl-convert, and measuring text."""

from __future__ import annotations

import functools
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

FONT_FAMILY = "Fira Sans"
FONT_DIR = Path(__file__).resolve().parent / "static" / "fonts"
FONT_FILES = {False: FONT_DIR / "FiraSans-Regular.ttf", True: FONT_DIR / "FiraSans-Bold.ttf"}


def web_fonts() -> list[Path]:
    """Return the bundled fonts' WOFF2 files (the same subsets as the TTFs, compressed)."""
    return [ttf.with_suffix(".woff2") for ttf in sorted(FONT_DIR.glob("*.ttf"))]


def font_face_css(url_of: Callable[[Path], str]) -> str:
    """Return the @font-face rules of the bundled fonts, each WOFF2 file found at `url_of(file)`."""
    rules = []
    for woff2 in web_fonts():
        stem = woff2.stem.lower()
        weight = "700" if "bold" in stem else "400"
        style = "italic" if "italic" in stem else "normal"
        rules.append(
            "@font-face {\n"
            f'  font-family: "{FONT_FAMILY}";\n'
            f'  src: url("{url_of(woff2)}") format("woff2");\n'
            f"  font-weight: {weight};\n  font-style: {style};\n  font-display: swap;\n}}\n"
        )
    return "\n".join(rules)


_register_lock = threading.Lock()
_registered = False


def register_fonts() -> None:
    """Register the bundled font folder with vl-convert (once per process)."""
    global _registered
    with _register_lock:
        if _registered:
            return
        import vl_convert

        vl_convert.register_font_directory(str(FONT_DIR))
        _registered = True


@dataclass(frozen=True)
class FontMetrics:
    """Advance widths and vertical metrics of one face, in font units."""

    units_per_em: int
    ascent: int
    descent: int
    advances: dict[int, int]

    def missing(self, text: str) -> str:
        """Return the characters of `text` the face has no glyph for, in order, once each."""
        return "".join(dict.fromkeys(c for c in text if ord(c) not in self.advances))


@functools.cache
def font_metrics(*, bold: bool = False) -> FontMetrics:
    """Read the bundled face's cmap and hmtx (cached)."""
    from fontTools.ttLib import TTFont

    font = TTFont(FONT_FILES[bold], lazy=True)
    hmtx = font["hmtx"].metrics
    advances = {code: hmtx[glyph][0] for code, glyph in font.getBestCmap().items()}
    hhea = font["hhea"]
    return FontMetrics(
        units_per_em=font["head"].unitsPerEm,
        ascent=hhea.ascent,
        descent=-hhea.descent,
        advances=advances,
    )


def text_width(text: str, *, size: float, bold: bool = False) -> float:
    """Return the width in pixels of one line of `text` set in the bundled font.

    The bundled subset has no kerning or ligatures, so this plain sum of advance widths is what
    vl-convert and browsers draw. A character the font lacks is drawn by some fallback font
    whose width is unknown; it counts as one em, which overestimates most glyphs.
    """
    metrics = font_metrics(bold=bold)
    em = metrics.units_per_em
    units = sum(metrics.advances.get(ord(c), em) for c in text)
    return units * size / em


def text_height(size: float) -> float:
    """Return the height Vega gives a single line of text: the font size."""
    return float(size)


def font_ascent(size: float, *, bold: bool = False) -> float:
    """Return the font's ascent (baseline to top of the line box) in pixels."""
    metrics = font_metrics(bold=bold)
    return metrics.ascent * size / metrics.units_per_em


def font_descent(size: float, *, bold: bool = False) -> float:
    """Return the font's descent (baseline to bottom of the line box) in pixels, positive."""
    metrics = font_metrics(bold=bold)
    return metrics.descent * size / metrics.units_per_em


def _js_round(value: float) -> int:
    """Round half up, as JavaScript's Math.round does."""
    return math.floor(value + 0.5)


def text_bounds(
    text: str,
    *,
    x: float,
    y: float,
    size: float,
    bold: bool = False,
    align: Literal["left", "center", "right"] = "center",
    baseline: Literal["alphabetic", "top", "middle", "bottom"] = "middle",
) -> tuple[float, float, float, float]:
    """Return the (x0, y0, x1, y1) box Vega computes for a text mark anchored at (x, y).

    Mirrors vega-scenegraph's text bounds: width from the advance widths, height equal to the
    font size, the top set at `y + offset - round(0.8 * size)` with Vega's baseline offsets.
    """
    width = text_width(text, size=size, bold=bold)
    height = text_height(size)
    x0 = {"left": x, "center": x - width / 2, "right": x - width}[align]
    offset = {
        "alphabetic": 0,
        "top": _js_round(0.79 * size),
        "middle": _js_round(0.30 * size),
        "bottom": _js_round(-0.21 * size),
    }[baseline]
    y0 = y + offset - _js_round(0.8 * size)
    return (x0, y0, x0 + width, y0 + height)
