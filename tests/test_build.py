"""The build as a user runs it: golden specs, determinism, staleness, all-or-nothing."""

from __future__ import annotations

import json
import shutil

import pytest

from chartspec.validate import check_spec
from conftest import REPO

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


def test_build_reproduces_committed_specs_and_site_byte_for_byte(tmp_path, cli):
    done = cli("build", "--specs", tmp_path / "specs", "--site", tmp_path / "site", cwd=REPO)
    assert done.returncode == 0, done.stderr
    built = sorted(p.name for p in (tmp_path / "specs").glob("*.vl.json"))
    assert built == [p.name for p in SPECS]
    for path in SPECS:
        assert (tmp_path / "specs" / path.name).read_bytes() == path.read_bytes(), path.name
    site, committed = files(tmp_path / "site"), files(REPO / "site")
    assert sorted(site) == sorted(committed)
    assert [name for name in site if site[name] != committed[name]] == []


def test_builds_are_identical_under_any_hash_seed(tmp_path, cli):
    for seed in ("0", "4242"):
        out = tmp_path / seed
        done = cli(
            "build",
            "--specs",
            out / "specs",
            "--site",
            out / "site",
            env={"PYTHONHASHSEED": seed},
            cwd=REPO,
        )
        assert done.returncode == 0, done.stderr
    assert files(tmp_path / "0") == files(tmp_path / "4242")


def test_check_passes_on_the_repository(cli):
    done = cli("check", cwd=REPO)
    assert done.returncode == 0, done.stdout + done.stderr


def test_check_finds_a_stale_site_page(tmp_path, cli):
    shutil.copytree(REPO / "specs", tmp_path / "specs")
    shutil.copytree(REPO / "site", tmp_path / "site")
    page = tmp_path / "site" / "memory3-speed-vs-score.html"
    page.write_text(page.read_text(encoding="utf-8") + "<!-- edited -->", encoding="utf-8")
    done = cli("check", cwd=tmp_path)
    assert done.returncode == 1
    assert (
        "site/memory3-speed-vs-score.html: stale: the site page differs from a rebuild"
        in done.stdout
    )


def test_check_finds_a_stale_spec(tmp_path, cli):
    specs = tmp_path / "specs"
    shutil.copytree(REPO / "specs", specs)
    path = specs / "memory3-speed-vs-score.vl.json"
    path.write_text(path.read_text(encoding="utf-8").replace("47.8", "47.9"), encoding="utf-8")
    done = cli("check", "--specs", specs, cwd=tmp_path)
    assert done.returncode == 1
    assert (
        f"{specs}/memory3-speed-vs-score.vl.json: stale: chart 'memory3-speed-vs-score' now "
        f"produces a different spec; run `chartspec build --specs {specs}`"
    ) in done.stdout


def test_check_finds_a_missing_and_an_orphan_spec(tmp_path, cli):
    specs = tmp_path / "specs"
    shutil.copytree(REPO / "specs", specs)
    (specs / "memory3-speed-vs-score.vl.json").rename(specs / "old-name.vl.json")
    done = cli("check", "--specs", specs, cwd=tmp_path)
    assert done.returncode == 1
    assert "missing: chart 'memory3-speed-vs-score' has no spec" in done.stdout
    assert "old-name.vl.json: orphan: no chart named 'old-name'" in done.stdout
    assert cli("build", "--specs", specs, cwd=tmp_path).returncode == 0
    assert not (specs / "old-name.vl.json").exists()


def test_list_names_titles_and_sources(cli):
    done = cli("list", cwd=REPO)
    assert done.returncode == 0
    assert (
        "memory3-speed-vs-score\tDecoding speed vs. professional task performance\tYang et al."
        in done.stdout
    )
