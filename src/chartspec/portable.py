"""The calls that differ between operating systems, each with a fallback that works everywhere.

Flushing a file system or a folder to disk, locking a file against other processes, and the
mode new folders get: Linux, macOS and Windows offer these differently (or not at all).
"""

from __future__ import annotations

import ctypes
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import filelock


class LockTimeout(Exception):
    """Another process held the lock for longer than the wait allowed."""


@contextmanager
def locked(path: Path, *, wait: float, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold an exclusive lock on the file `path` (created if missing) while the block runs.

    Waits up to `wait` seconds, calling `on_wait()` once if the lock is not free at first.
    Raises OSError when the lock file cannot be created, LockTimeout when the wait runs out.
    """
    lock = filelock.FileLock(path, mode=0o666 & ~current_umask())
    try:
        lock.acquire(timeout=0)
    except filelock.Timeout:
        if on_wait is not None:
            on_wait()
        try:
            lock.acquire(timeout=wait, poll_interval=0.05)
        except filelock.Timeout:
            raise LockTimeout(str(path)) from None
    try:
        yield
    finally:
        lock.release()


def syncfs(folder: Path) -> bool:
    """Flush the file system holding `folder` with syncfs(2); False where that is unavailable."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        call = ctypes.CDLL(None, use_errno=True).syncfs
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except (AttributeError, OSError):
        return False
    try:
        return bool(call(fd) == 0)
    finally:
        os.close(fd)


def sync_dir(folder: Path) -> None:
    """Flush a folder's entries (renames, new files) to disk, where the system allows it."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return  # Windows cannot open folders; the rename itself is still atomic
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def current_umask() -> int:
    """Return the process umask (reading it means setting it, so it is set straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def make_temp_dir(*, prefix: str, dir: Path) -> Path:
    """Create a new folder as `mkdtemp` does, but with the mode the umask gives any folder.

    `mkdtemp` makes folders 0700; a staged folder becomes the published one, which a web
    server running as another user must be able to read.
    """
    made = Path(tempfile.mkdtemp(prefix=prefix, dir=dir))
    os.chmod(made, 0o777 & ~current_umask())
    return made
