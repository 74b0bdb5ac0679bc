"""Collision-free placement of one text label per point, in pixel space.

A chart computes its points' pixel positions with `LinearScale` / `LogScale`, calls
`place_labels`, and draws each label as a text mark with `align="center"`,
`baseline="middle"` at the returned centre (converted back to data with the same scales).
The search is exact and deterministic: it returns a placement in which no label box comes
within `padding` pixels of another label box, of any point's marker or of any obstacle, and
every box lies inside the plot; when it finds none it raises ChartspecError naming the labels.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NoReturn, Protocol

import numpy as np

from chartspec.errors import ChartspecError
from chartspec.fonts import text_bounds, text_height, text_width

Rect = tuple[float, float, float, float]
"""An axis-aligned rectangle (x0, y0, x1, y1) in pixels, y growing downwards."""

# Where a label sits around its point, with its base cost: right first, then above, then the
# diagonals and the other sides; the *_l/*_r entries slide an above/below label sideways.
_DIAGONAL = math.sqrt(0.5)
POSITIONS: dict[str, float] = {
    "E": 0.0,
    "N": 1.0,
    "N_r": 1.25,
    "NE": 1.5,
    "N_l": 1.75,
    "SE": 2.5,
    "W": 3.0,
    "NW": 3.5,
    "S": 4.0,
    "S_r": 4.25,
    "S_l": 4.5,
    "SW": 5.0,
}
# Gaps between marker edge and label, in font sizes beyond `padding`; each step costs more.
GAP_STEPS: tuple[float, ...] = (0.0, 1 / 3, 2 / 3, 1.0, 1.5)
GAP_STEP_COST = 3.0
# Search steps per group of interacting labels before giving up (keeps worst cases bounded).
SEARCH_BUDGET = 20_000


@dataclass(frozen=True)
class LabelBox:
    """A placed label: the text mark's anchor (cx, cy) and its box (x0, y0)-(x1, y1) in pixels."""

    cx: float
    cy: float
    x0: float
    y0: float
    x1: float
    y1: float

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


def _box_at(text: str, left: float, top: float, *, size: float, bold: bool) -> LabelBox:
    """Return the label box whose top-left corner is (left, top), with Vega's text anchor."""
    # Vega puts a middle-baseline text's box slightly off its anchor; ask for the offset.
    bx0, by0, bx1, _ = text_bounds(text, x=0.0, y=0.0, size=size, bold=bold)
    cx, cy = left - bx0, top - by0
    return LabelBox(cx, cy, left, top, left + (bx1 - bx0), top + text_height(size))


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
    w, h = text_width(text, size=size, bold=bold), text_height(size)
    out = []
    for step, gap in enumerate(GAP_STEPS):
        d = radius + padding + gap * size
        c = d * _DIAGONAL
        corners = {
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
        }
        for name, base in POSITIONS.items():
            left, top = corners[name]
            box = _box_at(text, left, top, size=size, bold=bold)
            out.append(_Candidate(index, base + GAP_STEP_COST * step, box))
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
        One label per point, set in the bundled font at `font_size` (bold if `bold`).
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
        For each point, in order, the text anchor (for `align="center"`, `baseline="middle"`)
        and the box the text occupies, as Vega computes it.

    Raises
    ------
    ChartspecError
        When no placement without collisions exists (or none was found within the search
        budget); the message names the labels that could not be placed.
    """
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
