"""Chart code runs only in chartspec's workers, each chart module imported once per worker."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from chartspec.build import MIN_PARALLEL_SPECS
from chartspec.project import project_texts
from conftest import write_project

# Chart modules that note each import (module and process) in ../imports.log.
NOTED = """
import os
from pathlib import Path

import altair as alt
import pandas as pd
from chartspec import chart

with open(Path(__file__).parent.parent / "imports.log", "a") as log:
    log.write(f"{{__name__}} {{os.getpid()}}\\n")


def _register(index):
    @chart(f"{prefix}-{{index}}", title="Bars", description="Some bars.", source="made up")
    def bars():
        return alt.Chart(pd.DataFrame({{"k": ["a"], "v": [index]}})).mark_bar().encode(
            x="k:N", y="v:Q"
        )


for _index in range({count}):
    _register(_index)
"""

# After a build through the library, a no-op build and a no-op check through the command line:
# what the calling process holds.
CALLER = """
import json, os, sys
from pathlib import Path

from chartspec.cli import main
from chartspec.inputs import hook_installed
from chartspec.project import build_project


def state():
    heavy = [m for m in ("pandas", "altair") if m in sys.modules]
    charts = [m for m in sys.modules if m.startswith(("chartspec_user_", "chartspec_demos"))]
    return {"heavy": heavy, "charts": charts, "hook": hook_installed(), "pid": os.getpid()}


seen = {}
if sys.argv[1] == "library":
    build_project(
        charts_dir=Path("charts"), specs_dir=Path("specs"), site_dir=Path("site"),
        reports_dir=None, jobs=1, quiet=True,
    )
else:
    try:
        main(sys.argv[1:])
    except SystemExit as done:
        assert done.code == 0, done.code
print(json.dumps(state()))
"""


def run_caller(root: Path, *args: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", CALLER, *args], cwd=root, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_the_caller_runs_no_chart_code_and_gets_no_hook(tmp_path: Path) -> None:
    write_project(tmp_path)
    (tmp_path / "charts" / "noted.py").write_text(NOTED.format(prefix="noted", count=1))
    built = run_caller(tmp_path, "library")
    # Drawing and writing the site here needs neither pandas nor Altair: only chart code does.
    assert built["charts"] == [] and built["heavy"] == [] and built["hook"] is False
    imports = (tmp_path / "imports.log").read_text().split("\n")
    assert imports[0].split()[1] != str(built["pid"])  # imported, but by a worker
    assert (tmp_path / "specs" / "speed.vl.json").is_file()

    # Nothing changed: the cache answers, with no worker and no pandas or Altair.
    for command in ("build", "check"):
        noop = run_caller(tmp_path, command)
        assert noop == {"heavy": [], "charts": [], "hook": False, "pid": noop["pid"]}
    assert (tmp_path / "imports.log").read_text().split("\n") == imports


def test_each_module_is_imported_once_per_worker_and_never_by_the_caller(tmp_path: Path) -> None:
    charts = tmp_path / "charts"
    charts.mkdir()
    half = MIN_PARALLEL_SPECS // 2 + 1  # enough charts that both workers build
    for prefix in ("one", "two"):
        (charts / f"{prefix}.py").write_text(NOTED.format(prefix=prefix, count=half))
    texts = project_texts(charts, jobs=2)
    assert len(texts) == 2 * half
    imports = Counter((tmp_path / "imports.log").read_text().split("\n")[:-1])
    assert set(imports.values()) == {1}, imports  # no module twice in one process
    modules, pids = ({line.split()[i] for line in imports} for i in (0, 1))
    assert modules == {"chartspec_user_one", "chartspec_user_two"}
    assert str(os.getpid()) not in pids and len(pids) <= 2


UNLABELLED = """
import altair as alt
import pandas as pd
from chartspec import chart
from chartspec.labels import label_points


@chart("labelled", title="Points", description="Labelled points.", source="made up")
def labelled():
    frame = pd.DataFrame({"x": [1.0, 2.0], "y": [3.0, 4.0], "name": ["a", "b"]})
    points = alt.Chart(frame).mark_circle().encode(x="x:Q", y="y:Q").properties(width="container")
    return label_points(points, "name")
"""


def test_an_error_a_chart_helper_raises_names_the_chart_function(tmp_path: Path, cli) -> None:
    (tmp_path / "charts").mkdir()
    (tmp_path / "charts" / "labelled.py").write_text(UNLABELLED)
    done = cli("build", "-q", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == (
        f"chartspec: error: {tmp_path}/charts/labelled.py:8: label_points needs the chart's "
        "width in pixels, got 'container'; call .properties(width=...) with a number on the point "
        "chart\n"
    )


@pytest.mark.slow
def test_a_check_without_cache_uses_every_worker_and_imports_each_module_once(
    tmp_path: Path, cli
) -> None:
    """A fresh clone: the specs and site are there, the cache is not."""
    charts = tmp_path / "charts"
    charts.mkdir()
    half = MIN_PARALLEL_SPECS // 2 + 1
    # Charts that take a while in the check, so the second worker starts before the first has
    # checked them all; the build before it need not wait (the modules' text is the same).
    wait = '        time.sleep(float(os.environ.get("CHART_SECONDS", 0)))\n'
    slow = NOTED.replace("    def bars():\n", "    def bars():\n" + wait)
    slow = slow.replace("import os\n", "import os\nimport time\n")
    for prefix in ("one", "two"):
        (charts / f"{prefix}.py").write_text(slow.format(prefix=prefix, count=half))
    assert cli("build", "-q", "--jobs", "2", cwd=tmp_path).returncode == 0
    shutil.rmtree(tmp_path / ".chartspec-cache")
    log = tmp_path / "imports.log"
    log.unlink()
    done = cli("check", "--jobs", "2", cwd=tmp_path, env={"CHART_SECONDS": "0.5"})
    assert done.returncode == 0, done.stdout + done.stderr
    imports = Counter(log.read_text().split("\n")[:-1])
    assert set(imports.values()) == {1}, imports  # no module twice in one process
    modules = {line.split()[0] for line in imports}
    assert modules == {"chartspec_user_one", "chartspec_user_two"}
    assert len({line.split()[1] for line in imports}) == 2  # both workers built charts
