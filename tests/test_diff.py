"""Semantic diffs: the exact words a reviewer reads, through the API, the CLI and git."""

from __future__ import annotations

import copy
import json
import subprocess
from pathlib import Path

import pytest

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


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nope-rev",), "chartspec: error: unknown revision 'nope-rev'"),
        (("HEAD", "bad.vl.json"), "chartspec: error: cannot compare a spec file with a folder"),
        (("bad.vl.json", "bad.vl.json"), "chartspec: error: bad.vl.json:1:2: not valid JSON"),
        (("a", "b", "--chart", "zzz"), "chartspec: error: no chart named 'zzz' on either side"),
    ],
)
def test_cli_bad_input(git_repo, cli, args, message):
    (git_repo / "bad.vl.json").write_text("{oops")
    (git_repo / "a").mkdir()
    (git_repo / "b").mkdir()
    done = cli("diff", *args, cwd=git_repo)
    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1 and done.stderr.startswith(message), done.stderr


def test_cli_outside_a_git_repository(tmp_path, cli):
    done = cli("diff", cwd=tmp_path, env={"GIT_CEILING_DIRECTORIES": str(tmp_path.parent)})
    assert done.returncode == 2
    assert done.stderr.startswith("chartspec: error: ") and "not a git repository" in done.stderr


# --------------------------------------------------------------------------- git


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True)
    return done.stdout


@pytest.fixture
def git_repo(tmp_path) -> Path:
    """A git repository with two committed charts."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.name", "Test")
    git(repo, "config", "user.email", "test@example.com")
    git(repo, "config", "commit.gpgsign", "false")
    write(repo / "specs" / "speed.vl.json", make_spec())
    write(repo / "specs" / "other.vl.json", make_spec(title="Other"))
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "Add charts")
    return repo


def test_git_revisions(git_repo, cli):
    write(git_repo / "specs" / "speed.vl.json", make_spec(mark="circle"))
    work_tree = cli("diff", cwd=git_repo)  # HEAD against the work tree
    assert work_tree.returncode == 1
    assert work_tree.stdout.splitlines()[:2] == ["speed: changed", "  mark: point → circle"]
    git(git_repo, "commit", "-q", "-am", "Circles")
    done = cli("diff", "HEAD~1", "HEAD", cwd=git_repo)
    assert done.returncode == 1
    assert done.stdout == "speed: changed\n  mark: point → circle\n2 charts compared: 1 changed\n"
    assert cli("diff", cwd=git_repo).returncode == 0


def test_git_revision_with_data_files(git_repo, cli):
    def commit(score: float) -> None:
        spec = make_spec()
        del spec["datasets"]
        spec["data"] = {
            "url": f"data/t.{score}.csv",
            "format": {"type": "csv", "parse": {"score": "number"}},
        }
        write(git_repo / "specs" / "speed.vl.json", spec)
        (git_repo / "specs" / "data").mkdir(exist_ok=True)
        for old in (git_repo / "specs" / "data").iterdir():
            old.unlink()
        (git_repo / "specs" / "data" / f"t.{score}.csv").write_text(f"model,score\nPhi-2,{score}\n")
        git(git_repo, "add", "-A")
        git(git_repo, "commit", "-q", "-m", f"score {score}")

    commit(35.36)
    commit(35.5)
    done = cli("diff", "HEAD~1", "HEAD", "--chart", "speed", cwd=git_repo)
    assert done.stdout.splitlines()[1:] == [
        "  data: rows matched by key column 'model': 1 changed",
        "  data: row 'Phi-2': score 35.36 → 35.5",
        "1 chart compared: 1 changed",
    ]


def test_branches_changing_different_charts_merge_cleanly(git_repo, cli):
    git(git_repo, "checkout", "-q", "-b", "colour")
    write(git_repo / "specs" / "speed.vl.json", make_spec(mark="circle"))
    git(git_repo, "commit", "-q", "-am", "Circles")
    git(git_repo, "checkout", "-q", "main")
    rows = copy.deepcopy(ROWS)
    rows[1]["score"] = 35.5
    write(git_repo / "specs" / "other.vl.json", make_spec(rows, title="Other"))
    git(git_repo, "commit", "-q", "-am", "New Phi-2 score")
    git(git_repo, "merge", "-q", "--no-edit", "colour")  # check=True: fails on a conflict
    done = cli("diff", "HEAD~2", "HEAD", cwd=git_repo)
    assert done.stdout.splitlines() == [
        "other: changed",
        "  data: rows matched by key column 'model': 1 changed",
        "  data: row 'Phi-2': score 35.36 → 35.5",
        "speed: changed",
        "  mark: point → circle",
        "2 charts compared: 2 changed",
    ]


def changed_lines(repo: Path, *paths: str) -> list[str]:
    """Return the removed and added lines of `git diff` (index and work tree against HEAD)."""
    git(repo, "add", "-A")
    out = git(repo, "diff", "--cached", "-M", "-U0", "--", *paths).splitlines()
    return [line for line in out if line[:1] in "+-" and line[:3] not in ("+++", "---")]


def test_one_changed_data_row_is_one_changed_line(git_repo):
    from chartspec.datafiles import externalize_data

    def place(rows: list[dict]) -> None:
        spec, files = externalize_data(make_spec(rows), name="speed", max_inline_rows=0)
        write(git_repo / "specs" / "speed.vl.json", spec)
        for old in (git_repo / "specs" / "data").glob("*"):
            old.unlink()
        for relative, content in files.items():
            (git_repo / "specs" / relative).parent.mkdir(exist_ok=True)
            (git_repo / "specs" / relative).write_bytes(content)

    place(ROWS)
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "External data")
    rows = copy.deepcopy(ROWS)
    rows[1]["score"] = 35.5
    place(rows)
    # External data: the spec changes in one line (the file's URL), the data in one row.
    spec_lines = changed_lines(git_repo, "specs/speed.vl.json")
    assert len(spec_lines) == 2 and all('"url": "data/speed.' in line for line in spec_lines)
    assert changed_lines(git_repo, "specs/data") == ["-Phi-2,35.36,622.2", "+Phi-2,35.5,622.2"]
    # Inline data: one row line, plus the content-hash name where it is defined and used.
    git(git_repo, "commit", "-q", "-m", "New score")
    write(git_repo / "specs" / "speed.vl.json", make_spec(ROWS))
    git(git_repo, "commit", "-q", "-am", "Inline again")
    write(git_repo / "specs" / "speed.vl.json", make_spec(rows))
    inline = changed_lines(git_repo, "specs/speed.vl.json")
    assert len(inline) == 6
    assert [line for line in inline if "Phi-2" in line] == [
        '-      {"model":"Phi-2","score":35.36,"speed":622.2},',
        '+      {"model":"Phi-2","score":35.5,"speed":622.2},',
    ]


def test_textconv_gives_a_semantic_git_diff(git_repo, cli, repo):
    (git_repo / ".gitattributes").write_text("*.vl.json diff=chartspec\n")
    git(git_repo, "config", "diff.chartspec.textconv", f"{cli_command(repo)} textconv")
    rows = copy.deepcopy(ROWS)
    rows[1]["score"] = 35.5
    write(git_repo / "specs" / "speed.vl.json", make_spec(rows, mark="circle"))
    changed = [
        line
        for line in git(git_repo, "diff", "-U0", "--", "specs/speed.vl.json").splitlines()
        if line[:1] in "+-" and line[:3] not in ("+++", "---")
    ]
    assert changed == [
        "-mark: point",
        "+mark: circle",
        "-data: row 'Phi-2': score 35.36",
        "+data: row 'Phi-2': score 35.5",
    ]
    same = cli("diff", "--textconv", git_repo / "specs" / "speed.vl.json")
    assert same.returncode == 0 and "mark: circle" in same.stdout.splitlines()


def cli_command(repo: Path) -> str:
    """Return a shell command that runs this checkout's chartspec."""
    import shlex
    import sys

    path = shlex.quote(str(repo / "src"))
    return f"env PYTHONPATH={path} {shlex.quote(sys.executable)} -m chartspec"


def test_visual_side_by_side(git_repo, cli):
    from PIL import Image

    write(git_repo / "specs" / "speed.vl.json", make_spec(mark="circle"))
    done = cli("diff", "--visual", "shots", cwd=git_repo)
    assert done.returncode == 1, done.stderr
    assert sorted(p.name for p in (git_repo / "shots").iterdir()) == ["speed.png"]
    image = Image.open(git_repo / "shots" / "speed.png")
    single = Image.open(
        __import__("io").BytesIO(__import__("vl_convert").vegalite_to_png(make_spec()))
    )
    assert image.width > 2 * single.width and image.height > single.height
