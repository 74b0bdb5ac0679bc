"""Remote data, pinned: fetched once on request from a server on 127.0.0.1, then read offline."""

from __future__ import annotations

import contextlib
import http.server
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chartspec.errors import ChartspecError
from chartspec.manifest import MANIFEST_NAME
from chartspec.remote import LOCK_FILE, fetch_url, pin_urls, pinned_file, point_at_pins

CHART = """
import os

import altair as alt
from chartspec import chart

URL = os.environ["POINTS_URL"]


@chart("remote-points", title="Remote points", description="Points read from a URL.",
       source="a test server")
def remote_points():
    return alt.Chart(alt.UrlData(URL)).mark_point().encode(x="x:Q", y="y:Q")
"""
FIRST = b"x,y\n1,2\n2,5\n3,4\n"
SECOND = b"x,y\n1,2\n2,5\n3,9\n"


class Upstream:
    """What the test server answers, and how often it was asked."""

    def __init__(self) -> None:
        self.body = FIRST
        self.delay = 0.0
        self.requests = 0


@contextlib.contextmanager
def upstream_server(state: Upstream, port: int = 0) -> Iterator[str]:
    """Serve `state.body` at /points.csv on 127.0.0.1 (a free port unless given); yield its URL."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            state.requests += 1
            time.sleep(state.delay)
            if self.path != "/points.csv":
                self.send_error(404)
                return
            with contextlib.suppress(ConnectionError):  # a client that gave up waiting
                self.send_response(200)
                self.send_header("Content-Type", "text/csv")
                self.send_header("Content-Length", str(len(state.body)))
                self.end_headers()
                self.wfile.write(state.body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    httpd.daemon_threads = True
    # The server looks for shutdown() every 10 ms, not every 0.5 s: each test ends without waiting.
    thread = threading.Thread(target=httpd.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/points.csv"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def upstream() -> Iterator[tuple[Upstream, str]]:
    state = Upstream()
    with upstream_server(state) as url:
        yield state, url


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    (project / "charts").mkdir(parents=True)
    (project / "charts" / "remote_points.py").write_text(CHART)
    return project


def _spec_url(project: Path) -> str:
    spec = json.loads((project / "specs" / "remote-points.vl.json").read_text())
    return spec["data"]["url"]


def test_a_remote_chart_is_built_only_when_the_user_opts_in(tmp_path, upstream, cli):
    state, url = upstream
    project = _project(tmp_path)
    env = {"POINTS_URL": url}
    done = cli("build", "--quiet", cwd=project, env=env)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert f"data url '{url}' is remote and not pinned" in done.stderr
    assert "--fetch-remote" in done.stderr and "fetch-remote = true" in done.stderr
    assert state.requests == 0
    assert not (project / "specs").exists()


@pytest.mark.slow
def test_fetch_once_then_build_check_and_site_offline_then_refresh(tmp_path, cli):
    state = Upstream()
    project = _project(tmp_path)
    with upstream_server(state) as url:
        env = {"POINTS_URL": url}
        done = cli("build", "--fetch-remote", cwd=project, env=env)
        assert done.returncode == 0, done.stderr
        done = cli("build", "--fetch-remote", "--no-cache", cwd=project, env=env)
        assert done.returncode == 0, done.stderr
        assert state.requests == 1  # pinned: fetched once

    lock = json.loads((project / "specs" / LOCK_FILE).read_text())
    pin = lock[url]
    assert pin["size"] == len(FIRST)
    assert pin["fetched"].endswith("Z")
    first_file = pin["file"]
    assert first_file == f"data/remote/points.{pin['sha256'][:16]}.csv"
    assert (project / "specs" / first_file).read_bytes() == FIRST
    assert _spec_url(project) == first_file  # the committed spec draws offline
    assert (project / "site" / "charts" / first_file).read_bytes() == FIRST

    # The server is gone: builds, checks and the site use the pinned copy.
    for command in (["build", "--no-cache"], ["check"], ["site"], ["check"]):
        done = cli(*command, cwd=project, env=env)
        assert done.returncode == 0, (command, done.stdout, done.stderr)

    # Upstream changes: nothing moves until the pin is refreshed.
    state.body = SECOND
    remote = project / "specs" / "data" / "remote"
    mine = {remote / "notes.txt": b"mine", remote / "points.0123456789abcdef.csv": b"x\n"}
    for path, data in mine.items():  # named like a copy, but the user's
        path.write_bytes(data)
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    with upstream_server(state, port) as same_url:
        assert same_url == url
        done = cli("build", "--fetch-remote", "--no-cache", cwd=project, env=env)
        assert done.returncode == 0, done.stderr
        assert state.requests == 1
        assert _spec_url(project) == first_file
        done = cli("build", "--refresh-remote", cwd=project, env=env)
        assert done.returncode == 0, done.stderr
        assert state.requests == 2
    lock = json.loads((project / "specs" / LOCK_FILE).read_text())
    assert lock[url]["sha256"] != pin["sha256"]
    assert _spec_url(project) != first_file
    assert not (project / "specs" / first_file).exists()
    assert {path: path.read_bytes() for path in mine} == mine
    owned = json.loads((project / "specs" / MANIFEST_NAME).read_text())["files"]
    assert {_spec_url(project), LOCK_FILE} <= set(owned) and first_file not in owned
    assert (project / "specs" / _spec_url(project)).read_bytes() == SECOND
    assert "3,9" in (project / "site" / "charts" / _spec_url(project)).read_text()
    assert cli("check", cwd=project, env=env).returncode == 0


def _write(specs: Path, files: dict[str, bytes]) -> None:
    """Write pinned files as publishing would."""
    for rel, data in files.items():
        (specs / rel).parent.mkdir(parents=True, exist_ok=True)
        (specs / rel).write_bytes(data)


def test_pinning_writes_nothing_and_a_refresh_replaces_the_copy(tmp_path, upstream):
    state, url = upstream
    specs = tmp_path / "specs"
    first = pin_urls({url: None}, specs, fetch=True)
    old = first.pins[url]
    assert not specs.exists()  # publishing writes the files
    assert set(first.files) == {old.file, LOCK_FILE} and first.files[old.file] == FIRST
    _write(specs, first.files)
    state.body = SECOND
    assert pin_urls({url: None}, specs, fetch=True) == first  # pinned: not fetched again
    refreshed = pin_urls({url: None}, specs, fetch=False, refresh=True)
    new = refreshed.pins[url]
    assert new.sha256 != old.sha256
    assert set(refreshed.files) == {new.file, LOCK_FILE}  # the old copy is no longer one
    _write(specs, refreshed.files)
    assert pinned_file(url, specs) == specs / new.file
    assert state.requests == 2


def test_a_tampered_copy_is_not_used(tmp_path, upstream):
    _, url = upstream
    specs = tmp_path / "specs"
    pinned = pin_urls({url: None}, specs, fetch=True)
    _write(specs, pinned.files)
    (specs / pinned.pins[url].file).write_bytes(b"x,y\n6,6\n")
    assert pinned_file(url, specs) is None
    with pytest.raises(ChartspecError, match="remote and not pinned"):
        pin_urls({url: specs / "a.vl.json"}, specs, fetch=False)


def test_project_setting_opts_in(tmp_path, upstream, cli):
    _, url = upstream
    project = _project(tmp_path)
    (project / "pyproject.toml").write_text("[tool.chartspec]\nfetch-remote = true\n")
    done = cli("build", cwd=project, env={"POINTS_URL": url})
    assert done.returncode == 0, done.stderr
    assert _spec_url(project).startswith("data/remote/points.")


def test_a_hand_written_spec_with_remote_data_is_published_from_its_pin(tmp_path, upstream, cli):
    state, url = upstream
    specs = tmp_path / "specs"
    specs.mkdir()
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.4.1.json",
        "title": "Remote",
        "description": "Points from a URL.",
        "data": {"url": url},
        "mark": "point",
        "encoding": {"x": {"field": "x", "type": "quantitative"}},
    }
    (specs / "remote.vl.json").write_text(json.dumps(spec))
    done = cli("site", "--specs", specs, "--out", tmp_path / "out", cwd=tmp_path)
    assert done.returncode == 2
    assert "remote and not pinned" in done.stderr and "--fetch-remote" in done.stderr
    done = cli("site", "--specs", specs, "--out", tmp_path / "out", "--fetch-remote", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads((specs / "remote.vl.json").read_text()) == spec  # the user's file as it was
    copy = json.loads((specs / LOCK_FILE).read_text())[url]["file"]
    assert (specs / copy).read_bytes() == (tmp_path / "out" / "charts" / copy).read_bytes() == FIRST
    assert "<tr><td>3<td>4" in (tmp_path / "out" / "remote.html").read_text()
    owned = json.loads((specs / MANIFEST_NAME).read_text())["files"]
    assert sorted(owned) == sorted([LOCK_FILE, copy])
    assert cli("check", specs / "remote.vl.json", cwd=tmp_path).returncode == 0
    assert state.requests == 1


def test_point_at_pins_rewrites_every_data_reference(tmp_path, upstream):
    _, url = upstream
    pins = pin_urls({url: None}, tmp_path, fetch=True).pins
    spec = {
        "layer": [{"data": {"url": url, "format": {"type": "csv"}}}, {"data": {"values": []}}],
        "transform": [{"lookup": "x", "from": {"data": {"url": url}, "key": "x"}}],
    }
    pointed = point_at_pins(spec, pins)
    assert pointed["layer"][0]["data"] == {"url": pins[url].file, "format": {"type": "csv"}}
    assert pointed["transform"][0]["from"]["data"] == {"url": pins[url].file}
    assert pointed["layer"][1] == spec["layer"][1]


def test_oversize_and_timeout_are_one_line_errors(upstream):
    state, url = upstream
    with pytest.raises(ChartspecError) as caught:
        fetch_url(url, max_bytes=8)
    assert str(caught.value).count("\n") == 0
    assert "larger than the 8-byte limit" in str(caught.value)
    state.delay = 2.0
    with pytest.raises(ChartspecError) as caught:
        fetch_url(url, timeout=0.3)
    assert str(caught.value).count("\n") == 0
    assert "no answer within 0.3 s" in str(caught.value)


def test_only_http_is_fetched(tmp_path):
    (tmp_path / "secret").write_text("x")
    with pytest.raises(ChartspecError, match="only http and https"):
        fetch_url((tmp_path / "secret").as_uri())
    with pytest.raises(ChartspecError, match="cannot fetch 'http://127.0.0.1:9/x.csv'"):
        fetch_url("http://127.0.0.1:9/x.csv", timeout=2)
