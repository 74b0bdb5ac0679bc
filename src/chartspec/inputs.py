"""Record which files a chart reads while it is drawn, so the cache knows what to hash."""

from __future__ import annotations

import functools
import hashlib
import os
import sys
import sysconfig
import threading
import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# (thread id, paths) per open `track_inputs` block: only the thread drawing a chart counts, not
# e.g. the development server's threads reading site files meanwhile.
_active: list[tuple[int, set[str]]] = []
# (thread id, files) per open `tables_read` block: the tables a chart is built from.
_tables: list[tuple[int, set[str]]] = []
_hook_installed = False
_PACKAGE_DIR = Path(__file__).resolve().parent
# Inputs known by metadata rather than content: a glob of files, or a declared version.
FILES_PREFIX = "files:"
VERSION_PREFIX = "version:"


def declare_input(path: str | Path) -> None:
    """Tell the cache that the chart being drawn depends on the file at `path`.

    Files opened with Python's `open` in the thread drawing the chart are noticed on their own;
    declare files read by other means (a C library, a subprocess, another thread) so that
    changing them rebuilds the chart.
    """
    for _, found in _active:
        found.add(os.path.abspath(os.fspath(path)))


def declare_table(path: str | Path) -> None:
    """Note that the chart being drawn loads a table from the file at `path`.

    The file is an input for the cache, the spec names it (see `tables_read`), and the
    site's metadata gives its version (see `input_version`), so that readers know which
    version of the data a chart shows.
    """
    declare_input(path)
    note_table(path)


def note_table(path: str | Path) -> None:
    """Note that the chart being drawn charts the table at `path` (a file, folder or glob),
    for its provenance only: the cache knows a lazy table by its files' metadata instead."""
    thread = threading.get_ident()
    for owner, found in _tables:
        if owner == thread:
            found.add(os.path.abspath(os.fspath(path)))


@contextmanager
def tables_read() -> Iterator[set[str]]:
    """Collect the absolute paths of the table files this thread loads while the block runs."""
    found: set[str] = set()
    entry = (threading.get_ident(), found)
    _tables.append(entry)
    try:
        yield found
    finally:
        _tables.remove(entry)


_BOM = b"\xef\xbb\xbf"


def input_version(data: bytes) -> dict[str, str]:
    """Return the version of a table file's bytes, the same on every checkout of it.

    `sha256` is the SHA-256 of its content; a text file (UTF-8, no NUL byte) is read without
    a byte order mark and with CRLF line ends as LF, so a Windows checkout gives the same.
    `git_blob` is the id git gives that content with LF line ends (its BOM kept, as git keeps
    it): `git log --find-object=<id>` lists the commits that added or removed exactly it.
    """
    text = b"\0" not in data and _is_utf8(data)
    lf = data.replace(b"\r\n", b"\n") if text else data
    content = lf.removeprefix(_BOM) if text else lf
    return {"sha256": hashlib.sha256(content).hexdigest(), "git_blob": git_blob_id(lf)}


def git_blob_id(data: bytes) -> str:
    """Return the id git stores `data` under (SHA-1 repositories)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def project_input_version(root: Path, recorded: str) -> dict[str, str] | None:
    """Return the version of the table file a spec records as `recorded` (relative to the
    project folder `root`), or None when it is not a regular file inside it."""
    found = project_file(str(root.resolve()), recorded)
    try:
        return None if found is None else input_version(Path(found).read_bytes())
    except OSError:
        return None


def project_file(root: str, recorded: str) -> str | None:
    """Return the real path of the file a spec records as `recorded` (relative to the resolved
    project folder `root`), or None when it is not a regular file inside it: a spec never has
    chartspec read a file outside the project."""
    found = os.path.realpath(os.path.join(root, recorded))
    inside = os.path.commonpath([root, found]) == root
    return found if not os.path.isabs(recorded) and inside and os.path.isfile(found) else None


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def declare_files(pattern: str) -> None:
    """Tell the cache that the chart depends on the files matching the glob `pattern`.

    They are known by their names, sizes and modification times, never read: a table of many
    gigabytes costs the cache a directory listing.
    """
    _declare(FILES_PREFIX + pattern)


def declare_version(version: str) -> None:
    """Tell the cache that the chart depends on `version` (a query, or a version users bump)."""
    _declare(VERSION_PREFIX + hashlib.sha256(version.encode("utf-8")).hexdigest())


def _declare(entry: str) -> None:
    for _, found in _active:
        found.add(entry)


def is_declared_entry(entry: str) -> bool:
    """Tell whether an input is a declared glob or version rather than a file read."""
    return entry.startswith((FILES_PREFIX, VERSION_PREFIX))


@contextmanager
def track_inputs() -> Iterator[set[str]]:
    """Collect the absolute paths of the project files this thread opens while the block runs.

    Python modules of the project imported meanwhile count too, even when Python read only
    their compiled copy in `__pycache__`. The hook that watches is installed for good, so only
    worker processes that chartspec started track what they read.
    """
    _install_hook()
    found: set[str] = set()
    entry = (threading.get_ident(), found)
    before = set(sys.modules)
    _active.append(entry)
    try:
        yield found
    finally:
        _active.remove(entry)
        imported = (sys.modules.get(name) for name in set(sys.modules) - before)
        found.update(os.path.abspath(f) for m in imported if (f := getattr(m, "__file__", None)))
        kept = {p for p in found if is_declared_entry(p) or is_project_file(p)}
        found.clear()
        found.update(kept)


def hook_installed() -> bool:
    """Tell whether this process watches the files it opens (only chartspec's workers do)."""
    return _hook_installed


def is_project_file(path: str) -> bool:
    """Tell whether `path` is a project file, not one of Python, a library or chartspec.

    Library and interpreter files are covered by the versions in the cache key, chartspec's own
    files by the hash of its package folder. The time-zone database is part of the system too:
    libraries read it once per process, so counting it would make a chart's inputs depend on
    whether it was the first thing drawn.
    """
    if "__pycache__" in path or not os.path.isfile(path):
        return False
    resolved = Path(path).resolve()
    return not any(resolved.is_relative_to(root) for root in _excluded_roots())


@functools.cache
def _excluded_roots() -> list[Path]:
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, "/dev", "/proc", "/sys"}
    roots.update(p for p in sysconfig.get_paths().values() if p)
    roots.update(zoneinfo.TZPATH)
    return [Path(r).resolve() for r in roots] + [_PACKAGE_DIR]


def _install_hook() -> None:
    global _hook_installed
    if not _hook_installed:
        sys.addaudithook(_on_audit)
        _hook_installed = True


def _on_audit(event: str, args: tuple[object, ...]) -> None:
    # Audit hooks cannot be removed: stay cheap when nothing is being tracked.
    if not _active or event != "open":
        return
    path, mode = args[0], args[1] if len(args) > 1 else None
    if isinstance(mode, str) and ("w" in mode or "a" in mode or "x" in mode):
        return
    if isinstance(path, str | bytes | os.PathLike):
        name = os.path.abspath(os.fsdecode(path))
        thread = threading.get_ident()
        for owner, found in _active:
            if owner == thread:
                found.add(name)
