"""The one rule for files chartspec reads on behalf of a spec, a report or a chart.

Specs, data and reports are not trusted: a reference they make is read only when it names a
regular file inside one of the allowed roots (after resolving symlinks), and only up to a size
limit. Absolute paths, `..` escapes, `file:` and other URL schemes, devices and FIFOs are refused
with one line that names the reference and where it came from.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import unquote, urlsplit

from chartspec.errors import ChartspecError
from chartspec.files import os_error

MAX_INPUT_BYTES = 512 * 1024 * 1024
"""Largest file read on behalf of a spec or report; past it the read is refused, not truncated."""

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")


def is_remote(reference: str) -> bool:
    """Return whether `reference` names something outside the file system (`https:`, `//host`)."""
    return bool(_SCHEME.match(reference)) or reference.startswith("//")


def resolve_inside(
    reference: str,
    *,
    base: Path,
    roots: Sequence[Path],
    source: str | Path | None = None,
) -> Path:
    """Return the file relative `reference` names from folder `base`, if it lies inside `roots`.

    Errors name `source`, the spec or report making the reference.
    """
    if is_remote(reference):
        raise ChartspecError(
            f"{reference!r} is not a local file",
            hint="only files inside the project are read",
            file=source,
        )
    relative = unquote(urlsplit(reference).path)
    if relative.startswith(("/", "\\")) or Path(relative).is_absolute():
        raise ChartspecError(
            f"{reference!r} is an absolute path",
            hint="refer to files by a path relative to the spec or report",
            file=source,
        )
    try:
        path = (base / relative).resolve()
    except (OSError, RuntimeError) as error:  # a symlink loop
        raise ChartspecError(f"{reference!r} cannot be resolved ({error})", file=source) from None
    allowed = [Path(root).resolve() for root in roots]
    if not any(path.is_relative_to(root) for root in allowed):
        raise ChartspecError(
            f"{reference!r} points outside the project",
            hint="keep data and images inside the project folder",
            file=source,
        )
    return path


def read_inside(
    reference: str,
    *,
    base: Path,
    roots: Sequence[Path],
    source: str | Path | None = None,
    limit: int = MAX_INPUT_BYTES,
) -> bytes:
    """Return the bytes of the regular file `reference` names inside `roots`, at most `limit`."""
    path = resolve_inside(reference, base=base, roots=roots, source=source)
    return read_regular_file(path, limit=limit)


def read_regular_file(path: Path, *, limit: int = MAX_INPUT_BYTES) -> bytes:
    """Return the bytes of `path` if it is a regular file of at most `limit` bytes.

    Opened without blocking, so a FIFO is refused instead of waiting for a writer forever.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise ChartspecError("file not found", file=path, hint="check the path") from None
    except OSError as error:
        raise os_error(error, path, _READ) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise os_error(IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR)), path, _READ)
        if not stat.S_ISREG(info.st_mode):
            raise ChartspecError(
                "is not a regular file (a device, FIFO or socket)",
                file=path,
                hint="point at a data or image file",
            )
        if info.st_size > limit:
            raise ChartspecError(
                f"is larger than the {_size(limit)} limit for inputs",
                file=path,
                hint="aggregate the data first",
            )
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(limit + 1)
    except OSError as error:
        raise os_error(error, path, _READ) from None
    finally:
        os.close(fd)
    if len(data) > limit:  # grew while read
        raise ChartspecError(f"is larger than the {_size(limit)} limit for inputs", file=path)
    return data


_READ = "cannot read the file"


def _size(n: int) -> str:
    return f"{n // (1024 * 1024)} MiB" if n >= 1024 * 1024 else f"{n} bytes"
