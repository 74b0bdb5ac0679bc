"""All-or-nothing builds: a failing chart, SIGKILL at any moment, and two builds at once."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import random
import shlex
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chartspec.publish as publish_module
from chartspec.cli import main
from chartspec.errors import ChartspecError
from chartspec.project import build_project, publish_outputs
from chartspec.publish import JOURNAL_NAME, LOCK_TIMEOUT_ENV, build_lock, recover
from chartspec.validate import check_spec
from conftest import REPO

ARTIFACTS = REPO / "test-artifacts"
# Each kill point costs a build of its own.
UNIFORM_KILLS = 5  # spread evenly over the build's duration
STAGING_KILLS = 5  # spread over the staging, once the journal names the staging folders
JOURNAL_KILLS = 5  # fired the moment the journal records the change: inside the swap
KILL_POINTS = UNIFORM_KILLS + STAGING_KILLS + JOURNAL_KILLS

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
TWO_CHARTS = CHART.replace("range(1, 11)", "range(1, 3)").replace("n == 7", "n == 0")


def test_chart_seven_of_ten_fails_and_nothing_changes(tmp_path: Path) -> None:
    (tmp_path / "charts").mkdir()
    module = tmp_path / "charts" / "ten.py"
    module.write_text(textwrap.dedent(CHART.format(value=1)))
    assert run(tmp_path, "build").returncode == 0
    before = tree(tmp_path)
    assert sum(n.startswith("specs/") and n.endswith(".vl.json") for n in before) == 10
    module.write_text(textwrap.dedent(CHART.format(value=-1)))  # changes all ten, breaks 7
    done = run(tmp_path, "build", "-q")
    assert done.returncode == 2
    assert done.stderr == (
        f"chartspec: error: {tmp_path}/charts/ten.py:13: chart 'chart-07' failed: ValueError: "
        "chart seven is broken; fix the chart function\n"
    )
    assert tree(tmp_path) == before
    # the cache may keep the charts that did build; no staging folder is left
    made = sorted(n for n in os.listdir(tmp_path) if n != CACHE)
    assert made == [".chartspec-lock", "charts", "site", "specs"]


def test_every_failing_chart_is_named_one_line_each(tmp_path: Path) -> None:
    (tmp_path / "charts").mkdir()
    text = textwrap.dedent(CHART.format(value=-1)).replace("n == 7", "n in (3, 7)")
    (tmp_path / "charts" / "ten.py").write_text(text.replace("chart seven", "a chart"))
    done = run(tmp_path, "build", "-q", "-j", "1")
    assert done.returncode == 2
    assert done.stderr == "".join(
        f"chartspec: error: {tmp_path}/charts/ten.py:13: chart 'chart-0{n}' failed: ValueError: "
        "a chart is broken; fix the chart function\n"
        for n in (3, 7)
    )
    assert sorted(os.listdir(tmp_path)) == [".chartspec-cache", "charts"]


# --------------------------------------------------------------------------- SIGKILL


@dataclass
class KillProject:
    """A built project of two charts whose module then changed, and the outputs before and after.

    Two charts go through every stage a build has (specs, drawings, site staging, the swap, the
    journal), in a few seconds: kill points spread over the build land in each of them.
    """

    base: Path
    before: dict[str, bytes]
    after: dict[str, bytes]
    seconds: float  # the whole build
    staging_seconds: float  # from the journal's first write to its commit


@pytest.fixture(scope="module")
def kill_project(tmp_path_factory: pytest.TempPathFactory) -> KillProject:
    root = tmp_path_factory.mktemp("kill")
    base = root / "base"
    module = base / "charts" / "two.py"
    module.parent.mkdir(parents=True)
    module.write_text(textwrap.dedent(TWO_CHARTS.format(value=1)))
    assert run(base, "build").returncode == 0
    module.write_text(textwrap.dedent(TWO_CHARTS.format(value=2)))  # every spec and page changes
    after_dir = root / "after"
    shutil.copytree(base, after_dir)
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "chartspec", "build"],
        cwd=after_dir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    staged = decided = None
    while proc.poll() is None:
        now = time.monotonic() - started
        if staged is None and (after_dir / JOURNAL_NAME).is_file():
            staged = now
        if decided is None and committed(after_dir):
            decided = now
        time.sleep(0.001)
    seconds = time.monotonic() - started
    assert proc.wait() == 0, proc.stderr.read() if proc.stderr else ""
    assert staged is not None, "the build wrote no journal"
    before, after = tree(base), tree(after_dir)
    assert before != after
    assert {n for n in before if n.startswith("specs/")} == {
        n for n in after if n.startswith("specs/")
    }
    return KillProject(base, before, after, seconds, (decided or seconds) - staged)


@dataclass
class Killed:
    at: float
    finished_first: bool
    state: str  # "before", "after" or "mixed"
    staging_found: bool  # killed while writing the staging folders
    journal_found: bool  # killed inside the swap
    recovered: list[str]


def committed(project: Path) -> bool:
    """Tell whether a build's journal records a decided change (not only its staging)."""
    try:
        return b'"state": "commit"' in (project / JOURNAL_NAME).read_bytes()
    except OSError:
        return False


def wait_for(proc: subprocess.Popen[Any], reached: Callable[[], bool], *, every: float) -> None:
    """Return once `reached()` is true or the process has ended, looking `every` seconds."""
    while proc.poll() is None and not reached():
        time.sleep(every)


def kill_once(kp: KillProject, work: Path, *, delay: float, after: str | None) -> Killed:
    """Start a build in a fresh copy, SIGKILL it, recover as the next run would, classify.

    The kill comes `delay` seconds after the start, after the journal first appears
    (`after="staging"`), or after it records the change (`after="swap"`).
    """
    project = work
    shutil.copytree(kp.base, project)
    proc = subprocess.Popen(
        [sys.executable, "-m", "chartspec", "build"],
        cwd=project,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    started = time.monotonic()
    # Each poll takes CPU from the build being killed: look every 2 ms for the journal (the
    # staging takes a good part of the build), every 0.2 ms only once it is there and the kill
    # must follow the record of the change at once.
    if after is not None:
        wait_for(proc, (project / JOURNAL_NAME).is_file, every=0.002)
    if after == "swap":
        wait_for(proc, lambda: committed(project), every=0.0002)
    time.sleep(delay)
    finished_first = proc.poll() is not None
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    at = time.monotonic() - started
    journal_found = committed(project)
    staging_found = (project / JOURNAL_NAME).is_file() and not journal_found
    with build_lock(project):
        done = recover(project)
    now = tree(project)
    state = "before" if now == kp.before else "after" if now == kp.after else "mixed"
    leftovers = [n for n in os.listdir(project) if n.startswith(".") and n not in (LOCK, CACHE)]
    if leftovers:
        state = f"mixed (left {leftovers})"
    return Killed(at, finished_first, state, staging_found, journal_found, done)


@pytest.mark.slow
def test_sigkill_at_any_moment_leaves_before_or_after(
    kill_project: KillProject, tmp_path: Path
) -> None:
    kp = kill_project
    rng = random.Random(20240701)

    def spread(seconds: float, count: int) -> list[float]:
        return [seconds * (i + rng.random()) / count for i in range(count)]

    plans: list[tuple[float, str | None]] = [
        *((d, None) for d in spread(kp.seconds, UNIFORM_KILLS)),
        *((d, "staging") for d in spread(kp.staging_seconds, STAGING_KILLS)),
        *((d, "swap") for d in spread(0.002, JOURNAL_KILLS)),
    ]
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [
            pool.submit(kill_once, kp, tmp_path / f"k{i:02d}", delay=d, after=a)
            for i, (d, a) in enumerate(plans)
        ]
        results = [f.result() for f in futures]
    states = [r.state for r in results]
    assert [s for s in states if s not in ("before", "after")] == [], states
    mid_build = [r for r in results if not r.finished_first]
    in_staging = [r for r in results if r.staging_found]
    in_swap = [r for r in results if r.journal_found]
    # Kill points must really land inside builds, some while staging, some inside the swap.
    assert len(mid_build) >= KILL_POINTS * 2 // 3, [r.at for r in results]
    assert in_staging, "no kill landed while the staging folders were written"
    assert in_swap, "no kill landed between the journal and the end of the swap"
    for project in (tmp_path / "k00", tmp_path / f"k{KILL_POINTS - 1:02d}"):
        for spec_path in (project / "specs").glob("*.vl.json"):
            spec = json.loads(spec_path.read_text(encoding="utf-8"))
            assert check_spec(spec, base_dir=spec_path.parent) == []
        done = run(project, "check")
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
                "killed_while_staging": len(in_staging),
                "killed_inside_swap": len(in_swap),
                "ended_before": states.count("before"),
                "ended_after": states.count("after"),
                "build_seconds": round(kp.seconds, 2),
                "staging_seconds": round(kp.staging_seconds, 2),
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
    command = [sys.executable, "-m", "chartspec", "build"]
    procs = [
        subprocess.Popen(command, cwd=project, stderr=subprocess.PIPE, text=True) for _ in range(2)
    ]
    errors = [p.communicate(timeout=300)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errors
    assert tree(project) == kill_project.after


# --------------------------------------------------------------------------- files that are not chartspec's

USER_FILES = {
    "site/CNAME": b"charts.example.org\n",
    "site/.nojekyll": b"",
    "site/.git": b"gitdir: ../.git/worktrees/site\n",
    "site/my-notes/todo.md": b"# todo\n",
    "specs/notes.txt": b"why these charts\n",
    ".specs.old-2024-backup/keep.txt": b"a backup of mine\n",
    ".site.build-notes/keep.txt": b"notes of mine\n",
    ".specs.stage-mine/keep.txt": b"not chartspec's either\n",
}
HAND_SPEC = {
    "$schema": "https://vega.github.io/schema/vega-lite/v6.4.1.json",
    "title": "Hand-written",
    "description": "A spec written by hand, featured in the gallery.",
    "data": {"values": [{"k": "a", "v": 1}, {"k": "b", "v": 2}]},
    "mark": "bar",
    "encoding": {
        "x": {"field": "k", "type": "nominal"},
        "y": {"field": "v", "type": "quantitative"},
    },
    "usermeta": {"chartspec": {"featured": True, "name": "hand"}},
}


def not_chartspecs(project: Path) -> dict[str, bytes]:
    """Return every file of the project that chartspec's manifests, cache and lock do not claim."""
    owned = {LOCK, JOURNAL_NAME}
    for folder in ("specs", "site"):
        manifest = project / folder / ".chartspec-manifest.json"
        if manifest.is_file():
            files = json.loads(manifest.read_text(encoding="utf-8"))["files"]
            owned |= {f"{folder}/{rel}" for rel in files} | {f"{folder}/{manifest.name}"}
    return {
        rel: p.read_bytes()
        for p in sorted(project.rglob("*"))
        if p.is_file()
        and (rel := p.relative_to(project).as_posix()) not in owned
        and not rel.startswith(CACHE)
    }


def add_user_files(project: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        (project / rel).parent.mkdir(parents=True, exist_ok=True)
        (project / rel).write_bytes(data)


def test_files_chartspec_did_not_write_survive_every_command(tmp_path: Path) -> None:
    project = tmp_path / "p"
    (project / "charts").mkdir(parents=True)
    module = project / "charts" / "two.py"
    module.write_text(textwrap.dedent(TWO_CHARTS.format(value=1)))
    assert run(project, "build", "-q").returncode == 0
    add_user_files(project, USER_FILES)
    (project / "specs" / "hand.vl.json").write_text(json.dumps(HAND_SPEC, indent=2))
    module.write_text(textwrap.dedent(TWO_CHARTS.format(value=2)))  # every spec and page changes
    before = not_chartspecs(project)
    assert "specs/hand.vl.json" in before
    for command in (["build", "-q"], ["site", "-q"], ["check"], ["build", "-q"]):
        done = run(project, *command)
        assert done.returncode == 0, (command, done.stdout, done.stderr)
        assert not_chartspecs(project) == before, command
    assert (project / "site" / "hand.html").is_file()  # published, and still the user's
    module.write_text(
        textwrap.dedent(TWO_CHARTS.format(value=1)).replace("range(1, 3)", "range(1, 2)")
    )
    before["charts/two.py"] = module.read_bytes()
    assert run(project, "build", "-q").returncode == 0  # a chart is gone
    assert sorted(p.name for p in (project / "specs").glob("*.vl.json")) == [
        "chart-01.vl.json",
        "hand.vl.json",
    ]
    assert not (project / "site" / "chart-02.html").exists()
    assert not_chartspecs(project) == before


@pytest.mark.parametrize("mask", [0o022, 0o077])
def test_published_folders_and_files_follow_the_umask(tmp_path: Path, mask: int) -> None:
    (tmp_path / "charts").mkdir()
    (tmp_path / "charts" / "two.py").write_text(textwrap.dedent(TWO_CHARTS.format(value=1)))
    done = run(tmp_path, "build", "-q", preexec_fn=lambda: os.umask(mask))
    assert done.returncode == 0, done.stderr
    for folder in ("specs", "site", "site/charts"):
        assert (tmp_path / folder).stat().st_mode & 0o777 == 0o777 & ~mask, folder
    for page in ("specs/chart-01.vl.json", "site/index.html", "site/charts/chart-01.svg"):
        assert (tmp_path / page).stat().st_mode & 0o777 == 0o666 & ~mask, page


def test_a_file_in_the_way_stops_the_build_before_anything_is_written(tmp_path: Path) -> None:
    (tmp_path / "charts").mkdir()
    (tmp_path / "charts" / "two.py").write_text(textwrap.dedent(TWO_CHARTS.format(value=1)))
    add_user_files(tmp_path, {"site/index.html": b"<p>my own page</p>\n"})
    before = not_chartspecs(tmp_path)
    done = run(tmp_path, "build", "-q")
    assert done.returncode == 2
    assert done.stderr == (
        f"chartspec: error: {tmp_path}/site/index.html: chartspec would write this file, but the "
        "file there is not chartspec's; move it away or delete it to let chartspec write it\n"
    )
    assert not_chartspecs(tmp_path) == before
    assert not (tmp_path / "specs").exists()
    (tmp_path / "site" / "index.html").unlink()  # handing the path over
    assert run(tmp_path, "build", "-q").returncode == 0


def test_a_page_edited_after_the_build_is_not_overwritten(tmp_path: Path) -> None:
    (tmp_path / "charts").mkdir()
    module = tmp_path / "charts" / "two.py"
    module.write_text(textwrap.dedent(TWO_CHARTS.format(value=1)))
    assert run(tmp_path, "build", "-q").returncode == 0
    page = tmp_path / "site" / "chart-02.html"
    page.write_text(page.read_text(encoding="utf-8") + "<!-- mine -->\n", encoding="utf-8")
    module.write_text(textwrap.dedent(TWO_CHARTS.format(value=2)))
    done = run(tmp_path, "build", "-q")
    assert done.returncode == 2
    assert done.stderr.endswith(
        f"{page}: the file was changed after chartspec wrote it; delete it (or restore it) to "
        "let chartspec write it again\n"
    )
    assert page.read_text(encoding="utf-8").endswith("<!-- mine -->\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--specs", "."], "the specs folder would hold the project folder"),
        (["--site", "charts"], "the site folder would hold the chart folder"),
        (["--specs", "site"], "the specs folder and the site folder overlap"),
        (["--site", "specs/site"], "the specs folder and the site folder overlap"),
    ],
)
def test_an_output_folder_holding_an_input_is_refused(
    tmp_path: Path, args: list[str], message: str
) -> None:
    (tmp_path / "charts").mkdir()
    (tmp_path / "charts" / "two.py").write_text(textwrap.dedent(TWO_CHARTS.format(value=1)))
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    done = run(tmp_path, "build", *args)
    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1 and message in done.stderr, done.stderr
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before
    assert sorted(os.listdir(tmp_path)) == ["charts"]


# --------------------------------------------------------------------------- Ctrl-C


IMPORT_TIMES = "import time:"  # the lines `python -X importtime` adds to stderr


def start_build(project: Path, stderr: Path, script: str = "{}") -> subprocess.Popen[str]:
    """Start `chartspec build` in its own process group, as a terminal's foreground job, and
    return once chartspec's own code runs (before, Ctrl-C gets Python's start-up traceback).

    `script`, a bash script with `{}` for the build, runs the build inside it.
    """
    command = [sys.executable, "-X", "importtime", "-m", "chartspec", "build", "-q", "-j", "2"]
    # A terminal's job starts with Ctrl-C neither ignored nor blocked, whatever this process was
    # left with by the tests run in it before (a child inherits both).
    handler = signal.signal(signal.SIGINT, signal.default_int_handler)
    mask = signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    try:
        with stderr.open("w") as err:
            proc = subprocess.Popen(
                command if script == "{}" else ["bash", "-c", script.format(shlex.join(command))],
                cwd=project,
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
                start_new_session=True,
            )
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        signal.signal(signal.SIGINT, handler)
    wait_for(proc, lambda: "chartspec.errors" in imported_modules(stderr), every=0.01)
    return proc


def imported_modules(stderr: Path) -> set[str]:
    """Return the modules the build and its workers have imported so far, by their import times."""
    lines = stderr.read_text().splitlines()
    return {line.rsplit("|", 1)[-1].strip() for line in lines if line.startswith(IMPORT_TIMES)}


def messages(stderr: Path) -> str:
    """Return what the build printed to stderr, without Python's import times."""
    lines = stderr.read_text().splitlines(keepends=True)
    return "".join(line for line in lines if not line.startswith(IMPORT_TIMES))


@pytest.mark.slow
def test_ctrl_c_at_random_moments_prints_one_line_and_leaves_nothing(
    kill_project: KillProject, tmp_path: Path
) -> None:
    kp = kill_project
    rng = random.Random(130)
    interrupted = 0
    for i in range(4):
        project = tmp_path / f"i{i}"
        shutil.copytree(kp.base, project)
        stderr = tmp_path / f"stderr{i}"
        proc = start_build(project, stderr)
        time.sleep(rng.uniform(0, kp.seconds * 0.9))
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C sends: the build and its workers
        stdout, _ = proc.communicate(timeout=60)
        if "published" in stdout:  # finished before the signal, or it came as Python exited
            assert tree(project) == kp.after
            continue
        # ended by the signal, which shells report as status 130
        assert proc.returncode == -signal.SIGINT, messages(stderr)
        assert messages(stderr) == "chartspec: interrupted\n"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.killpg(proc.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        else:
            pytest.fail("a process of the interrupted build is still running")
        assert [
            n for n in os.listdir(project) if n.startswith(".") and n not in (LOCK, CACHE)
        ] == []
        assert tree(project) in (kp.before, kp.after)
        interrupted += 1
    assert interrupted, "every build finished before its Ctrl-C"


@pytest.mark.slow
def test_ctrl_c_stops_the_shell_script_that_runs_the_build(
    kill_project: KillProject, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    shutil.copytree(kill_project.base, project)
    # the chart module takes its time, so that the Ctrl-C comes mid-build on any machine
    module = project / "charts" / "two.py"
    module.write_text(module.read_text() + "\nimport time\n\ntime.sleep(30)\n")
    stderr = tmp_path / "stderr"
    proc = start_build(project, stderr, "{}; echo the script went on")
    wait_for(proc, lambda: "altair" in imported_modules(stderr), every=0.01)  # the module runs
    os.killpg(proc.pid, signal.SIGINT)
    stdout, _ = proc.communicate(timeout=60)
    assert (messages(stderr), stdout, proc.returncode) == (
        "chartspec: interrupted\n",
        "",
        -signal.SIGINT,
    )


# --------------------------------------------------------------------------- property: any sequence

USER_PATHS = [
    "specs/notes.txt",
    "specs/my/deep/a.json",
    "specs/data/mine.csv",
    "site/CNAME",
    "site/.nojekyll",
    "site/.git",
    "site/my-notes/x.md",
    "site/charts/mine.txt",
    "site/static/mine.css",
]


class SimulatedKill(BaseException):
    """Stands for SIGKILL while publishing: no clean-up runs (`_remove_stages` is off)."""


@pytest.fixture(scope="module")
def small_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("small") / "p"
    (project / "charts").mkdir(parents=True)
    (project / "charts" / "two.py").write_text(textwrap.dedent(TWO_CHARTS.format(value=1)))
    assert run(project, "build", "-q").returncode == 0
    return project


def user_view(project: Path) -> dict[str, bytes]:
    return {k: v for k, v in not_chartspecs(project).items() if k.startswith(("specs/", "site/"))}


def die(*_args: object) -> None:
    raise SimulatedKill


def move_or_die(moves: Iterator[int], move: Callable[[Path, Path], None], *paths: Path) -> None:
    if next(moves, None) is None:
        raise SimulatedKill
    move(*paths)


@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    user=st.dictionaries(st.sampled_from(USER_PATHS), st.binary(max_size=16), max_size=5),
    steps=st.lists(st.sampled_from(["build", "site", "check", "killed"]), min_size=1, max_size=3),
    kill_after=st.integers(0, 40),
)
def test_user_files_survive_any_sequence_of_commands(
    small_project: Path,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    user: dict[str, bytes],
    steps: list[str],
    kill_after: int,
) -> None:
    project = tmp_path_factory.mktemp("prop") / "p"
    shutil.copytree(small_project, project)
    add_user_files(project, user)
    before = user_view(project)
    monkeypatch.chdir(project)
    module = project / "charts" / "two.py"
    for i, step in enumerate(steps):
        module.write_text(textwrap.dedent(TWO_CHARTS.format(value=i + 2)))
        if step == "check":
            with pytest.raises(SystemExit) as done:
                main(["check", "-j", "1"])
            assert done.value.code in (0, 1)
        elif step == "site":
            publish_outputs(None, specs_dir=Path("specs"), site_dir=Path("site"), reports_dir=None)
        else:
            kill = step == "killed"
            with monkeypatch.context() as patch:
                if kill:
                    patch.setattr(publish_module, "_remove_stages", lambda journal: None)
                    if kill_after >= 35:  # before the journal is committed: staging only
                        patch.setattr(publish_module, "_commit", die)
                    else:  # inside the commit, after `kill_after` files moved in
                        moves = iter(range(kill_after))
                        move = functools.partial(move_or_die, moves, publish_module._move)
                        patch.setattr(publish_module, "_move", move)
                with contextlib.suppress(SimulatedKill):
                    build_project(
                        charts_dir=Path("charts"),
                        specs_dir=Path("specs"),
                        site_dir=Path("site"),
                        reports_dir=None,
                        jobs=1,
                        quiet=True,
                    )
            with build_lock(project):
                recover(project)
        assert user_view(project) == before, step
        assert [
            n for n in os.listdir(project) if n.startswith(".") and n not in (LOCK, CACHE)
        ] == []


def test_publishing_what_the_specs_folder_holds_stages_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    specs = tmp_path / "specs"
    files = {"a.vl.json": b'{"mark": "bar"}\n', "data/t.csv": b"v\n1\n"}
    publish_module.publish(specs_dir=specs, site_dir=None, spec_files=files)
    assert (specs / "a.vl.json").read_bytes() == files["a.vl.json"]

    def refuse(*_args: object) -> None:
        raise AssertionError("staged")

    with monkeypatch.context() as patch:
        patch.setattr(publish_module, "_stage_copy", refuse)
        patch.setattr(publish_module, "_write_journal", refuse)
        done = publish_module.publish(specs_dir=specs, site_dir=None, spec_files=files)
    assert done.changed_specs == [] and not (tmp_path / JOURNAL_NAME).exists()
    # A spec edited since it was written is noticed, and not overwritten.
    (specs / "a.vl.json").write_bytes(b'{"mark": "pie"}\n')
    with pytest.raises(ChartspecError, match="changed after chartspec wrote it"):
        publish_module.publish(specs_dir=specs, site_dir=None, spec_files=files)
    assert (specs / "a.vl.json").read_bytes() == b'{"mark": "pie"}\n'


def test_recovery_removes_a_journal_killed_while_it_was_written(tmp_path: Path) -> None:
    partial = tmp_path / f".{JOURNAL_NAME}.k3x9a0q1.tmp"  # the temporary file it is written to
    partial.write_text('{"version": 1, "sta')
    other = tmp_path / ".notes.tmp"
    other.write_text("mine")
    with build_lock(tmp_path):
        assert recover(tmp_path) == []
    assert not partial.exists() and other.read_text() == "mine"
