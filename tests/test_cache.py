"""The cache beside the specs: one record per site folder, whatever staging folder wrote it."""

from __future__ import annotations

import json
from pathlib import Path

from chartspec.cache import CACHE_DIR_NAME, key_of
from chartspec.manifest import Manifest
from conftest import PROJECT_CSV, write_project


def site_records(project: Path) -> list[Path]:
    return sorted((project / CACHE_DIR_NAME / "sites").glob("*.json"))


def test_a_build_and_a_rebuild_leave_one_site_record(tmp_path, cli) -> None:
    project = write_project(tmp_path)
    done = cli("build", "-q", cwd=project)
    assert done.returncode == 0, done.stderr
    assert len(site_records(project)) == 1

    # New data: the site is written again, through a new staging folder.
    (project / "charts" / "data.csv").write_text(PROJECT_CSV.replace("47.8", "99.5"))
    done = cli("build", "-q", cwd=project)
    assert done.returncode == 0, done.stderr
    assert "99.5" in (project / "site" / "speed.html").read_text(encoding="utf-8")

    [record] = site_records(project)
    assert record.stem == key_of(str((project / "site").resolve()))  # the real folder's key
    files = json.loads(record.read_text(encoding="utf-8"))["files"]
    assert files == Manifest.read(project / "site", legacy=False).files
