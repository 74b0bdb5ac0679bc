"""Shared fixtures: running the real CLI, the repository's folders, and a folder of test specs."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from filelock import FileLock

from chart_samples import make_scatter_spec
from chartspec.fonts import FONT_FAMILY
from chartspec.project import specs_to_site

REPO = Path(__file__).resolve().parent.parent
# Tests compare a command's whole stderr; on a loaded machine a stage can pass the one-second mark
# at which progress lines start, so they are held back for every command the tests run.
os.environ.setdefault("CHARTSPEC_PROGRESS_DELAY", "3600")
# Test files run side by side, and some build in the repository itself: a build waits its turn.
os.environ.setdefault("CHARTSPEC_LOCK_TIMEOUT", "900")
# Commands run as on a user's machine, where Python caches compiled modules: a test that a user's
# folder is left as it was then also sees a `__pycache__` a command would leave there.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
BROWSER_TESTS = REPO / "tests" / "browser"


def run_cli(
    *args: str | Path,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 300,
):
    """Run `python -m chartspec ARGS` as a user would and return the finished process."""
    return subprocess.run(
        [sys.executable, "-m", "chartspec", *map(str, args)],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture
def serve_cli(monkeypatch: pytest.MonkeyPatch):
    """Return a function that runs `chartspec serve ARGS` in folder CWD and returns its server.

    The command runs in this process and returns once the first build is done; the server
    keeps serving and watching in the background until the test ends.
    """
    from click.testing import CliRunner

    import chartspec.serve
    from chartspec.cli import cli as chartspec_cli

    servers: list[chartspec.serve.DevServer] = []

    def start_in_background(site_dir: Path, **options: Any) -> None:
        servers.append(chartspec.serve.DevServer(site_dir, **options).start())

    def serve(cwd: Path, *args: str) -> chartspec.serve.DevServer:
        monkeypatch.setattr(chartspec.serve, "serve", start_in_background)
        monkeypatch.chdir(cwd)
        done = CliRunner().invoke(chartspec_cli, ["serve", "--port", "0", *args])
        assert done.exit_code == 0, done.output
        return servers[-1]

    yield serve
    for server in servers:
        server.stop()


@pytest.fixture
def repo() -> Path:
    return REPO


# The user's project of every test that runs chartspec on one: a chart module and its table.
PROJECT_CHART = """
from pathlib import Path

import altair as alt
from chartspec import Column, TableSchema, chart, load_table, with_key

SCHEMA = TableSchema(
    [
        Column("model"),
        Column("speed", "number", positive=True),
        Column("score", "number"),
        Column("day", "date"),
    ],
    key="model",
)


@chart("speed", title="Speed", description="Speed against score.", source="made up")
def speed():
    table = load_table(Path(__file__).parent / "data.csv", SCHEMA)
    points = alt.Chart(table).mark_point().encode(
        x=alt.X("speed:Q", scale=alt.Scale(type="log")), y="score:Q", tooltip=["model", "day"]
    )
    return with_key(points, "model")
"""
PROJECT_HEADER = "model,speed,score,day\n"
PROJECT_CSV = PROJECT_HEADER + "a,700,47.8,2024-01-05\nb,500,45.5,2024-02-01\n"


def write_project(folder: Path, *, csv: str = PROJECT_CSV) -> Path:
    """Write the test project (charts/speed.py and its table charts/data.csv) into `folder`."""
    (folder / "charts").mkdir(parents=True, exist_ok=True)
    (folder / "charts" / "speed.py").write_text(textwrap.dedent(PROJECT_CHART), encoding="utf-8")
    (folder / "charts" / "data.csv").write_text(csv, encoding="utf-8")
    return folder


def made_once(factory: pytest.TempPathFactory, name: str, make: Callable[[Path], None]) -> Path:
    """Return folder `name`, made by `make` once for the whole run: the first test process to
    ask makes it, the others wait for it. Tests only read it (or copy it to change it)."""
    root = factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # shared by the run's workers
    folder, made = root / name, root / f"{name}.made"
    with FileLock(root / f"{name}.lock"):
        if not made.is_file():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            make(folder)
            made.touch()
    return folder


def _build_test_project(root: Path) -> None:
    done = run_cli("build", cwd=write_project(root))
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="session")
def built_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test project, built once per run, so that its specs and site exist."""
    return made_once(tmp_path_factory, "built-project", _build_test_project)


def _build_repository(out: Path) -> None:
    """Build the repository's charts into out/specs and out/site, under Python's hash seed 0."""
    args = ("build", "--specs", out / "specs", "--site", out / "site")
    # the suite's largest build: on a busy machine it takes minutes
    done = run_cli(*args, env={"PYTHONHASHSEED": "0"}, cwd=REPO, timeout=900)
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="session")
def repository_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's charts built once per run into a new folder (its specs and site)."""
    return made_once(tmp_path_factory, "repository-build", _build_repository)


@pytest.fixture
def project(built_project: Path, tmp_path: Path) -> Path:
    """A fresh copy of the built test project, for one test to change."""
    return Path(shutil.copytree(built_project, tmp_path / "project", symlinks=True))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test under tests/browser/ as a browser test (`-m "not browser"` skips them),
    and put the files of browser and slow tests first: the workers start on the long files
    and end together on short ones."""
    for item in items:
        if BROWSER_TESTS in item.path.parents:
            item.add_marker(pytest.mark.browser)
    long = {
        item.path
        for item in items
        if any(item.iter_markers("browser")) or any(item.iter_markers("slow"))
    }
    items.sort(key=lambda item: item.path not in long)


SCHEMA = "https://vega.github.io/schema/vega-lite/v6.4.1.json"
PAYLOAD_SCRIPT = "</script><script>alert(1)</script>"
PAYLOAD_IMG = "<img src=x onerror=alert(1)>"

# A Memory³-like scatter: 7 models, each with a label placed beside its point, left or right.
MEMORY3_ROWS = [
    {"model": "Memory³-2B-SFT", "params": 2.4, "score": 63.3, "family": "Memory³", "side": "right"},
    {"model": "MiniCPM-2B-SFT", "params": 2.4, "score": 58.5, "family": "other", "side": "left"},
    {"model": "Phi-2", "params": 2.7, "score": 56.0, "family": "other", "side": "right"},
    {
        "model": "Qwen1.5-1.8B-Chat",
        "params": 1.2,
        "score": 53.2,
        "family": "other",
        "side": "right",
    },
    {"model": "Gemma-2B-it", "params": 2.0, "score": 44.6, "family": "other", "side": "right"},
    {"model": "Llama2-7B-Chat", "params": 6.5, "score": 49.6, "family": "other", "side": "left"},
    {"model": "Qwen1.5-4B-Chat", "params": 3.2, "score": 60.7, "family": "other", "side": "right"},
]

# Expected marks per chart: (symbol paths, text marks, rect paths).
EXPECTED_MARKS = {
    "memory3": {"symbol": 7, "text": 7},
    "injection": {"rect": 3, "text": 3},
    "cars-url": {"rect": 3},
    "layered-concat": {"symbol": 4, "rect": 4},
    "faceted": {"symbol": 6},
}


def _dataset_name(rows: list[dict[str, Any]]) -> str:
    text = json.dumps(rows, sort_keys=True, separators=(",", ":"))
    return "data-" + hashlib.sha256(text.encode()).hexdigest()[:16]


def memory3_spec() -> dict[str, Any]:
    """Return the Memory³-like labelled scatter, in the form chartspec writes."""
    name = _dataset_name(MEMORY3_ROWS)
    x = {
        "field": "params",
        "type": "quantitative",
        "title": "Non-embedding parameters (B)",
        "scale": {"domain": [0, 8]},
    }
    y = {
        "field": "score",
        "type": "quantitative",
        "title": "Average score",
        "scale": {"domain": [40, 70]},
    }
    color = {
        "field": "family",
        "type": "nominal",
        "legend": None,
        "scale": {"domain": ["Memory³", "other"], "range": ["#c0392b", "#5b6573"]},
    }

    def labels(side: str, align: str, dx: int) -> dict[str, Any]:
        return {
            "transform": [{"filter": {"field": "side", "equal": side}}],
            "mark": {"type": "text", "align": align, "dx": dx, "fontSize": 11},
            "encoding": {"x": x, "y": y, "text": {"field": "model"}, "color": color},
        }

    return {
        "$schema": SCHEMA,
        "title": "Memory³ against models of similar size",
        "description": "Average benchmark score against parameters for 7 models; Memory³ leads.",
        "width": 480,
        "height": 320,
        "config": {"font": FONT_FAMILY},
        "data": {"name": name},
        "datasets": {name: MEMORY3_ROWS},
        "layer": [
            {
                "mark": {"type": "point", "filled": True, "size": 80},
                "encoding": {
                    "x": x,
                    "y": y,
                    "color": color,
                    "tooltip": [{"field": "model"}, {"field": "score"}],
                },
            },
            labels("right", "left", 8),
            labels("left", "right", -8),
        ],
        "usermeta": {
            "chartspec": {
                "name": "memory3",
                "title": "Memory³ against models of similar size",
                "source": "Memory³ paper, table 3 (illustrative)",
                "key": "model",
            }
        },
    }


def injection_spec() -> dict[str, Any]:
    """Return a hand-written spec whose text everywhere tries to break out of the page."""
    rows = [
        {"label": PAYLOAD_SCRIPT, "value": 3},
        {"label": PAYLOAD_IMG, "value": 5},
        {"label": '<!-- & \u2028 "quoted"', "value": 2},
    ]
    y = {"field": "label", "type": "nominal", "title": PAYLOAD_SCRIPT}
    xx = {"field": "value", "type": "quantitative", "title": PAYLOAD_IMG}
    return {
        "$schema": SCHEMA,
        "title": f"Injection {PAYLOAD_SCRIPT} {PAYLOAD_IMG}",
        "description": f"Hostile text {PAYLOAD_SCRIPT} {PAYLOAD_IMG}",
        "data": {"values": rows},
        "width": 300,
        "layer": [
            {"mark": "bar", "encoding": {"y": y, "x": xx}},
            {
                "mark": {"type": "text", "align": "left", "dx": 4},
                "encoding": {"y": y, "x": xx, "text": {"field": "label"}},
            },
        ],
    }


def cars_spec() -> dict[str, Any]:
    """Return a hand-written bar chart reading a CSV file by relative url."""
    return {
        "$schema": SCHEMA,
        "title": "Cars by origin",
        "data": {"url": "data/cars.csv"},
        "mark": "bar",
        "encoding": {
            "x": {"field": "origin", "type": "nominal"},
            "y": {"field": "count", "type": "quantitative"},
        },
    }


def layered_concat_spec() -> dict[str, Any]:
    """Return a hand-written hconcat of a layer and a bar chart with inline values."""
    values = [{"k": k, "v": v} for k, v in zip("abcd", [4, 2, 7, 5], strict=True)]
    enc = {"x": {"field": "k", "type": "nominal"}, "y": {"field": "v", "type": "quantitative"}}
    return {
        "$schema": SCHEMA,
        "description": "A point layer beside a bar chart.",
        "data": {"values": values},
        "hconcat": [
            {
                "layer": [
                    {"mark": "point", "encoding": enc},
                    {
                        "mark": "rule",
                        "encoding": {
                            "y": {"aggregate": "mean", "field": "v", "type": "quantitative"}
                        },
                    },
                ]
            },
            {"mark": "bar", "encoding": enc},
        ],
    }


def faceted_spec() -> dict[str, Any]:
    """Return a hand-written faceted scatter."""
    values = [{"g": g, "x": x, "y": x * (i + 1)} for i, g in enumerate("AB") for x in (1, 2, 3)]
    return {
        "$schema": SCHEMA,
        "title": "Faceted",
        "data": {"values": values},
        "facet": {"column": {"field": "g", "type": "nominal"}},
        "spec": {
            "width": 150,
            "height": 120,
            "mark": "point",
            "encoding": {
                "x": {"field": "x", "type": "quantitative"},
                "y": {"field": "y", "type": "quantitative"},
            },
        },
    }


def write_test_specs(folder: Path) -> Path:
    """Write the test specs (and the CSV one of them reads) into folder."""
    folder.mkdir(parents=True, exist_ok=True)
    specs = {
        "memory3": memory3_spec(),
        "injection": injection_spec(),
        "cars-url": cars_spec(),
        "layered-concat": layered_concat_spec(),
        "faceted": faceted_spec(),
    }
    for name, spec in specs.items():
        text = json.dumps(spec, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
        (folder / f"{name}.vl.json").write_text(text, encoding="utf-8")
    (folder / "data").mkdir(exist_ok=True)
    (folder / "data" / "cars.csv").write_text(
        "origin,count\nEurope,73\nJapan,79\nUSA,254\n", encoding="utf-8"
    )
    return folder


@pytest.fixture(scope="session")
def specs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a folder holding the test specs."""
    return write_test_specs(tmp_path_factory.mktemp("specs"))


@pytest.fixture(scope="session")
def site_dir(specs_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site of the test specs, built once per run."""

    def build(folder: Path) -> None:
        specs_to_site(specs_dir, folder / "site")

    return made_once(tmp_path_factory, "test-site", build) / "site"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite the reference images under tests/golden/ instead of comparing",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture
def scatter_spec() -> dict[str, Any]:
    return make_scatter_spec()


# Property tests are reproducible: a fixed seed per test and no example database, so CI
# never fails on a newly drawn example (tests/test_fuzz.py's `dev` profile explores).
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile("reproducible", derandomize=True, database=None)
_hypothesis_settings.load_profile("reproducible")
