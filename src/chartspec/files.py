"""The one place that writes files: atomically, so a failure never leaves half a file."""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from chartspec.errors import ChartspecError
from chartspec.portable import current_umask, sync_dir, syncfs


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write `data` to `path` through a synced temporary file in the same folder, then rename it.

    Any OSError (permission denied, disk full, a file where a folder should be) becomes a
    ChartspecError naming `path`; the previous content of `path` is kept.
    """
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as error:
        raise os_error(error, path.parent, "cannot create a file in the folder") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~current_umask())  # mkstemp makes files 0600
        os.replace(tmp, path)
        sync_dir(path.parent)
    except OSError as error:
        Path(tmp).unlink(missing_ok=True)
        raise os_error(error, path, "cannot write the file") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_if_changed(path: Path, data: str | bytes) -> bool:
    """Write `data` atomically unless `path` already holds exactly it; return whether it wrote."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        if path.is_file() and path.read_bytes() == payload:
            return False
    except OSError as error:
        raise os_error(error, path, "cannot read the file") from None
    write_atomic(path, payload)
    return True


def sync_files(root: Path, rels: Iterable[str]) -> None:
    """Flush the files `rels` under `root`, and their folders, to disk.

    Where Linux's syncfs is available one call flushes the whole file system, which costs far
    less than one fsync per file; elsewhere each file and folder is synced in turn.
    """
    root = Path(root)
    if syncfs(root):
        return
    folders = {root}
    for rel in sorted(rels):
        path = root / rel
        folders.update(f for f in path.parents if f.is_relative_to(root))
        try:
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as error:
            raise os_error(error, path, "cannot write the file") from None
    for folder in sorted(folders):
        sync_dir(folder)


def os_error(error: OSError, path: str | Path, what: str) -> ChartspecError:
    """Turn an OSError on `path` into the user-facing error, with what to do about it."""
    reason = error.strerror or str(error)
    hints = {
        "EACCES": "check the permissions of the path",
        "EPERM": "check the permissions of the path",
        "EROFS": "the file system is read-only: choose another folder",
        "ENOSPC": "free some disk space and run the command again",
        "EDQUOT": "free some disk space (quota exceeded) and run the command again",
        "EFBIG": "the file is too large for this file system or limit",
        "ENOTDIR": "a file stands where a folder is expected: move it or choose another path",
        "EISDIR": "a folder stands where a file is expected: choose another path",
        "ENOENT": "check the path",
    }
    code = errno.errorcode.get(error.errno or 0, "")
    if code == "EEXIST" and Path(path).exists() and not Path(path).is_dir():
        code, reason = "ENOTDIR", os.strerror(errno.ENOTDIR)  # mkdir met a file on the way
    return ChartspecError(
        f"{what} ({reason})", file=path, hint=hints.get(code, "check the path and free disk space")
    )
