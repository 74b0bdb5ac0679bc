from __future__ import annotations

import json
import math
import re
from pathlib import Path

import altair as alt
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from chartspec.errors import ChartspecError
from chartspec.fonts import FONT_STACK, MEASURED_FAMILIES, baseline_offset, text_ink, text_width
from chartspec.labels import (
    LABEL_COLUMNS,
    LabelBox,
    LinearScale,
    LogScale,
    label_points,
    place_labels,
    symbol_radius,
    text_extent,
)
from chartspec.render import position_scales

WIDTH, HEIGHT = 560, 380
FONT_SIZE = 12
RADIUS = symbol_radius(100)
PADDING = 2.0
EPS = 1e-6

MEMORY3 = {
    "Memory³-2B-SFT": (733.0, 47.8),
    "MiniCPM-2B-SFT": (501.5, 45.47),
    "Gemma-2B-it": (1581, 37.185),
    "Llama2-7B-Chat": (382.8, 36.195),
    "Phi-2": (622.2, 35.36),
    "Qwen1.5-1.8B-Chat": (908.2, 48.185),
    "Qwen1.5-4B-Chat": (460.7, 55.755),
}


def _gap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    """Return the distance between two rectangles (0 when they touch or overlap)."""
    dx = max(a[0] - b[2], b[0] - a[2], 0.0)
    dy = max(a[1] - b[3], b[1] - a[3], 0.0)
    return math.hypot(dx, dy)


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _rect(box: LabelBox) -> tuple[float, float, float, float]:
    return (box.x0, box.y0, box.x1, box.y1)


def font_boxes(text: str, box: LabelBox) -> dict[str, tuple[float, float, float, float]]:
    """Return, per measured family, the box the label's glyphs cover as drawn at its anchor."""
    out = {}
    for family in MEASURED_FAMILIES:
        width = text_width(text, size=FONT_SIZE, family=family)
        above, below = text_ink(text, size=FONT_SIZE, family=family)
        left = box.cx - {"left": 0.0, "center": width / 2, "right": width}[box.align]
        base = box.cy + baseline_offset(box.baseline, FONT_SIZE)
        out[family] = (left, base - above, left + width, base + below)
    return out


def _distance(point: tuple[float, float], rect: tuple[float, float, float, float]) -> float:
    px, py = point
    return math.hypot(min(max(px, rect[0]), rect[2]) - px, min(max(py, rect[1]), rect[3]) - py)


def _wider(rect: tuple[float, float, float, float], align: str) -> tuple[float, ...]:
    """Return the rectangle a text 50% wider would cover, grown the way its anchor grows it."""
    x0, y0, x1, y1 = rect
    more = (x1 - x0) / 2
    grow = {"left": (0, more), "center": (more / 2, more / 2), "right": (more, 0)}[align]
    return (x0 - grow[0], y0, x1 + grow[1], y1)


def assert_valid(
    points: list[tuple[float, float]],
    texts: list[str],
    boxes: list[LabelBox],
    *,
    obstacles: tuple[tuple[float, float, float, float], ...] = (),
    width: float = WIDTH,
    height: float = HEIGHT,
    radius: float = RADIUS,
) -> None:
    """Check a placement from scratch, in each measured font."""
    assert len(boxes) == len(points)
    drawn = []
    for point, text, box in zip(points, texts, boxes, strict=True):
        for family, rect in font_boxes(text, box).items():
            where = (text, family)
            assert rect[0] >= box.x0 - EPS and rect[1] >= box.y0 - EPS, where
            assert rect[2] <= box.x1 + EPS and rect[3] <= box.y1 + EPS, where
            assert rect[0] >= -EPS and rect[1] >= -EPS, where
            assert rect[2] <= width + EPS and rect[3] <= height + EPS, where
            for other in points:
                assert _distance(other, rect) >= radius + PADDING - EPS, (where, other)
            for obstacle in obstacles:
                assert _gap(rect, obstacle) >= PADDING - EPS, where
            # A wider font grows the text away from its own point, never onto it.
            assert _distance(point, _wider(rect, box.align)) >= _distance(point, rect) - EPS
        drawn.append(_rect(box))
    for i, a in enumerate(drawn):
        for b in drawn[i + 1 :]:
            assert not _overlap(a, b)
            assert _gap(a, b) >= PADDING - EPS


names = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.³ ",
    min_size=3,
    max_size=20,
)


@st.composite
def labelled_points(draw: st.DrawFn) -> tuple[list[tuple[float, float]], list[str]]:
    n = draw(st.integers(min_value=3, max_value=12))
    coordinate = st.tuples(
        st.floats(min_value=0, max_value=WIDTH), st.floats(min_value=0, max_value=HEIGHT)
    )
    points = draw(st.lists(coordinate, min_size=n, max_size=n))
    texts = draw(st.lists(names, min_size=n, max_size=n))
    return points, texts


@settings(
    max_examples=300,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(labelled_points())
def test_placements_never_collide(case: tuple[list[tuple[float, float]], list[str]]) -> None:
    points, texts = case
    try:
        boxes = place_labels(
            points,
            texts,
            width=WIDTH,
            height=HEIGHT,
            font_size=FONT_SIZE,
            marker_radius=RADIUS,
            padding=PADDING,
        )
    except ChartspecError as error:
        event("no collision-free placement")
        assert "cannot place labels" in str(error)
        assert any(repr(t) in str(error) for t in texts)
        return
    event("placed")
    assert_valid(points, texts, boxes)


def test_random_sparse_layouts_succeed() -> None:
    # Seeded, spread-out layouts: a sound search places all of them.
    import random

    rng = random.Random(7)
    for _ in range(50):
        n = rng.randint(3, 12)
        points = [(rng.uniform(20, WIDTH - 20), rng.uniform(20, HEIGHT - 20)) for _ in range(n)]
        texts = [f"Model-{rng.randint(1, 99)}B-{'x' * rng.randint(0, 8)}" for _ in range(n)]
        boxes = place_labels(
            points, texts, width=WIDTH, height=HEIGHT, font_size=FONT_SIZE, marker_radius=RADIUS
        )
        assert_valid(points, texts, boxes)


def _memory3_pixels() -> tuple[LogScale, LinearScale, list[tuple[float, float]]]:
    x_scale = LogScale(domain=(330, 2000), range=(0, WIDTH))
    y_scale = LinearScale(domain=(34, 57.5), range=(HEIGHT, 0))
    points = [(x_scale.to_pixel(x), y_scale.to_pixel(y)) for x, y in MEMORY3.values()]
    return x_scale, y_scale, points


def test_memory3_figure_places_all_seven() -> None:
    x_scale, y_scale, points = _memory3_pixels()
    texts = list(MEMORY3)
    boxes = place_labels(
        points, texts, width=WIDTH, height=HEIGHT, font_size=FONT_SIZE, marker_radius=RADIUS
    )
    assert_valid(points, texts, boxes)
    # Anchors convert back into the data domain for a text mark on the same scales.
    for box in boxes:
        x, y = box.data_position(x_scale, y_scale)
        assert 330 <= x <= 2000 and 34 <= y <= 57.5
        assert x_scale.to_pixel(x) == pytest.approx(box.cx)
        assert y_scale.to_pixel(y) == pytest.approx(box.cy)


def test_memory3_with_legend_obstacle() -> None:
    _, _, points = _memory3_pixels()
    texts = list(MEMORY3)
    legend = (WIDTH - 150.0, 0.0, float(WIDTH), 90.0)
    boxes = place_labels(
        points,
        texts,
        width=WIDTH,
        height=HEIGHT,
        font_size=FONT_SIZE,
        marker_radius=RADIUS,
        obstacles=[legend],
    )
    assert_valid(points, texts, boxes, obstacles=(legend,))


def test_lone_point_is_labelled_to_its_right() -> None:
    (box,) = place_labels(
        [(100, 100)], ["Phi-2"], width=WIDTH, height=HEIGHT, font_size=12, marker_radius=5
    )
    assert box.x0 == pytest.approx(100 + 5 + PADDING)
    assert (box.y0 + box.y1) / 2 == pytest.approx(100)
    assert (box.align, box.baseline) == ("left", "middle")
    assert box.cx == pytest.approx(box.x0)


def test_point_at_right_edge_is_labelled_elsewhere() -> None:
    (box,) = place_labels(
        [(WIDTH - 3, 100)],
        ["Gemma-2B-it"],
        width=WIDTH,
        height=HEIGHT,
        font_size=12,
        marker_radius=5,
    )
    assert box.x1 <= WIDTH - 3 - 5


def test_placement_is_deterministic() -> None:
    _, _, points = _memory3_pixels()
    options = {"width": WIDTH, "height": HEIGHT, "font_size": FONT_SIZE, "marker_radius": RADIUS}
    first = place_labels(points, list(MEMORY3), **options)
    assert place_labels(points, list(MEMORY3), **options) == first


def test_impossible_layout_names_the_labels() -> None:
    points = [(40.0, 20.0), (40.0, 20.0), (40.0, 20.0)]
    texts = ["Alpha-model", "Beta-model", "Gamma-model"]
    with pytest.raises(ChartspecError, match="cannot place labels") as caught:
        place_labels(points, texts, width=80, height=40, font_size=12, marker_radius=4)
    assert any(repr(t) in str(caught.value) for t in texts)


def test_fully_blocked_label_is_named() -> None:
    with pytest.raises(ChartspecError, match="'Wide label'.*blocked"):
        place_labels([(20, 15)], ["Wide label"], width=40, height=30, font_size=12, marker_radius=4)


def test_obstacle_covering_the_plot_blocks_everything() -> None:
    with pytest.raises(ChartspecError, match="'Phi-2'"):
        place_labels(
            [(100, 100)],
            ["Phi-2"],
            width=WIDTH,
            height=HEIGHT,
            font_size=12,
            marker_radius=5,
            obstacles=[(0, 0, WIDTH, HEIGHT)],
        )


def test_non_finite_position_is_a_user_error() -> None:
    with pytest.raises(ChartspecError, match="'Phi-2'"):
        place_labels(
            [(math.nan, 1)], ["Phi-2"], width=100, height=100, font_size=12, marker_radius=3
        )


def test_mismatched_lengths_are_a_bug() -> None:
    with pytest.raises(ValueError, match="2 points but 1 texts"):
        place_labels([(1, 1), (2, 2)], ["a"], width=100, height=100, font_size=12, marker_radius=3)


def test_no_points_no_labels() -> None:
    assert place_labels([], [], width=100, height=100, font_size=12, marker_radius=3) == []


def test_linear_scale_round_trips() -> None:
    scale = LinearScale(domain=(34, 57.5), range=(380, 0))
    assert scale.to_pixel(34) == 380
    assert scale.to_pixel(57.5) == 0
    assert scale.to_data(scale.to_pixel(45.47)) == pytest.approx(45.47)


def test_log_scale_round_trips() -> None:
    scale = LogScale(domain=(100, 10_000), range=(0, 200))
    assert scale.to_pixel(1000) == pytest.approx(100)
    assert scale.to_data(50) == pytest.approx(10**2.5)
    assert scale.to_data(scale.to_pixel(733.0)) == pytest.approx(733.0)


@pytest.mark.parametrize("domain", [(0, 10), (-1, 10), (5, 5)])
def test_log_scale_rejects_bad_domains(domain: tuple[float, float]) -> None:
    with pytest.raises(ChartspecError, match="log scale domain"):
        LogScale(domain=domain, range=(0, 100))


def test_log_scale_rejects_non_positive_values() -> None:
    with pytest.raises(ChartspecError, match="positive"):
        LogScale(domain=(1, 10), range=(0, 100)).to_pixel(0)


def test_linear_scale_rejects_empty_domain() -> None:
    with pytest.raises(ChartspecError, match="empty"):
        LinearScale(domain=(1, 1), range=(0, 100))


def test_symbol_radius_follows_vega() -> None:
    assert symbol_radius(100) == 5
    assert symbol_radius(64, stroke_width=2) == 5


def test_vega_lite_draws_labels_at_the_placed_anchors() -> None:
    import vl_convert

    from chartspec.fonts import FONT_FAMILY, register_fonts

    register_fonts()
    x_scale, y_scale, points = _memory3_pixels()
    texts = list(MEMORY3)
    boxes = place_labels(
        points, texts, width=WIDTH, height=HEIGHT, font_size=FONT_SIZE, marker_radius=RADIUS
    )
    rows = []
    for text, box in zip(texts, boxes, strict=True):
        lx, ly = box.data_position(x_scale, y_scale)
        rows.append(
            {"model": text, "lx": lx, "ly": ly, "align": box.align, "baseline": box.baseline}
        )
    spec = {
        "width": WIDTH,
        "height": HEIGHT,
        "data": {"values": rows},
        "mark": {
            "type": "text",
            "align": {"expr": "datum.align"},
            "baseline": {"expr": "datum.baseline"},
            "font": FONT_FAMILY,
            "fontSize": FONT_SIZE,
        },
        "encoding": {
            "x": {
                "field": "lx",
                "type": "quantitative",
                "scale": {"type": "log", "domain": [330, 2000], "nice": False},
            },
            "y": {
                "field": "ly",
                "type": "quantitative",
                "scale": {"domain": [34, 57.5], "nice": False, "zero": False},
            },
            "text": {"field": "model"},
        },
    }
    items = {item["text"]: item for item in _marks(vl_convert.vegalite_to_scenegraph(spec), "text")}
    for text, box in zip(texts, boxes, strict=True):
        assert items[text]["x"] == pytest.approx(box.cx, abs=1e-6)
        assert items[text]["y"] == pytest.approx(box.cy, abs=1e-6)
        assert (items[text]["align"], items[text]["baseline"]) == (box.align, box.baseline)


def _marks(node: object, marktype: str, role: str = "mark") -> list[dict]:
    """Collect the items of every mark of one type and role in a scenegraph."""
    found: list[dict] = []
    if isinstance(node, dict):
        if node.get("marktype") == marktype and node.get("role") == role:
            found.extend(node["items"])
        for value in node.values():
            found.extend(_marks(value, marktype, role))
    elif isinstance(node, list):
        for value in node:
            found.extend(_marks(value, marktype, role))
    return found


def user_chart(**properties: object) -> alt.Chart:
    """A labelled scatter as a user writes it: log x, explicit domains, sizes in pixels."""
    table = pd.DataFrame(
        {"model": list(MEMORY3), "speed": [x for x, _ in MEMORY3.values()]}
        | {"score": [y for _, y in MEMORY3.values()]}
    )
    chart = (
        alt.Chart(table)
        .mark_circle(size=80, opacity=1)
        .encode(
            x=alt.X("speed:Q", scale=alt.Scale(type="log", domain=[300, 2000]), title="Speed"),
            y=alt.Y("score:Q", scale=alt.Scale(domain=[30, 60])),
            tooltip=["model:N"],
        )
    )
    return chart.properties(**({"width": 480, "height": 320} | properties))


def _without(chart: alt.Chart, name: str) -> alt.Chart:
    setattr(chart, name, alt.Undefined)
    return chart


def test_label_points_on_a_users_chart() -> None:
    import vl_convert

    from chartspec.fonts import register_fonts

    register_fonts()
    chart = label_points(user_chart(), "model", font_size=FONT_SIZE, color=alt.value("#333"))
    spec = chart.to_dict()
    assert (spec["width"], spec["height"]) == (480, 320)
    points_layer, labels_layer = spec["layer"]
    assert labels_layer["mark"]["font"] == FONT_STACK
    assert labels_layer["encoding"]["color"] == {"value": "#333"}
    # Both layers share the axes: one title each, not "speed, label_x".
    graph = vl_convert.vegalite_to_scenegraph(spec)
    axis_titles = [item["text"] for item in _marks(graph, "text", "axis-title")]
    assert sorted(axis_titles) == ["Speed", "score"]
    # Check the drawn labels from Vega's own scene, against Vega's own point positions.
    symbols = [(item["x"], item["y"]) for item in _marks(graph, "symbol")]
    texts = [item for item in _marks(graph, "text") if item.get("text") in MEMORY3]
    assert len(symbols) == len(texts) == len(MEMORY3)
    boxes = []
    for item in texts:
        left, top, right, bottom = text_extent(
            item["text"], align=item["align"], baseline=item["baseline"], size=FONT_SIZE
        )
        boxes.append(
            LabelBox(
                item["x"],
                item["y"],
                item["x"] + left,
                item["y"] + top,
                item["x"] + right,
                item["y"] + bottom,
                item["align"],
                item["baseline"],
            )
        )
    by_name = dict(zip([item["text"] for item in texts], boxes, strict=True))
    table = user_chart().data
    points = [symbols[i] for i in range(len(table))]
    assert_valid(
        points,
        list(table["model"]),
        [by_name[name] for name in table["model"]],
        width=480,
        height=320,
        radius=symbol_radius(80, stroke_width=2),
    )


def test_label_points_keeps_the_users_chart_intact() -> None:
    points = user_chart().configure(font="Fira Sans")
    chart = label_points(points, "model")
    assert chart.config == points.config
    assert points.data.columns.tolist() == ["model", "speed", "score"]  # not changed in place
    assert set(LABEL_COLUMNS) <= set(chart.data.columns)


@pytest.mark.parametrize(
    ("x", "y"),
    [
        (alt.X("speed:Q"), alt.Y("score:Q")),
        (
            alt.X("speed:Q", scale=alt.Scale(type="log")),
            alt.Y("score:Q", scale=alt.Scale(zero=False)),
        ),
        (
            alt.X("speed:Q", scale=alt.Scale(reverse=True, padding=12)),
            alt.Y("score:Q", scale=alt.Scale(nice=False, zero=False)),
        ),
    ],
)
def test_label_points_reads_size_and_domains_as_vega_draws_them(x: alt.X, y: alt.Y) -> None:
    """Without a width or domains, labels are placed in the plot Vega draws, which they keep."""
    points = _without(_without(user_chart().encode(x=x, y=y), "width"), "height")
    drawn = position_scales(points.to_dict())
    labelled = label_points(points, "model").to_dict()
    assert position_scales(labelled) == drawn  # the labels' positions did not move a scale
    x_range, y_range = drawn["x"][1], drawn["y"][1]
    assert max(x_range) == 300 and max(y_range) == 300  # Vega-Lite's default size
    rows = labelled["datasets"][labelled["data"]["name"]]
    for row in rows:  # every label's anchor lies inside the plot
        for channel, field in (("x", "label_x"), ("y", "label_y")):
            low, high = sorted(drawn[channel][0])
            assert low <= row[field] <= high


@pytest.mark.parametrize(
    ("chart", "message"),
    [
        (user_chart(width="container"), r"width in pixels.*properties\(width="),
        (user_chart(height={"step": 20}), r"height in pixels"),
        (
            user_chart().encode(x=alt.X("speed:Q", scale=alt.Scale(type="sqrt", domain=[1, 9]))),
            r"'sqrt' x scale.*type='linear' or 'log'",
        ),
        (user_chart().encode(y="model:N"), r"quantitative y field"),
        (user_chart().encode(size="score:Q"), r"one marker size.*mark_point\(size="),
        (user_chart().mark_bar(), r"not 'bar'"),
        (user_chart().transform_filter("datum.score > 40"), r"transforms"),
        (alt.Chart("data.csv").mark_point(), r"pandas DataFrame"),
        (alt.layer(user_chart()), r"not LayerChart"),
    ],
)
def test_label_points_says_what_to_set(chart: alt.TopLevelMixin, message: str) -> None:
    with pytest.raises(ChartspecError, match=message):
        label_points(chart, "model")  # type: ignore[arg-type]


def test_label_points_needs_the_text_column() -> None:
    with pytest.raises(ChartspecError, match="no column 'name'"):
        label_points(user_chart(), "name")


def test_first_chart_doc_example_runs(tmp_path: Path) -> None:
    """The labelled scatter of docs/first-chart.md builds as written."""
    from conftest import REPO, run_cli

    doc = (REPO / "docs" / "first-chart.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```(\w*)\n(.*?)```", doc, flags=re.DOTALL)
    module = next(code for lang, code in blocks if lang == "python" and "label_points" in code)
    csv_text = next(code for lang, code in blocks if lang == "csv" and code.startswith("model,"))
    assert run_cli("init", tmp_path / "project").returncode == 0
    project = tmp_path / "project"
    (project / "data" / "models.csv").write_text(csv_text, encoding="utf-8")
    (project / "charts" / "models.py").write_text(module, encoding="utf-8")
    done = run_cli("build", cwd=project)
    assert done.returncode == 0, done.stderr
    spec = json.loads((project / "specs" / "models-speed-vs-score.vl.json").read_text("utf-8"))
    assert spec["layer"][1]["mark"]["type"] == "text"
    assert run_cli("check", cwd=project).returncode == 0
