"""The bundled font: where it lives, registering it with vl-convert, and measuring text.

Text is measured in the bundled Fira Sans and in the common fallbacks a reader's machine may draw
a spec with instead (DejaVu Sans on Linux, Liberation Sans, which has Arial's metrics); the metrics
of all three are bundled in `font-metrics.json`, written by `tools/font_metrics.py`.
"""

from __future__ import annotations

import base64
import functools
import io
import json
import math
import re
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

FONT_FAMILY = "Fira Sans"
FONT_DIR = Path(__file__).resolve().parent / "static" / "fonts"
FONT_FILES = {False: FONT_DIR / "FiraSans-Regular.ttf", True: FONT_DIR / "FiraSans-Bold.ttf"}
FONT_METRICS = FONT_DIR / "font-metrics.json"
MEASURED_FAMILIES = (FONT_FAMILY, "DejaVu Sans", "Liberation Sans")
"""The families text is measured in: the bundled one first, then the common fallbacks."""
FONT_STACK = f"{', '.join(MEASURED_FAMILIES)}, Arial, Helvetica, sans-serif"
"""A CSS font list of the measured families (Arial and Helvetica share Liberation's widths)."""


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
    """Advance widths, glyph heights and vertical metrics of one face, in font units."""

    units_per_em: int
    ascent: int
    descent: int
    advances: dict[int, int]
    ink: dict[int, tuple[int, int]]
    """Code point -> (yMin, yMax) of its glyph's outline, for glyphs that draw something."""

    def missing(self, text: str) -> str:
        """Return the characters of `text` the face has no glyph for, in order, once each."""
        return "".join(dict.fromkeys(c for c in text if ord(c) not in self.advances))


def read_font_metrics(path: Path, codes: set[int] | None = None) -> FontMetrics:
    """Read a TrueType face's metrics, for every code point it maps or only for `codes`."""
    from fontTools.ttLib import TTFont

    font = TTFont(path, lazy=True)
    hmtx, glyf = font["hmtx"].metrics, font["glyf"]
    cmap = {c: g for c, g in font.getBestCmap().items() if codes is None or c in codes}
    ink = {}
    for code, name in cmap.items():
        glyph = glyf[name]
        if glyph.numberOfContours:  # composite glyphs (-1) have bounds too, empty ones (0) not
            glyph.recalcBounds(glyf)
            ink[code] = (glyph.yMin, glyph.yMax)
    hhea = font["hhea"]
    return FontMetrics(
        units_per_em=font["head"].unitsPerEm,
        ascent=hhea.ascent,
        descent=-hhea.descent,
        advances={code: hmtx[name][0] for code, name in cmap.items()},
        ink=ink,
    )


@functools.cache
def font_metrics(*, bold: bool = False, family: str = FONT_FAMILY) -> FontMetrics:
    """Return the metrics of one of MEASURED_FAMILIES (cached)."""
    faces = json.loads(FONT_METRICS.read_text(encoding="utf-8"))
    if family not in faces:
        known = ", ".join(MEASURED_FAMILIES)
        msg = f"no metrics for the font family {family!r}; known: {known}"
        raise ValueError(msg)
    face = faces[family]["bold" if bold else "regular"]
    glyphs = face.pop("glyphs")
    return FontMetrics(
        **face,
        advances={code: advance for code, advance, _, _ in glyphs},
        ink={code: (low, high) for code, _, low, high in glyphs if low != high},
    )


def text_width(text: str, *, size: float, bold: bool = False, family: str = FONT_FAMILY) -> float:
    """Return the width in pixels of one line of `text` set in `family`.

    The bundled subset has no kerning or ligatures, so this plain sum of advance widths is what
    vl-convert and browsers draw (the fallbacks' kerning only narrows text). A character the
    font lacks is drawn by some other font whose width is unknown; it counts as one em, which
    overestimates most glyphs.
    """
    metrics = font_metrics(bold=bold, family=family)
    em = metrics.units_per_em
    units = sum(metrics.advances.get(ord(c), em) for c in text)
    return units * size / em


def text_ink(
    text: str, *, size: float, bold: bool = False, family: str = FONT_FAMILY
) -> tuple[float, float]:
    """Return how far `text`'s glyphs reach above and below the baseline, in pixels.

    A character the font lacks counts as reaching the font's ascent and descent.
    """
    metrics = font_metrics(bold=bold, family=family)
    above, below = 0, 0
    for char in text:
        code = ord(char)
        if code not in metrics.advances:
            low, high = -metrics.descent, metrics.ascent
        elif code in metrics.ink:
            low, high = metrics.ink[code]
        else:
            continue  # a space draws nothing
        above, below = max(above, high), max(below, -low)
    scale = size / metrics.units_per_em
    return above * scale, below * scale


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
    y0 = y + baseline_offset(baseline, size) - _js_round(0.8 * size)
    return (x0, y0, x0 + width, y0 + height)


def baseline_offset(baseline: Literal["alphabetic", "top", "middle", "bottom"], size: float) -> int:
    """Return how far below a text mark's anchor Vega draws its alphabetic baseline."""
    # Vega computes baselines itself, the same in every renderer and font.
    return {
        "alphabetic": 0,
        "top": _js_round(0.79 * size),
        "middle": _js_round(0.30 * size),
        "bottom": _js_round(-0.21 * size),
    }[baseline]


# Shown as an image (a gallery thumbnail, a download) a drawing cannot load a page's web font;
# without a generic family the browser falls back to a serif face.
_FONT_FAMILY_ATTRIBUTE = re.compile(r'(\sfont-family=")([^"]*)"')
_GENERIC_FAMILIES = {"serif", "sans-serif", "monospace", "cursive", "fantasy", "system-ui"}


def with_generic_family(svg: str) -> str:
    """Return an SVG whose every font list ends in a generic family (sans-serif if none)."""

    def add(match: re.Match[str]) -> str:
        families = [f.strip().strip("'\"").lower() for f in match.group(2).split(",")]
        if _GENERIC_FAMILIES & set(families):
            return match.group(0)
        return f'{match.group(1)}{match.group(2)}, sans-serif"'

    return _FONT_FAMILY_ATTRIBUTE.sub(add, svg)


_SVG_TEXT = "{http://www.w3.org/2000/svg}text"


def svg_with_font(svg: str) -> str:
    """Return an SVG that carries the bundled font, subset to the characters its text uses.

    The font goes in a `<style>` as a `data:` `@font-face` (WOFF2) whose `unicode-range` names
    its characters, so several such drawings inlined in one page combine instead of hiding each
    other's glyphs; every font list also gets a generic fallback. The same SVG gives the same
    bytes.
    """
    used: dict[bool, set[int]] = {False: set(), True: set()}
    for text in ET.fromstring(svg).iter(_SVG_TEXT):
        weight = text.get("font-weight", "normal")
        bold = weight in ("bold", "bolder") or (weight.isdigit() and int(weight) >= 600)
        used[bold].update(ord(c) for c in "".join(text.itertext()))
    rules = "".join(
        _font_face(bold, frozenset(codes & set(font_metrics(bold=bold).advances)))
        for bold, codes in used.items()
        if codes & set(font_metrics(bold=bold).advances)
    )
    svg = with_generic_family(svg)
    if not rules:
        return svg
    start = re.search(r"<svg\b[^>]*>", svg)
    if start is None:
        msg = "not an SVG document"
        raise ValueError(msg)
    return f"{svg[: start.end()]}<style>{rules}</style>{svg[start.end() :]}"


def svg_without_font(svg: str) -> str:
    """Return an SVG made by `svg_with_font` without the font it carries."""
    start = re.search(r"<svg\b[^>]*>", svg)
    if start is None or not svg.startswith("<style>@font-face", start.end()):
        return svg
    end = svg.find("</style>", start.end())
    return svg if end < 0 else svg[: start.end()] + svg[end + len("</style>") :]


@functools.lru_cache(maxsize=256)
def _font_face(bold: bool, codes: frozenset[int]) -> str:
    """Return an @font-face rule with the bundled face subset to `codes`, as WOFF2."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = []
    options.hinting = False
    options.name_IDs = ["*"]  # keep the licence notice with the glyphs
    font = TTFont(FONT_FILES[bold], recalcTimestamp=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=codes)
    subsetter.subset(font)
    out = io.BytesIO()
    font.flavor = "woff2"
    font.save(out)
    data = base64.b64encode(out.getvalue()).decode("ascii")
    ranges = ",".join(f"U+{code:X}" for code in sorted(codes))
    return (
        f'@font-face{{font-family:"{FONT_FAMILY}";font-weight:{700 if bold else 400};'
        f'src:url(data:font/woff2;base64,{data}) format("woff2");unicode-range:{ranges}}}'
    )
