"""Collision-free placement of one text label per point, in pixel space, in any common font.

`label_points` labels an Altair point chart in one call. Underneath, `place_labels` takes the
points' pixel positions (from `LinearScale` / `LogScale`) and returns for each label a text anchor
with the `align` and `baseline` that make the text grow away from its point, so a wider or
taller font than expected moves no text onto its point. Each label's box is the union of the
text's boxes in every family of `fonts.MEASURED_FAMILIES`, so the placement holds in the bundled
font and in the fallbacks a reader's machine may use instead. The search is exact and
deterministic: no box comes within `padding` pixels of another box, of any point's marker or of
any obstacle, and every box lies inside the plot; when it finds none it raises ChartspecError
naming the labels.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, NoReturn, Protocol

from chartspec.errors import ChartspecError
from chartspec.fonts import (
    FONT_STACK,
    MEASURED_FAMILIES,
    baseline_offset,
    text_bounds,
    text_ink,
    text_width,
)

if TYPE_CHECKING:  # imported where used: laying a page out needs none of them
    import altair as alt
    import numpy as np
    import pandas as pd

Rect = tuple[float, float, float, float]
"""An axis-aligned rectangle (x0, y0, x1, y1) in pixels, y growing downwards."""

Align = Literal["left", "center", "right"]
Baseline = Literal["top", "middle", "bottom"]

# Where a label sits around its point, with its base cost (right first, then above, then the
# diagonals and the other sides; the *_l/*_r entries slide an above/below label sideways) and
# the anchoring that makes its text grow away from the point.
_DIAGONAL = math.sqrt(0.5)
POSITIONS: dict[str, tuple[float, Align, Baseline]] = {
    "E": (0.0, "left", "middle"),
    "N": (1.0, "center", "bottom"),
    "N_r": (1.25, "left", "bottom"),
    "NE": (1.5, "left", "bottom"),
    "N_l": (1.75, "right", "bottom"),
    "SE": (2.5, "left", "top"),
    "W": (3.0, "right", "middle"),
    "NW": (3.5, "right", "bottom"),
    "S": (4.0, "center", "top"),
    "S_r": (4.25, "left", "top"),
    "S_l": (4.5, "right", "top"),
    "SW": (5.0, "right", "top"),
}
# Gaps between marker edge and label, in font sizes beyond `padding`; each step costs more.
GAP_STEPS: tuple[float, ...] = (0.0, 1 / 3, 2 / 3, 1.0, 1.5)
GAP_STEP_COST = 3.0
# Search steps per group of interacting labels before giving up (keeps worst cases bounded).
SEARCH_BUDGET = 20_000


@dataclass(frozen=True)
class LabelBox:
    """A placed label: the text mark's anchor (cx, cy) with its `align` and `baseline`, and the
    box (x0, y0)-(x1, y1) in pixels its text covers in any of the measured fonts."""

    cx: float
    cy: float
    x0: float
    y0: float
    x1: float
    y1: float
    align: Align
    baseline: Baseline

    def data_position(self, x_scale: Scale, y_scale: Scale) -> tuple[float, float]:
        """Return the anchor in data coordinates, for a text mark encoded on the chart's scales."""
        return (x_scale.to_data(self.cx), y_scale.to_data(self.cy))


class Scale(Protocol):
    """Anything that maps data values to pixels and back."""

    def to_pixel(self, value: float) -> float: ...

    def to_data(self, pixel: float) -> float: ...


@dataclass(frozen=True)
class LinearScale:
    """A linear map from `domain` (data) to `range` (pixels), like Vega's linear scale.

    For a y axis pass `range=(height, 0)`: Vega draws y downwards from the top.
    """

    domain: tuple[float, float]
    range: tuple[float, float]

    def __post_init__(self) -> None:
        if self.domain[0] == self.domain[1]:
            msg = f"linear scale domain {self.domain} is empty"
            raise ChartspecError(msg, hint="give two different bounds")

    def to_pixel(self, value: float) -> float:
        """Map a data value to pixels."""
        (d0, d1), (r0, r1) = self.domain, self.range
        return r0 + (value - d0) / (d1 - d0) * (r1 - r0)

    def to_data(self, pixel: float) -> float:
        """Map a pixel position back to a data value."""
        (d0, d1), (r0, r1) = self.domain, self.range
        return d0 + (pixel - r0) / (r1 - r0) * (d1 - d0)


@dataclass(frozen=True)
class LogScale:
    """A logarithmic map from a positive `domain` to `range` (pixels), like Vega's log scale."""

    domain: tuple[float, float]
    range: tuple[float, float]

    def __post_init__(self) -> None:
        d0, d1 = self.domain
        if d0 <= 0 or d1 <= 0 or d0 == d1:
            msg = f"log scale domain {self.domain} must be two different positive numbers"
            raise ChartspecError(msg)

    def to_pixel(self, value: float) -> float:
        """Map a positive data value to pixels."""
        if value <= 0:
            msg = f"log scale cannot place the value {value}"
            raise ChartspecError(msg, hint="log scales need positive values")
        (d0, d1), (r0, r1) = self.domain, self.range
        t = (math.log(value) - math.log(d0)) / (math.log(d1) - math.log(d0))
        return r0 + t * (r1 - r0)

    def to_data(self, pixel: float) -> float:
        """Map a pixel position back to a data value."""
        (d0, d1), (r0, r1) = self.domain, self.range
        t = (pixel - r0) / (r1 - r0)
        return math.exp(math.log(d0) + t * (math.log(d1) - math.log(d0)))


def symbol_radius(size: float, *, stroke_width: float = 0.0) -> float:
    """Return the drawn radius of a Vega circle symbol of area `size` (Vega's `size` channel)."""
    # Vega's circle symbol has radius sqrt(size) / 2; the stroke sticks out by half its width.
    return math.sqrt(size) / 2 + stroke_width / 2


@dataclass(frozen=True)
class _Candidate:
    point: int
    cost: float
    box: LabelBox


@functools.cache
def text_extent(
    text: str, *, align: Align, baseline: Baseline, size: float, bold: bool = False
) -> Rect:
    """Return the box, relative to its anchor, that `text` covers in any measured font.

    Horizontally the advance widths; vertically the glyphs' outlines around the baseline Vega
    draws at (Vega computes baselines itself, the same way in every renderer) and the line box
    Vega gives the text, for hovering.
    """
    _, top, _, bottom = text_bounds(text, x=0.0, y=0.0, size=size, baseline=baseline)
    x0s, x1s = [], []
    base = baseline_offset(baseline, size)
    for family in MEASURED_FAMILIES:
        width = text_width(text, size=size, bold=bold, family=family)
        above, below = text_ink(text, size=size, bold=bold, family=family)
        left = {"left": 0.0, "center": -width / 2, "right": -width}[align]
        x0s.append(left)
        x1s.append(left + width)
        top, bottom = min(top, base - above), max(bottom, base + below)
    return (min(x0s), top, max(x1s), bottom)


def _candidates(
    index: int,
    point: tuple[float, float],
    text: str,
    *,
    size: float,
    bold: bool,
    radius: float,
    padding: float,
) -> list[_Candidate]:
    """Return every candidate box for one label, cheapest first."""
    x, y = point
    out = []
    for step, gap in enumerate(GAP_STEPS):
        d = radius + padding + gap * size
        c = d * _DIAGONAL
        for name, (base_cost, align, baseline) in POSITIONS.items():
            rx0, ry0, rx1, ry1 = text_extent(
                text, align=align, baseline=baseline, size=size, bold=bold
            )
            w, h = rx1 - rx0, ry1 - ry0
            left, top = {
                "E": (x + d, y - h / 2),
                "W": (x - d - w, y - h / 2),
                "N": (x - w / 2, y - d - h),
                "N_r": (x - w / 4, y - d - h),
                "N_l": (x - 3 * w / 4, y - d - h),
                "S": (x - w / 2, y + d),
                "S_r": (x - w / 4, y + d),
                "S_l": (x - 3 * w / 4, y + d),
                "NE": (x + c, y - c - h),
                "NW": (x - c - w, y - c - h),
                "SE": (x + c, y + c),
                "SW": (x - c - w, y + c),
            }[name]
            box = LabelBox(left - rx0, top - ry0, left, top, left + w, top + h, align, baseline)
            out.append(_Candidate(index, base_cost + GAP_STEP_COST * step, box))
    out.sort(key=lambda cand: cand.cost)
    return out


def _blocked(
    boxes: np.ndarray,
    points: np.ndarray,
    obstacles: np.ndarray,
    *,
    width: float,
    height: float,
    radius: float,
    padding: float,
) -> np.ndarray:
    """Return which boxes leave the plot or come too close to a marker or an obstacle."""
    import numpy as np

    eps = 1e-9
    x0, y0, x1, y1 = (boxes[:, i : i + 1] for i in range(4))
    outside = (
        (x0[:, 0] < -eps) | (y0[:, 0] < -eps) | (x1[:, 0] > width + eps) | (y1[:, 0] > height + eps)
    )
    # Distance from each marker centre to each box: clamp the centre into the box.
    px, py = points[:, 0][None, :], points[:, 1][None, :]
    dx = np.clip(px, x0, x1) - px
    dy = np.clip(py, y0, y1) - py
    near_marker = (np.hypot(dx, dy) < radius + padding - eps).any(axis=1)
    if len(obstacles):
        ox0, oy0, ox1, oy1 = (obstacles[:, i][None, :] for i in range(4))
        near_obstacle = (
            (x0 < ox1 + padding - eps)
            & (ox0 < x1 + padding - eps)
            & (y0 < oy1 + padding - eps)
            & (oy0 < y1 + padding - eps)
        ).any(axis=1)
    else:
        near_obstacle = np.zeros(len(boxes), dtype=bool)
    blocked: np.ndarray = outside | near_marker | near_obstacle
    return blocked


def _conflicts(boxes: np.ndarray, owners: np.ndarray, *, padding: float) -> np.ndarray:
    """Return the symmetric matrix of label boxes of different points that come too close."""
    eps = 1e-9
    x0, y0, x1, y1 = (boxes[:, i] for i in range(4))
    close = (
        (x0[:, None] < x1[None, :] + padding - eps)
        & (x0[None, :] < x1[:, None] + padding - eps)
        & (y0[:, None] < y1[None, :] + padding - eps)
        & (y0[None, :] < y1[:, None] + padding - eps)
    )
    conflicts: np.ndarray = close & (owners[:, None] != owners[None, :])
    return conflicts


def _components(n: int, pairs: np.ndarray) -> list[list[int]]:
    """Group points that share at least one conflicting candidate pair (union-find)."""
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in pairs:
        ra, rb = find(int(a)), find(int(b))
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())


class _Search:
    """Branch and bound over candidate bitsets: fewest-options-first, cheapest candidate first."""

    def __init__(self, domains: dict[int, int], conflict: list[int], cost: list[float]) -> None:
        self.conflict = conflict
        self.cost = cost
        self.domains = domains
        self.best: dict[int, int] | None = None
        self.best_cost = math.inf
        self.deepest: dict[int, int] = {}
        self.steps = 0
        self.exhausted = False

    def _floor(self, domains: dict[int, int]) -> float:
        # Candidates are numbered cheapest first within a point, so the lowest bit is cheapest.
        return sum(self.cost[(d & -d).bit_length() - 1] for d in domains.values())

    def run(self) -> None:
        self._visit({}, self.domains, 0.0)

    def _visit(self, chosen: dict[int, int], domains: dict[int, int], cost: float) -> None:
        self.steps += 1
        if self.steps > SEARCH_BUDGET:
            self.exhausted = True
            return
        if len(chosen) > len(self.deepest):
            self.deepest = dict(chosen)
        if not domains:
            if cost < self.best_cost:
                self.best, self.best_cost = dict(chosen), cost
            return
        point = min(domains, key=lambda p: (domains[p].bit_count(), p))
        options = domains[point]
        rest = {p: d for p, d in domains.items() if p != point}
        while options and not self.exhausted:
            low = options & -options
            options ^= low
            cand = low.bit_length() - 1
            mask = ~self.conflict[cand]
            narrowed = {p: d & mask for p, d in rest.items()}
            if not all(narrowed.values()):
                continue
            total = cost + self.cost[cand]
            if total + self._floor(narrowed) >= self.best_cost:
                continue
            chosen[point] = cand
            self._visit(chosen, narrowed, total)
            del chosen[point]


def place_labels(
    points: Sequence[tuple[float, float]],
    texts: Sequence[str],
    *,
    width: float,
    height: float,
    font_size: float,
    marker_radius: float,
    obstacles: Sequence[Rect] = (),
    padding: float = 2.0,
    bold: bool = False,
) -> list[LabelBox]:
    """Place one label per point so that no two labels, markers or obstacles collide.

    Parameters
    ----------
    points
        Marker centres in pixels, (0, 0) at the plot's top-left corner.
    texts
        One label per point, set at `font_size` (bold if `bold`) in any of the measured fonts.
    width, height
        The plot area in pixels; every label box stays inside it.
    font_size
        Label font size in pixels.
    marker_radius
        Radius of every point's marker in pixels (see `symbol_radius`).
    obstacles
        Further rectangles (x0, y0, x1, y1) labels must avoid, such as a legend inside the plot.
    padding
        Least distance in pixels between a label box and another label box, a marker or an
        obstacle.

    Returns
    -------
    list[LabelBox]
        For each point, in order, the text anchor with its `align` and `baseline`, and the box
        the text covers in any of the measured fonts.

    Raises
    ------
    ChartspecError
        When no placement without collisions exists (or none was found within the search
        budget); the message names the labels that could not be placed.
    """
    import numpy as np

    if len(points) != len(texts):
        msg = f"place_labels got {len(points)} points but {len(texts)} texts"
        raise ValueError(msg)
    for (x, y), text in zip(points, texts, strict=True):
        if not (math.isfinite(x) and math.isfinite(y)):
            raise ChartspecError(f"label {text!r} has no finite position ({x}, {y})")
    if not points:
        return []

    candidates = [
        cand
        for i, (point, text) in enumerate(zip(points, texts, strict=True))
        for cand in _candidates(
            i, point, text, size=font_size, bold=bold, radius=marker_radius, padding=padding
        )
    ]
    boxes = np.array([(c.box.x0, c.box.y0, c.box.x1, c.box.y1) for c in candidates])
    owners = np.array([c.point for c in candidates])
    blocked = _blocked(
        boxes,
        np.asarray(points, dtype=float).reshape(-1, 2),
        np.asarray(obstacles, dtype=float).reshape(-1, 4),
        width=width,
        height=height,
        radius=marker_radius,
        padding=padding,
    )
    keep = np.flatnonzero(~blocked)
    candidates = [candidates[i] for i in keep]
    boxes, owners = boxes[keep], owners[keep]

    stuck = sorted(set(range(len(points))) - set(owners.tolist()))
    if stuck:
        _fail(texts, stuck, "every position is blocked by a marker, an obstacle or the plot edge")

    close = _conflicts(boxes, owners, padding=padding)
    rows, cols = np.nonzero(np.triu(close))
    conflict = [0] * len(candidates)
    for a, b in zip(rows.tolist(), cols.tolist(), strict=True):
        conflict[a] |= 1 << b
        conflict[b] |= 1 << a
    domains: dict[int, int] = {}
    for index, owner in enumerate(owners.tolist()):
        domains[owner] = domains.get(owner, 0) | (1 << index)
    cost = [c.cost for c in candidates]

    chosen: dict[int, int] = {}
    pairs = np.stack([owners[rows], owners[cols]], axis=1)
    for group in _components(len(points), pairs):
        search = _Search({p: domains[p] for p in group}, conflict, cost)
        search.run()
        if search.best is None:
            missing = sorted(set(group) - set(search.deepest))
            reason = "they would overlap other labels or markers"
            if search.exhausted:
                reason += f" (gave up after {SEARCH_BUDGET} search steps)"
            _fail(texts, missing or group, reason)
        chosen.update(search.best)
    return [candidates[chosen[i]].box for i in range(len(points))]


def _fail(texts: Sequence[str], indices: Sequence[int], reason: str) -> NoReturn:
    """Raise the error for labels that could not be placed."""
    names = ", ".join(repr(texts[i]) for i in indices)
    raise ChartspecError(
        f"cannot place labels without collisions: {names}: {reason}",
        hint="enlarge the chart, shorten or drop labels, or use a smaller font",
    )


LABEL_COLUMNS = ("label_x", "label_y", "label_align", "label_baseline")
"""The columns `label_points` adds to a chart's data: where each label's text mark goes."""

# Vega-Lite's default area of point, circle and square marks.
_DEFAULT_SYMBOL_SIZE = 30.0


def label_points(
    points: alt.Chart,
    text: str,
    *,
    font_size: float = 11,
    bold: bool = False,
    padding: float = 2.0,
    obstacles: Sequence[Rect] = (),
    **encodings: Any,
) -> alt.LayerChart:
    """Label every point of an Altair point chart with the value of its `text` column.

    The chart's width, height, x and y scales (linear or log) and marker size are read from the
    chart itself, the scales' domains and ranges as Vega draws them (its `nice`, `zero` and
    default size included), and the domains are then written into the chart's scales so the
    labels cannot move them; labels are placed where no two of them, no label and
    point, and no label and obstacle come within `padding` pixels, and no label leaves the plot,
    whether the reader's machine draws them in Fira Sans, DejaVu Sans or Liberation Sans
    (Arial). The labels' text mark names those fonts, so nothing else needs configuring.

    Parameters
    ----------
    points
        A single-view chart with a `point`, `circle` or `square` mark, a pandas DataFrame as its
        data and quantitative `x` and `y` fields.
    text
        The data column whose values label the points.
    font_size, bold
        The labels' font size in pixels and weight.
    padding
        Least distance in pixels between a label and anything else.
    obstacles
        Rectangles (x0, y0, x1, y1) in the plot's pixels that labels avoid, such as a legend
        drawn inside the plot.
    **encodings
        Further encodings of the labels' text mark, such as `color`.

    Returns
    -------
    alt.LayerChart
        The points and their labels over the chart's data with the `LABEL_COLUMNS` added;
        width, height and configuration move from `points` to the layer. Labels are hidden from
        screen readers, which hear each point's own description.

    Raises
    ------
    ChartspecError
        When the chart does not say what placement needs (the message says what to set), or
        when no collision-free placement exists.
    """
    # deferred: chart code labels points; laying a page out for a narrower width does not
    import altair as alt
    import pandas as pd

    from chartspec import render  # deferred with them: vl-convert

    if not isinstance(points, alt.Chart):
        msg = f"label_points labels one point chart (alt.Chart), not {type(points).__name__}"
        raise ChartspecError(msg, hint="label the point layer, then layer the result with others")
    table = points.data
    if not isinstance(table, pd.DataFrame):
        raise ChartspecError(
            "label_points needs the chart's data as a pandas DataFrame",
            hint="pass the table to alt.Chart(...) instead of a URL or a named dataset",
        )
    if text not in table.columns:
        raise ChartspecError(f"label_points: the chart's data has no column {text!r}")
    taken = sorted(set(LABEL_COLUMNS) & set(table.columns))
    if taken:
        raise ChartspecError(f"label_points adds the columns {taken}; rename the data's own")
    # Serialised without its rows, so field types are inferred but the data is not copied.
    probe = points.copy(ignore=["data"])
    probe.data = table.iloc[:0]
    spec = probe.to_dict(validate=False)
    if spec.get("transform"):
        raise ChartspecError(
            "label_points cannot follow the chart's transforms",
            hint="compute the columns in pandas before making the chart",
        )
    x_field, y_field = _field(spec, "x"), _field(spec, "y")
    for key in ("width", "height"):
        _refuse_other_sizes(spec, key)
    drawn = render.position_scales(_with_rows(spec, table[[x_field, y_field]]))
    x_scale, y_scale = _scale(spec, "x", *drawn["x"]), _scale(spec, "y", *drawn["y"])
    width, height = max(x_scale.range), max(y_scale.range)
    boxes = place_labels(
        [
            (x_scale.to_pixel(x), y_scale.to_pixel(y))
            for x, y in zip(table[x_field], table[y_field], strict=True)
        ],
        [str(value) for value in table[text]],
        width=width,
        height=height,
        font_size=font_size,
        marker_radius=_marker_radius(spec),
        obstacles=obstacles,
        padding=padding,
        bold=bold,
    )
    table = table.copy()
    table["label_x"] = [x_scale.to_data(box.cx) for box in boxes]
    table["label_y"] = [y_scale.to_data(box.cy) for box in boxes]
    table["label_align"] = [box.align for box in boxes]
    table["label_baseline"] = [box.baseline for box in boxes]

    encoding = spec["encoding"]
    labels = (
        alt.Chart()
        .mark_text(
            font=FONT_STACK,
            fontSize=font_size,
            fontWeight="bold" if bold else "normal",
            align=alt.ExprRef("datum.label_align"),
            baseline=alt.ExprRef("datum.label_baseline"),
            aria=False,
        )
        .encode(
            x=alt.X(field="label_x", **_shared_axis(encoding["x"], x_scale.domain)),
            y=alt.Y(field="label_y", **_shared_axis(encoding["y"], y_scale.domain)),
            text=alt.Text(field=text, type="nominal"),
            **encodings,
        )
    )
    unit = points.copy(ignore=["data"])
    config = unit.config
    unit.data = unit.width = unit.height = unit.config = alt.Undefined
    for channel, scale in (("x", x_scale), ("y", y_scale)):
        getattr(unit.encoding, channel).scale = _stated_scale(encoding[channel], scale.domain)
    layered = alt.LayerChart(
        layer=[unit, labels],
        data=table,
        width=spec.get("width", alt.Undefined),
        height=spec.get("height", alt.Undefined),
    )
    if config is not alt.Undefined:
        layered.config = config
    return layered


def relabel_view(
    points: dict[str, Any],
    rows: Sequence[dict[str, Any]],
    text: str,
    *,
    width: float,
    height: float,
    font_size: float,
    bold: bool = False,
    padding: float = 2.0,
) -> list[dict[str, Any]]:
    """Return copies of `rows` with their `LABEL_COLUMNS` placed again for a plot of another size.

    `points` is the point layer of a spec `label_points` made (its mark and its encoding, whose
    x and y scales state their domains); the labels then fit a plot `width` x `height` pixels
    as `label_points` would place them there.
    """
    view = {"mark": points.get("mark"), "encoding": points.get("encoding", {})}
    x_field, y_field = _field(view, "x"), _field(view, "y")
    scales = {}
    for channel, pixels in (("x", [0.0, width]), ("y", [height, 0.0])):
        scale = view["encoding"][channel].get("scale") or {}
        domain = scale.get("domain")
        if not (isinstance(domain, list) and len(domain) == 2):
            raise ChartspecError(f"the {channel} scale states no domain to place labels in")
        scales[channel] = _scale(
            view, channel, domain, pixels[::-1] if scale.get("reverse") else pixels
        )
    x_scale, y_scale = scales["x"], scales["y"]
    boxes = place_labels(
        [(x_scale.to_pixel(row[x_field]), y_scale.to_pixel(row[y_field])) for row in rows],
        [str(row[text]) for row in rows],
        width=width,
        height=height,
        font_size=font_size,
        marker_radius=_marker_radius(view),
        padding=padding,
        bold=bold,
    )
    return [
        {
            **row,
            "label_x": x_scale.to_data(box.cx),
            "label_y": y_scale.to_data(box.cy),
            "label_align": box.align,
            "label_baseline": box.baseline,
        }
        for row, box in zip(rows, boxes, strict=True)
    ]


def _shared_axis(channel: dict[str, Any], domain: tuple[float, float]) -> dict[str, Any]:
    """Return a label position's scale, axis and title: the point's, so the layer shares them."""
    # Vega-Lite merges the layers' axes: another title would be appended, no axis drops it.
    shared = {"type": "quantitative", "title": channel.get("title", channel["field"])}
    if "axis" in channel:
        shared["axis"] = channel["axis"]
    shared["scale"] = _stated_scale(channel, domain)
    return shared


# Scale properties that only decide the domain: once it is stated they would change it again.
_DOMAIN_MAKERS = ("nice", "zero", "padding", "domainMin", "domainMax", "domainMid")


def _stated_scale(channel: dict[str, Any], domain: tuple[float, float]) -> alt.Scale:
    """Return a channel's scale with the domain the labels were placed in written out.

    A domain Vega chose from the data would otherwise grow to take in the labels' positions.
    """
    import altair as alt

    scale = dict(channel.get("scale") or {})
    if "domain" not in scale:
        scale = {k: v for k, v in scale.items() if k not in _DOMAIN_MAKERS}
        scale["domain"] = list(domain)
    return alt.Scale(**scale)


def _refuse_other_sizes(spec: dict[str, Any], key: str) -> None:
    """Refuse a width or height that is not a number of pixels (unset takes Vega-Lite's default)."""
    value = spec.get(key)
    if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
        return
    raise ChartspecError(
        f"label_points needs the chart's {key} in pixels, got {value!r}",
        hint=f"call .properties({key}=...) with a number on the point chart",
    )


def _field(spec: dict[str, Any], channel: str) -> str:
    """Return a position channel's quantitative field, or say what the chart must set."""
    enc = spec.get("encoding", {}).get(channel)
    if not isinstance(enc, dict) or "field" not in enc or enc.get("type") != "quantitative":
        raise ChartspecError(
            f"label_points needs a quantitative {channel} field, got {enc!r}",
            hint=f"encode {channel}=alt.{channel.upper()}('column:Q', ...)",
        )
    return str(enc["field"])


def _with_rows(spec: dict[str, Any], rows: pd.DataFrame) -> dict[str, Any]:
    """Return the spec with `rows` as its inline data, empty cells as nulls."""
    values = rows.astype(object).where(rows.notna(), None).to_dict("records")
    return {**{k: v for k, v in spec.items() if k != "datasets"}, "data": {"values": values}}


def _scale(
    spec: dict[str, Any], channel: str, domain: list[float], pixels: list[float]
) -> LinearScale | LogScale:
    """Return the scale Vega drew a position channel with, if labels can follow it."""
    kind = (spec["encoding"][channel].get("scale") or {}).get("type", "linear")
    if kind not in ("linear", "log"):
        raise ChartspecError(
            f"label_points cannot place labels on a {kind!r} {channel} scale",
            hint=f"give {channel} alt.Scale(type='linear' or 'log')",
        )
    bounds = (float(domain[0]), float(domain[-1]))
    extent = (float(pixels[0]), float(pixels[-1]))
    return LogScale(bounds, extent) if kind == "log" else LinearScale(bounds, extent)


def _marker_radius(spec: dict[str, Any]) -> float:
    """Return the radius of the circle around every marker of a point chart."""
    mark = spec.get("mark")
    mark = mark if isinstance(mark, dict) else {"type": mark}
    if mark.get("type") not in ("point", "circle", "square"):
        raise ChartspecError(
            f"label_points labels point, circle or square marks, not {mark.get('type')!r}"
        )
    if "size" in spec.get("encoding", {}):
        raise ChartspecError(
            "label_points needs one marker size, but size is encoded by the data",
            hint="set the size on the mark, e.g. mark_point(size=60)",
        )
    size = mark.get("size", _DEFAULT_SYMBOL_SIZE)
    # Vega-Lite strokes points 2 px wide by default (filled ones too, should they get a stroke).
    radius = symbol_radius(float(size), stroke_width=float(mark.get("strokeWidth", 2)))
    shape_channel = spec.get("encoding", {}).get("shape", {})
    shape = shape_channel.get("value", mark.get("shape", "circle"))
    if "field" in shape_channel or "condition" in shape_channel:
        shape = None  # shapes chosen by the data
    if mark["type"] == "square" or shape != "circle":
        return radius * math.sqrt(2)  # the circle around any other Vega symbol of this size
    return radius
