"""The light and dark themes a site draws a chart in: the page backgrounds, the dark colours
merged over a spec's config, the colours a spec sets itself and their WCAG contrast against
each background, and the lighter colours the dark theme gives those too dark for it."""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from coloraide import Color

from chartspec.spec import Path_, iter_views, mark_type

LIGHT_BACKGROUND = "#ffffff"  # the site's light page (chartspec-site.css `--bg`), Vega's default
# Colours of the live chart and the pre-rendered SVG in dark mode, by role; text contrast is
# >= 4.5:1 against the background.
DARK_COLOURS = {
    "background": "#15171c",
    "text": "#e8eaed",
    "muted": "#b4b9c2",
    "axis": "#8b919c",
    "grid": "#343944",
    "frame": "#4a505c",
}
_DARK = DARK_COLOURS
# Merged over a spec's own config, so a spec that sets light-theme colours still reads on a dark
# page. The legend's box colours apply only where the spec draws a box (see dark_config_for).
DARK_CONFIG: dict[str, Any] = {
    "background": _DARK["background"],
    "view": {"stroke": _DARK["frame"]},
    "title": {"color": _DARK["text"], "subtitleColor": _DARK["muted"]},
    "axis": {
        "domainColor": _DARK["axis"],
        "gridColor": _DARK["grid"],
        "tickColor": _DARK["axis"],
        "labelColor": _DARK["muted"],
        "titleColor": _DARK["text"],
    },
    "legend": {
        "labelColor": _DARK["muted"],
        "titleColor": _DARK["text"],
        "fillColor": _DARK["background"],
        "strokeColor": _DARK["frame"],
    },
    "header": {"labelColor": _DARK["muted"], "titleColor": _DARK["text"]},
    "text": {"color": _DARK["text"]},
    "rule": {"color": _DARK["axis"]},
}
# The box colours of DARK_CONFIG, and whether Vega-Lite draws the box when a spec does not say.
_BOX_COLOURS = {
    ("legend", "fillColor"): False,
    ("legend", "strokeColor"): False,
    ("view", "stroke"): True,
}

# WCAG 2.1: 1.4.3 (text) and 1.4.11 (graphical objects).
Role = Literal["text", "graphic"]
NEEDED: dict[Role, float] = {"text": 4.5, "graphic": 3.0}
Theme = Literal["light", "dark"]


def dark_config_for(spec: dict[str, Any]) -> dict[str, Any]:
    """Return the dark colours for a spec: only recolouring, never adding or removing a stroke.

    A stroke moves Vega's layout by a pixel, so a box the light chart does not draw (a legend
    frame, a view outline set to null) stays undrawn in the dark one; the two renders then differ
    in colours alone and one SVG can show both (see `drawings.themed_svg`).
    """
    own = _dict_at(spec, "config")
    dark = copy.deepcopy(DARK_CONFIG)
    for (section, key), drawn_by_default in _BOX_COLOURS.items():
        mine = _dict_at(own, section)
        if not (mine.get(key) if key in mine else drawn_by_default):
            dark[section].pop(key)
    return dark


def _dict_at(node: Any, key: str) -> dict[str, Any]:
    """Return node[key] when it is an object, else an empty one."""
    value = node.get(key) if isinstance(node, dict) else None
    return value if isinstance(value, dict) else {}


def merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge `over` into a copy of `base` (the page loader merges the same way)."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


# --------------------------------------------------------------------------- colours


def parse_colour(value: Any) -> Color | None:
    """Return a CSS colour (name, hex, rgb(), hsl(), ...) a spec gives, or None if it is not one
    or is fully transparent (drawn to catch the pointer, not to be seen)."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        colour = Color(value.strip())
    except ValueError:
        return None
    return colour if colour.alpha() > 0 else None


@functools.lru_cache(maxsize=4096)
def is_colour(value: str) -> bool:
    """Say whether a spec's string is a visible CSS colour (see `parse_colour`)."""
    return parse_colour(value) is not None


@functools.lru_cache(maxsize=4096)
def contrast(colour: str, background: str) -> float:
    """Return the WCAG 2.1 contrast ratio of a colour drawn over an opaque background."""
    fg, bg = Color(colour), Color(background)
    if fg.alpha() < 1:
        fg = Color.layer([fg, bg], space="srgb")
    return float(fg.contrast(bg, method="wcag21"))


def hex_of(colour: Color) -> str:
    """Return a colour as lower-case hex, with alpha only when it is not opaque."""
    return str(colour.convert("srgb").to_string(hex=True))


@dataclass(frozen=True)
class ColourUse:
    """One colour a spec sets for text or a mark, where, and what it may stand on."""

    path: Path_
    value: str
    role: Role
    # The filled marks of the same layer (e.g. "bar"): a text may stand on them instead of the page.
    over: str | None = None


_TEXT_KEYS = ("labelColor", "titleColor")
_GUIDES = ("axis", "legend", "header")
_FILLED = frozenset({"bar", "rect", "area", "arc", "geoshape", "trail", "square", "circle"})
_STROKED = frozenset({"line", "rule"})
_COLOUR_CHANNELS = ("color", "fill", "stroke")


def _drawing_keys(kind: str | None, mark: dict[str, Any]) -> tuple[str, ...]:
    """Return the mark properties whose colour draws a mark of this type (a fill's stroke is
    its outline, a line's fill is unused)."""
    if kind in _STROKED or (kind == "point" and mark.get("filled") is not True):
        return ("color", "stroke")
    return ("color", "fill")


def colour_uses(spec: dict[str, Any]) -> list[ColourUse]:
    """Return every colour a spec sets for text or marks: in marks, encodings, titles, guides
    and config. Colours given by expressions, signals or data are not known before drawing."""
    uses: list[ColourUse] = []
    config = spec.get("config")
    if isinstance(config, dict):
        uses.extend(_config_uses(config))
    for loc, view in iter_views(spec):
        kind = mark_type(view)
        kinds = {kind} if kind else {k for _, v in iter_views(view) if (k := mark_type(v))}
        role: Role = "text" if kinds == {"text"} else "graphic"
        over = _filled_neighbour(spec, loc) if kind == "text" else None
        title = view.get("title")
        if isinstance(title, dict):
            uses.extend(_keys(title, (*loc, "title"), ("color", "subtitleColor"), "text"))
        mark = view.get("mark")
        if isinstance(mark, dict):
            keys = _drawing_keys(kind, mark)
            uses.extend(_keys(mark, (*loc, "mark"), keys, role, over))
        for key in ("encoding", "facet"):
            channels = view.get(key)
            if not isinstance(channels, dict):
                continue
            for channel, cdef in channels.items():
                if not isinstance(cdef, dict):
                    continue
                where = (*loc, key, channel)
                if channel in _COLOUR_CHANNELS and (
                    kind is None or channel in _drawing_keys(kind, _dict_at(view, "mark"))
                ):
                    # a layer's views share their scales: a range that colours text anywhere in
                    # it is text everywhere
                    shared = "text" if _colours_text(spec, loc, channel) else role
                    uses.extend(_channel_uses(cdef, where, role, over, range_role=shared))
                for guide in _GUIDES:
                    uses.extend(_keys(_dict_at(cdef, guide), (*where, guide), _TEXT_KEYS, "text"))
    return uses


def _colours_text(spec: dict[str, Any], loc: Path_, channel: str) -> bool:
    """Say whether a text mark in the outermost layer around `loc` is coloured by `channel`."""
    if "layer" not in loc:
        return False
    top: Any = spec
    for part in loc[: loc.index("layer")]:
        top = top[part]
    return any(
        mark_type(view) == "text" and isinstance(_dict_at(view, "encoding").get(channel), dict)
        for _, view in iter_views(top)
    )


def _filled_neighbour(spec: dict[str, Any], loc: Path_) -> str | None:
    """Return a filled mark type drawn in the same layer as the view at `loc`, if any."""
    if len(loc) < 2 or loc[-2] != "layer":
        return None
    parent: Any = spec
    for part in loc[:-2]:
        parent = parent[part]
    for child in parent.get("layer", []):
        for _, view in iter_views(child) if isinstance(child, dict) else ():
            if (kind := mark_type(view)) in _FILLED:
                return kind
    return None


def _keys(
    node: dict[str, Any], loc: Path_, keys: tuple[str, ...], role: Role, over: str | None = None
) -> Iterator[ColourUse]:
    for key in keys:
        yield from _values(node.get(key), (*loc, key), role, over)


def _values(value: Any, loc: Path_, role: Role, over: str | None) -> Iterator[ColourUse]:
    """Yield a colour value, or each stop of a gradient."""
    if isinstance(value, str) and is_colour(value):
        yield ColourUse(loc, value, role, over)
    elif isinstance(value, dict) and isinstance(value.get("stops"), list):
        for i, stop in enumerate(value["stops"]):
            if isinstance(stop, dict):
                yield from _values(stop.get("color"), (*loc, "stops", i, "color"), role, over)


def _channel_uses(
    cdef: dict[str, Any], loc: Path_, role: Role, over: str | None, *, range_role: Role
) -> Iterator[ColourUse]:
    """Yield the colours of an encoding channel: its value, its conditions', its scale range."""
    yield from _values(cdef.get("value"), (*loc, "value"), role, over)
    condition = cdef.get("condition")
    conditions = condition if isinstance(condition, list) else [condition]
    for i, cond in enumerate(conditions):
        where = (*loc, "condition", i) if isinstance(condition, list) else (*loc, "condition")
        if isinstance(cond, dict):
            yield from _values(cond.get("value"), (*where, "value"), role, over)
    scale_range = _dict_at(cdef, "scale").get("range")
    if isinstance(scale_range, list):
        for i, value in enumerate(scale_range):
            yield from _values(value, (*loc, "scale", "range", i), range_role, over)


def _config_uses(config: dict[str, Any]) -> Iterator[ColourUse]:
    """Yield the colours a config sets for marks, titles and guides."""
    for section, node in config.items():
        if not isinstance(node, dict):
            continue
        loc = ("config", section)
        if section == "title":
            yield from _keys(node, loc, ("color", "subtitleColor"), "text")
        elif section.startswith(_GUIDES):
            yield from _keys(node, loc, _TEXT_KEYS, "text")
        elif section == "text":
            yield from _keys(node, loc, ("color", "fill"), "text")
        elif section == "mark" or section in _FILLED | _STROKED | {"point", "tick"}:
            yield from _keys(node, loc, _drawing_keys(section, node), "graphic")


# --------------------------------------------------------------------------- backgrounds


def own_background(spec: dict[str, Any]) -> str | None:
    """Return the background a spec draws itself on in both themes (its top-level `background`,
    which overrides any config), or None when the page shows through."""
    value = spec.get("background")
    return value if parse_colour(value) is not None else None


def background(spec: dict[str, Any], theme: Theme) -> str:
    """Return what a spec's text and marks stand on in a theme of the site, as opaque hex."""
    page = LIGHT_BACKGROUND if theme == "light" else DARK_COLOURS["background"]
    own = own_background(spec)
    if own is None and theme == "light":
        own = _dict_at(spec, "config").get("background")
    colour = parse_colour(own)
    return page if colour is None else hex_of(Color.layer([colour, page], space="srgb"))


def dark_theme_for(spec: dict[str, Any]) -> dict[str, Any] | None:
    """Return how the site draws a spec in the dark theme: the dark `config` merged over its
    own, then `colours` set at their paths (`dark_colours`); None for a spec with its own
    background, which it draws on in both themes."""
    if own_background(spec) is not None:
        return None
    config = dark_config_for(spec)
    merged = {**spec, "config": merge(_dict_at(spec, "config"), config)}
    colours = [[list(path), colour] for path, colour in dark_colours(merged)]
    return {"config": config, "colours": colours}


def in_dark_theme(spec: dict[str, Any]) -> dict[str, Any]:
    """Return the spec as the site draws it in the dark theme (see `dark_theme_for`)."""
    theme = dark_theme_for(spec)
    if theme is None:
        return spec
    dark = {**spec, "config": merge(_dict_at(spec, "config"), theme["config"])}
    for path, colour in theme["colours"]:
        _set(dark, path, colour)
    return dark


def dark_colours(dark: dict[str, Any]) -> list[tuple[Path_, str]]:
    """Return where a spec with the dark config merged sets a colour too dark for the dark page,
    each with the colour of the same hue and chroma that is just light enough.

    Text drawn in a layer with filled marks is left as it is: it may stand on those marks.
    """
    page = background(dark, "dark")
    out = []
    for use in colour_uses(dark):
        needed = NEEDED[use.role]
        if use.over is None and contrast(use.value, page) < needed:
            lighter = lightened(use.value, page, needed)
            if lighter is not None:
                out.append((use.path, lighter))
    return out


@functools.lru_cache(maxsize=1024)
def lightened(colour: str, page: str, needed: float) -> str | None:
    """Return the darkest colour of the same hue (OKLCh) that has `needed` contrast over `page`,
    as hex, or None when even the lightest has not (a colour too transparent)."""
    base = Color(colour).convert("oklch")
    low, high = float(base["lightness"]), 1.0

    def at(lightness: float) -> str:
        shade = base.clone()
        shade["lightness"] = lightness
        # as hex, so the colour written is the colour measured
        return hex_of(shade.convert("srgb").fit("srgb", method="oklch-chroma"))

    margin = needed + 0.05
    if contrast(at(high), page) < margin:
        return None
    for _ in range(16):
        middle = (low + high) / 2
        low, high = (low, middle) if contrast(at(middle), page) >= margin else (middle, high)
    return at(high)


def _set(root: dict[str, Any], path: list[str | int], value: str) -> None:
    """Set `value` at `path`, copying the objects and lists on the way rather than changing the
    ones `root` shares with the spec it was copied from."""
    node: Any = root
    for part in path[:-1]:
        inner = node[part]
        node[part] = list(inner) if isinstance(inner, list) else dict(inner)
        node = node[part]
    node[path[-1]] = value


__all__ = [
    "DARK_COLOURS",
    "DARK_CONFIG",
    "LIGHT_BACKGROUND",
    "NEEDED",
    "ColourUse",
    "background",
    "colour_uses",
    "contrast",
    "dark_colours",
    "dark_config_for",
    "dark_theme_for",
    "in_dark_theme",
    "is_colour",
    "lightened",
    "merge",
    "own_background",
    "parse_colour",
]
