"""chartspec.portable: the build lock, flushing to disk and folder modes, on every system."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from chartspec import files, portable
from chartspec.errors import ChartspecError
from chartspec.publish import build_lock

HOLD = """
import sys, time
from chartspec.portable import locked
with locked(__import__("pathlib").Path(sys.argv[1]), wait=0):
    print("held", flush=True)
    time.sleep(30)
"""


def test_lock_excludes_another_process_and_times_out(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(tmp_path / ".lock")], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        waited: list[bool] = []
        lock = portable.locked(tmp_path / ".lock", wait=0.2, on_wait=lambda: waited.append(True))
        with pytest.raises(portable.LockTimeout), lock:
            pass
        assert waited == [True]
    finally:
        holder.kill()
        holder.wait()
    with portable.locked(tmp_path / ".lock", wait=0):  # free once the holder is gone
        pass


def test_build_lock_message_and_timeout_setting(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("CHARTSPEC_LOCK_TIMEOUT", "0.1")
    with build_lock(tmp_path) as held:
        assert held
        busy = pytest.raises(
            ChartspecError, match=r"another chartspec command is building .* 0.1 s"
        )
        with busy, build_lock(tmp_path):
            pass
    assert "waiting for another build" in capsys.readouterr().err


def test_publish_imports_without_fcntl() -> None:
    code = "import sys; sys.modules['fcntl'] = None; import chartspec.publish"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_syncfs_falls_back_off_linux(tmp_path: Path, monkeypatch) -> None:
    assert portable.syncfs(tmp_path) is sys.platform.startswith("linux")
    monkeypatch.setattr(portable.sys, "platform", "win32")
    assert portable.syncfs(tmp_path) is False


def test_sync_dir_tolerates_systems_that_cannot_open_folders(tmp_path: Path, monkeypatch) -> None:
    def refuse(path, flags, *args):
        raise PermissionError(13, "folders cannot be opened")

    monkeypatch.setattr(portable.os, "open", refuse)
    portable.sync_dir(tmp_path)  # nothing to flush, nothing raised


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_new_folders_and_files_follow_the_umask(tmp_path: Path, mask: int) -> None:
    old = os.umask(mask)
    try:
        made = portable.make_temp_dir(prefix=".x-", dir=tmp_path)
        files.write_atomic(made / "a.txt", "a")
    finally:
        os.umask(old)
    assert made.stat().st_mode & 0o777 == 0o777 & ~mask
    assert (made / "a.txt").stat().st_mode & 0o777 == 0o666 & ~mask
