"""Lay a spec out again for narrower pages, with text a reader can read at every width.

A page never shrinks a drawing (its text would shrink with it): it shows the widest layout that
fits the room it has. Each layout is the spec drawn at a smaller total width, its legends moved
under the plot, long titles wrapped and set flush left, and labels that `labels.label_points`
placed in pixels placed again for the new plot. Charts made of several views (facets,
concatenations, repeats) have only their natural size and scroll inside their own box.

A layout whose text collides, or squeezes its plot, is also tried compact (see
`drawings.layout_drawings`): the labels of a discrete x axis turned by 45 degrees, and text
marks (notes beside a rule, say) broken into one word per line.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from chartspec.errors import ChartspecError
from chartspec.fonts import MEASURED_FAMILIES, text_width
from chartspec.labels import LABEL_COLUMNS, relabel_view
from chartspec.spec import iter_views, mark_type
from chartspec.spec_data import resolve

MIN_FONT_SIZE = 11
"""The smallest text, in CSS pixels, any chart of the site shows."""
LAYOUT_WIDTHS = (288, 736)
"""The total widths of the layouts made for charts wider than these: the room a page gives a
chart on a 320-px phone and on a 768-px tablet (16 px margins)."""
# Vega-Lite's defaults below MIN_FONT_SIZE (axis, legend and facet header labels are 10 px).
_SMALL_DEFAULTS = {"axis": "labelFontSize", "legend": "labelFontSize", "header": "labelFontSize"}
# Parts of a spec that hold a user's data or notes, not drawing properties.
_NOT_STYLE = {"data", "datasets", "usermeta", "values"}
_INSIDE_ORIENTS = {"left", "right", "top-left", "top-right", "bottom-left", "bottom-right", "none"}
MIN_PLOT_WIDTH = 100
_PADDING = 5  # Vega-Lite's padding around a chart
_TITLE_SIZES = {"text": (13.0, True), "subtitle": (11.0, False)}  # Vega's defaults


def readable_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of a spec whose text is nowhere smaller than `MIN_FONT_SIZE` pixels.

    Font sizes the spec sets below it are raised to it, and so are Vega-Lite's smaller defaults.
    """
    out = copy.deepcopy(spec)
    _raise_font_sizes(out)
    config = out.setdefault("config", {})
    if isinstance(config, dict):
        for section, key in _SMALL_DEFAULTS.items():
            part = config.setdefault(section, {})
            if isinstance(part, dict):
                part.setdefault(key, MIN_FONT_SIZE)
    return out


def _raise_font_sizes(node: Any) -> None:
    """Raise every numeric font size below the floor, in place, outside data."""
    if isinstance(node, list):
        for item in node:
            _raise_font_sizes(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key in _NOT_STYLE:
                continue
            is_size = key == "fontSize" or key.endswith("FontSize")
            if is_size and isinstance(value, int | float) and not isinstance(value, bool):
                node[key] = max(value, MIN_FONT_SIZE)
            else:
                _raise_font_sizes(value)


@dataclass(frozen=True)
class Layout:
    """How a spec is laid out for pages at most `width` pixels wide.

    `plot_width` is the width of its plot in pixels, or None when Vega-Lite fits the whole
    chart into `width`; `labels` are the rows of its label layer, placed for that plot;
    `compact` turns discrete x axis labels and breaks text marks into words.
    """

    width: int
    plot_width: float | None = None
    labels: list[dict[str, Any]] | None = None
    compact: bool = False


def layout_widths(spec: dict[str, Any], *, natural_width: float) -> list[int]:
    """Return the widths of the narrower layouts a spec may have, drawn `natural_width` pixels
    wide: none for a chart of several views (facets, concatenations, repeats)."""
    if not ("mark" in spec or "layer" in spec) or _has_composition(spec):
        return []
    return [width for width in LAYOUT_WIDTHS if width < natural_width]


def layout_for(
    spec: dict[str, Any], *, width: int, plot_width: float | None, compact: bool = False
) -> Layout | None:
    """Return the layout of a live spec (its data inline) for `width` pixels with a plot
    `plot_width` pixels wide, or None when the plot would be too narrow or its labels find
    no room there.

    A spec without a width in pixels is fitted into `width` by Vega-Lite instead (give None);
    a labelled one then has no layout.
    """
    labelled = _labelled(spec)
    if plot_width is None:
        return None if labelled else Layout(width, compact=compact)
    if plot_width < MIN_PLOT_WIDTH:
        return None
    if labelled is None:
        return Layout(width, plot_width, compact=compact)
    points, label_layer, rows = labelled
    height = spec.get("height")
    if not isinstance(height, int | float):
        return None
    mark = label_layer["mark"]
    try:
        placed = relabel_view(
            points,
            rows,
            label_layer["encoding"]["text"]["field"],
            width=plot_width,
            height=float(height),
            font_size=float(mark.get("fontSize", MIN_FONT_SIZE)),
            bold=mark.get("fontWeight") == "bold",
        )
    except (ChartspecError, KeyError, TypeError, ValueError):
        return None  # no room for the labels: the chart keeps its natural size
    return Layout(width, plot_width, placed, compact)


def first_plot_width(spec: dict[str, Any], *, width: int, natural_width: float) -> float | None:
    """Return the plot width to try first for a layout `width` pixels wide: the spec's width
    less what the layout takes off the natural drawing's (axes keep their room), at least
    `MIN_PLOT_WIDTH` (legends beside the plot move under it); None when the spec's width is
    not in pixels."""
    own_width = spec.get("width")
    if not isinstance(own_width, int | float) or isinstance(own_width, bool):
        return None
    return max(round(own_width - (natural_width - width), 1), MIN_PLOT_WIDTH)


def _has_composition(spec: dict[str, Any]) -> bool:
    """Tell whether a spec draws several views side by side (facet, concat, repeat)."""
    composed = {"facet", "repeat", "concat", "hconcat", "vconcat"}
    for _, view in iter_views(spec):
        encoding = view.get("encoding")
        channels = encoding if isinstance(encoding, dict) else {}
        if composed & view.keys() or {"row", "column", "facet"} & channels.keys():
            return True
    return False


def _labelled(
    spec: dict[str, Any],
) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]] | None:
    """Return the point layer, label layer and rows of a spec `label_points` made, else None."""
    layers = spec.get("layer")
    if not isinstance(layers, list):
        return None
    labels = [layer for layer in layers if isinstance(layer, dict) and _is_label_layer(layer)]
    points = [
        layer
        for layer in layers
        if isinstance(layer, dict)
        and isinstance(layer.get("mark"), dict | str)
        and mark_type(layer) in ("point", "circle", "square")
    ]
    rows = _rows(spec)
    if len(labels) != 1 or len(points) != 1 or rows is None:
        return None
    return points[0], labels[0], rows


def _is_label_layer(layer: dict[str, Any]) -> bool:
    """Tell whether a layer is the text layer of `label_points`."""
    encoding = layer.get("encoding")
    mark = layer.get("mark")
    return (
        isinstance(mark, dict)
        and isinstance(encoding, dict)
        and mark_type(layer) == "text"
        and mark.get("align") == {"expr": "datum.label_align"}
        and isinstance(encoding.get("x"), dict)
        and encoding["x"].get("field") == "label_x"
        and isinstance(encoding.get("text"), dict)
    )


def _rows(spec: dict[str, Any]) -> list[dict[str, Any]] | None:
    """Return the rows of a spec's inline data, if they carry the label columns."""
    rows = resolve(spec.get("data"), datasets=spec.get("datasets")).rows
    if rows is None or not all(set(LABEL_COLUMNS) <= row.keys() for row in rows):
        return None
    return rows


def laid_out(spec: dict[str, Any], layout: Layout) -> dict[str, Any]:
    """Return a copy of a spec (its data inline or not) laid out as `layout` says."""
    out = copy.deepcopy(spec)
    if layout.plot_width is None:
        out["width"] = layout.width
        out["autosize"] = {"type": "fit-x", "contains": "padding"}
        room = layout.width * 0.75  # the plot's share of the chart, for wrapping axis titles
    else:
        out["width"] = room = layout.plot_width
    for view in _views(out):
        _legends_below(view)
        _wrap_axis_titles(view, room)
        if layout.compact:
            _compact(view)
    config = out.setdefault("config", {})
    legend = config.setdefault("legend", {})
    if legend.get("orient", "right") in _INSIDE_ORIENTS:
        legend["orient"] = "bottom"
        legend.setdefault("direction", "vertical")
    if "title" in out:
        room = layout.width - 2 * _PADDING
        out["title"] = _wrapped_title(out["title"], room, config.get("title", {}))
    if layout.labels is not None:
        labelled = _labelled_layer(out)
        labelled["data"] = {"values": layout.labels}
    return out


def _views(spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for _, view in iter_views(spec):
        yield view


def _labelled_layer(spec: dict[str, Any]) -> dict[str, Any]:
    return next(layer for layer in spec["layer"] if _is_label_layer(layer))


def _legends_below(view: dict[str, Any]) -> None:
    """Move a view's legends that take room beside or inside the plot under it."""
    encoding = view.get("encoding")
    if not isinstance(encoding, dict):
        return
    for channel in encoding.values():
        legend = channel.get("legend") if isinstance(channel, dict) else None
        if isinstance(legend, dict) and legend.get("orient") in _INSIDE_ORIENTS:
            legend["orient"] = "bottom"
            legend["direction"] = "vertical"  # a row of entries would be wider than the page
            for key in ("legendX", "legendY", "columns"):
                legend.pop(key, None)


def _compact(view: dict[str, Any]) -> None:
    """Turn a view's discrete x axis labels by 45 degrees and break its text marks (not
    placed labels, which are measured as one line) into one word per line."""
    encoding = view.get("encoding")
    x = encoding.get("x") if isinstance(encoding, dict) else None
    if isinstance(x, dict) and x.get("type") in ("nominal", "ordinal"):
        axis = x.get("axis", {})
        if isinstance(axis, dict):  # an axis of None is not drawn
            x["axis"] = {**axis, "labelAngle": -45}
    mark = view.get("mark")
    if mark_type(view) == "text" and not _is_label_layer(view):
        view["mark"] = {**(mark if isinstance(mark, dict) else {"type": mark}), "lineBreak": " "}


def _wrap_axis_titles(view: dict[str, Any], room: float) -> None:
    """Break the x axis title of a view into lines at most `room` pixels wide."""
    encoding = view.get("encoding")
    x = encoding.get("x") if isinstance(encoding, dict) else None
    if not isinstance(x, dict):
        return
    for holder in (x, x.get("axis")):
        if isinstance(holder, dict) and isinstance(holder.get("title"), str):
            lines = _lines(holder["title"], room, size=MIN_FONT_SIZE, bold=True)
            holder["title"] = lines[0] if len(lines) == 1 else lines


def _wrapped_title(title: Any, room: float, config: dict[str, Any]) -> Any:
    """Return a chart title whose text and subtitle lines are at most `room` pixels wide."""
    if isinstance(title, str | list):
        title = {"text": title}
    if not isinstance(title, dict):
        return title
    out = {**title, "anchor": "start"}  # centred over the plot, it may pass the edge
    for key, (size, bold) in _TITLE_SIZES.items():
        size_key = "fontSize" if key == "text" else "subtitleFontSize"
        font_size = title.get(size_key, config.get(size_key, size))
        if not isinstance(font_size, int | float):
            continue
        value = title.get(key)
        lines = [value] if isinstance(value, str) else value
        if isinstance(lines, list) and all(isinstance(line, str) for line in lines):
            wrapped = [part for line in lines for part in _lines(line, room, font_size, bold)]
            out[key] = wrapped[0] if len(wrapped) == 1 else wrapped
    return out


def _lines(text: str, room: float, size: float, bold: bool) -> list[str]:
    """Break text at spaces into lines at most `room` pixels wide in any measured font."""
    words = text.split(" ")
    lines: list[str] = []
    for word in words:
        trial = f"{lines[-1]} {word}" if lines else word
        if lines and _width(trial, size, bold) <= room:
            lines[-1] = trial
        else:
            lines.append(word)
    return lines


def _width(text: str, size: float, bold: bool) -> float:
    return max(text_width(text, size=size, bold=bold, family=f) for f in MEASURED_FAMILIES)
