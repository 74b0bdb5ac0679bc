"""Drawing makes no network request and reads no file outside the project, in every command."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from chartspec import render
from chartspec.errors import ChartspecError
from conftest import run_cli
from leaks import canary_png, leaked, request_log

CHART = """
import altair as alt
import pandas as pd
from chartspec import chart


@chart("images", title="Images", description="Three images.", source="made up")
def images():
    frame = pd.DataFrame({{"u": {urls!r}, "x": [1, 2, 3][: len({urls!r})]}})
    return alt.Chart(frame).mark_image(width=20, height=20).encode(x="x:Q", url="u:N")
"""
PLACEHOLDER = "https://example.invalid/placeholder.png"
REPORT = "# Images\n\n{{ chart: images }}\n"
COMMANDS = {
    "build": ("build",),
    "check": ("check",),
    "site": ("site", "--out", "published"),
    "export": ("export", "--format", "png", "--out", "exported"),
    "report": ("report", "r.md", "--out", "r.html"),
}


def _project(tmp_path: Path, urls: list[str]) -> Path:
    project = tmp_path / "project"
    assert run_cli("init", project).returncode == 0
    (project / "charts" / "images.py").write_text(CHART.format(urls=urls), encoding="utf-8")
    (project / "r.md").write_text(REPORT, encoding="utf-8")
    return project


@pytest.fixture(scope="module")
def requests_made(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """One request log for the module: no test may add a line to it."""
    with request_log(tmp_path_factory.mktemp("requests")) as served:
        yield served


@pytest.fixture(scope="module")
def images_project(
    tmp_path_factory: pytest.TempPathFactory, requests_made: tuple[str, Path]
) -> Path:
    """A new project whose image chart shows a remote image and one beside the specs folder."""
    server, _ = requests_made
    urls = [server + "remote.png", "//127.0.0.1/x.png", "../data/logo.png"]
    project = _project(tmp_path_factory.mktemp("images"), urls)
    canary_png(project / "data" / "logo.png")
    return project


@pytest.fixture(scope="module")
def built_images_project(tmp_path_factory: pytest.TempPathFactory, images_project: Path) -> Path:
    """The same project, built: the specs the other commands read."""
    project = Path(shutil.copytree(images_project, tmp_path_factory.mktemp("built") / "p"))
    assert run_cli("build", cwd=project).returncode == 0
    return project


@pytest.mark.parametrize("command", COMMANDS)
def test_no_request_and_relative_images_from_the_spec_folder(
    tmp_path: Path,
    requests_made: tuple[str, Path],
    images_project: Path,
    built_images_project: Path,
    command: str,
) -> None:
    _, log = requests_made
    base = images_project if command == "build" else built_images_project
    project = Path(shutil.copytree(base, tmp_path / "project", symlinks=True))
    done = run_cli(*COMMANDS[command], cwd=project)
    time.sleep(0.2)  # a request still in flight is logged
    assert done.returncode == 0, done.stderr
    assert log.read_text() == ""  # not one request, in any command
    if command != "check":  # the relative image is drawn, read from beside the spec's folder
        logo = (project / "data" / "logo.png").read_bytes()
        assert len(leaked(project, logo)) > 1  # data/logo.png and an output


@pytest.fixture(scope="module")
def placeholder_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new project whose image chart shows a remote placeholder, built once."""
    project = _project(tmp_path_factory.mktemp("placeholder"), [PLACEHOLDER])
    assert run_cli("build", cwd=project).returncode == 0
    return project


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("form", ["file://{}", "{}"])
def test_a_file_outside_the_project_is_never_drawn(
    tmp_path: Path, placeholder_project: Path, command: str, form: str
) -> None:
    secret = canary_png(tmp_path / "outside" / "canary.png")
    reference = form.format(tmp_path / "outside" / "canary.png")
    if command == "build":
        project = _project(tmp_path, [reference])
        done = run_cli(*COMMANDS[command], cwd=project)
    else:  # a spec written by hand, as a build refuses to write this one
        project = Path(shutil.copytree(placeholder_project, tmp_path / "project", symlinks=True))
        spec = project / "specs" / "images.vl.json"
        spec.write_text(spec.read_text().replace(PLACEHOLDER, reference), encoding="utf-8")
        done = run_cli(*COMMANDS[command], cwd=project)
    assert leaked(tmp_path, secret) == ["outside/canary.png"]
    if command != "check":  # check finds the spec stale; it draws nothing
        # site publishes the project's other charts and names this one as left out
        assert done.returncode == (1 if command == "site" else 2), done.stderr
        said = "chartspec: left out " if command == "site" else "error:"
        errors = [line for line in done.stderr.splitlines() if said in line]
        assert len(errors) == 1, done.stderr  # the other lines are progress
        assert "canary.png' is an absolute path" in errors[0]


def test_local_images_keeps_data_images_and_leaves_out_remote_ones(tmp_path: Path) -> None:
    svg = (
        '<svg><image xlink:href="data:image/png;base64,AAAA"/>'
        '<image xlink:href="https://example.com/a.png"/>'
        '<image xlink:href="data:text/html,x"/></svg>'
    )
    out = render.local_images(svg, base_dir=tmp_path)
    assert out == (
        '<svg><image xlink:href="data:image/png;base64,AAAA"/>'
        '<image xlink:href=""/><image xlink:href=""/></svg>'
    )


def test_local_images_refuses_escapes(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "specs").mkdir()
    for href in ("../../etc/passwd", "/etc/passwd", "file:///etc/passwd"):
        with pytest.raises(ChartspecError):
            render.local_images(f'<svg><image href="{href}"/></svg>', base_dir=tmp_path / "specs")


def test_png_size_is_capped_and_resolution_must_be_finite() -> None:
    svg = render.vegalite_to_svg(
        {"mark": "point", "width": 100, "height": 100, "data": {"values": [{}]}}, base_dir=None
    )
    with pytest.raises(ChartspecError, match="pixels, more than"):
        render.svg_to_png(svg, scale=1000)
    with pytest.raises(ChartspecError, match="pixels, more than"):
        render.svg_to_png(svg, ppi=1e6)
    for bad in (float("inf"), float("nan"), 0, -1):
        with pytest.raises(ChartspecError, match="must be a positive number"):
            render.svg_to_png(svg, scale=bad)
    assert render.svg_to_png(svg, scale=2)[:4] == b"\x89PNG"


def test_spec_json_is_not_changed(tmp_path: Path) -> None:
    spec = {
        "mark": "image",
        "data": {"values": [{"u": "x.png"}]},
        "encoding": {"url": {"field": "u"}},
    }
    before = json.dumps(spec)
    with pytest.raises(ChartspecError, match="x.png"):
        render.vegalite_to_svg(spec, base_dir=tmp_path)  # missing: refused, not fetched
    assert json.dumps(spec) == before
