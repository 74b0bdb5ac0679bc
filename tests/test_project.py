"""Tests for chartspec.project's check: the specs and site of a project against a rebuild."""

from __future__ import annotations

import shutil

from benchmarks.project import chart_name, make_project

from conftest import REPO
from test_build import build


def test_check_passes_on_the_repository(cli):
    done = cli("check", cwd=REPO)
    assert done.returncode == 0, done.stdout + done.stderr


def test_check_finds_a_stale_site_page(project, cli):
    shutil.rmtree(project / ".chartspec-cache")  # a fresh clone: checked against a rebuild
    page = project / "site" / "speed.html"
    page.write_text(page.read_text(encoding="utf-8") + "<!-- edited -->", encoding="utf-8")
    done = cli("check", cwd=project)
    assert done.returncode == 1
    assert "site/speed.html: stale: the site page differs from a rebuild" in done.stdout


def test_check_finds_a_stale_spec(project, cli):
    shutil.rmtree(project / ".chartspec-cache")
    specs = project / "specs"
    path = specs / "speed.vl.json"
    assert "47.8" in path.read_text(encoding="utf-8")
    path.write_text(path.read_text(encoding="utf-8").replace("47.8", "47.9"), encoding="utf-8")
    done = cli("check", "--specs", specs, cwd=project)
    assert done.returncode == 1
    assert (
        f"{specs}/speed.vl.json: stale: chart 'speed' now produces a different spec; "
        f"run `chartspec build --charts charts --specs {specs}`"
    ) in done.stdout


def test_check_finds_a_missing_and_an_orphan_spec(tmp_path, cli):
    root = tmp_path / "p"
    make_project(root, charts=2, rows=10)
    build(cli, root, "--jobs", "1")
    first, second = (root / "specs" / f"{chart_name(i, 2)}.vl.json" for i in range(2))
    first.unlink()
    make_project(root, charts=1, rows=10)  # the second chart is gone
    done = cli("check", cwd=root)
    assert done.returncode == 1
    assert f"missing: chart '{chart_name(0, 2)}' has no spec" in done.stdout
    assert f"{second.name}: orphan: no chart named '{chart_name(1, 2)}'" in done.stdout
    build(cli, root, "--jobs", "1")
    assert first.is_file() and not second.exists()
