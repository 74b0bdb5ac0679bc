"""The Memory³ figure: faithful to the paper's tables, and readable when rendered."""

from __future__ import annotations

import csv
import json
from itertools import combinations

import pytest
import vl_convert as vlc

from chartspec.fonts import register_fonts, text_bounds
from conftest import REPO

SPEC_FILE = REPO / "specs" / "memory3-speed-vs-score.vl.json"
DATA = REPO / "src" / "chartspec_demos" / "data"
LABELS = [
    "Memory³-2B-SFT",
    "MiniCPM-2B-SFT",
    "Gemma-2B-it",
    "Llama2-7B-Chat",
    "Phi-2",
    "Qwen1.5-1.8B-Chat",
    "Qwen1.5-4B-Chat",
]


def rows(name: str) -> dict[str, dict[str, str]]:
    with (DATA / name).open(encoding="utf-8") as handle:
        return {row["model"]: row for row in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def spec():
    return json.loads(SPEC_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def points(spec):
    (rows_,) = spec["datasets"].values()
    return {row["model"]: row for row in rows_}


def test_axes_and_colours(spec):
    points_layer, labels_layer = spec["layer"]
    x, y = points_layer["encoding"]["x"], points_layer["encoding"]["y"]
    assert x["scale"]["type"] == "log"
    assert x["axis"]["title"] == "Decoding speed with retrieval (token/sec)"
    assert y["axis"]["title"] == "Professional tasks with retrieval (avg score)"
    assert y["axis"]["values"] == [35 + 2.5 * i for i in range(9)]
    color = points_layer["encoding"]["color"]
    assert color["scale"] == {
        "domain": ["Memory³ (explicit memory)", "Other models (with RAG)"],
        "range": ["#d62728", "#1f77b4"],
    }
    assert color["legend"]["orient"] == "top-left"
    assert labels_layer["mark"]["type"] == "text"
    assert spec["title"]["text"] == "Decoding speed vs. professional task performance"
    assert "Tables 20 and 21" in " ".join(spec["title"]["subtitle"])
    assert "Memory³-2B-SFT" in spec["description"]


def test_seven_points_with_the_papers_numbers(points):
    assert sorted(points) == sorted(LABELS)
    tasks, speed = (
        rows("memory3_table20_professional_tasks.csv"),
        rows("memory3_table21_throughput.csv"),
    )
    with (DATA / "memory3_models.csv").open(encoding="utf-8") as handle:
        mapping = list(csv.DictReader(handle))
    for model in mapping:
        point = points[model["label"]]
        task = tasks[model["table20"]]
        expected_y = (float(task["jecqa_5refs"]) + float(task["med_5refs"])) / 2
        assert point["score"] == pytest.approx(expected_y, abs=1e-9)
        assert point["speed"] == pytest.approx(
            float(speed[model["table21"]]["server_with_retrieval"])
        )
    assert points["Memory³-2B-SFT"]["group"] != points["Phi-2"]["group"]
    assert points["Qwen1.5-4B-Chat"]["score"] == pytest.approx(55.755)


def test_every_point_inside_the_domain(spec, points):
    x_domain = spec["layer"][0]["encoding"]["x"]["scale"]["domain"]
    y_domain = spec["layer"][0]["encoding"]["y"]["scale"]["domain"]
    for point in points.values():
        assert x_domain[0] < point["speed"] < x_domain[1]
        assert y_domain[0] < point["score"] < y_domain[1]


def rendered_boxes(spec):
    """Return label boxes, point boxes, the legend box and the plot size from Vega's scenegraph."""
    register_fonts()
    root = vlc.vegalite_to_scenegraph(spec)["scenegraph"]["items"][0]
    marks = {group.get("name"): group for group in root["items"]}
    labels = {
        item["text"]: text_bounds(
            item["text"],
            x=item["x"],
            y=item["y"],
            size=item["fontSize"],
            align=item["align"],
            baseline=item["baseline"],
        )
        for item in marks["layer_1_marks"]["items"]
    }
    points = [
        (item["x"], item["y"], item["size"] ** 0.5 / 2 + item["strokeWidth"] / 2)
        for item in marks["layer_0_marks"]["items"]
    ]
    legend = next(g for g in root["items"] if g.get("role") == "legend")["items"][0]
    legend_box = (
        legend["x"],
        legend["y"],
        legend["x"] + legend["width"],
        legend["y"] + legend["height"],
    )
    return labels, points, legend_box, (root["width"], root["height"])


def overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def hits_circle(box, circle) -> bool:
    x, y, r = circle
    dx, dy = max(box[0] - x, 0, x - box[2]), max(box[1] - y, 0, y - box[3])
    return dx * dx + dy * dy < r * r


def circle_box(circle):
    x, y, r = circle
    return (x - r, y - r, x + r, y + r)


def test_rendered_labels_collide_with_nothing_and_are_not_clipped(spec):
    labels, points, legend, (width, height) = rendered_boxes(spec)
    assert sorted(labels) == sorted(LABELS)
    for (a, box_a), (b, box_b) in combinations(labels.items(), 2):
        assert not overlap(box_a, box_b), (a, b)
    for name, box in labels.items():
        assert not any(hits_circle(box, point) for point in points), name
        assert not overlap(box, legend), name
        assert box[0] >= 0 and box[2] <= width and box[1] >= 0 and box[3] <= height, name
    assert not any(overlap(circle_box(point), legend) for point in points)
