"""Incremental and parallel builds give exactly the bytes of a cold, serial build."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
import time
from pathlib import Path

import altair as alt
import pandas as pd
import pytest
from benchmarks.project import chart_name, make_project, write_table

from chartspec.incremental import MIN_PARALLEL_SPECS, build_texts_incremental
from chartspec.registry import ChartDef

CHARTS = 3


def tree(root):
    return {p.relative_to(root): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def build(cli, root, *args):
    done = cli("build", *args, cwd=root)
    assert done.returncode == 0, done.stderr
    return done


def test_cached_build_after_edits_equals_a_cold_build(tmp_path, cli):
    root = tmp_path / "p"
    make_project(root, charts=CHARTS, rows=30)
    build(cli, root, "--jobs", "1")
    assert (root / ".chartspec-cache" / "specs").is_dir()
    # Change one table and one chart module, then rebuild from the cache.
    write_table(root / "charts" / "data" / "t001.csv", 1, rows=30, salt=9)
    done = build(cli, root, "--jobs", "1")
    assert "(1 file(s) changed)" in done.stdout
    module = root / "charts" / "bench_00.py"
    module.write_text(module.read_text().replace("opacity=0.7", "opacity=0.5"))
    build(cli, root, "--jobs", "1")
    cold = tmp_path / "cold"
    shutil.copytree(root / "charts", cold / "charts")
    build(cli, cold, "--jobs", "1", "--no-cache")
    assert tree(root / "specs") == tree(cold / "specs")
    assert tree(root / "site") == tree(cold / "site")


def test_unchanged_project_reuses_everything(tmp_path, cli):
    root = tmp_path / "p"
    make_project(root, charts=2, rows=20)
    build(cli, root, "--jobs", "1")
    before = tree(root / "site")
    (root / ".chartspec-cache" / "render").rename(root / "renders-moved")
    done = build(cli, root, "--jobs", "1")  # the site record says nothing changed: no render
    assert "(0 file(s) changed)" in done.stdout
    assert not (root / ".chartspec-cache" / "render").exists()
    assert tree(root / "site") == before


def test_parallel_build_equals_serial_build(tmp_path, cli):
    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    for root in (serial, parallel):  # enough charts that specs are built in worker processes
        make_project(root, charts=MIN_PARALLEL_SPECS, rows=20)
    build(cli, serial, "--jobs", "1", "--no-cache")
    build(cli, parallel, "--jobs", "2", "--no-cache")
    assert tree(serial / "specs") == tree(parallel / "specs")
    assert tree(serial / "site") == tree(parallel / "site")


def test_a_failing_chart_is_reported_from_a_worker(tmp_path, cli):
    root = tmp_path / "p"
    make_project(root, charts=MIN_PARALLEL_SPECS, rows=20)
    (root / "charts" / "data" / "t002.csv").write_text("id,group\nr1,a\n")
    done = cli("build", "--jobs", "2", cwd=root)
    assert done.returncode == 2
    assert "t002.csv:1: missing column 'day'" in done.stderr
    assert not (root / "specs").exists()
    assert chart_name(2, MIN_PARALLEL_SPECS) == "bench-002-scatter"


def test_changing_featured_rebuilds_the_cached_spec(tmp_path):
    def draw():
        return alt.Chart(pd.DataFrame({"k": ["a"], "v": [1]})).mark_bar().encode(x="k:N", y="v:Q")

    plain = ChartDef("bars", "Bars", "Some bars.", "made up", draw, Path(__file__))
    specs = tmp_path / "specs"
    texts = build_texts_incremental({"bars": plain}, specs_dir=specs, charts_dir=None, quiet=True)
    assert '"featured"' not in texts["bars"]
    featured = dataclasses.replace(plain, featured=True)
    texts = build_texts_incremental(
        {"bars": featured}, specs_dir=specs, charts_dir=None, quiet=True
    )
    assert '"featured": true' in texts["bars"]


KILLED_BUILD = """
import os, sys, time
from chartspec.incremental import map_in_pool, shared_workers

def worker_pid(_):
    return os.getpid()

if __name__ == "__main__":
    with shared_workers(2, charts_dir=None):
        pids = sorted(set(map_in_pool(worker_pid, range(40), jobs=2)))
        print(*pids, flush=True)
        time.sleep(120)
"""


def _running(pid: int) -> bool:
    """Tell whether a process is alive (an exited, unreaped one counts as ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


@pytest.mark.slow
def test_workers_end_when_the_build_is_killed(tmp_path: Path) -> None:
    script = tmp_path / "killed_build.py"
    script.write_text(KILLED_BUILD, encoding="utf-8")
    build = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, text=True, cwd=tmp_path
    )
    try:
        pids = [int(p) for p in build.stdout.readline().split()]  # type: ignore[union-attr]
        assert pids and all(_running(pid) for pid in pids)
    finally:
        build.kill()
        build.wait()
    deadline = time.monotonic() + 20
    while any(_running(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_running(pid) for pid in pids)
