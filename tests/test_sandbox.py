"""chartspec.sandbox: files read on behalf of specs, reports and charts stay inside the project."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from chartspec.errors import ChartspecError
from chartspec.sandbox import is_remote, read_inside, read_regular_file, resolve_inside


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "project" / "specs").mkdir(parents=True)
    (tmp_path / "project" / "data.csv").write_text("a\n1\n")
    (tmp_path / "secret.txt").write_text("secret")
    return tmp_path / "project"


def _read(project: Path, reference: str) -> bytes:
    return read_inside(
        reference, base=project / "specs", roots=[project / "specs", project], source="s.vl.json"
    )


def test_reads_a_file_inside_the_roots(project: Path) -> None:
    assert _read(project, "../data.csv") == b"a\n1\n"
    assert _read(project, "..%2Fdata.csv") == b"a\n1\n"  # a URL path, percent-decoded


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("../../secret.txt", "points outside the project"),
        ("/etc/passwd", "is an absolute path"),
        ("file:///etc/passwd", "is not a local file"),
        ("https://example.com/x.csv", "is not a local file"),
        ("//example.com/x.csv", "is not a local file"),
        ("link.csv", "points outside the project"),  # a symlink out of the project
    ],
)
def test_refuses_references_that_leave_the_project(
    project: Path, reference: str, message: str
) -> None:
    (project / "specs" / "link.csv").symlink_to(project.parent / "secret.txt")
    with pytest.raises(ChartspecError, match=message) as caught:
        _read(project, reference)
    assert str(caught.value).startswith("s.vl.json: ")


def test_refuses_fifos_devices_and_folders_without_waiting(project: Path) -> None:
    os.mkfifo(project / "fifo")
    with pytest.raises(ChartspecError, match="not a regular file"):
        read_regular_file(project / "fifo")
    with pytest.raises(ChartspecError, match="not a regular file"):
        read_regular_file(Path("/dev/zero"))
    with pytest.raises(ChartspecError, match="Is a directory"):
        read_regular_file(project / "specs")
    with pytest.raises(ChartspecError, match="file not found"):
        read_regular_file(project / "missing.csv")


def test_refuses_files_over_the_limit(project: Path) -> None:
    with pytest.raises(ChartspecError, match="larger than the 3 bytes limit"):
        read_regular_file(project / "data.csv", limit=3)
    assert read_regular_file(project / "data.csv", limit=4) == b"a\n1\n"


def test_is_remote() -> None:
    assert is_remote("https://x") and is_remote("//x") and is_remote("FILE:///x")
    assert not is_remote("data/x.csv") and not is_remote("../x.csv")


def test_resolve_inside_follows_symlinks_inside(project: Path) -> None:
    (project / "specs" / "data.csv").symlink_to(project / "data.csv")
    path = resolve_inside("data.csv", base=project / "specs", roots=[project])
    assert path == (project / "data.csv").resolve()
