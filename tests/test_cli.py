"""The command line itself; the catalogue of bad inputs is in test_bad_inputs.py."""

from __future__ import annotations

import json
import os
import textwrap
import time
import urllib.request
import warnings
from pathlib import Path

import pytest

import chartspec.build
from chartspec.cli import main
from chartspec.serve import RELOAD_PATH, DevServer
from conftest import PROJECT_CHART, PROJECT_CSV, write_project
from leaks import tree_hashes


def fails_cleanly(cli, project: Path, *args: str) -> str:
    """Run a failing command; assert exit 2, one stderr line, and the specs folder untouched."""
    specs = project / "specs"
    before = {p.name: p.read_bytes() for p in specs.iterdir()}
    assert "speed.vl.json" in before
    done = cli(*args, cwd=project)
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert {p.name: p.read_bytes() for p in specs.iterdir()} == before
    return lines[0].replace(str(project) + "/", "")


def test_unknown_chart_name(project, cli):
    assert fails_cleanly(cli, project, "build", "nope") == (
        "chartspec: error: unknown chart 'nope'; known charts: speed (see `chartspec list`)"
    )


def test_unknown_command_is_a_usage_error(project, cli):
    done = cli("frobnicate", cwd=project)
    assert done.returncode == 2 and "No such command 'frobnicate'" in done.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("build", "--job", "2"),
            "No such option '--job'. Did you mean '--jobs'? See `chartspec build --help`.",
        ),
        (("biuld",), "No such command 'biuld'. Did you mean 'build'? See `chartspec --help`."),
        (("build", "--x"), "No such option '--x'; see `chartspec build --help`"),
        (
            ("export",),
            "Missing option '--format'. Choose from: svg, png, pdf; see `chartspec export --help`",
        ),
    ],
)
def test_usage_errors_read_as_one_line(project, cli, args, message):
    done = cli(*args, cwd=project)
    assert done.returncode == 2
    assert done.stderr == f"chartspec: error: {message}\n"


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
    (project / "pyproject.toml").write_text(
        '[tool.chartspec]\ndata = "external"\ninline-max-rows = 0\n'
    )
    assert cli("build", cwd=project).returncode == 0
    assert [p.suffix for p in (project / "specs" / "data").iterdir()] == [".csv"]
    done = cli("check", cwd=project)  # no flags: check reads the same settings as build
    assert done.returncode == 0, done.stdout + done.stderr


def test_unknown_project_setting(project, cli):
    (project / "pyproject.toml").write_text("[tool.chartspec]\ndatta = 1\n")
    done = cli("build", cwd=project)
    assert done.returncode == 2
    assert done.stderr.startswith(
        "chartspec: error: pyproject.toml: unknown setting 'datta' in [tool.chartspec]"
    )


@pytest.mark.parametrize(
    ("setting", "says"),
    [
        ("cache-limit = 0", "cache-limit = 0 in [tool.chartspec]: 0 is not in the range x>=1"),
        ('data = "outside"', "data = 'outside' in [tool.chartspec]: 'outside' is not one of"),
        ('jobs = "many"', "jobs = 'many' in [tool.chartspec]: 'many' is not a valid integer"),
    ],
)
def test_a_bad_project_setting_names_the_settings_file(project, cli, setting, says):
    (project / "pyproject.toml").write_text(f"[tool.chartspec]\n{setting}\n")
    before = tree_hashes(project)
    done = cli("check", cwd=project)  # a setting `check` does not take is still checked
    assert done.returncode == 2
    assert done.stderr.startswith(f"chartspec: error: pyproject.toml: {says}"), done.stderr
    assert done.stderr.count("\n") == 1
    assert tree_hashes(project) == before


def test_console_script_is_installed():
    import shutil
    import subprocess

    script = shutil.which("chartspec")
    assert script, "the `chartspec` console script is not on PATH: install the package"
    done = subprocess.run([script, "list"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "memory3-speed-vs-score" in done.stdout


def drawing_logged(module: str, name: str) -> str:
    """Return chart module text whose chart function notes in ../drawn.log each time it runs."""
    log = f'    (Path(__file__).parent.parent / "drawn.log").open("a").write("{name}\\n")\n'
    return module.replace("    table = load_table(", log + "    table = load_table(")


def test_serve_rebuilds_only_the_chart_whose_data_changed(tmp_path, serve_cli):
    charts = write_project(tmp_path) / "charts"
    pace = PROJECT_CHART.replace('@chart("speed"', '@chart("pace"').replace("def speed", "def pace")
    pace = drawing_logged(pace.replace('"data.csv"', '"pace.csv"'), "pace")
    (charts / "pace.py").write_text(textwrap.dedent(pace))
    (charts / "speed.py").write_text(textwrap.dedent(drawing_logged(PROJECT_CHART, "speed")))
    (charts / "pace.csv").write_text(PROJECT_CSV)
    log = tmp_path / "drawn.log"

    server = serve_cli(tmp_path, "--jobs", "1")
    assert sorted(log.read_text().split()) == ["pace", "speed"]
    log.unlink()
    page = server.url + "speed.html"
    assert "47.8" in _get(page) and "99.5" not in _get(page)
    pace_spec = tmp_path / "specs" / "pace.vl.json"
    pace_before = (pace_spec.read_bytes(), pace_spec.stat().st_mtime_ns)
    time.sleep(0.3)  # let the watcher start
    edited = charts / "data.csv.new"  # replaced in one step, as editors save
    edited.write_text(PROJECT_CSV.replace("47.8", "99.5"))
    os.replace(edited, charts / "data.csv")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and _version(server) == 0:  # bumped once rebuilt
        time.sleep(0.2)
    assert _version(server) >= 1
    assert "99.5" in _get(page) and "47.8" not in _get(page)
    assert log.read_text().split() == ["speed"]
    assert (pace_spec.read_bytes(), pace_spec.stat().st_mtime_ns) == pace_before
    assert "99.5" in (tmp_path / "specs" / "speed.vl.json").read_text()


def _version(server: DevServer) -> int:
    return json.loads(_get(server.url + RELOAD_PATH.lstrip("/")))["version"]


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as resp:
        return resp.read().decode("utf-8")


def run_main(*args: str) -> int:
    """Run the command in this process, as the console script does; return its exit status."""
    with pytest.raises(SystemExit) as done:
        main(list(args))
    return int(done.value.code)


def test_warnings_print_one_line_only_while_a_command_runs(tmp_path, monkeypatch, capsys):
    (tmp_path / "charts").mkdir()
    (tmp_path / "charts" / "noisy.py").write_text(
        "import warnings\nfrom chartspec import chart\n\nwarnings.warn('careful')\n\n"
        "@chart('noisy', title='N', description='d', source='s')\ndef noisy():\n    return None\n"
    )
    monkeypatch.chdir(tmp_path)
    before = warnings.showwarning
    assert run_main("list") == 0
    assert capsys.readouterr().err == "chartspec: warning: careful\n"
    assert warnings.showwarning is before


def test_debug_comes_from_the_command_line_options(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert run_main("list", "--charts", "nope") == 2
    assert capsys.readouterr().err == (
        "chartspec: error: nope: chart folder not found; check the --charts path\n"
    )
    assert run_main("--debug", "list", "--charts", "nope") == 2
    err = capsys.readouterr().err
    assert err.startswith("Traceback") and err.endswith("check the --charts path\n")


def test_a_failure_of_chartspec_itself_asks_for_a_report(tmp_path, monkeypatch, capsys):
    def broken(charts_dir):
        raise KeyError("x")

    monkeypatch.setattr(chartspec.build, "load_project_charts", broken)
    assert run_main("list") == 3
    assert capsys.readouterr().err.startswith(
        "chartspec: internal error: KeyError: 'x'; this is a bug in chartspec"
    )
