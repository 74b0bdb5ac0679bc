"""Draw a spec as a light SVG, a dark SVG and a PNG, and ready the drawings for a page.

The dark drawing differs from the light one in colours only, so a page can show one drawing whose
recoloured elements carry classes (`themed_svg`) that the file's own style turns dark when it is
shown as `#dark` (`drawing_file`).
"""

from __future__ import annotations

import functools
import io
import json
import math
import re
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from chartspec import fonts, layouts, render
from chartspec.cache import key_of, sha256_bytes
from chartspec.errors import ChartspecError
from chartspec.render import VL_VERSION as VL_VERSION
from chartspec.themes import DARK_COLOURS as DARK_COLOURS
from chartspec.themes import dark_config_for as dark_config_for
from chartspec.themes import in_dark_theme

RenderParts = tuple[bytes, bytes, bytes]  # light SVG, dark SVG, PNG
PNG_SCALE = 2
DRAWING_FORMAT = 2
# The code that turns a spec into its drawings; any change to it may change them.
_DRAWING_CODE = ("render.py", "drawings.py", "fonts.py", "themes.py", "layouts.py", "labels.py")


@functools.cache
def drawing_environment() -> str:
    """Return a hash of all but the spec that decides a drawing: vl-convert, Pillow, fonts, code.

    Vega draws some charts (bootstrap intervals, `random()`) from an unseeded random source, so
    two renders of one spec may differ; what a drawing was made from is known by this key, not
    by its bytes.
    """
    package = Path(__file__).resolve().parent
    files = [package / name for name in _DRAWING_CODE] + sorted(fonts.FONT_DIR.iterdir())
    hashes = {p.name: sha256_bytes(p.read_bytes()) for p in files if p.is_file()}
    versions = [metadata.version(name) for name in ("vl-convert-python", "pillow", "coloraide")]
    return key_of(DRAWING_FORMAT, versions, VL_VERSION, PNG_SCALE, hashes)


def drawing_key(live_text: str, images: list[str]) -> str:
    """Return the key of the drawings of a live spec (as script JSON) that shows images with
    these content hashes: same key, same drawing."""
    return key_of(drawing_environment(), live_text, images)


def spec_to_drawings(
    live_text: str, *, base_dir: Path | None = None, png: bool = True
) -> RenderParts | str:
    """Draw a live spec (as script JSON) as light SVG, dark SVG and PNG; or return the error.

    Relative image URLs resolve against `base_dir`, the spec's folder. Without `png`, the PNG
    is empty.
    """
    live_spec = json.loads(live_text)
    light = _svg(live_spec, base_dir)
    if isinstance(light, str):
        return light
    dark = _svg(in_dark_theme(live_spec), base_dir)
    if isinstance(dark, str):
        return dark
    # rasterised as drawn, without running Vega again
    picture = palette_png(render.svg_to_png(light.decode("utf-8"), scale=PNG_SCALE)) if png else b""
    return light, dark, picture


def _svg(spec: dict[str, Any], base_dir: Path | None) -> bytes | str:
    """Draw a spec as tidy SVG (see `tidy_svg`); or return the error."""
    try:
        return tidy_svg(render.vegalite_to_svg(spec, base_dir=base_dir)).encode("utf-8")
    except ValueError as exc:
        return render.error_line(exc)
    except ChartspecError as exc:
        return str(exc)


_TRANSFORM = re.compile(r"(translate|rotate)\(([^)]*)\)")
_TRANSLATE = re.compile(r"translate\(([-\d.e]+),([-\d.e]+)\)")
_ANCHOR_SHARE = {"start": 0.0, "middle": 0.5, "end": 1.0}
_LABELS = {
    "role-axis-label",
    "role-axis-title",
    "role-legend-label",
    "role-legend-title",
    "role-title-text",
    "role-title-subtitle",
}
_TEXT_GAP = 3.0  # least room, in pixels, on either side of a text mark that reads as apart
Matrix = tuple[float, float, float, float, float, float]  # SVG's (a, b, c, d, e, f)
Point = tuple[float, float]


def _text_collisions(svg: str) -> int:
    """Return how many pairs of a drawing's text marks, axis and legend labels and titles
    overlap or touch, plus how many leave it.

    Boxes come from the bundled font's metrics, turned as their text is; a text of several
    lines (`tspan`s) is one box around them all.
    """
    root = ET.fromstring(svg)
    boxes: list[list[Point]] = []

    def walk(el: ET.Element, at: Matrix, gap: float | None, font: dict[str, str]) -> None:
        moved = _matrix(el.get("transform", ""))
        if moved is None:
            return
        at = _times(at, moved)
        font = {**font, **{k: el.attrib[k] for k in _FONT_INHERITED if k in el.attrib}}
        classes = set(el.get("class", "").split())
        if {"mark-text", "role-mark"} <= classes:
            gap = _TEXT_GAP
        elif _LABELS & classes:
            gap = 0.0  # as Vega tells overlapping axis labels: it hides them (opacity 0)
        if el.tag == _TEXT and gap is not None and el.get("opacity") != "0":
            box = _text_box(el, gap, font)
            if box is not None:
                boxes.append([_apply(at, corner) for corner in box])
            return
        for child in el:
            walk(child, at, gap, font)

    walk(root, (1.0, 0.0, 0.0, 1.0, 0.0, 0.0), None, {})
    width, height = svg_size(svg)
    outside = sum(any(x < 0 or y < 0 or x > width or y > height for x, y in box) for box in boxes)
    overlaps = sum(_overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    return outside + overlaps


_FONT_INHERITED = ("font-size", "font-weight", "text-anchor")  # a still drawing may hoist them


def _text_box(el: ET.Element, gap: float, font: dict[str, str]) -> list[Point] | None:
    """Return the corners of a text element's box in its own coordinates, `gap` wider on
    either side, in the `font` its attributes or its ancestors' give; None for empty text."""
    lines = [el.text or ""] + [span.text or "" for span in el.iter(_TSPAN)]
    lines = [line for line in lines if line]
    if not lines:
        return None
    size = float(font.get("font-size", "11px").removesuffix("px"))
    bold = font.get("font-weight") == "bold"
    width = max(fonts.text_width(line, size=size, bold=bold) for line in lines)
    below = sum(float(span.get("dy", "0")) for span in el.iter(_TSPAN))
    left = -width * _ANCHOR_SHARE.get(font.get("text-anchor", "start"), 0.0) - gap
    right, top, bottom = left + width + 2 * gap, -0.75 * size, below + 0.2 * size
    return [(left, top), (right, top), (right, bottom), (left, bottom)]


def _matrix(transform: str) -> Matrix | None:
    """Return the matrix of an SVG transform of translations and rotations, else None."""
    at: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    parts = _TRANSFORM.findall(transform)
    if "".join(f"{kind}({args})" for kind, args in parts) != transform.replace(" ", ""):
        return None
    for kind, args in parts:
        numbers = [float(n) for n in re.split(r"[\s,]+", args.strip())]
        if kind == "translate":
            dx, dy = (numbers + [0.0])[:2]
            at = _times(at, (1.0, 0.0, 0.0, 1.0, dx, dy))
        else:
            turn = math.radians(numbers[0])
            cos, sin = math.cos(turn), math.sin(turn)
            at = _times(at, (cos, sin, -sin, cos, 0.0, 0.0))
    return at


def _times(m: Matrix, n: Matrix) -> Matrix:
    """Return the matrix that applies `n`, then `m`."""
    a, b, c, d, e, f = m
    p, q, r, s, t, u = n
    return (
        a * p + c * q,
        b * p + d * q,
        a * r + c * s,
        b * r + d * s,
        a * t + c * u + e,
        b * t + d * u + f,
    )


def _apply(m: Matrix, point: Point) -> Point:
    x, y = point
    return (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])


def _overlap(a: list[Point], b: list[Point]) -> bool:
    """Tell whether two convex quadrilaterals overlap (no axis of their edges parts them)."""
    for shape in (a, b):
        for i, (x0, y0) in enumerate(shape):
            x1, y1 = shape[(i + 1) % len(shape)]
            normal = (y0 - y1, x1 - x0)
            pa = [normal[0] * x + normal[1] * y for x, y in a]
            pb = [normal[0] * x + normal[1] * y for x, y in b]
            if max(pa) <= min(pb) or max(pb) <= min(pa):
                return False
    return True


def palette_png(png: bytes) -> bytes:
    """Return a PNG in at most 256 colours, compressed hard: the same picture at about an eighth
    of the bytes, since a chart's flat colours and their edges fit a palette. Deterministic."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        quantised = image.convert("RGBA").quantize(256, method=Image.Quantize.FASTOCTREE)
    out = io.BytesIO()
    quantised.save(out, format="PNG", optimize=True)
    return out.getvalue()


def tidy_svg(svg: str) -> str:
    """Return a rendered SVG with canonical ids, geometry rounded to 1/10 pixel and fonts that
    fall back to sans-serif."""
    svg = _GEOMETRY.sub(_round_geometry, canonical_svg_ids(svg))
    return fonts.with_generic_family(svg)


# Vega writes coordinates with 17 digits; a tenth of a pixel moves an edge's antialiasing by
# less than a screen shows, even at twice the size (the PNG): maps weigh a fifth less.
STEPS_PER_PIXEL = 10
_GEOMETRY = re.compile(r'(\s(?:d|transform|points)=")([^"]*)"')
_DECIMAL = re.compile(r"-?(?:\d+\.\d*|\.\d+)(?:[eE][-+]?\d+)?|-?\d+[eE][-+]?\d+")


def _round_geometry(match: re.Match[str]) -> str:
    value = _DECIMAL.sub(lambda m: _short_number(float(m.group(0))), match.group(2))
    return f'{match.group(1)}{value}"'


def _short_number(value: float) -> str:
    text = f"{round(value * STEPS_PER_PIXEL) / STEPS_PER_PIXEL:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


_ID_REF = re.compile(r'(\sid="|url\(#|href="#)([^")]+)')


def canonical_svg_ids(svg: str) -> str:
    """Number an SVG's ids from 0 in document order (`gradient_0`, `clip0`, ...).

    Vega numbers gradients and clips with counters that live as long as its JavaScript engine,
    so the same spec would get other ids after rendering other charts first, or in another
    process; renumbering makes the output depend on the spec alone.
    """
    names: dict[str, str] = {}
    counts: dict[str, int] = {}
    for old in re.findall(r'\sid="([^"]+)"', svg):
        if old not in names:
            prefix = re.sub(r"\d+$", "", old)
            names[old] = f"{prefix}{counts.get(prefix, 0)}"
            counts[prefix] = counts.get(prefix, 0) + 1
    return _ID_REF.sub(lambda m: m.group(1) + names.get(m.group(2), m.group(2)), svg)


_SVG_NS = "http://www.w3.org/2000/svg"
ET.register_namespace("", _SVG_NS)
ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
_DARK_NAMES = {colour: name for name, colour in DARK_COLOURS.items()}
_HEX_COLOUR = re.compile(r"#([0-9a-f]{3}|[0-9a-f]{6})")


def _dark_class(attr: str, colour: str) -> str | None:
    """Return the class that gives an element its dark `fill` or `stroke`: named after its
    role for a theme colour, else after the colour itself (one the theme lightened); None for
    any other attribute or a colour not said in hex."""
    if attr not in ("fill", "stroke"):
        return None
    if colour in _DARK_NAMES:
        return f"dark-{attr}-{_DARK_NAMES[colour]}"
    found = _HEX_COLOUR.fullmatch(colour)
    return f"dark-{attr}-{found.group(1)}" if found else None


def themed_svg(light: str, dark: str) -> str | None:
    """Return the light SVG with `dark-<fill|stroke>-<role or colour>` classes where the dark
    one differs.

    As a `drawing_file` the one drawing then shows either theme. None when the two renders differ
    in anything but fill and stroke colours said in hex: the page shows both instead.
    """
    light_root = ET.fromstring(light)
    pairs = _paired(light_root, ET.fromstring(dark))
    if pairs is None:
        return None
    for mine, theirs, _ in pairs:
        classes = []
        for attr in sorted(set(mine.attrib) | set(theirs.attrib)):
            if mine.get(attr) == theirs.get(attr):
                continue
            dark_class = _dark_class(attr, theirs.get(attr, ""))
            if dark_class is None:
                return None
            classes.append(dark_class)
        if classes:
            mine.set("class", " ".join(filter(None, [mine.get("class"), *classes])))
    return ET.tostring(light_root, encoding="unicode")


DARK_TARGET = "dark"
"""The fragment that shows a `drawing_file` in its dark colours (`x.svg#dark`)."""


@dataclass(frozen=True)
class LayoutDrawing:
    """A chart laid out for narrower pages (see layouts.py), drawn as `StillDrawing` is."""

    layout: layouts.Layout
    svg: str
    dark: str | None


@dataclass(frozen=True)
class StillDrawing:
    """What a site shows of a chart: one still SVG for both themes (`dark` is None), or light
    and dark ones when the renders differ in more than colours (see `still_svg`); the PNG; and
    its layouts for narrower pages, narrowest first.

    A chart's drawing files and its pages' drawings are made from this alone.
    """

    svg: str
    dark: str | None
    png: bytes
    layouts: tuple[LayoutDrawing, ...] = field(default=())


# A layout laid out by its plot's width is drawn again while it comes out wider than its
# width, or much narrower (up to this often), with its plot resized by the difference: text
# beside marks and axis labels do not shrink with the plot. The widest drawing that fits is kept.
_LAYOUT_TRIES = 5
_LAYOUT_MARGIN = 2  # pixels beyond the difference, so that the tries converge
_LAYOUT_SLACK = 12  # pixels a drawing may come out narrower than its layout


def layout_drawings(
    live_text: str,
    natural: str,
    *,
    dark: str | None = None,
    light_only: bool = False,
    base_dir: Path | None = None,
) -> tuple[LayoutDrawing, ...]:
    """Draw a live spec's narrower layouts, each at most its width, from its `natural` light
    SVG; leave out those that do not fit, cannot be drawn, or have text that collides or
    leaves the drawing where the natural one has none (the page then shows a wider one,
    scrolled in its box).

    A layout whose text collides, or pushes its plot narrower than the room it was given, is
    also tried compact (see `layouts.Layout`); the one with the wider plot is kept. Given the
    natural `dark` SVG, a layout's dark drawing takes its colours instead of being drawn;
    `light_only` layouts have none (for pages in the light theme only).
    """
    spec = json.loads(live_text)
    natural_width = svg_size(natural)[0]
    allowed = _text_collisions(natural)
    palette = None if dark is None else _dark_palette(natural, dark)
    found = []
    for width in layouts.layout_widths(spec, natural_width=natural_width):
        room = layouts.first_plot_width(spec, width=width, natural_width=natural_width)
        plain = _fitted_layout(spec, width, room, compact=False, allowed=allowed, base_dir=base_dir)
        if plain is None or (room is not None and plain.plot_width < room):
            compact = _fitted_layout(
                spec, width, room, compact=True, allowed=allowed, base_dir=base_dir
            )
            if plain is None or (compact and compact.plot_width > plain.plot_width):
                plain = compact
        if plain is None:
            continue
        drawing = (
            LayoutDrawing(plain.layout, still_svg(plain.light.decode("utf-8")), None)
            if light_only
            else _with_dark(plain, palette, base_dir)
        )
        if drawing is not None:
            found.append(drawing)
    return tuple(found)


@dataclass(frozen=True)
class _Fitted:
    """A layout that fits, drawn light only (the tries differ in size, not in colours, so only
    the one kept gets its dark drawing), and the width of its plot as drawn."""

    layout: layouts.Layout
    spec: dict[str, Any]
    light: bytes
    plot_width: float


def _with_dark(
    fitted: _Fitted, palette: Palette | None, base_dir: Path | None
) -> LayoutDrawing | None:
    light = fitted.light.decode("utf-8")
    dark = None if palette is None else _recoloured(light, palette)
    if dark is None:
        drawn = _svg(in_dark_theme(fitted.spec), base_dir)
        if isinstance(drawn, str):
            return None
        dark = drawn.decode("utf-8")
    still = still_drawing((fitted.light, dark.encode("utf-8"), b""))
    return LayoutDrawing(fitted.layout, still.svg, still.dark)


Palette = dict[tuple[str, str, str], str]
"""The dark value of each `fill` and `stroke` value a drawing gives an element of each role."""


def _dark_palette(light: str, dark: str) -> Palette | None:
    """Return the palette of a chart's dark drawing, read against its light one; None when the
    two differ in anything else or one value of one role turns two ways (its layouts are then
    drawn dark as well)."""
    palette: Palette = {}
    pairs = _paired(ET.fromstring(light), ET.fromstring(dark))
    if pairs is None:
        return None
    for mine, theirs, role in pairs:
        for attr in set(mine.attrib) | set(theirs.attrib):
            value, dark_value = mine.get(attr), theirs.get(attr)
            if attr in _PAINT and value is not None and dark_value is not None:
                if palette.setdefault((attr, value, role), dark_value) != dark_value:
                    return None
            elif value != dark_value:
                return None
    return palette


_PAINT = ("fill", "stroke")


def _recoloured(light: str, palette: Palette) -> str | None:
    """Return a light drawing in the colours of a dark `palette`, or None when it paints a
    role in a colour the palette does not know."""
    root = ET.fromstring(light)
    for el, role in _with_roles(root):
        for attr in _PAINT:
            value = el.get(attr)
            if value is not None:
                if (attr, value, role) not in palette:
                    return None
                el.set(attr, palette[attr, value, role])
    return ET.tostring(root, encoding="unicode")


def _paired(light: ET.Element, dark: ET.Element) -> list[tuple[ET.Element, ET.Element, str]] | None:
    """Return the elements of a chart's light and dark drawings side by side, with their role
    (see `_with_roles`); None when the two differ in more than attribute values."""
    light_all, dark_all = _with_roles(light), _with_roles(dark)
    if len(light_all) != len(dark_all):
        return None
    pairs = []
    for (mine, role), (theirs, _) in zip(light_all, dark_all, strict=True):
        if (mine.tag, mine.text, mine.tail) != (theirs.tag, theirs.text, theirs.tail):
            return None
        pairs.append((mine, theirs, role))
    return pairs


def _with_roles(root: ET.Element) -> list[tuple[ET.Element, str]]:
    """Return a drawing's elements, each with its own class and that of the nearest group
    around it with a Vega role (`role-axis-grid`, ...): a theme colours an element by both
    (the plot's frame and the grid lines are one grey in the light theme, two in the dark)."""
    found = []

    def walk(el: ET.Element, role: str) -> None:
        classes = el.get("class", "")
        role = classes if "role-" in classes else role
        found.append((el, f"{classes}|{role}"))
        for child in el:
            walk(child, role)

    walk(root, "")
    return found


def _fitted_layout(
    spec: dict[str, Any],
    width: int,
    room: float | None,
    *,
    compact: bool,
    allowed: int,
    base_dir: Path | None,
) -> _Fitted | None:
    """Return the widest drawing of a layout at most `width` pixels wide, with a plot at least
    `layouts.MIN_PLOT_WIDTH` wide and no more text collisions than `allowed`; or None.

    Vega-Lite fits the chart into the width, in one drawing when that reads well. A chart
    whose labels are placed in pixels, or whose text passes the fitted plot (notes beside
    marks, an axis title wider than the plot), is laid out by its plot's width instead, first
    `room` pixels wide, then resized by what each drawing comes out too wide or too narrow."""
    fits_itself = layouts.layout_for(spec, width=width, plot_width=None) is not None
    plot_width = None if fits_itself else room
    best: tuple[float, _Fitted] | None = None
    for _ in range(_LAYOUT_TRIES):
        layout = layouts.layout_for(spec, width=width, plot_width=plot_width, compact=compact)
        if layout is None:
            break
        # drawn from its JSON text's key order, as the natural drawing is
        laid_out = json.loads(json.dumps(layouts.laid_out(spec, layout), sort_keys=True))
        drawing = _svg(laid_out, base_dir)
        if isinstance(drawing, str):
            break
        light = drawing.decode("utf-8")
        drawn, plot = svg_size(light)[0], _plot_width(light)
        if drawn <= width and (best is None or drawn > best[0]):
            if _text_collisions(light) <= allowed and plot >= layouts.MIN_PLOT_WIDTH:
                best = (drawn, _Fitted(layout, laid_out, drawing, plot))
            elif plot_width is not None:
                break  # a narrower plot would not part its text
        if best is not None and width - _LAYOUT_SLACK <= drawn <= width:
            break
        if plot_width is None:  # laid out by its plot's width from here, first as wide as
            plot_width = room or max(plot, layouts.MIN_PLOT_WIDTH)  # the room it was given
        else:
            plot_width += width - drawn - _LAYOUT_MARGIN
    return None if best is None else best[1]


# The plot's frame, the first background Vega draws: `M0.5,0.5h<width>v<height>...`.
_PLOT_FRAME = re.compile(r'<path class="background"[^>]*? d="M[-\d.]+,[-\d.]+h([\d.]+)v')


def _plot_width(svg: str) -> float:
    """Return the width of a single view's plot as drawn (Vega draws every view's frame)."""
    found = _PLOT_FRAME.search(svg)
    return float(found.group(1)) if found else 0.0


def still_drawing(parts: RenderParts) -> StillDrawing:
    """Return the still drawing of a chart's light SVG, dark SVG and PNG."""
    light, dark = parts[0].decode("utf-8"), parts[1].decode("utf-8")
    themed = themed_svg(light, dark)
    if themed is not None:
        return StillDrawing(still_svg(themed), None, parts[2])
    return StillDrawing(still_svg(light), still_svg(dark), parts[2])


def still_svg(svg: str) -> str:
    """Return an SVG as a still picture: without what Vega writes on every mark for pointers and
    screen readers, or attributes that restate a default, and with text attributes said once."""
    return ET.tostring(_still(ET.fromstring(svg)), encoding="unicode")


def _still(root: ET.Element) -> ET.Element:
    """Make an SVG tree a still picture (see `still_svg`), in place, and return it.

    Idempotent, so that a drawing file read back is written again with the same bytes.
    """
    for el in root.iter():
        for attr, value in list(el.attrib.items()):
            if el is not root and _unused_in_a_still_picture(attr.rsplit("}", 1)[-1], value):
                del el.attrib[attr]
            elif attr in _COLOUR_ATTRIBUTES:
                el.set(attr, _RGB.sub(_hex_colour, value))
            elif attr == "d":
                el.set(attr, _relative_lines(value))
    _hoist_text_attributes(root)
    _hoist_shared_attributes(root)
    _share_repeated_shapes(root)
    return root


_COLOUR_ATTRIBUTES = {"fill", "stroke", "stop-color"}
_RGB = re.compile(r"^rgb\((\d{1,3}), ?(\d{1,3}), ?(\d{1,3})\)$")


def _hex_colour(match: re.Match[str]) -> str:
    """Write Vega's `rgb(r, g, b)` as `#rrggbb`, the same colour in fewer bytes."""
    return "#" + "".join(f"{min(int(c), 255):02x}" for c in match.groups())


_LINE_TOKEN = re.compile(r"([MLZ])|(-?(?:\d+\.?\d*|\.\d+))|([,\s]+)|(.)")


def _relative_lines(d: str) -> str:
    """Return a path of straight lines (maps, lines, areas) with each point after a move as
    its offset from the one before, in the steps `tidy_svg` rounded it to: the same
    points in about a third fewer bytes. Any other path comes back as it is."""
    commands: list[tuple[str, list[int]]] = []
    for letter, number, _, other in _LINE_TOKEN.findall(d):
        if other or (number and not commands):
            return d
        if letter:
            commands.append((letter, []))
        elif number:
            commands[-1][1].append(round(float(number) * STEPS_PER_PIXEL))
    out = []
    offsets: list[int] = []  # of the lines since the last move or close, said as one `l`
    x = y = 0
    start = (x, y)
    for letter, values in [*commands, ("Z", [])]:
        if len(values) % 2 or (letter == "Z") != (not values):
            return d
        pairs = list(zip(values[::2], values[1::2], strict=True))
        if letter != "L" and offsets:
            out.append("l" + _numbers(offsets))
            offsets = []
        if letter == "Z":
            out.append("Z")
            x, y = start  # where a closed ring's next line starts from
            continue
        if letter == "M":
            (x, y), pairs = pairs[0], pairs[1:]
            start = (x, y)
            out.append("M" + _numbers([x, y]))
        for px, py in pairs:
            offsets += [px - x, py - y]
            x, y = px, py
    return "".join(out)[:-1]  # less the close added above


def _numbers(steps: list[int]) -> str:
    """Write numbers given in `STEPS_PER_PIXEL`, a minus sign or else a comma between them."""
    texts = [_short_number(n / STEPS_PER_PIXEL) for n in steps]
    texts = [t.replace("0.", ".", 1) if t.lstrip("-").startswith("0.") else t for t in texts]
    return "".join(t if i == 0 or t.startswith("-") else "," + t for i, t in enumerate(texts))


# Presentation attributes that children inherit, so that a group may say them for all.
_INHERITED = (
    "fill",
    "fill-opacity",
    "stroke",
    "stroke-width",
    "stroke-opacity",
    "stroke-dasharray",
    "stroke-dashoffset",
    "stroke-linecap",
    "stroke-linejoin",
    "stroke-miterlimit",
)


def _hoist_shared_attributes(el: ET.Element) -> None:
    """Say an inherited attribute once on a group, with its dark class, for the children that
    share its most common value (the marks of one layer mostly do), when every child carries
    it; deepest groups first."""
    for child in el:
        _hoist_shared_attributes(child)
    if el.tag != _GROUP or len(el) < 2:
        return
    for attr in _INHERITED:
        if el.get(attr) is not None or any(child.get(attr) is None for child in el):
            continue
        paint = Counter((child.get(attr), _dark_class_of(child, attr)) for child in el)
        (value, dark), count = paint.most_common(1)[0]
        if count < 2:
            continue
        el.set(attr, value or "")
        if dark:
            el.set("class", " ".join(filter(None, [el.get("class"), dark])))
        for child in el:
            if (child.get(attr), _dark_class_of(child, attr)) == (value, dark):
                del child.attrib[attr]
                if dark:
                    classes = [c for c in child.attrib.pop("class").split() if c != dark]
                    if classes:
                        child.set("class", " ".join(classes))


def _dark_class_of(el: ET.Element, attr: str) -> str | None:
    """Return the class that gives an element its dark `attr` (see `themed_svg`), if any."""
    return next((c for c in el.get("class", "").split() if c.startswith(f"dark-{attr}-")), None)


_SHAPE_ID = "shape"


def _share_repeated_shapes(root: ET.Element) -> None:
    """Draw a shape that several marks repeat (a scatter plot's symbols) once, in `<defs>` with
    their opacity, and each mark as a `<use>` of it, moved by its `x` and `y`, where that takes
    fewer bytes."""
    items = [
        child
        for group in root.iter(_GROUP)
        if "role-mark" in group.get("class", "").split()
        for child in group
        if child.tag == _PATH and child.get("d")
    ]
    counts = Counter((el.get("d", ""), el.get("opacity")) for el in items)
    # a use costs its id's bytes more than a path's `d` attribute; the shape, its own
    shared = [shape for shape, n in counts.items() if n * (len(shape[0]) - 8) > len(shape[0]) + 24]
    ids = {el.get("id") for el in root.iter()}
    if not shared or any(i and i.startswith(_SHAPE_ID) for i in ids):
        return
    defs = ET.Element(f"{{{_SVG_NS}}}defs")
    names: dict[tuple[str, str | None], str] = {}
    for i, (d, opacity) in enumerate(shared):
        names[d, opacity] = f"{_SHAPE_ID}{i}"
        # the opacity of a shape drawn alone is the same on the use or on what it draws
        drawn = {"opacity": opacity} if opacity is not None else {}
        ET.SubElement(defs, _PATH, {"id": names[d, opacity], "d": d, **drawn})
    for el in items:
        name = names.get((el.get("d", ""), el.get("opacity")))
        if name is not None:
            del el.attrib["d"]
            el.attrib.pop("opacity", None)
            el.tag = _USE
            el.set("href", f"#{name}")
            moved = _TRANSLATE.fullmatch(el.get("transform", ""))
            if moved is not None:  # a use's x and y move it as a translation does
                del el.attrib["transform"]
                el.set("x", moved.group(1))
                el.set("y", moved.group(2))
    root.insert(0, defs)


def drawing_file(themed: str) -> str:
    """Return a `themed_svg` drawing as a still picture (see `still_svg`) in a file that shows
    its dark colours when linked as `#dark` (its root is then the `:target`), and its light
    ones otherwise.

    One file serves both themes of a page or gallery (`<source srcset="x.svg#dark">`) and is
    the light drawing when downloaded.
    """
    root = _still(ET.fromstring(themed))
    root.set("id", DARK_TARGET)
    style = ET.Element(f"{{{_SVG_NS}}}style")
    style.text = _dark_rules(root, ":root:target")
    root.insert(0, style)
    return ET.tostring(root, encoding="unicode")


def file_to_still_svg(text: str, *, themed: bool) -> str | None:
    """Return the still SVG a drawing file was written from with the bundled font (as a
    `drawing_file` when `themed`), or None when it is not one or is not inert.

    Only a guess: the caller writes the file again from it to prove it.
    """
    try:
        root = ET.fromstring(fonts.svg_without_font(text))
        if themed:
            style = root[0] if len(root) else None
            if root.attrib.pop("id", None) != DARK_TARGET or style is None:
                return None
            root.remove(style)
        for el in root.iter():
            _check_inert(el)
    except (ET.ParseError, ChartspecError):
        return None
    return ET.tostring(root, encoding="unicode")


_DARK_CLASS = re.compile(r"dark-(fill|stroke)-([0-9a-z]+)")


def _dark_rules(root: ET.Element, scope: str) -> str:
    """Return the rules that give the `themed_svg` drawing `root` its dark colours inside
    `scope`, one for each dark class it uses."""
    rules = []
    for name in sorted({name for el in root.iter() for name in el.get("class", "").split()}):
        found = _DARK_CLASS.fullmatch(name)
        if found is None:
            continue
        attr, role = found.groups()
        colour = DARK_COLOURS.get(role, f"#{role}")
        if _HEX_COLOUR.fullmatch(colour):
            rules.append(f"{scope} .{name} {{ {attr}: {colour}; }}\n")
    return "".join(rules)


def svg_size(svg: str) -> tuple[int, int]:
    """Return the width and height attributes of an SVG document."""
    root = ET.fromstring(svg)
    return round(float(root.get("width", "0"))), round(float(root.get("height", "0")))


_UNSAFE_TAGS = {"script", "foreignObject", "style", "iframe", "object", "embed"}


def _is_link_attribute(name: str) -> bool:
    """Return whether an SVG attribute holds a URL (text such as aria-label may say anything)."""
    local = name.rsplit("}", 1)[-1].lower()
    return local in ("href", "src", "action", "formaction", "data")


_TEXT = f"{{{_SVG_NS}}}text"
_TSPAN = f"{{{_SVG_NS}}}tspan"
_GROUP = f"{{{_SVG_NS}}}g"
_PATH = f"{{{_SVG_NS}}}path"
_USE = f"{{{_SVG_NS}}}use"
_TEXT_ATTRIBUTES = ("font-family", "font-size", "text-anchor")  # inherited by a text's content


def _hoist_text_attributes(root: ET.Element) -> None:
    """Say each text attribute's most used value once, on the root, instead of on every text.

    Only when every text carries the attribute and nothing else does, so that no text's value
    comes from elsewhere before or after.
    """
    texts = [el for el in root.iter() if el.tag == _TEXT]
    for attr in _TEXT_ATTRIBUTES:
        carriers = [el for el in root.iter() if el.get(attr) is not None]
        if not texts or carriers != texts:
            continue
        value = Counter(el.attrib[attr] for el in texts).most_common(1)[0][0]
        for el in texts:
            if el.get(attr) == value:
                del el.attrib[attr]
        root.set(attr, value)


def _unused_in_a_still_picture(attr: str, value: str) -> bool:
    """Tell whether an attribute serves only pointers or screen readers, or restates a default."""
    return (
        attr in ("role", "pointer-events")
        or attr.startswith("aria-")
        or (_NO_OP_VALUES.get(attr) == value)
    )


_NO_OP_VALUES = {"opacity": "1", "transform": "translate(0,0)"}  # neither is inherited


def _check_inert(el: ET.Element) -> None:
    """Refuse an SVG element that could run code or carry inline styles."""
    tag = el.tag.rsplit("}", 1)[-1] if isinstance(el.tag, str) else ""
    bad_attr = [
        a
        for a, v in el.attrib.items()
        if a.lower().startswith("on")
        or a == "style"
        or (_is_link_attribute(a) and "javascript:" in v.lower())
    ]
    if tag == "use" and not str(el.get("href", "")).startswith("#"):
        bad_attr.append("href")  # a use draws a shape of this drawing, never another file
    if tag in _UNSAFE_TAGS or bad_attr:
        raise ChartspecError(
            f"rendered SVG has active content or inline styles ({tag} {bad_attr})",
            hint="this is a bug in rendering, not in the spec",
        )
