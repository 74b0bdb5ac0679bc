"""The command line itself; the catalogue of bad inputs is in test_bad_inputs.py."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

CHART = """
from pathlib import Path

import altair as alt
from chartspec import Column, TableSchema, chart, load_table, with_key

SCHEMA = TableSchema(
    [Column("model"), Column("speed", "number", positive=True), Column("score", "number")],
    key="model",
)


@chart("speed", title="Speed", description="Speed against score.", source="made up")
def speed():
    table = load_table(Path(__file__).parent / "data.csv", SCHEMA)
    points = alt.Chart(table).mark_point().encode(
        x=alt.X("speed:Q", scale=alt.Scale(type="log")), y="score:Q"
    )
    return with_key(points, "model")
"""
GOOD_CSV = "model,speed,score\na,700,47.8\nb,500,45.5\n"


@pytest.fixture
def project(tmp_path, cli):
    """A user's chart folder, built once so that a spec exists to be protected."""
    charts = tmp_path / "charts"
    charts.mkdir()
    (charts / "speed.py").write_text(textwrap.dedent(CHART))
    (charts / "data.csv").write_text(GOOD_CSV)
    done = cli("build", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return tmp_path


def fails_cleanly(cli, project: Path, *args: str) -> str:
    """Run a failing command; assert exit 2, one stderr line, and the spec untouched."""
    spec = project / "specs" / "speed.vl.json"
    before = spec.read_bytes()
    done = cli(*args, cwd=project)
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert spec.read_bytes() == before
    assert sorted(p.name for p in spec.parent.iterdir()) == ["speed.vl.json"]
    return lines[0].replace(str(project) + "/", "")


def test_unknown_chart_name(project, cli):
    assert fails_cleanly(cli, project, "build", "nope") == (
        "chartspec: error: unknown chart 'nope'; known charts: speed (see `chartspec list`)"
    )


def test_unknown_command_is_a_usage_error(project, cli):
    done = cli("frobnicate", cwd=project)
    assert done.returncode == 2 and "No such command 'frobnicate'" in done.stderr


def test_check_reports_readable_schema_errors(project, cli):
    bad = project / "typo.vl.json"
    bad.write_text(
        '{"title": "t", "description": "d", "data": {"values": [{"a": 1}]},'
        ' "layer": [{"mark": {"type": "circl"}, "encoding": {"x": {"field": "a", "type": "quantitative"}}}]}'
    )
    done = cli("check", str(bad), cwd=project)
    assert done.returncode == 1
    assert "layer[0].mark.type: 'circl' is not a mark type; did you mean 'circle'?" in done.stdout


def test_help_documents_exit_codes(cli):
    done = cli("--help")
    assert done.returncode == 0
    for line in ("0  success", "1  a check failed", "2  bad input or usage", "3  a bug"):
        assert line in done.stdout


def test_project_settings_apply_to_every_command(project, cli):
    (project / "pyproject.toml").write_text('[tool.chartspec]\ndata = "external"\ninline-max-rows = 0\n')
    assert cli("build", cwd=project).returncode == 0
    assert [p.suffix for p in (project / "specs" / "data").iterdir()] == [".csv"]
    done = cli("check", cwd=project)  # no flags: check reads the same settings as build
    assert done.returncode == 0, done.stdout + done.stderr


def test_unknown_project_setting(project, cli):
    (project / "pyproject.toml").write_text("[tool.chartspec]\ndatta = 1\n")
    done = cli("build", cwd=project)
    assert done.returncode == 2
    assert done.stderr.startswith("chartspec: error: pyproject.toml: unknown setting 'datta' in [tool.chartspec]")


def test_console_script_is_installed():
    import shutil
    import subprocess

    script = shutil.which("chartspec")
    assert script, "the `chartspec` console script is not on PATH: install the package"
    done = subprocess.run([script, "list"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "memory3-speed-vs-score" in done.stdout
