"""The development server: static files, reload script injection, rebuild on change."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from chartspec.serve import RELOAD_PATH, RELOAD_SCRIPT_PATH, DevServer


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as resp:
        return resp.read().decode("utf-8")


def test_serves_site_injects_reload_and_rebuilds_on_change(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<html><head><title>t</title></head><body>hi</body></html>")
    watched = tmp_path / "specs"
    watched.mkdir()
    builds: list[int] = []
    server = DevServer(site, rebuild=lambda: builds.append(1), watch=[watched]).start()
    try:
        assert server.url.startswith("http://127.0.0.1:")
        page = _get(server.url)
        assert f'<script src="{RELOAD_SCRIPT_PATH}" defer></script>\n</head>' in page
        assert "location.reload" in _get(server.url.rstrip("/") + RELOAD_SCRIPT_PATH)
        assert json.loads(_get(server.url.rstrip("/") + RELOAD_PATH)) == {"version": 0}
        assert "__chartspec" not in (site / "index.html").read_text()
        time.sleep(0.3)
        (watched / "a.vl.json").write_text("{}")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not builds:
            time.sleep(0.1)
        assert builds
        deadline = time.monotonic() + 5
        version = 0
        while time.monotonic() < deadline and version == 0:
            version = json.loads(_get(server.url.rstrip("/") + RELOAD_PATH))["version"]
            time.sleep(0.05)
        assert version >= 1
    finally:
        server.stop()


def test_failed_rebuild_keeps_version(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    watched = tmp_path / "w"
    watched.mkdir()
    calls: list[int] = []

    def boom() -> None:
        calls.append(1)
        raise RuntimeError("bad spec")

    server = DevServer(site, rebuild=boom, watch=[watched]).start()
    try:
        time.sleep(0.3)
        (watched / "x").write_text("1")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not calls:
            time.sleep(0.1)
        assert calls
        assert json.loads(_get(server.url.rstrip("/") + RELOAD_PATH)) == {"version": 0}
    finally:
        server.stop()


def test_watches_single_files_and_what_a_rebuild_adds(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    data = tmp_path / "data"
    data.mkdir()
    (data / "read.csv").write_text("a\n1\n")
    (data / "other.csv").write_text("a\n1\n")
    (data / "later.csv").write_text("a\n1\n")
    watched = [data / "read.csv"]
    builds: list[int] = []

    def rebuild() -> None:
        builds.append(1)
        watched.append(data / "later.csv")  # the chart now reads another file too

    server = DevServer(site, rebuild=rebuild, watch=lambda: list(watched)).start()
    try:
        time.sleep(0.5)
        (data / "other.csv").write_text("a\n2\n")  # in the same folder, but not read
        time.sleep(1.5)
        assert builds == []
        (data / "read.csv").write_text("a\n2\n")
        _wait_for(lambda: len(builds) == 1)
        time.sleep(0.5)
        (data / "later.csv").write_text("a\n2\n")  # watched since the rebuild
        _wait_for(lambda: len(builds) >= 2)
    finally:
        server.stop()


def _wait_for(condition: Callable[[], bool], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not condition():
        time.sleep(0.1)
    assert condition()


LAZY_CHART = """
from pathlib import Path

import altair as alt
from chartspec import Column, TableSchema, chart, scan_parquet

PARTS = Path(__file__).resolve().parent.parent / "data" / "parts"


@chart("sizes", title="Sizes", description="How many rows of each size.", source="test")
def sizes():
    table = scan_parquet(PARTS, TableSchema([Column("size", "integer")]))
    return alt.Chart(table).mark_bar().encode(x="size:O", y="count():Q")
"""


def test_serve_rebuilds_when_a_part_is_added_to_a_lazy_tables_folder(tmp_path, serve_cli):
    import duckdb

    from chartspec.scaffold import init_project

    project = tmp_path / "big"
    init_project(project)
    (project / "charts" / "sizes.py").write_text(LAZY_CHART)
    parts = project / "data" / "parts"
    parts.mkdir()

    def write_part(name: str, sizes: str) -> None:
        query = f"COPY (SELECT unnest([{sizes}]) AS size) TO '{parts / name}' (FORMAT parquet)"
        duckdb.sql(query)

    write_part("a.parquet", "1, 2, 2")
    server = serve_cli(project, "--jobs", "1")
    assert _get(server.url + "charts/sizes.csv").splitlines() == [
        "size,Count of Records",
        "1,1",
        "2,2",
    ]
    time.sleep(0.5)  # let the watcher start
    write_part("b.parquet", "2, 3")  # a file the last build never saw
    deadline = time.monotonic() + 120
    while (
        time.monotonic() < deadline
        and json.loads(_get(server.url + RELOAD_PATH[1:]))["version"] == 0
    ):
        time.sleep(0.2)
    assert _get(server.url + "charts/sizes.csv").splitlines() == [
        "size,Count of Records",
        "1,1",
        "2,3",
        "3,1",
    ]
