from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import chartspec
from chartspec.errors import ChartspecError
from chartspec.registry import builtin_charts, chart, draw_chart, load_charts

GOOD = """
import altair as alt
import pandas as pd
from chartspec import chart

@chart("bars", title="Bars", description="Some bars.", source="made up")
def bars():
    return alt.Chart(pd.DataFrame({"k": ["a"], "v": [1]})).mark_bar().encode(x="k:N", y="v:Q")
"""


def folder_with(tmp_path, **modules: str):
    for name, body in modules.items():
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(body))
    return tmp_path


def test_builtin_charts_include_memory3():
    charts = builtin_charts()
    assert "memory3-speed-vs-score" in charts
    assert builtin_charts().keys() == charts.keys()  # loading twice registers nothing twice


def test_user_folder(tmp_path):
    charts = load_charts(folder_with(tmp_path, good=GOOD))
    assert list(charts) == ["bars"]
    assert charts["bars"].title == "Bars"
    assert draw_chart(charts["bars"]).to_dict()["mark"]["type"] == "bar"


@pytest.mark.parametrize("name", ["Has Space", "../up", "a/b", "", "-dash", "UPPER"])
def test_bad_names_are_refused(name):
    with pytest.raises(ChartspecError, match="is not allowed; use lower-case letters"):
        chart(name, title="t", description="d", source="s")


def test_duplicate_names(tmp_path):
    folder = folder_with(tmp_path, a=GOOD, b=GOOD)
    with pytest.raises(
        ChartspecError, match=r"b\.py:\d+: two charts are named 'bars' \(also at .*a\.py:\d+\)"
    ):
        load_charts(folder)


def test_module_that_does_not_import(tmp_path):
    folder = folder_with(tmp_path, broken="import altair\nx = 1 +\n")
    with pytest.raises(
        ChartspecError, match=r"broken\.py:2: the chart module does not import: SyntaxError"
    ):
        load_charts(folder)


def test_chart_that_raises_names_its_line(tmp_path):
    body = GOOD.replace("return alt.Chart", "raise KeyError('speed')\n    return alt.Chart")
    charts = load_charts(folder_with(tmp_path, oops=body))
    with pytest.raises(
        ChartspecError, match=r"oops\.py:8: chart 'bars' failed: KeyError: 'speed'; fix"
    ):
        draw_chart(charts["bars"])


def test_chart_that_returns_no_chart(tmp_path):
    body = GOOD.replace("return alt.Chart(", "return 42 or alt.Chart(")
    charts = load_charts(folder_with(tmp_path, odd=body))
    with pytest.raises(ChartspecError, match="chart 'bars' returned int, not an Altair chart"):
        draw_chart(charts["bars"])


def test_empty_folder(tmp_path):
    with pytest.raises(ChartspecError, match="no charts registered here"):
        load_charts(tmp_path)


def test_featured_flag_is_parsed(tmp_path):
    featured = GOOD.replace('source="made up")', 'source="made up", featured=True)')
    plain = GOOD.replace('"bars"', '"plain"')
    charts = load_charts(folder_with(tmp_path, featured=featured, plain=plain))
    assert charts["bars"].featured is True
    assert charts["plain"].featured is False
    assert builtin_charts()["memory3-speed-vs-score"].featured is True


def test_featured_must_be_a_boolean(tmp_path):
    module = GOOD.replace('source="made up")', 'source="made up", featured="yes")')
    with pytest.raises(ChartspecError, match=r"good\.py:\d+: featured='yes' for chart 'bars'"):
        load_charts(folder_with(tmp_path, good=module))


def test_notes_and_licence_are_parsed(tmp_path):
    given = 'source="made up", notes="Rounded to 1 decimal.", license="CC-BY-4.0")'
    several = 'source="made up", notes=["Summed by year.", " ", "Zeros dropped."])'
    charts = load_charts(
        folder_with(
            tmp_path,
            one=GOOD.replace('source="made up")', given),
            two=GOOD.replace('"bars"', '"two"').replace('source="made up")', several),
        )
    )
    assert charts["bars"].notes == ("Rounded to 1 decimal.",)
    assert charts["bars"].license == "CC-BY-4.0"
    assert charts["two"].notes == ("Summed by year.", "Zeros dropped.")
    assert charts["two"].license is None


@pytest.mark.parametrize(
    ("given", "says"),
    [("notes=[1]", r"notes=\[1\] for chart 'bars' is not a text"), ("license=''", "license=''")],
)
def test_notes_and_licence_must_be_texts(tmp_path, given, says):
    module = GOOD.replace('source="made up")', f'source="made up", {given})')
    with pytest.raises(ChartspecError, match=rf"good\.py:\d+: {says}"):
        load_charts(folder_with(tmp_path, good=module))


def _environment_key(pythonpath: Path) -> str:
    """The cache key part every chart shares, as chartspec at `pythonpath` computes it."""
    code = "from chartspec.cache import environment_key; print(environment_key())"
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "PYTHONPATH": str(pythonpath)},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def test_changing_a_builtin_chart_keeps_every_project_cached(tmp_path):
    src = Path(chartspec.__file__).parent.parent
    for package in ("chartspec", "chartspec_demos"):
        ignore = shutil.ignore_patterns("__pycache__")
        shutil.copytree(src / package, tmp_path / package, ignore=ignore)
    before = _environment_key(tmp_path)
    with open(tmp_path / "chartspec_demos" / "memory3.py", "a", encoding="utf-8") as module:
        module.write("# edited\n")
    with open(tmp_path / "chartspec_demos" / "data" / "memory3_models.csv", "a") as table:
        table.write("Another,Another,Another\n")
    assert _environment_key(tmp_path) == before
    with open(tmp_path / "chartspec" / "labels.py", "a", encoding="utf-8") as module:
        module.write("# edited\n")
    assert _environment_key(tmp_path) != before  # chartspec's own code still counts


def test_builtin_charts_are_keyed_by_their_own_files():
    from chartspec.build import load_project_charts

    project = load_project_charts(None)
    charts, inputs = project.charts, project.module_inputs
    demos = Path(charts["memory3-speed-vs-score"].module_file).parent
    assert not demos.is_relative_to(Path(chartspec.__file__).parent)
    assert {str(demos / "_gallery.py"), str(demos / "data" / "SOURCE.md")} <= set(inputs)


# --- chart code that ends the process or never finishes is a chart error --------------------------

ENDING = """
import os
import sys

from chartspec import chart


@chart("ends", title="Ends", description="Exits.", source="made up")
def ends():
    {call}
"""


@pytest.mark.parametrize(
    ("call", "says"),
    [
        ("sys.exit(0)", "chart 'ends' called sys.exit(0)"),
        ("os._exit(0)", "chart 'ends' called os._exit(0)"),
        ("while True: pass", "chart 'ends' ran longer than its time limit of 3 s"),
    ],
)
@pytest.mark.parametrize("command", ["build", "check"])
def test_a_chart_that_exits_or_loops_is_a_chart_error(tmp_path, cli, call, says, command):
    (tmp_path / "charts").mkdir()
    (tmp_path / "charts" / "c.py").write_text(ENDING.format(call=call))
    line = ENDING.splitlines().index("    {call}") + 1
    done = cli(command, "-j", "1", "--chart-timeout", "3", cwd=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    errors = [text for text in done.stderr.splitlines() if "error" in text]  # no progress
    assert errors == [
        f"chartspec: error: {tmp_path}/charts/c.py:{line}: {says}; fix the chart function"
    ]
    assert not (tmp_path / "specs").exists() and not (tmp_path / "site").exists()


@pytest.mark.parametrize(
    ("call", "says"),
    [
        ("sys.exit(0)", "called sys.exit(0) while importing"),
        ("os._exit(3)", "called os._exit(3) while importing"),
        ("while True: pass", "ran longer than its time limit of 3 s while importing"),
    ],
)
def test_a_module_that_exits_or_loops_is_a_chart_error(tmp_path, cli, call, says):
    (tmp_path / "charts").mkdir()
    (tmp_path / "charts" / "m.py").write_text(f"import os, sys\n{call}\n")
    done = cli("check", "--chart-timeout", "3", cwd=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr == (
        f"chartspec: error: charts/m.py:2: the chart module {says}; fix the module\n"
    )


TINTED = """
import altair as alt
import pandas as pd
from chartspec import chart
from style import COLOUR

@chart("tinted", title="Tinted", description="Bars in the project's colour.", source="made up")
def tinted():
    table = pd.DataFrame({"k": ["a"], "v": [1]})
    return alt.Chart(table).mark_bar(color=COLOUR).encode(x="k:N", y="v:Q")
"""


def test_a_chart_module_imports_the_modules_beside_it(tmp_path):
    folder = folder_with(tmp_path, style="COLOUR = '#2a9d8f'\n", tinted=TINTED)
    before = list(sys.path)
    charts = load_charts(folder)
    assert draw_chart(charts["tinted"]).to_dict()["mark"]["color"] == "#2a9d8f"
    assert sys.path == before  # the folder was importable only while its modules ran


def test_editing_a_module_a_chart_imports_makes_its_spec_stale(project):
    from conftest import run_cli

    (project / "charts" / "style.py").write_text("COLOUR = '#2a9d8f'\n", encoding="utf-8")
    (project / "charts" / "tinted.py").write_text(textwrap.dedent(TINTED), encoding="utf-8")
    assert run_cli("build", cwd=project).returncode == 0
    (project / "charts" / "style.py").write_text("COLOUR = '#e76f51'\n", encoding="utf-8")
    checked = run_cli("check", cwd=project)
    assert checked.returncode == 1
    assert "specs/tinted.vl.json: stale" in checked.stdout + checked.stderr
    assert run_cli("build", cwd=project).returncode == 0
    spec = (project / "specs" / "tinted.vl.json").read_text(encoding="utf-8")
    assert "#e76f51" in spec
