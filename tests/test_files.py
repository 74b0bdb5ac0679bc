"""The one writer: atomic writes, and flushing a staged folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from chartspec import files
from chartspec.errors import ChartspecError


def test_write_atomic_replaces_the_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b.txt"
    files.write_atomic(target, "one")
    files.write_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert sorted(p.name for p in target.parent.iterdir()) == ["b.txt"]


def _staged(root: Path) -> list[str]:
    rels = ["index.html", "charts/a.svg", "static/fonts/f.woff2"]
    for rel in rels:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(rel)
    return rels


def test_sync_files_uses_syncfs_where_the_system_has_it(tmp_path: Path) -> None:
    rels = _staged(tmp_path)
    assert files.syncfs(tmp_path)  # Linux: one call for the file system
    files.sync_files(tmp_path, rels)


def test_sync_files_falls_back_to_each_file(tmp_path: Path, monkeypatch) -> None:
    rels = _staged(tmp_path)
    synced: list[int] = []
    real_fsync = files.os.fsync
    monkeypatch.setattr(files, "syncfs", lambda folder: False)
    monkeypatch.setattr(files.os, "fsync", lambda fd: synced.append(fd) or real_fsync(fd))
    files.sync_files(tmp_path, rels)
    assert len(synced) >= len(rels)  # every file, then its folders
    with pytest.raises(ChartspecError, match="missing.html"):
        files.sync_files(tmp_path, [*rels, "missing.html"])
