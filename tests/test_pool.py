"""Worker processes: at most one per usable core, and they end with the build that started them."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from chartspec.pool import map_in_pool, usable_cores, worker_count


def test_jobs_are_capped_at_the_usable_cores() -> None:
    cores = len(os.sched_getaffinity(0))
    assert usable_cores() == cores
    assert worker_count(10_000) == cores
    assert worker_count(99999999999999999999999) == cores
    assert worker_count(None) == cores
    assert worker_count(1) == 1


def test_a_huge_jobs_count_builds_with_one_process_per_core(tmp_path, cli) -> None:
    charts = tmp_path / "charts"
    charts.mkdir()
    (charts / "one.py").write_text(ONE_CHART)
    done = cli("build", "-q", "-j", "99999999999999999999999", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "specs" / "one.vl.json").is_file()


def _square(number: int) -> int:
    return number * number


def test_a_closed_pool_leaves_no_thread_behind() -> None:
    # A pool thread still ending when Python exits can print a traceback after the build's
    # last line ("Exception ignored in ... Bad file descriptor").
    before = set(threading.enumerate())
    for _ in range(5):
        assert list(map_in_pool(_square, range(4), jobs=2)) == [0, 1, 4, 9]
        assert set(threading.enumerate()) <= before


ONE_CHART = """
import altair as alt
import pandas as pd
from chartspec import chart


@chart("one", title="One", description="One bar.", source="made up")
def one():
    return alt.Chart(pd.DataFrame({"k": ["a"], "v": [1]})).mark_bar().encode(x="k:N", y="v:Q")
"""


KILLED_BUILD = """
import os, sys, time
from chartspec.pool import map_in_pool, shared_workers

def worker_pid(_):
    return os.getpid()

if __name__ == "__main__":
    with shared_workers(2):
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
