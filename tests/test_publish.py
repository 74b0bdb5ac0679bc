"""All-or-nothing builds: a failing chart, SIGKILL at any moment, and two builds at once."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from chartspec.publish import JOURNAL_NAME, LOCK_TIMEOUT_ENV, build_lock, recover
from chartspec.validate import check_spec
from conftest import REPO

ARTIFACTS = REPO / "test-artifacts"
UNIFORM_KILLS = 20  # spread evenly over the build's duration
JOURNAL_KILLS = 10  # fired the moment the journal appears: inside the swap
KILL_POINTS = UNIFORM_KILLS + JOURNAL_KILLS

LOCK, CACHE = ".chartspec-lock", ".chartspec-cache"


def tree(project: Path) -> dict[str, bytes]:
    """Return every file of specs/ and site/ by relative path."""
    return {
        str(p.relative_to(project)): p.read_bytes()
        for folder in ("specs", "site")
        for p in sorted((project / folder).rglob("*"))
        if p.is_file()
    }


def run(project: Path, *args: str, env: dict[str, str] | None = None, **kw):
    return subprocess.run(
        [sys.executable, "-m", "chartspec", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
        **kw,
    )


# --------------------------------------------------------------------------- one failing chart

CHART = """
import altair as alt
import pandas as pd
from chartspec import chart

VALUE = {value}


def make(n):
    @chart(f"chart-{{n:02d}}", title=f"Chart {{n}}", description="Bars.", source="made up")
    def draw():
        if n == 7 and VALUE < 0:
            raise ValueError("chart seven is broken")
        frame = pd.DataFrame({{"k": ["a", "b"], "v": [n, VALUE]}})
        return alt.Chart(frame).mark_bar().encode(x="k:N", y="v:Q")


for n in range(1, 11):
    make(n)
"""


def test_chart_seven_of_ten_fails_and_nothing_changes(tmp_path: Path) -> None:
    (tmp_path / "charts").mkdir()
    module = tmp_path / "charts" / "ten.py"
    module.write_text(textwrap.dedent(CHART.format(value=1)))
    assert run(tmp_path, "build").returncode == 0
    before = tree(tmp_path)
    assert sum(name.startswith("specs/") for name in before) == 10
    module.write_text(textwrap.dedent(CHART.format(value=-1)))  # changes all ten, breaks 7
    done = run(tmp_path, "build")
    assert done.returncode == 2
    assert done.stderr == (
        f"chartspec: error: {tmp_path}/charts/ten.py:13: chart 'chart-07' failed: ValueError: "
        "chart seven is broken; fix the chart function\n"
    )
    assert tree(tmp_path) == before
    # the cache may keep the charts that did build; no staging folder is left
    made = sorted(n for n in os.listdir(tmp_path) if n != CACHE)
    assert made == [".chartspec-lock", "charts", "site", "specs"]


# --------------------------------------------------------------------------- SIGKILL


@dataclass
class KillProject:
    """A copy of the packages whose built-in data changed, and a project built before it."""

    pythonpath: Path
    base: Path
    before: dict[str, bytes]
    after: dict[str, bytes]
    seconds: float


@pytest.fixture(scope="module")
def kill_project(tmp_path_factory: pytest.TempPathFactory) -> KillProject:
    root = tmp_path_factory.mktemp("kill")
    for name in ("chartspec", "chartspec_demos"):
        shutil.copytree(
            REPO / "src" / name, root / "pkg" / name, ignore=shutil.ignore_patterns("__pycache__")
        )
    env = {"PYTHONPATH": str(root / "pkg")}
    base = root / "base"
    base.mkdir()
    assert run(base, "build", env=env).returncode == 0
    # Change one score of the built-in chart's data: the build now rewrites specs and site.
    table = root / "pkg" / "chartspec_demos" / "data" / "memory3_table20_professional_tasks.csv"
    text = table.read_text(encoding="utf-8")
    first_row = text.splitlines()[1]
    cells = first_row.split(",")
    cells[2] = str(round(float(cells[2]) - 1.5, 2))  # Memory3's JEC-QA score
    table.write_text(text.replace(first_row, ",".join(cells), 1), encoding="utf-8")
    after_dir = root / "after"
    shutil.copytree(base, after_dir)
    started = time.monotonic()
    done = run(after_dir, "build", env=env)
    seconds = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    before, after = tree(base), tree(after_dir)
    assert before != after
    assert {n for n in before if n.startswith("specs/")} == {
        n for n in after if n.startswith("specs/")
    }
    return KillProject(root / "pkg", base, before, after, seconds)


@dataclass
class Killed:
    at: float
    finished_first: bool
    state: str  # "before", "after" or "mixed"
    journal_found: bool
    recovered: list[str]


def kill_once(kp: KillProject, work: Path, *, delay: float | None, on_journal: bool) -> Killed:
    """Start a build in a fresh copy, SIGKILL it, recover as the next run would, classify."""
    project = work
    shutil.copytree(kp.base, project)
    proc = subprocess.Popen(
        [sys.executable, "-m", "chartspec", "build"],
        cwd=project,
        env={**os.environ, "PYTHONPATH": str(kp.pythonpath)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    started = time.monotonic()
    if on_journal:
        journal = project / JOURNAL_NAME
        while proc.poll() is None and not journal.exists():
            time.sleep(0.0002)
        time.sleep(random.uniform(0, 0.002))
    else:
        assert delay is not None
        time.sleep(delay)
    finished_first = proc.poll() is not None
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    at = time.monotonic() - started
    journal_found = (project / JOURNAL_NAME).exists()
    with build_lock(project):
        done = recover(project, folders=(project / "specs", project / "site"))
    now = tree(project)
    state = "before" if now == kp.before else "after" if now == kp.after else "mixed"
    leftovers = [n for n in os.listdir(project) if n.startswith(".") and n not in (LOCK, CACHE)]
    if leftovers:
        state = f"mixed (left {leftovers})"
    return Killed(at, finished_first, state, journal_found, done)


@pytest.mark.slow
def test_sigkill_at_any_moment_leaves_before_or_after(
    kill_project: KillProject, tmp_path: Path
) -> None:
    kp = kill_project
    rng = random.Random(20240701)
    plans: list[tuple[float | None, bool]] = [
        (kp.seconds * (i + rng.random()) / UNIFORM_KILLS, False) for i in range(UNIFORM_KILLS)
    ]
    plans += [(None, True)] * JOURNAL_KILLS
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [
            pool.submit(kill_once, kp, tmp_path / f"k{i:02d}", delay=d, on_journal=j)
            for i, (d, j) in enumerate(plans)
        ]
        results = [f.result() for f in futures]
    states = [r.state for r in results]
    assert all(s in ("before", "after") for s in states), states
    mid_build = [r for r in results if not r.finished_first]
    in_swap = [r for r in results if r.journal_found]
    # Kill points must really land inside builds, and some inside the journaled swap.
    assert len(mid_build) >= KILL_POINTS * 2 // 3, [r.at for r in results]
    assert in_swap, "no kill landed between the journal and the end of the swap"
    for project in (tmp_path / "k00", tmp_path / f"k{KILL_POINTS - 1:02d}"):
        for spec_path in (project / "specs").glob("*.vl.json"):
            spec = json.loads(spec_path.read_text(encoding="utf-8"))
            assert check_spec(spec, base_dir=spec_path.parent) == []
        done = run(project, "check", env={"PYTHONPATH": str(kp.pythonpath)})
        lines = done.stdout.splitlines()
        if done.returncode == 1:
            assert lines and all(": stale: " in line for line in lines), done.stdout
        else:
            assert done.returncode == 0, done.stdout + done.stderr
    survived = sum(s in ("before", "after") for s in states)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "kill_points.json").write_text(
        json.dumps(
            {
                "kill_points": len(results),
                "survived": survived,
                "killed_mid_build": len(mid_build),
                "killed_inside_swap": len(in_swap),
                "ended_before": states.count("before"),
                "ended_after": states.count("after"),
                "build_seconds": round(kp.seconds, 2),
            },
            indent=2,
        )
        + "\n"
    )
    assert survived == KILL_POINTS


# --------------------------------------------------------------------------- two builds at once


@pytest.mark.slow
def test_second_build_refuses_after_the_lock_timeout(kill_project: KillProject) -> None:
    project = kill_project.base.parent / "locked"
    shutil.copytree(kill_project.base, project)
    with build_lock(project):
        done = run(project, "build", env={LOCK_TIMEOUT_ENV: "0.5"})
    assert done.returncode == 2
    assert done.stderr.splitlines()[-1] == (
        f"chartspec: error: {project}/.chartspec-lock: another chartspec command is building "
        f"in {project} (waited 0.5 s for the lock); wait for it to finish, or set "
        f"{LOCK_TIMEOUT_ENV} to wait longer"
    )
    assert tree(project) == kill_project.before


@pytest.mark.slow
def test_two_builds_at_once_both_finish_in_turn(kill_project: KillProject) -> None:
    project = kill_project.base.parent / "twice"
    shutil.copytree(kill_project.base, project)
    env = {**os.environ, "PYTHONPATH": str(kill_project.pythonpath)}
    command = [sys.executable, "-m", "chartspec", "build"]
    procs = [
        subprocess.Popen(command, cwd=project, env=env, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    errors = [p.communicate(timeout=300)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errors
    assert tree(project) == kill_project.after
