"""The cache beside the specs: one record per site folder, whatever staging folder wrote it."""

from __future__ import annotations

import json
import os
import shutil
import time
from importlib import metadata
from pathlib import Path

from chartspec import cache
from chartspec.build import build_texts, load_project_charts
from chartspec.cache import CACHE_DIR_NAME, key_of
from chartspec.manifest import Manifest
from chartspec.pool import shared_workers
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


# --- what a build with nothing changed notices --------------------------------------------------

READERS = """
import os
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd
from chartspec import Column, TableSchema, chart, declare_input, load_table

HERE = Path(__file__).parent
with open(HERE.parent / "imports.log", "a") as log:
    log.write(__name__ + "\\n")


def drawn(name, value):
    with open(HERE.parent / "drawn.log", "a") as log:
        log.write(name + "\\n")
    table = pd.DataFrame({"k": ["a"], "v": [value]})
    return alt.Chart(table).mark_bar().encode(x="k:N", y="v:Q")


@chart("table", title="T", description="d", source="s")
def table():
    return drawn("table", load_table(HERE / "t.csv", TableSchema([Column("v", "number")]))["v"][0])


@chart("opened", title="O", description="d", source="s")
def opened():
    return drawn("opened", len((HERE / "notes.txt").read_text()))


@chart("declared", title="D", description="d", source="s")
def declared():
    declare_input(HERE / "d.bin")  # read by a C library, unseen by Python's `open`
    return drawn("declared", float(np.fromfile(HERE / "d.bin", dtype=np.uint8).sum()))
"""
PLAIN = """
import altair as alt
import pandas as pd
from pathlib import Path
from chartspec import chart

with open(Path(__file__).parent.parent / "imports.log", "a") as log:
    log.write(__name__ + "\\n")


@chart("plain", title="P", description="d", source="s")
def plain():
    with open(Path(__file__).parent.parent / "drawn.log", "a") as log:
        log.write("plain\\n")
    return alt.Chart(pd.DataFrame({"k": ["a"], "v": [1]})).mark_bar().encode(x="k:N", y="v:Q")
"""
ALL = ["declared", "opened", "plain", "table"]


def test_a_build_rebuilds_exactly_the_charts_whose_inputs_changed(tmp_path, monkeypatch) -> None:
    charts = tmp_path / "charts"
    charts.mkdir()
    files = {
        "readers.py": READERS,
        "plain.py": PLAIN,
        "t.csv": "v\n1\n",
        "notes.txt": "x",
        "d.bin": "\x01",
    }
    for name, text in files.items():
        (charts / name).write_text(text)
    hour_ago = time.time() - 3600  # old enough that size and time can be trusted
    for path in [*charts.iterdir(), tmp_path]:
        os.utime(path, (hour_ago, hour_ago))
    monkeypatch.chdir(tmp_path)  # the workers' folder, where the lint settings are read

    def build() -> tuple[list[str], list[str]]:
        """Build from the cache; return the charts drawn and the modules imported."""
        logs = [tmp_path / "drawn.log", tmp_path / "imports.log"]
        for log in logs:
            log.unlink(missing_ok=True)
        project = load_project_charts(charts, specs_dir=tmp_path / "specs")
        build_texts(project, specs_dir=tmp_path / "specs")
        return tuple(sorted(p.read_text().split()) if p.exists() else [] for p in logs)

    def change(name: str, text: str) -> tuple[list[str], list[str]]:
        (charts / name).write_text(text)
        return build()

    with shared_workers(1):  # one worker for every build: it must notice changes too
        assert build() == (ALL, ["chartspec_user_plain", "chartspec_user_readers"])
        assert build() == ([], [])  # nothing changed: no chart module imported
        # the cached spec texts are blobs of their own: one lost is built again
        shutil.rmtree(tmp_path / CACHE_DIR_NAME / "texts")
        assert build() == (ALL, [])
        os.utime(charts / "t.csv")  # touched, not changed: the content decides
        assert build() == ([], [])
        assert change("t.csv", "v\n2\n") == (["table"], [])
        assert change("notes.txt", "xy") == (["opened"], [])
        assert change("d.bin", "\x02") == (["declared"], [])
        assert change("plain.py", PLAIN.replace('"v": [1]', '"v": [2]')) == (
            ["plain"],
            ["chartspec_user_plain", "chartspec_user_readers"],  # listed again
        )
        assert change("readers.py", READERS + "\n") == (
            ["declared", "opened", "table"],
            ["chartspec_user_plain", "chartspec_user_readers"],
        )
        # A setting every chart is checked with, in the project's pyproject.toml.
        pyproject = "[tool.chartspec.lint]\nignore = ['CS101']\n"
        assert (tmp_path / "pyproject.toml").write_text(pyproject) and build()[0] == ALL
        # chartspec's own code or a library's version: every chart, every module.
        real = metadata.version
        monkeypatch.setattr(metadata, "version", lambda n: "9" if n == "altair" else real(n))
        monkeypatch.syspath_prepend(str(tmp_path / "charts"))  # where it was installed
        cache.forget_environment()
        assert build() == (ALL, ["chartspec_user_plain", "chartspec_user_readers"])
    cache.forget_environment()


def test_the_environment_key_is_remembered_until_a_library_folder_changes(
    tmp_path, monkeypatch
) -> None:
    store = cache.Store(tmp_path / "cache")
    library = tmp_path / "site-packages"
    library.mkdir()
    hour_ago = time.time_ns() - 3600 * 10**9
    os.utime(library, ns=(hour_ago, hour_ago))
    monkeypatch.syspath_prepend(str(library))
    real = metadata.version

    def versions(changed: dict[str, str]) -> None:
        monkeypatch.setattr(metadata, "version", lambda n: changed.get(n) or real(n))
        cache.forget_environment()

    try:
        versions({})
        first = cache.environment_key(store)
        versions({"altair": "9"})  # not looked at: nothing installed since it was remembered
        assert cache.environment_key(store) == first
        (library / "altair-9.dist-info").mkdir()  # installing changes the folder's time
        os.utime(library, ns=(hour_ago + 10**9, hour_ago + 10**9))
        versions({"altair": "9"})
        second = cache.environment_key(store)
        assert second != first
        versions({"altair": "9"})
        assert cache.environment_key(store) == second == cache.environment_key()
    finally:
        cache.forget_environment()


def test_a_site_check_reads_only_files_whose_size_or_time_changed(tmp_path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    pages = {"a.html": b"<p>one</p>", "b.html": b"<p>two</p>"}
    hour_ago = time.time_ns() - 3600 * 10**9
    for rel, data in pages.items():
        (site / rel).write_bytes(data)
        os.utime(site / rel, ns=(hour_ago, hour_ago))
    files = {rel: cache.sha256_bytes(data) for rel, data in pages.items()}
    store = cache.Store(tmp_path / "cache")
    cache.store_site_record(store, site, inputs="key", files=files)
    record = cache.site_record(store, site)
    assert record is not None and cache.site_files_unchanged(store, site, record)

    # Same size and time: taken as unchanged without being read, as git and make do.
    (site / "a.html").write_bytes(b"<p>uno</p>")
    os.utime(site / "a.html", ns=(hour_ago, hour_ago))
    assert cache.site_files_unchanged(store, site, record)
    # A new time: read, and the new content is seen.
    os.utime(site / "a.html", ns=(hour_ago + 10**9, hour_ago + 10**9))
    assert not cache.site_files_unchanged(store, site, record)
    (site / "a.html").unlink()
    assert not cache.site_files_unchanged(store, site, record)


def test_a_site_record_without_times_is_checked_by_content_then_given_them(tmp_path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "a.html").write_bytes(b"<p>one</p>")
    hour_ago = time.time_ns() - 3600 * 10**9
    os.utime(site / "a.html", ns=(hour_ago, hour_ago))
    store = cache.Store(tmp_path / "cache")
    files = {"a.html": cache.sha256_bytes(b"<p>one</p>")}
    store.write_json("sites", key_of(str(site.resolve())), {"inputs": "key", "files": files})
    record = cache.site_record(store, site)
    assert record is not None and cache.site_files_unchanged(store, site, record)
    again = cache.site_record(store, site)
    assert again is not None and again["prints"] == {"a.html": [10, hour_ago, files["a.html"]]}
    record["files"] = {"a.html": cache.sha256_bytes(b"<p>two</p>")}
    assert not cache.site_files_unchanged(store, site, record)


def test_the_site_inputs_key_reads_only_files_whose_size_or_time_changed(
    tmp_path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)  # where the project's licence setting is read
    specs = tmp_path / "specs"
    specs.mkdir()
    meta = {"chartspec": {"inputs": [{"path": "t.csv"}, {"path": "../outside.csv"}]}}
    files = {
        specs / "a.vl.json": json.dumps({"mark": "bar", "usermeta": meta}),
        tmp_path / "t.csv": "v\n1\n",
        tmp_path.parent / "outside.csv": "v\n1\n",
    }
    hour_ago = time.time_ns() - 3600 * 10**9

    def write(path: Path, text: str, *, at: int = hour_ago) -> None:
        path.write_text(text)
        os.utime(path, ns=(at, at))

    for path, text in files.items():
        write(path, text)
    first = cache.site_inputs_key(specs, [])
    assert first is not None and cache.site_inputs_key(specs, []) == first
    read: list[str] = []
    real_open = open
    monkeypatch.setattr(
        "builtins.open", lambda f, *a, **k: read.append(str(f)) or real_open(f, *a, **k)
    )
    assert cache.site_inputs_key(specs, []) == first
    assert not [f for f in read if f.endswith((".vl.json", ".csv"))]
    monkeypatch.undo()
    monkeypatch.chdir(tmp_path)

    # Same size and time: taken as unchanged without being read, as git and make do.
    write(tmp_path / "t.csv", "v\n2\n")
    assert cache.site_inputs_key(specs, []) == first
    # A new time: read, and the new content is seen, in a table the spec names or in the spec.
    write(tmp_path / "t.csv", "v\n2\n", at=hour_ago + 10**9)
    second = cache.site_inputs_key(specs, [])
    assert second not in (None, first)
    write(
        specs / "a.vl.json", files[specs / "a.vl.json"].replace("bar", "pie"), at=hour_ago + 10**9
    )
    assert cache.site_inputs_key(specs, []) not in (None, first, second)
    # A file outside the project is never read, whatever a spec names.
    third = cache.site_inputs_key(specs, [])
    write(tmp_path.parent / "outside.csv", "v\n3\n", at=hour_ago + 2 * 10**9)
    assert cache.site_inputs_key(specs, []) == third


def _entries(root: Path) -> dict[str, int]:
    return {
        p.relative_to(root).as_posix(): p.stat().st_size for p in root.rglob("*") if p.is_file()
    }


def test_past_its_limit_the_cache_drops_what_was_used_longest_ago(tmp_path) -> None:
    store = cache.Store(tmp_path)
    for age in range(10):  # entry 0 oldest
        store.write_blob("render", f"{age:02d}" + "0" * 62, bytes(1000))
        store.write_json("pages", f"page{age}", {"age": age + 10})
    for path in tmp_path.rglob("*"):
        if path.is_file() and path.name != ".gitignore":
            age = int(json.loads(path.read_text())["age"]) if path.suffix else int(path.name[:2])
            os.utime(path, ns=(0, (age + 1) * 10**9))
    assert store.read_blob("render", "00" + "0" * 62) == bytes(1000)  # used now: it stays

    store.prune(100_000)  # within the limit: nothing goes
    assert len(_entries(tmp_path)) == 21

    store.prune(6000)
    kept = _entries(tmp_path)
    assert sum(kept.values()) - kept[".gitignore"] <= 5400  # down to nine tenths
    blobs = sorted(rel.split("/")[-1][:2] for rel in kept if rel.startswith("render/"))
    assert blobs == ["00", "06", "07", "08", "09"]
    assert {f"pages/page{age}.json" for age in range(10)} <= set(kept)  # used since


def test_a_build_past_the_cache_limit_prunes_and_builds_the_same(tmp_path, cli) -> None:
    project = write_project(tmp_path)
    (project / "pyproject.toml").write_text("[tool.chartspec]\ncache-limit = 1\n")
    cached = project / CACHE_DIR_NAME
    assert cli("build", "-q", cwd=project).returncode == 0
    used = set(_entries(cached))
    # what earlier versions of the chart left: 2 MB of entries no build reads any more
    for number in range(20):
        old = cached / "render" / "ab" / f"ab{number:062d}"
        old.parent.mkdir(exist_ok=True)
        old.write_bytes(os.urandom(100_000))
        os.utime(old, ns=(0, 10**9))
    site = {p.name: p.read_bytes() for p in (project / "site").iterdir() if p.is_file()}
    stale = cached / "render" / "cd" / ("cd" + "0" * 62)
    stale.parent.mkdir()

    (project / "charts" / "data.csv").write_text(PROJECT_CSV.replace("47.8", "99.5"))
    assert cli("build", "-q", cwd=project).returncode == 0
    assert sum(_entries(cached).values()) <= 1_000_000
    assert used <= set(_entries(cached))  # what builds used is newer: it stays

    (project / "charts" / "data.csv").write_text(PROJECT_CSV)  # back: drawn from the cache
    done = cli("build", "-q", cwd=project)
    assert done.returncode == 0, done.stderr
    assert {p.name: p.read_bytes() for p in (project / "site").iterdir() if p.is_file()} == site
    assert cli("check", cwd=project).returncode == 0

    stale.write_bytes(os.urandom(2_000_000))  # a build without the cache still stores its specs
    os.utime(stale, ns=(0, 10**9))
    assert cli("build", "-q", "--no-cache", cwd=project).returncode == 0
    assert sum(_entries(cached).values()) <= 1_000_000


ENVIRONMENT_CHART = """
import os

import altair as alt
import pandas as pd
from chartspec import chart


@chart("level", title="Level", description="A level read from the environment.", source="made up")
def level():
    frame = pd.DataFrame({"k": ["a"], "v": [int(os.environ["LEVEL"])]})
    return alt.Chart(frame).mark_bar().encode(x="k:N", y="v:Q")
"""


def test_a_build_goes_on_from_what_a_build_without_the_cache_built(tmp_path, cli) -> None:
    """--no-cache is how a chart the cache cannot see (the clock, an environment variable) is
    rebuilt: the next build keeps that spec, not the one the cache held before."""
    (tmp_path / "charts").mkdir()
    (tmp_path / "charts" / "level.py").write_text(ENVIRONMENT_CHART, encoding="utf-8")
    spec = tmp_path / "specs" / "level.vl.json"

    def build(level: int, *args: str) -> int:
        done = cli("build", *args, cwd=tmp_path, env={"LEVEL": str(level)})
        assert done.returncode == 0, done.stderr
        [rows] = json.loads(spec.read_text(encoding="utf-8"))["datasets"].values()
        return rows[0]["v"]

    assert build(1) == 1
    assert build(2) == 1  # the cache cannot see the variable
    assert build(2, "--no-cache") == 2
    assert build(3) == 2
    assert cli("check", cwd=tmp_path, env={"LEVEL": "3"}).returncode == 0
