"""Semantic diffs: the exact words a reviewer reads, through the API, the CLI and git."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from chartspec.diff import diff_specs, render_json, render_text, spec_to_facts
from chartspec.specs import canonical_spec, spec_to_json

ROWS = [
    {"model": "Memory³-2B-SFT", "score": 47.8, "speed": 733.0},
    {"model": "Phi-2", "score": 35.36, "speed": 622.2},
    {"model": "Gemma-2B-it", "score": 37.185, "speed": 1581.0},
]


def make_spec(rows: list[dict] | None = None, **changes) -> dict:
    """Return a canonical single-view spec like chartspec builds, with `changes` applied."""
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.4.1.json",
        "title": "Speed vs. score",
        "description": "Decoding speed against score.",
        "datasets": {"d": copy.deepcopy(ROWS if rows is None else rows)},
        "data": {"name": "d"},
        "mark": "point",
        "encoding": {
            "x": {"field": "speed", "type": "quantitative", "scale": {"type": "linear"}},
            "y": {"field": "score", "type": "quantitative"},
            "color": {
                "field": "model",
                "type": "nominal",
                "scale": {"range": ["#d62728", "#1f77b4", "#333333"]},
            },
        },
        "usermeta": {"chartspec": {"name": "speed", "key": "model"}},
    }
    for path, value in changes.items():
        *parents, last = path.split("__")
        place = spec
        for part in parents:
            place = place[part]
        place[last] = value
    return canonical_spec(spec, name="speed")


def report(old: dict | None, new: dict | None, name: str = "speed") -> list[str]:
    return render_text([diff_specs(old, new, name=name)]).splitlines()


def test_scale_change():
    new = make_spec(
        encoding__x={"field": "speed", "type": "quantitative", "scale": {"type": "log"}}
    )
    assert report(make_spec(), new) == [
        "speed: changed",
        "  x.scale.type: linear → log",
        "1 chart compared: 1 changed",
    ]


def test_colour_change():
    new = make_spec()
    new["encoding"]["color"]["scale"]["range"][1] = "#ff7f0e"
    assert report(make_spec(), new)[1] == (
        "  color.scale.range: ['#d62728', '#1f77b4', '#333333'] → ['#d62728', '#ff7f0e', '#333333']"
    )


def test_mark_change_and_mark_spelled_two_ways():
    assert report(make_spec(), make_spec(mark="circle"))[1] == "  mark: point → circle"
    # A mark as a string and as {"type": ...} is the same mark.
    assert report(make_spec(), make_spec(mark={"type": "point"})) == ["no changes in 1 chart"]
    assert report(make_spec(), make_spec(mark={"type": "point", "size": 60}))[1:2] == [
        "  mark.size: added 60"
    ]


def test_title_change():
    assert report(make_spec(), make_spec(title="Faster is better"))[1] == (
        "  title: 'Speed vs. score' → 'Faster is better'"
    )


def test_property_added_and_removed():
    new = make_spec()
    new["encoding"]["y"]["axis"] = {"format": ".1f"}
    del new["encoding"]["x"]["scale"]
    assert report(make_spec(), new)[1:3] == [
        '  x.scale: removed (was {"type": "linear"})',
        '  y.axis: added {"format": ".1f"}',
    ]


def test_row_changed_added_removed_by_key():
    rows = copy.deepcopy(ROWS)
    rows[1]["score"] = 35.5
    del rows[2]
    rows.append({"model": "Qwen1.5-4B-Chat", "score": 55.755, "speed": 460.7})
    assert report(make_spec(), make_spec(rows)) == [
        "speed: changed",
        "  data: rows matched by key column 'model': 1 added, 1 removed, 1 changed",
        "  data: row 'Gemma-2B-it' removed: model 'Gemma-2B-it', score 37.185, speed 1581.0",
        "  data: row 'Phi-2': score 35.36 → 35.5",
        "  data: row 'Qwen1.5-4B-Chat' added: model 'Qwen1.5-4B-Chat', score 55.755, speed 460.7",
        "1 chart compared: 1 changed",
    ]


def test_rows_matched_by_a_unique_column_when_no_key_is_declared():
    old, new = make_spec(), make_spec([ROWS[1], ROWS[0] | {"speed": 700.0}])
    for spec in (old, new):
        del spec["usermeta"]
    assert report(old, new)[1:] == [
        "  data: rows matched by key column 'model': 1 removed, 1 changed",
        "  data: row 'Gemma-2B-it' removed: model 'Gemma-2B-it', score 37.185, speed 1581.0",
        "  data: row 'Memory³-2B-SFT': speed 733.0 → 700.0",
        "1 chart compared: 1 changed",
    ]


def test_rows_matched_by_position_without_a_unique_column():
    old = make_spec([{"a": 1, "b": 1}, {"a": 1, "b": 1}])
    new = make_spec([{"a": 1, "b": 1}, {"a": 1, "b": 2}, {"a": 1, "b": 1}])
    assert report(old, new)[1:4] == [
        "  data: rows matched by row position: 1 added, 1 changed",
        "  data: row 2: b 1 → 2",
        "  data: row 3 added: a 1, b 1",
    ]


def test_column_added():
    new = make_spec([row | {"size": "2B"} for row in ROWS])
    assert report(make_spec(), new)[1:] == [
        "  data: column 'size' added",
        "1 chart compared: 1 changed",
    ]


def test_renamed_dataset_or_moved_data_is_no_change():
    renamed = make_spec()
    assert renamed["data"]["name"].startswith("data-")
    inline = make_spec()
    inline["data"] = {"values": inline.pop("datasets").popitem()[1]}
    assert report(make_spec(), inline) == ["no changes in 1 chart"]


def test_layered_spec_paths():
    def layered(mark: str) -> dict:
        spec = make_spec()
        encoding = spec.pop("encoding")
        spec.pop("mark")
        spec["layer"] = [
            {"mark": "point", "encoding": encoding},
            {"mark": mark, "encoding": encoding},
        ]
        return spec

    assert report(layered("text"), layered("rule"))[1] == "  layer[1].mark: text → rule"


def test_chart_added_and_removed_and_json_report():
    diffs = [diff_specs(None, make_spec(), name="new"), diff_specs(make_spec(), None, name="old")]
    assert render_text(diffs).splitlines() == [
        "new: added",
        "old: removed",
        "2 charts compared: 1 added, 1 removed",
    ]
    data = json.loads(render_json(diffs))
    assert data["changed"] is True
    assert [(c["chart"], c["status"]) for c in data["charts"]] == [
        ("new", "added"),
        ("old", "removed"),
    ]


def test_json_report_of_a_changed_cell():
    rows = copy.deepcopy(ROWS)
    rows[1]["score"] = 35.5
    data = json.loads(render_json([diff_specs(make_spec(), make_spec(rows), name="speed")]))
    assert data["charts"][0]["data"][0]["rows"] == [
        {
            "kind": "changed",
            "key": "Phi-2",
            "cells": [{"column": "score", "old": 35.36, "new": 35.5}],
        }
    ]


def test_facts_list_every_cell_on_its_own_line():
    facts = spec_to_facts(make_spec())
    assert "x.scale.type: log" not in facts and "x.scale.type: linear" in facts
    assert "data: 3 rows, matched by key column 'model'" in facts
    assert "data: row 'Phi-2': score 35.36" in facts
    assert not any("data-" in line for line in facts)


# --------------------------------------------------------------------------- the CLI


def write(path: Path, spec: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(spec_to_json(spec), encoding="utf-8")
    return path


def test_cli_two_files(tmp_path, cli):
    old = write(tmp_path / "old" / "speed.vl.json", make_spec())
    new = write(tmp_path / "new" / "speed.vl.json", make_spec(mark="circle"))
    done = cli("diff", old, new)
    assert (done.returncode, done.stdout) == (
        1,
        "speed: changed\n  mark: point → circle\n1 chart compared: 1 changed\n",
    )
    same = cli("diff", old, old)
    assert (same.returncode, same.stdout) == (0, "no changes in 1 chart\n")


def test_cli_two_folders_chart_added_removed_and_json(tmp_path, cli):
    write(tmp_path / "a" / "kept.vl.json", make_spec())
    write(tmp_path / "a" / "gone.vl.json", make_spec())
    write(tmp_path / "b" / "kept.vl.json", make_spec(title="New title"))
    write(tmp_path / "b" / "fresh.vl.json", make_spec())
    done = cli("diff", "a", "b", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        "fresh: added",
        "gone: removed",
        "kept: changed",
        "  title: 'Speed vs. score' → 'New title'",
        "3 charts compared: 1 changed, 1 added, 1 removed",
    ]
    only = cli("diff", "a", "b", "--chart", "kept", "--format", "json", cwd=tmp_path)
    assert only.returncode == 1
    assert json.loads(only.stdout)["charts"][0]["properties"] == [
        {"kind": "changed", "path": "title", "old": "Speed vs. score", "new": "New title"}
    ]


def test_cli_reads_data_files_beside_the_spec(tmp_path, cli):
    for side, score in (("a", 35.36), ("b", 35.5)):
        spec = make_spec()
        del spec["datasets"]
        spec["data"] = {
            "url": "data/table.csv",
            "format": {"type": "csv", "parse": {"score": "number"}},
        }
        write(tmp_path / side / "speed.vl.json", spec)
        (tmp_path / side / "data").mkdir()
        (tmp_path / side / "data" / "table.csv").write_text(f"model,score\nPhi-2,{score}\n")
    done = cli("diff", "a", "b", cwd=tmp_path)
    assert done.stdout.splitlines()[2] == "  data: row 'Phi-2': score 35.36 → 35.5"
