"""External data: content-addressed files beside the spec, canonical CSV, and the round trip."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chartspec.datafiles import externalize_data, table_to_file
from chartspec.diff import diff_specs, resolve_data
from chartspec.spec_data import FilesFrom
from chartspec.specs import canonical_spec
from chartspec.validate import check_spec
from conftest import PROJECT_CSV, run_cli, write_project

ROWS = [
    {"score": 47.8, "model": "Memory³-2B-SFT", "speed": 733.0, "rag": False},
    {"score": 35.36, "model": "Phi-2", "speed": 622.2, "rag": True},
    {"score": 1e-07, "model": 'Tiny, "quoted"', "speed": None, "rag": True},
]


def spec_with(rows: list[dict], *, key: str | None = "model") -> dict:
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.4.1.json",
        "title": "t",
        "description": "d",
        "datasets": {"x": rows},
        "data": {"name": "x"},
        "mark": "point",
        "encoding": {"x": {"field": "speed", "type": "quantitative"}},
    }
    if key:
        spec["usermeta"] = {"chartspec": {"name": "speed", "key": key}}
    return canonical_spec(spec, name="speed")


def test_flat_rows_become_canonical_csv():
    spec, files = externalize_data(spec_with(ROWS), name="speed", max_inline_rows=0)
    ((path, content),) = files.items()
    assert path.startswith("data/speed.") and path.endswith(".csv")
    assert content.decode() == (
        "model,rag,score,speed\n"  # the key column first, then the rest sorted
        "Memory³-2B-SFT,false,47.8,733.0\n"
        "Phi-2,true,35.36,622.2\n"
        '"Tiny, ""quoted""",true,1e-07,\n'
    )
    assert "datasets" not in spec
    assert spec["data"] == {
        "url": path,
        "format": {
            "type": "csv",
            "parse": {"rag": "boolean", "score": "number", "speed": "number"},
        },
    }
    assert [p for p in check_spec(spec) if p.severity == "error"] == []  # data read at build


def read_back(path: str, content: bytes, fmt: dict) -> list | None:
    """Return the rows a spec referring to this one file holds, as `diff` reads them."""
    return resolve_data({"url": path, "format": fmt}, {}, FilesFrom({path: content}.get, where="t"))


def test_csv_reads_back_to_the_same_rows():
    spec, files = externalize_data(spec_with(ROWS), name="speed", max_inline_rows=0)
    ((path, content),) = files.items()
    assert (
        read_back(path, content, spec["data"]["format"])
        == spec_with(ROWS)["datasets"][next(iter(spec_with(ROWS)["datasets"]))]
    )
    assert not diff_specs(
        spec_with(ROWS), spec, name="s", new_files=FilesFrom(files.get, where="test")
    ).changed


cells = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
)


@given(st.lists(st.tuples(cells, cells), min_size=1, max_size=6))
def test_any_table_round_trips(pairs):
    rows = canonical_spec({"datasets": {"x": [{"a": a, "b": b} for a, b in pairs]}})["datasets"]
    (table,) = rows.values()
    path, content, fmt = table_to_file(table, name="t")
    assert read_back(path, content, fmt) == table


def test_nested_or_ragged_rows_become_json():
    for rows in (
        [{"a": [1, 2]}],
        [{"a": 1}, {"b": 2}],
        [{"a": "x"}, {"a": None}],
        [{"a": 1}, {"a": "1"}],
    ):
        spec, files = externalize_data(spec_with(rows, key=None), name="n", max_inline_rows=0)
        ((path, content),) = files.items()
        assert path.endswith(".json") and spec["data"]["format"] == {"type": "json"}
        assert json.loads(content) == rows
        assert content.decode().count("\n") == len(rows) + 2  # one row per line


def test_a_lone_carriage_return_keeps_its_table_in_json():
    # Python's csv writer leaves a lone "\r" unquoted, and CSV readers take it for a line break.
    rows = [{"a": "x\ry"}, {"a": "z"}]
    spec, files = externalize_data(spec_with(rows, key=None), name="n", max_inline_rows=0)
    ((path, content),) = files.items()
    assert path.endswith(".json")
    assert read_back(path, content, spec["data"]["format"]) == rows


def test_small_tables_stay_inline_and_names_are_content_addressed():
    spec = spec_with(ROWS)
    assert externalize_data(spec, name="speed", max_inline_rows=3) == (spec, {})
    _, first = externalize_data(spec, name="speed", max_inline_rows=2)
    _, again = externalize_data(spec_with(list(ROWS)), name="speed", max_inline_rows=2)
    _, other = externalize_data(spec_with(ROWS[:2] + [ROWS[0]]), name="speed", max_inline_rows=2)
    assert first == again and first.keys() != other.keys()


def test_lookup_data_and_layers_are_moved_too():
    spec = spec_with(ROWS)
    spec["transform"] = [
        {"lookup": "model", "from": {"data": {"name": spec["data"]["name"]}, "key": "model"}}
    ]
    spec["layer"] = [{"mark": "point", "data": {"values": ROWS[:2]}}]
    new, files = externalize_data(spec, name="speed", max_inline_rows=1)
    assert len(files) == 2
    assert new["transform"][0]["from"]["data"]["url"] == new["data"]["url"]
    assert new["layer"][0]["data"]["url"] in files


# --------------------------------------------------------------------------- through the CLI

CSV = PROJECT_CSV + "c,600,35.36,2024-03-01\n"
EXTERNAL = ("--data", "external", "--inline-max-rows", "2")


def git(repo, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A user's chart folder in a git repository, built with external data and committed."""
    root = write_project(tmp_path_factory.mktemp("built"), csv=CSV)
    done = run_cli("build", *EXTERNAL, cwd=root)
    assert done.returncode == 0, done.stderr
    git(root, "init", "-q")
    git(root, "config", "user.name", "Test")
    git(root, "config", "user.email", "test@example.com")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "Charts")
    return root


@pytest.fixture
def project(built, tmp_path):
    """A fresh copy of the built project, for one test to change."""
    return Path(shutil.copytree(built, tmp_path / "project", symlinks=True))


def points_in(svg: str) -> int:
    """Count the point marks Vega drew (one path each in the symbol mark's group, or a use of
    the one shape they share)."""
    start = svg.index("mark-symbol")
    group = svg[start : svg.index("</g>", start)]
    return group.count("<path") + group.count("<use")


def data_files(project) -> list[str]:
    folder = project / "specs" / "data"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def test_external_build_checks_clean_and_validates(project, cli):
    (name,) = data_files(project)
    assert name.startswith("speed.") and name.endswith(".csv")
    spec = json.loads((project / "specs" / "speed.vl.json").read_text())
    assert spec["data"]["url"] == f"data/{name}" and "datasets" not in spec
    assert check_spec(spec, base_dir=project / "specs") == []
    done = cli("check", *EXTERNAL, cwd=project)
    assert done.returncode == 0, done.stdout + done.stderr
    # The site and the exports read the data file beside the spec.
    assert "35.36" in (project / "site" / "charts" / "data" / name).read_text()
    assert points_in((project / "site" / "charts" / "speed.svg").read_text()) == 3
    exported = cli("export", "--format", "svg", cwd=project)
    assert exported.returncode == 0, exported.stderr
    assert points_in((project / "exports" / "speed.svg").read_text()) == 3


def test_check_covers_data_files(project, cli):
    (path,) = (project / "specs" / "data").iterdir()
    path.write_text(path.read_text().replace("47.8", "47.9"))
    done = cli("check", *EXTERNAL, cwd=project)
    assert done.returncode == 1
    assert (
        f"specs/data/{path.name}: stale: the data file has changed; run `chartspec build "
        "--charts charts --data external --inline-max-rows 2`" in done.stdout
    )
    path.unlink()
    assert (
        "missing: a spec references this data file" in cli("check", *EXTERNAL, cwd=project).stdout
    )
    (project / "specs" / "data" / "speed.0123456789abcdef.csv").write_text("x\n")
    assert cli("build", *EXTERNAL, cwd=project).returncode == 0
    # Rewritten; the file chartspec did not write is the user's and stays.
    assert data_files(project) == ["speed.0123456789abcdef.csv", path.name]


def test_data_change_replaces_the_file_and_prunes_the_old_one(project, cli):
    (old,) = data_files(project)
    (project / "charts" / "data.csv").write_text(CSV.replace("35.36", "35.5"))
    assert cli("build", *EXTERNAL, cwd=project).returncode == 0
    (new,) = data_files(project)
    assert new != old
    done = cli("diff", cwd=project)
    assert done.returncode == 1
    assert done.stdout.splitlines()[1:3] == [
        "  data: rows matched by key column 'model': 1 changed",
        "  data: row 'c': score 35.36 → 35.5",
    ]


def test_inline_build_removes_data_files_and_check_finds_orphans(project, cli):
    (name,) = data_files(project)
    done = cli("check", cwd=project)  # inline expected: the spec differs, the file is an orphan
    assert done.returncode == 1
    assert f"specs/data/{name}: orphan: no spec references this data file" in done.stdout
    assert cli("build", cwd=project).returncode == 0
    assert data_files(project) == []
    assert cli("diff", cwd=project).stdout == "no changes in 1 chart\n"


@pytest.mark.slow
def test_check_changed_selects_charts_by_their_inputs(project, cli):
    clean = cli("check", "--changed", *EXTERNAL, cwd=project)
    assert (clean.returncode, clean.stdout) == (0, "0 spec(s) checked: all clean\n")
    (project / "charts" / "data.csv").write_text(CSV.replace("35.36", "35.5"))
    stale = cli("check", "--changed", *EXTERNAL, cwd=project)
    assert stale.returncode == 1
    assert "specs/speed.vl.json: stale: chart 'speed'" in stale.stdout
    assert cli("build", *EXTERNAL, cwd=project).returncode == 0
    done = cli("check", "--changed", *EXTERNAL, cwd=project)
    assert (done.returncode, done.stdout) == (0, "1 spec(s) checked: all clean\n")
