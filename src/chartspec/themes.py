"""The light and dark themes a site draws a chart in: the page backgrounds, the dark colours
merged over a spec's config, the colours a spec sets itself and their WCAG contrast against
each background, and the lighter colours the dark theme gives those too dark for it."""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from importlib import resources
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


def drawn_over(colour: str, background: str) -> str:
    """Return a colour as drawn over an opaque background, as opaque hex."""
    return hex_of(Color.layer([Color(colour), Color(background)], space="srgb"))


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
    # The colours those marks are drawn in, as drawn (with their opacity), when the spec says.
    under: tuple[str, ...] = ()
    opacity: float = 1.0  # the mark's, which the colour is drawn with
    scheme: str | None = None  # the named colour scheme the colour comes from

    @property
    def drawn(self) -> str:
        """Return the colour as drawn: with the mark's opacity."""
        return with_opacity(self.value, self.opacity)


def with_opacity(colour: str, opacity: float) -> str:
    """Return a CSS colour drawn at `opacity` (its own alpha times it)."""
    if opacity >= 1:
        return colour
    shade = Color(colour)
    shade.set("alpha", shade.alpha() * opacity)
    return str(shade.convert("srgb").to_string())


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
    """Return every colour a spec sets for text or marks: in marks, encodings, titles, guides,
    config and its ranges, and discrete colour schemes, each with the opacity it is drawn
    with. Colours given by expressions, signals or data are not known before drawing, and a
    continuous scheme is read against its legend, not the page: neither is returned."""
    uses: list[ColourUse] = []
    config = _dict_at(spec, "config")
    uses.extend(_config_uses(config, text_range=_colours_text(spec, (), "color")))
    for loc, view in iter_views(spec):
        kind = mark_type(view)
        kinds = {kind} if kind else {k for _, v in iter_views(view) if (k := mark_type(v))}
        role: Role = "text" if kinds == {"text"} else "graphic"
        over = _filled_neighbour(spec, loc) if kind == "text" else None
        under = _neighbour_colours(spec, loc) if over else ()
        title = view.get("title")
        if isinstance(title, dict):
            uses.extend(_keys(title, (*loc, "title"), ("color", "subtitleColor"), "text"))
        mark = _dict_at(view, "mark")
        for key in _drawing_keys(kind, mark):
            opacity = mark_opacity(view, config, key)
            found = _values(mark.get(key), (*loc, "mark", key), role, over)
            uses.extend(replace(u, under=under, opacity=opacity) for u in found)
        for key in ("encoding", "facet"):
            channels = view.get(key)
            if not isinstance(channels, dict):
                continue
            for channel, cdef in channels.items():
                if not isinstance(cdef, dict):
                    continue
                where = (*loc, key, channel)
                if channel in _COLOUR_CHANNELS and (
                    kind is None or channel in _drawing_keys(kind, mark)
                ):
                    # a layer's views share their scales: a range that colours text anywhere in
                    # it is text everywhere
                    shared = "text" if _colours_text(spec, loc, channel) else role
                    opacity = mark_opacity(view, config, channel)
                    for use in _channel_uses(cdef, where, role, over, range_role=shared):
                        if use.role == role:
                            uses.append(replace(use, under=under, opacity=opacity))
                            continue
                        uses.append(use)  # as the layer's text draws it
                        if opacity < 1:  # and as this mark does
                            uses.append(replace(use, role=role, opacity=opacity))
                for guide in _GUIDES:
                    uses.extend(_keys(_dict_at(cdef, guide), (*where, guide), _TEXT_KEYS, "text"))
    return uses


# Vega-Lite draws these marks at 0.7 opacity unless they are aggregated or the spec says.
_TRANSLUCENT_MARKS = frozenset({"point", "tick", "circle", "square"})


def mark_opacity(view: dict[str, Any], config: dict[str, Any], key: str) -> float:
    """Return the opacity a view's mark draws its `key` colour ("color", "fill" or "stroke")
    with: its opacity times its fill or stroke opacity, from the encoding, the mark or the
    config, as Vega-Lite defaults them."""
    kind = mark_type(view)
    mark, encoding = _dict_at(view, "mark"), _dict_at(view, "encoding")
    stroked = "stroke" in _drawing_keys(kind, mark)  # a line, or a point not filled
    part = "strokeOpacity" if key == "stroke" or stroked else "fillOpacity"
    total = 1.0
    for name in ("opacity", part):
        sources = [_dict_at(encoding, name).get("value"), mark.get(name)]
        sources += [_dict_at(config, kind or "mark").get(name), _dict_at(config, "mark").get(name)]
        given = next((v for v in sources if v is not None), None)
        if given is None and name == "opacity" and kind in _TRANSLUCENT_MARKS:
            given = None if _aggregated(view) else 0.7
        if isinstance(given, int | float) and not isinstance(given, bool):
            total *= min(max(float(given), 0.0), 1.0)
    return total


def _aggregated(view: dict[str, Any]) -> bool:
    """Tell whether a view aggregates its data (Vega-Lite then draws points opaque)."""
    channels = _dict_at(view, "encoding").values()
    return any(isinstance(c, dict) and ("aggregate" in c or "bin" in c) for c in channels)


def _neighbour_colours(spec: dict[str, Any], loc: Path_) -> tuple[str, ...]:
    """Return the colours, as drawn, of the filled marks of the layer around the view at `loc`
    that the spec sets (Vega-Lite's blue for a filled mark given no colour at all)."""
    parent: Any = spec
    for part in loc[:-2]:
        parent = parent[part]
    found: list[str] = []
    for child in parent.get("layer", []):
        if not isinstance(child, dict) or mark_type(child) not in _FILLED:
            continue
        uses = [u for u in colour_uses(child) if u.role == "graphic" and u.scheme is None]
        colours = [u.drawn for u in uses if "stroke" not in u.path]
        if not colours and not _colour_channel(child):
            colours = [with_opacity(_DEFAULT_MARK, mark_opacity(child, {}, "color"))]
        found.extend(colours)
    return tuple(dict.fromkeys(found))


_DEFAULT_MARK = "#4c78a8"  # Vega-Lite's colour for a mark that sets none


def _colour_channel(view: dict[str, Any]) -> bool:
    encoding = _dict_at(view, "encoding")
    return any(channel in encoding for channel in _COLOUR_CHANNELS)


def _colours_text(spec: dict[str, Any], loc: Path_, channel: str) -> bool:
    """Say whether a text mark in the outermost layer around `loc` (anywhere, for `()`) is
    coloured by `channel`."""
    if loc and "layer" not in loc:
        return False
    top: Any = spec
    for part in loc[: loc.index("layer")] if loc else ():
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
    scale = _dict_at(cdef, "scale")
    scale_range = scale.get("range")
    if isinstance(scale_range, list):
        for i, value in enumerate(scale_range):
            yield from _values(value, (*loc, "scale", "range", i), range_role, over)
    elif cdef.get("type") in ("nominal", "ordinal", None) and "scheme" in scale:
        domain = scale.get("domain")
        count = len(domain) if isinstance(domain, list) else None
        yield from _scheme_uses(scale["scheme"], (*loc, "scale", "scheme"), range_role, count)


def _scheme_uses(
    scheme: Any, loc: Path_, role: Role, count: int | None = None
) -> Iterator[ColourUse]:
    """Yield the colours a discrete scheme (a name, or `{"name": ...}`) gives, the first
    `count` of them when only those are used."""
    name = scheme.get("name") if isinstance(scheme, dict) else scheme
    colours = scheme_colours(name) if isinstance(name, str) else ()
    if isinstance(scheme, dict) and isinstance(scheme.get("count"), int):
        count = min(count or scheme["count"], scheme["count"])
    for colour in colours[:count]:
        yield ColourUse(loc, colour, role, scheme=name)


_VEGA_BUNDLE = "chartspec-vega.min.js"  # the Vega the site ships, whose schemes it draws


@functools.cache
def scheme_colours(name: str) -> tuple[str, ...]:
    """Return the colours of Vega's discrete colour scheme `name` (e.g. "tableau10"), read
    from the bundled Vega, or none for an unknown or continuous scheme."""
    bundle = (resources.files("chartspec") / "static" / _VEGA_BUNDLE).read_text(encoding="utf-8")
    at = bundle.find("category10:")
    table = bundle[bundle.rfind("{", 0, at) + 1 : bundle.find("}", at)]
    entry = re.search(rf'(?:^|,){re.escape(name)}:(?:"([0-9a-f]+)"|([\w$]+))', table)
    if at < 0 or entry is None:
        return ()
    digits = entry[1]
    if digits is None:  # a variable, defined as a call on its hex string
        defined = re.search(rf'[,;\s]{re.escape(entry[2])}=[\w$]*\(?"([0-9a-f]+)"', bundle)
        digits = defined[1] if defined else ""
    return tuple(f"#{digits[i : i + 6]}" for i in range(0, len(digits) - 5, 6))


def _config_uses(config: dict[str, Any], *, text_range: bool) -> Iterator[ColourUse]:
    """Yield the colours a config sets for marks, titles and guides, and its discrete colour
    ranges (for text when `text_range`)."""
    for section, node in config.items():
        if not isinstance(node, dict):
            continue
        loc = ("config", section)
        if section == "range":
            role: Role = "text" if text_range else "graphic"
            for name in ("category", "ordinal"):
                given = node.get(name)
                if isinstance(given, list):
                    for i, value in enumerate(given):
                        yield from _values(value, (*loc, name, i), role, None)
                elif isinstance(given, dict) and "scheme" in given:
                    yield from _scheme_uses(given["scheme"], (*loc, name, "scheme"), role)
        elif section == "title":
            yield from _keys(node, loc, ("color", "subtitleColor"), "text")
        elif section.startswith(_GUIDES):
            yield from _keys(node, loc, _TEXT_KEYS, "text")
        elif section == "text":
            yield from _keys(node, loc, ("color", "fill"), "text")
        elif section == "mark" or section in _FILLED | _STROKED | {"point", "tick"}:
            view = {"mark": {**node, "type": section}} if section != "mark" else {}
            opacity = mark_opacity(view, config, "color")
            found = _keys(node, loc, _drawing_keys(section, node), "graphic")
            yield from (replace(u, opacity=opacity) for u in found)


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
    return drawn_over(own, page) if isinstance(own, str) and parse_colour(own) else page


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
    A colour of a scale range becomes one colour in every range that gives it, the lightest
    any of its uses needs: views share their colour scales, so their ranges must agree.
    """
    page = background(dark, "dark")
    uses = colour_uses(dark)
    out: dict[Path_, str] = {}
    for use in uses:
        needed = NEEDED[use.role]
        if use.over is None and use.scheme is None and contrast(use.drawn, page) < needed:
            lighter = lightened(use.value, page, needed, opacity=use.opacity)
            # a colour drawn twice (text, and a translucent mark) is lightened for both
            if lighter is not None and contrast(out.get(use.path, lighter), page) <= contrast(
                lighter, page
            ):
                out[use.path] = lighter
    ranges = [use for use in uses if _in_scale_range(use.path)]
    lightest: dict[str, str] = {}
    for use in ranges:
        lighter = out.get(use.path)
        if lighter is not None and contrast(lighter, page) > contrast(
            lightest.get(use.value, use.value), page
        ):
            lightest[use.value] = lighter
    for use in ranges:
        if use.value in lightest:
            out[use.path] = lightest[use.value]
    return list(out.items())


def _in_scale_range(path: Path_) -> bool:
    """Tell whether a colour's path is in an encoding's scale range."""
    return len(path) >= 3 and path[-3:-1] == ("scale", "range")


@functools.lru_cache(maxsize=1024)
def lightened(colour: str, page: str, needed: float, *, opacity: float = 1.0) -> str | None:
    """Return the darkest colour of the same hue (OKLCh) that has `needed` contrast over `page`
    drawn at `opacity`, as hex, or None when even the lightest has not (a colour too
    transparent)."""
    base = Color(colour).convert("oklch")
    low, high = float(base["lightness"]), 1.0

    def at(lightness: float) -> str:
        shade = base.clone()
        shade["lightness"] = lightness
        # as hex, so the colour written is the colour measured
        return hex_of(shade.convert("srgb").fit("srgb", method="oklch-chroma"))

    def enough(lightness: float) -> bool:
        return contrast(with_opacity(at(lightness), opacity), page) >= needed + 0.05

    if not enough(high):
        return None
    for _ in range(16):
        middle = (low + high) / 2
        low, high = (low, middle) if enough(middle) else (middle, high)
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
    "drawn_over",
    "in_dark_theme",
    "is_colour",
    "lightened",
    "mark_opacity",
    "merge",
    "own_background",
    "parse_colour",
    "scheme_colours",
    "with_opacity",
]
