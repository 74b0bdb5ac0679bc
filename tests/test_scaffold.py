"""`chartspec init`: a new project that builds, checks, publishes and exports as it is."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import time
import urllib.request

import pytest

from chartspec.errors import ChartspecError
from chartspec.scaffold import init_project
from chartspec.serve import RELOAD_PATH, DevServer

# A user's labelled scatter: the label positions are columns that only place marks.
SCATTER = """
from pathlib import Path

import altair as alt
from chartspec import Column, TableSchema, chart, load_table, with_schema

DATA = Path(__file__).resolve().parent.parent / "data"
RUNS = TableSchema(
    [Column("model"), Column("speed", "number", unit="tokens/s"),
     *(Column(f"run{i}", "number", unit="%") for i in (1, 2, 3))],
    key="model",
)
FIGURE = TableSchema(
    [Column("model"), Column("speed", "number", unit="tokens/s", decimals=1),
     Column("score", "number", unit="%", decimals=2, description="mean of three runs")],
    key="model",
)


@chart("speed-vs-score", title="Speed against score", description="Models: speed, score.",
       source="our benchmark runs")
def speed_vs_score():
    table = load_table(DATA / "runs.csv", RUNS)
    table["score"] = (table["run1"] + table["run2"] + table["run3"]) / 3
    table["label_x"] = table["speed"] * 1.04
    table["label_y"] = table["score"] + 0.37
    base = alt.Chart(table)
    points = base.mark_point().encode(x="speed:Q", y="score:Q")
    labels = base.mark_text(align="left").encode(x="label_x:Q", y="label_y:Q", text="model:N")
    return with_schema(alt.layer(points, labels), FIGURE)
"""
RUNS = "model,speed,run1,run2,run3\nalpha,733,47.8,47.9,47.71\nbeta,501.5,45.1,45.2,45.3\n"


def test_init_writes_the_template(tmp_path):
    written = init_project(tmp_path / "new")
    names = sorted(p.relative_to(tmp_path / "new").as_posix() for p in written)
    assert names == [".gitignore", "README.md", "charts/rainfall.py", "data/rainfall.csv"]
    ignored = (tmp_path / "new" / ".gitignore").read_text().split()
    assert {".chartspec-lock", ".chartspec-cache/"} <= set(ignored)


def test_init_accepts_an_empty_folder_and_refuses_a_non_empty_one(tmp_path):
    assert init_project(tmp_path)
    with pytest.raises(ChartspecError) as caught:
        init_project(tmp_path)
    assert str(caught.value) == f"{tmp_path}: the folder is not empty; choose a new or empty folder"
    (tmp_path / "file").write_text("x")
    with pytest.raises(ChartspecError, match="not a folder"):
        init_project(tmp_path / "file")


def test_new_project_builds_checks_publishes_and_exports(tmp_path, cli):
    project = tmp_path / "my-charts"
    done = cli("init", project)
    assert done.returncode == 0, done.stderr
    assert "created 4 file(s)" in done.stdout
    for command in (
        ["build"],
        ["check"],
        ["list"],
        ["site", "--out", "public"],
        ["export", "--format", "svg"],
    ):
        done = cli(*command, cwd=project)
        assert done.returncode == 0, (command, done.stdout, done.stderr)
    assert (project / "specs" / "rainfall-by-city.vl.json").is_file()
    assert (project / "site" / "rainfall-by-city.html").is_file()
    assert (project / "public" / "rainfall-by-city.html").is_file()
    assert (project / "exports" / "rainfall-by-city.svg").read_text().startswith("<svg")


def test_init_refuses_a_non_empty_folder_on_the_command_line(tmp_path, cli):
    (tmp_path / "notes.txt").write_text("mine")
    done = cli("init", tmp_path)
    assert done.returncode == 2
    assert done.stderr == (
        f"chartspec: error: {tmp_path}: the folder is not empty; choose a new or empty folder\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_a_users_labelled_scatter_builds_checks_publishes_and_serves(tmp_path, cli, serve_cli):
    project = tmp_path / "mine"
    init_project(project)
    (project / "charts" / "speed_vs_score.py").write_text(SCATTER)
    (project / "data" / "runs.csv").write_text(RUNS)
    (project / "reports").mkdir()
    (project / "reports" / "report.md").write_text("# Runs\n\n{{ chart: speed-vs-score }}\n")
    for command in (
        ["build"],
        ["check"],
        ["site"],
        ["check"],
    ):  # `site` publishes what `build` does
        done = cli(*command, cwd=project)
        assert done.returncode == 0, (command, done.stdout, done.stderr)
    site = project / "site"
    assert (site / "report.html").is_file()

    # Readers see the declared columns with units, rounded as declared; the label columns only
    # place marks and stay in the spec.
    expected = [
        ["model", "speed (tokens/s)", "score (%)"],
        ["alpha", "733.0", "47.80"],
        ["beta", "501.5", "45.20"],
    ]
    assert list(csv.reader(io.StringIO((site / "charts" / "speed-vs-score.csv").read_text()))) == (
        expected
    )
    assert "label_x" in (project / "specs" / "speed-vs-score.vl.json").read_text()
    page = (site / "speed-vs-score.html").read_text().split('<section id="data"')[1]
    assert _table_text(page) == expected
    appendix = (site / "report.html").read_text().split('<section class="data-appendix"')[1]
    assert _table_text(appendix) == expected
    assert "<caption>Speed against score</caption>" in appendix
    table = page[page.index('<details class="data-table">') :]
    table = table[: table.index("</details>")]
    assert not re.search(r"data-[0-9a-f]{16}|label_|47\.80333", table + appendix)

    # `chartspec serve` rebuilds when the data file the chart read changes.
    server = serve_cli(project, "--jobs", "1")
    time.sleep(0.5)  # let the watcher start
    edited = project / "data" / "runs.csv.new"
    edited.write_text(RUNS.replace("733,", "812.25,"))
    os.replace(edited, project / "data" / "runs.csv")  # as editors save
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and _version(server) == 0:
        time.sleep(0.2)
    assert _version(server) >= 1
    with urllib.request.urlopen(server.url + "charts/speed-vs-score.csv", timeout=5) as resp:
        assert "alpha,812.2," in resp.read().decode()


def _table_text(html: str) -> list[list[str]]:
    """Return the first data table's header and cells as text."""
    table = html[html.index("<thead>") : html.index("</tbody>")]
    rows = re.split(r"<tr>", table)[1:]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.split(r"<t[hd][^>]*>", row)[1:]]
        for row in rows
    ]


def _version(server: DevServer) -> int:
    with urllib.request.urlopen(server.url + RELOAD_PATH.lstrip("/"), timeout=5) as resp:
        return json.loads(resp.read())["version"]
