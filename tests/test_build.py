"""The build as a user runs it: golden specs, determinism, staleness, all-or-nothing."""

from __future__ import annotations

import json
import shutil

import pytest
from benchmarks.project import chart_name, make_project, write_table

from chartspec.build import MIN_PARALLEL_SPECS
from chartspec.validate import check_spec
from conftest import REPO, write_project

SPECS = sorted((REPO / "specs").glob("*.vl.json"))


def test_there_are_committed_specs():
    assert any(p.name == "memory3-speed-vs-score.vl.json" for p in SPECS)


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_every_committed_spec_passes_schema_and_lint(path):
    spec = json.loads(path.read_text(encoding="utf-8"))
    assert check_spec(spec, base_dir=path.parent) == []


def files(root):
    """Return every output file under root (not the build cache) with its bytes."""
    return {
        p.relative_to(root): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".chartspec-cache" not in p.parts
    }


@pytest.mark.slow
def test_build_reproduces_committed_specs_and_site_byte_for_byte(repository_build):
    built = sorted(p.name for p in (repository_build / "specs").glob("*.vl.json"))
    assert built == [p.name for p in SPECS]
    for path in SPECS:
        assert (repository_build / "specs" / path.name).read_bytes() == path.read_bytes(), path.name
    site, committed = files(repository_build / "site"), files(REPO / "site")
    assert sorted(site) == sorted(committed)
    assert [name for name in site if site[name] != committed[name]] == []


@pytest.mark.slow
def test_builds_are_identical_under_any_hash_seed(repository_build, tmp_path, cli):
    done = cli(
        "build",
        "--specs",
        tmp_path / "specs",
        "--site",
        tmp_path / "site",
        env={"PYTHONHASHSEED": "4242"},
        timeout=900,
        cwd=REPO,
    )
    assert done.returncode == 0, done.stderr
    assert files(tmp_path) == files(repository_build)


def test_list_names_titles_and_sources(cli):
    done = cli("list", cwd=REPO)
    assert done.returncode == 0
    assert (
        "memory3-speed-vs-score\tDecoding speed vs. professional task performance\tYang et al."
        in done.stdout
    )


# --- incremental and parallel builds give exactly the bytes of a cold, serial build

CHARTS = 3


def tree(root):
    return {p.relative_to(root): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def build(cli, root, *args):
    done = cli("build", *args, cwd=root)
    assert done.returncode == 0, done.stderr
    return done


def test_cached_build_after_edits_equals_a_cold_build(tmp_path, cli):
    root = tmp_path / "p"
    make_project(root, charts=CHARTS, rows=30)
    build(cli, root, "--jobs", "1")
    assert (root / ".chartspec-cache" / "specs").is_dir()
    # Change one table and one chart module, then rebuild from the cache.
    write_table(root / "charts" / "data" / "t001.csv", 1, rows=30, salt=9)
    done = build(cli, root, "--jobs", "1")
    assert "(1 file(s) changed)" in done.stdout
    module = root / "charts" / "bench_00.py"
    module.write_text(module.read_text().replace("opacity=0.7", "opacity=0.5"))
    build(cli, root, "--jobs", "1")
    cold = tmp_path / "cold"
    shutil.copytree(root / "charts", cold / "charts")
    build(cli, cold, "--jobs", "1", "--no-cache")
    assert tree(root / "specs") == tree(cold / "specs")
    assert tree(root / "site") == tree(cold / "site")


def test_unchanged_project_reuses_everything(tmp_path, cli):
    root = tmp_path / "p"
    make_project(root, charts=2, rows=20)
    build(cli, root, "--jobs", "1")
    before = tree(root / "site")
    (root / ".chartspec-cache" / "render").rename(root / "renders-moved")
    done = build(cli, root, "--jobs", "1")  # the site record says nothing changed: no render
    assert "(0 file(s) changed)" in done.stdout
    assert not (root / ".chartspec-cache" / "render").exists()
    assert tree(root / "site") == before


@pytest.mark.slow
def test_parallel_build_equals_serial_build(tmp_path, cli):
    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    for root in (serial, parallel):  # enough charts that specs are built in worker processes
        make_project(root, charts=MIN_PARALLEL_SPECS, rows=20)
    build(cli, serial, "--jobs", "1", "--no-cache")
    build(cli, parallel, "--jobs", "2", "--no-cache")
    assert tree(serial / "specs") == tree(parallel / "specs")
    assert tree(serial / "site") == tree(parallel / "site")


def test_a_failing_chart_is_reported_from_a_worker(tmp_path, cli):
    root = tmp_path / "p"
    make_project(root, charts=MIN_PARALLEL_SPECS, rows=20)
    (root / "charts" / "data" / "t002.csv").write_text("id,group\nr1,a\n")
    done = cli("build", "--jobs", "2", cwd=root)
    assert done.returncode == 2
    assert "t002.csv:1: missing column 'day'" in done.stderr
    assert not (root / "specs").exists()
    assert chart_name(2, MIN_PARALLEL_SPECS) == "bench-002-scatter"


BARS = """
import altair as alt
import pandas as pd
from chartspec import chart


@chart("bars", title="Bars", description="Some bars.", source="made up", featured=False)
def bars():
    return alt.Chart(pd.DataFrame({"k": ["a"], "v": [1]})).mark_bar().encode(x="k:N", y="v:Q")
"""


def test_changing_featured_rebuilds_the_cached_spec(tmp_path, cli):
    module, spec = tmp_path / "charts" / "bars.py", tmp_path / "specs" / "bars.vl.json"
    module.parent.mkdir()
    module.write_text(BARS)
    build(cli, tmp_path, "--jobs", "1")
    assert '"featured"' not in spec.read_text()
    module.write_text(BARS.replace("featured=False", "featured=True"))
    build(cli, tmp_path, "--jobs", "1")
    assert '"featured": true' in spec.read_text()


def test_a_builds_warnings_name_the_specs_folder_not_its_staging_copy(tmp_path, cli) -> None:
    project = write_project(tmp_path)
    module = project / "charts" / "speed.py"
    source = module.read_text(encoding="utf-8")
    module.write_text(source.replace("mark_point()", 'mark_point(color="#ffff66")'))
    done = cli("build", cwd=project)
    assert done.returncode == 0, done.stderr
    warned = [line for line in done.stderr.splitlines() if "warning" in line]
    assert warned and all(line.startswith("specs/speed.vl.json: warning: ") for line in warned)
    assert "stage" not in done.stderr
