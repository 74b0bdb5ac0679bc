"""`chartspec init`: a new project that builds, checks, publishes and exports as it is."""

from __future__ import annotations

import pytest

from chartspec.errors import ChartspecError
from chartspec.scaffold import init_project


def test_init_writes_the_template(tmp_path):
    written = init_project(tmp_path / "new")
    names = sorted(p.relative_to(tmp_path / "new").as_posix() for p in written)
    assert names == [".gitignore", "README.md", "charts/rainfall.py", "data/rainfall.csv"]


def test_init_accepts_an_empty_folder_and_refuses_a_non_empty_one(tmp_path):
    assert init_project(tmp_path)
    with pytest.raises(ChartspecError) as caught:
        init_project(tmp_path)
    assert str(caught.value) == f"{tmp_path}: the folder is not empty; choose a new or empty folder"
    (tmp_path / "file").write_text("x")
    with pytest.raises(ChartspecError, match="not a folder"):
        init_project(tmp_path / "file")


def test_new_project_builds_checks_publishes_and_exports(tmp_path, cli):
    project = tmp_path / "my-charts"
    done = cli("init", project)
    assert done.returncode == 0, done.stderr
    assert "created 4 file(s)" in done.stdout
    for command in (
        ["build"],
        ["check"],
        ["list"],
        ["site", "--out", "public"],
        ["export", "--format", "svg"],
    ):
        done = cli(*command, cwd=project)
        assert done.returncode == 0, (command, done.stdout, done.stderr)
    assert (project / "specs" / "rainfall-by-city.vl.json").is_file()
    assert (project / "site" / "rainfall-by-city.html").is_file()
    assert (project / "public" / "rainfall-by-city.html").is_file()
    assert (project / "exports" / "rainfall-by-city.svg").read_text().startswith("<svg")


def test_init_refuses_a_non_empty_folder_on_the_command_line(tmp_path, cli):
    (tmp_path / "notes.txt").write_text("mine")
    done = cli("init", tmp_path)
    assert done.returncode == 2
    assert done.stderr == (
        f"chartspec: error: {tmp_path}: the folder is not empty; choose a new or empty folder\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
