"""The catalogue of bad inputs, each run through the real `chartspec` command.

Every case starts from a copy of one built project (a chart module, its CSV, and the
`specs/` and `site/` a build wrote), breaks one thing, runs one command and checks: the exact
message line, the exit status, and that `specs/` and `site/` are byte for byte as before, with
no staging folder or temporary file left behind.

Tests run as root, and root reads any file whatever its mode. "Unreadable" and "not writable"
cases therefore run the command under `setpriv`, with the capabilities that let root ignore
file permissions (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH) removed from its bounding set: the
process stays root but obeys file modes like any user. A folder where a file is expected is
covered as a second, portable kind of unreadable file.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import PROJECT_CSV, PROJECT_HEADER, REPO

ARTIFACTS = REPO / "test-artifacts"
NO_DAC = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]

SCHEMA_URL = "https://vega.github.io/schema/vega-lite/v6.4.1.json"


VERSIONED_OUTPUTS = [
    "site/.chartspec-manifest.json",
    "site/charts/speed.metadata.json",
    "site/charts/speed.zip",
    "site/speed.html",
]


@dataclass(frozen=True)
class Case:
    """One bad input: how to make it, the command, and exactly what the user must see."""

    id: str
    setup: Callable[[Path], None]
    args: tuple[str, ...]
    expected: str  # the whole line, with the project folder written as "."-relative paths
    status: int = 2
    stream: str = "stderr"
    no_dac: bool = False  # run without root's power to ignore file modes
    file_limit: int | None = None  # RLIMIT_FSIZE in bytes: writes beyond it fail (EFBIG)
    new_version: bool = False  # the data file's bytes change, and with them its stated version


def data(text: str | bytes) -> Callable[[Path], None]:
    """Replace the chart's CSV file."""

    def setup(project: Path) -> None:
        raw = text.encode("utf-8") if isinstance(text, str) else text
        (project / "charts" / "data.csv").write_bytes(raw)

    return setup


def module(old: str, new: str, *, name: str = "speed.py") -> Callable[[Path], None]:
    """Edit the chart module (or write a second one when `name` is new)."""

    def setup(project: Path) -> None:
        source = (project / "charts" / "speed.py").read_text(encoding="utf-8")
        assert old in source, old
        (project / "charts" / name).write_text(source.replace(old, new), encoding="utf-8")

    return setup


def spec_file(spec: object | str) -> Callable[[Path], None]:
    """Write `bad.vl.json` beside the project's folders."""

    def setup(project: Path) -> None:
        text = spec if isinstance(spec, str) else json.dumps(spec, indent=2)
        (project / "bad.vl.json").write_text(text, encoding="utf-8")

    return setup


def steps(*setups: Callable[[Path], None]) -> Callable[[Path], None]:
    def setup(project: Path) -> None:
        for step in setups:
            step(project)

    return setup


def remove_data(project: Path) -> None:
    (project / "charts" / "data.csv").unlink()


def data_is_a_folder(project: Path) -> None:
    (project / "charts" / "data.csv").unlink()
    (project / "charts" / "data.csv").mkdir()


def unreadable_data(project: Path) -> None:
    (project / "charts" / "data.csv").chmod(0)


def read_only_project(project: Path) -> None:
    project.chmod(0o555)


def file_in_the_way(project: Path) -> None:
    (project / "blocker").write_text("a file, not a folder\n")


def spec_reading_outside(project: Path) -> None:
    # The only spec of its folder: with nothing left to publish the site fails and writes
    # nothing (beside other specs it would be left out, as tests/test_site.py shows).
    (project / "secret.csv").write_text("a,b\n1,2\n")
    (project / "hand").mkdir()
    spec = {
        "$schema": SCHEMA_URL,
        "title": "t",
        "description": "d",
        "data": {"url": "../secret.csv"},
        "mark": "bar",
        "encoding": {"x": {"field": "a", "type": "quantitative"}},
    }
    (project / "hand" / "hand.vl.json").write_text(json.dumps(spec), encoding="utf-8")


def empty_specs(project: Path) -> None:
    (project / "empty").mkdir()


def data_fifo(project: Path) -> None:
    (project / "charts" / "data.csv").unlink()
    os.mkfifo(project / "charts" / "data.csv")  # nobody writes: reading it would wait forever


def data_dev_zero(project: Path) -> None:
    (project / "charts" / "data.csv").unlink()
    (project / "charts" / "data.csv").symlink_to("/dev/zero")


def unreadable_charts(project: Path) -> None:
    (project / "charts").chmod(0)


def report_source(name: str, text: str) -> Callable[[Path], None]:
    def setup(project: Path) -> None:
        (project / name).write_text(text, encoding="utf-8")

    return setup


def valid_spec(**changes: object) -> dict[str, object]:
    spec: dict[str, object] = {
        "$schema": SCHEMA_URL,
        "title": "t",
        "description": "d",
        "data": {"values": [{"a": 1, "u": "https://example.org/"}]},
        "mark": "point",
        "encoding": {"x": {"field": "a", "type": "quantitative"}},
    }
    spec.update(changes)
    return spec


BIG_CELL = "x" * 10_000_000
WIDE_HEADER = ",".join(f"c{i}" for i in range(1_000_000)) + "\n"
NOT_POSITIVE = "check the value or the column's declared range"
NUMBER_HINT = "write a number (NaN and infinity are not allowed)"

CASES = [
    # ---- the data table
    Case(
        "missing-file",
        remove_data,
        ("build",),
        "chartspec: error: charts/data.csv: file not found; check the path",
    ),
    Case(
        "file-is-a-folder",
        data_is_a_folder,
        ("build",),
        "chartspec: error: charts/data.csv: cannot read the file (Is a directory); "
        "a folder stands where a file is expected: choose another path",
    ),
    Case(
        "unreadable-file",
        unreadable_data,
        ("build",),
        "chartspec: error: charts/data.csv: cannot read the file (Permission denied); "
        "check the permissions of the path",
        no_dac=True,
    ),
    Case(
        "empty-file",
        data(""),
        ("build",),
        "chartspec: error: charts/data.csv: the file is empty; add a header and data rows",
    ),
    Case(
        "header-only",
        data(PROJECT_HEADER),
        ("build",),
        "chartspec: error: charts/data.csv: the table has a header but no rows; add data rows",
    ),
    Case(
        "ragged-row",
        data(PROJECT_HEADER + "a,700,47.8,2024-01-05\nb,500\n"),
        ("build",),
        "chartspec: error: charts/data.csv:3: the row has 2 cells but the header has 4; "
        "every row needs one cell per column (quote cells that contain commas)",
    ),
    Case(
        "wrong-delimiter",
        data(PROJECT_CSV.replace(",", ";")),
        ("build",),
        "chartspec: error: charts/data.csv:1: missing column 'model' (the header has "
        "'model;speed;score;day'); the header has one column: is the delimiter not a comma?",
    ),
    Case(
        "not-utf8",
        data(PROJECT_CSV.replace("b,", "\xe9,").encode("latin-1")),
        ("build",),
        "chartspec: error: charts/data.csv:3: byte 0xe9 at offset 44 is not UTF-8; "
        "save the file as UTF-8",
    ),
    Case(
        "byte-order-mark",
        data(b"\xef\xbb\xbf" + PROJECT_CSV.encode()),
        ("build",),
        "built 1 chart(s) into specs/ (0 file(s) changed)",
        status=0,
        stream="stdout",
        new_version=True,
    ),
    Case(
        "duplicate-column-name",
        data("model,speed,speed,score,day\na,1,1,2,2024-01-01\n"),
        ("build",),
        "chartspec: error: charts/data.csv:1: duplicate column name 'speed'; rename one",
    ),
    Case(
        "duplicate-key",
        data(PROJECT_CSV + "a,600,40,2024-03-01\n"),
        ("build",),
        "chartspec: error: charts/data.csv:4:model: duplicate key 'a' (first on line 2); "
        "each row needs its own key",
    ),
    Case(
        "missing-column",
        data("model,speed,day\na,700,2024-01-05\n"),
        ("build",),
        "chartspec: error: charts/data.csv:1: missing column 'score' (the header has 'model', "
        "'speed', 'day'); add the column to the file or fix its name in the header",
    ),
    Case(
        "extra-column-warns",
        data(
            PROJECT_CSV.replace("day\n", "day,note\n")
            .replace("-05\n", "-05,x\n")
            .replace("-01\n", "-01,y\n")
        ),
        ("build",),
        "chartspec: warning: charts/data.csv:1: ignoring undeclared column(s) 'note'",
        status=0,
        new_version=True,
    ),
    Case(
        "non-numeric-cell",
        data(PROJECT_CSV.replace("700", "fast")),
        ("build",),
        f"chartspec: error: charts/data.csv:2:speed: 'fast' is not a number; {NUMBER_HINT}",
    ),
    Case(
        "nan",
        data(PROJECT_CSV.replace("47.8", "NaN")),
        ("build",),
        f"chartspec: error: charts/data.csv:2:score: 'NaN' is not a number; {NUMBER_HINT}",
    ),
    Case(
        "inf",
        data(PROJECT_CSV.replace("47.8", "inf")),
        ("build",),
        f"chartspec: error: charts/data.csv:2:score: 'inf' is not a number; {NUMBER_HINT}",
    ),
    Case(
        "minus-inf",
        data(PROJECT_CSV.replace("45.5", "-inf")),
        ("build",),
        f"chartspec: error: charts/data.csv:3:score: '-inf' is not a number; {NUMBER_HINT}",
    ),
    Case(
        "beyond-float-range",
        data(PROJECT_CSV.replace("47.8", "1e999")),
        ("build",),
        f"chartspec: error: charts/data.csv:2:score: '1e999' is not a number; {NUMBER_HINT}",
    ),
    Case(
        "zero-on-log-axis",
        data(PROJECT_CSV.replace("500", "0")),
        ("build",),
        "chartspec: error: charts/data.csv:3:speed: 0 is not positive (a log scale needs "
        f"values > 0); {NOT_POSITIVE}",
    ),
    Case(
        "negative-on-log-axis",
        data(PROJECT_CSV.replace("500", "-5")),
        ("build",),
        "chartspec: error: charts/data.csv:3:speed: -5 is not positive (a log scale needs "
        f"values > 0); {NOT_POSITIVE}",
    ),
    Case(
        "zero-on-log-axis-undeclared",
        steps(module(", positive=True", ""), data(PROJECT_CSV.replace("500", "0"))),
        ("build",),
        "chartspec: error: charts/speed.py:18: chart 'speed' gives an invalid spec: "
        "encoding.x.scale.type: log scale on field 'speed' which holds 0.0 (row 2); "
        "expected values > 0; fix the chart function",
    ),
    Case(
        "date-that-does-not-parse",
        data(PROJECT_CSV.replace("2024-02-01", "2024-02-30")),
        ("build",),
        "chartspec: error: charts/data.csv:3:day: '2024-02-30' is not an ISO 8601 date "
        "(YYYY-MM-DD); write an ISO 8601 date (YYYY-MM-DD)",
    ),
    Case(
        "ten-megabyte-cell",
        data(PROJECT_HEADER + f"a,700,47.8,{BIG_CELL}\n"),
        ("build",),
        "chartspec: error: charts/data.csv:2: a cell is longer than 1,000,000 characters; "
        "is a quote left open, or is this not a table?",
    ),
    Case(
        "million-column-header",
        data(WIDE_HEADER),
        ("build",),
        "chartspec: error: charts/data.csv:1: the header has 1,000,000 columns (at most 10,000 "
        "are read); is this really a table?",
    ),
    Case(
        "control-character",
        data(PROJECT_CSV.replace("a,700", "a\x0cz,700")),
        ("build",),
        "chartspec: error: charts/speed.py:18: datasets.data-dbb43ca9bc55465a[0].model holds "
        "the control character U+000C, which cannot be drawn; remove it from the data or the "
        "chart",
    ),
    # ---- the chart module
    Case(
        "module-does-not-import",
        module("import altair as alt", "import altair as alt +"),
        ("build",),
        "chartspec: error: charts/speed.py:4: the chart module does not import: SyntaxError: "
        "invalid syntax (speed.py, line 4); fix the module",
    ),
    Case(
        "chart-function-raises",
        module("    table = load", "    1 / 0\n    table = load"),
        ("build",),
        "chartspec: error: charts/speed.py:20: chart 'speed' failed: ZeroDivisionError: "
        "division by zero; fix the chart function",
    ),
    Case(
        "returns-a-non-chart",
        module("    return with_key(points", "    return 42 or with_key(points"),
        ("build",),
        "chartspec: error: charts/speed.py:18: chart 'speed' returned int, not an Altair chart; "
        "return an alt.Chart (or layer/concat of charts)",
    ),
    Case(
        "two-charts-same-name",
        module("def speed", "def speed_again", name="again.py"),
        ("build",),
        "chartspec: error: charts/speed.py:18: two charts are named 'speed' (also at "
        "charts/again.py:18); give each chart its own name",
    ),
    Case(
        "name-with-slash",
        module('@chart("speed"', '@chart("a/b"'),
        ("build",),
        "chartspec: error: charts/speed.py:18: chart name 'a/b' is not allowed; "
        "use lower-case letters, digits, '-' and '_' only",
    ),
    Case(
        "name-with-dotdot",
        module('@chart("speed"', '@chart(".."'),
        ("build",),
        "chartspec: error: charts/speed.py:18: chart name '..' is not allowed; "
        "use lower-case letters, digits, '-' and '_' only",
    ),
    Case(
        "name-with-space",
        module('@chart("speed"', '@chart("my chart"'),
        ("build",),
        "chartspec: error: charts/speed.py:18: chart name 'my chart' is not allowed; "
        "use lower-case letters, digits, '-' and '_' only",
    ),
    # ---- spec files
    Case(
        "spec-not-json",
        spec_file('{"mark": "point",\n  oops}\n'),
        ("check", "bad.vl.json"),
        "chartspec: error: bad.vl.json:2:3: not valid JSON: Expecting property name enclosed "
        "in double quotes",
    ),
    Case(
        "spec-fails-schema",
        spec_file(valid_spec(mark="circl")),
        ("check", "bad.vl.json"),
        "bad.vl.json: mark: 'circl' is not a mark type; did you mean 'circle'? [CS001 schema]",
        status=1,
        stream="stdout",
    ),
    Case(
        "javascript-href",
        spec_file(valid_spec(encoding={"href": {"value": "javascript:alert(1)"}})),
        ("check", "bad.vl.json"),
        "bad.vl.json: encoding.href.value: link with scheme 'javascript:'; expected http, "
        "https, mailto or a relative link [CS301 href-scheme]",
        status=1,
        stream="stdout",
    ),
    # ---- the other commands, and outputs that cannot be written
    Case(
        "list-missing-folder",
        lambda p: None,
        ("list", "--charts", "nope"),
        "chartspec: error: nope: chart folder not found; check the --charts path",
    ),
    Case(
        "site-without-specs",
        empty_specs,
        ("site", "--specs", "empty"),
        "chartspec: error: empty: no *.vl.json specs found; run `chartspec build` first",
    ),
    Case(
        "site-data-url-outside",
        spec_reading_outside,
        ("site", "--specs", "hand"),
        "chartspec: error: hand/hand.vl.json: data url '../secret.csv' points outside the "
        "specs folder; move the file under hand",
    ),
    Case(
        "export-unknown-chart",
        lambda p: None,
        ("export", "nope", "--format", "svg"),
        "chartspec: error: unknown chart 'nope'; known charts: speed",
    ),
    Case(
        "export-bad-format",
        lambda p: None,
        ("export", "--format", "gif"),
        "chartspec: error: Invalid value for '--format': 'gif' is not one of 'svg', 'png', "
        "'pdf'; see `chartspec export --help`",
    ),
    Case(
        "report-missing-source",
        lambda p: None,
        ("report", "nope.md"),
        "chartspec: error: nope.md: cannot read report source: No such file or directory",
    ),
    Case(
        "serve-port-in-use",
        lambda p: None,
        ("serve", "--port", "{port}"),
        "chartspec: error: cannot serve on 127.0.0.1:{port} (Address already in use); "
        "choose another --port (0 picks a free one)",
    ),
    Case(
        "output-under-a-file",
        file_in_the_way,
        ("build", "--site", "blocker/site"),
        "chartspec: error: blocker: cannot create a staging folder (Not a directory); "
        "a file stands where a folder is expected: move it or choose another path",
    ),
    Case(
        "output-permission-denied",
        steps(data(PROJECT_CSV.replace("47.8", "48.8")), read_only_project),
        ("build",),
        "chartspec: error: .: cannot create a file in the folder (Permission denied); "
        "check the permissions of the path",
        no_dac=True,
    ),
    Case(
        "disk-full",
        data(PROJECT_CSV.replace("47.8", "48.8")),
        ("build",),
        "chartspec: error: site/static/chartspec-vega.min.js: cannot write the file "
        "(File too large); the file is too large for this file system or limit",
        file_limit=40_000,
    ),
    # ---- inputs outside the project, outputs over inputs, sizes past any machine
    Case(
        "data-utf16-without-bom",
        data(PROJECT_CSV.encode("utf-16-le")),
        ("build",),
        "chartspec: error: charts/data.csv: the file looks like UTF-16 (a zero byte beside "
        "every character); save the file as UTF-8",
    ),
    Case(
        "data-fifo",
        data_fifo,
        ("build",),
        "chartspec: error: charts/data.csv: is not a regular file (a device, FIFO or socket); "
        "point at a data or image file",
    ),
    Case(
        "data-dev-zero",
        data_dev_zero,
        ("build",),
        "chartspec: error: charts/data.csv: is not a regular file (a device, FIFO or socket); "
        "point at a data or image file",
    ),
    Case(
        "charts-unreadable",
        unreadable_charts,
        ("build",),
        "chartspec: error: charts: cannot list the chart folder (Permission denied); "
        "check the permissions of the path",
        no_dac=True,
    ),
    Case(
        "name-too-long",
        module('@chart("speed"', '@chart("' + "a" * 240 + '"'),
        ("build",),
        "chartspec: error: charts/speed.py:18: chart name 'aaaaaaaaaaaaaaaaaaaa'... is 240 "
        "characters long; use at most 100",
    ),
    Case(
        "name-licenses",
        module('@chart("speed"', '@chart("licenses"'),
        ("build",),
        "chartspec: error: charts/speed.py:18: chart name 'licenses' is taken by the site's "
        "own licenses page; choose another name",
    ),
    Case(
        "name-index",
        module('@chart("speed"', '@chart("index"'),
        ("build",),
        "chartspec: error: charts/speed.py:18: chart name 'index' is taken by the site's own "
        "index page; choose another name",
    ),
    Case(
        "bad-axis-format",
        steps(
            data(PROJECT_CSV.replace("47.8", "48.8")),
            module('y="score:Q"', 'y=alt.Y("score:Q", axis=alt.Axis(format="%Q%"))'),
        ),
        ("build",),
        "chartspec: error: specs/speed.vl.json: cannot render chart: Error: invalid format: %Q%",
    ),
    Case(
        "serve-port-out-of-range",
        lambda p: None,
        ("serve", "--port", "70000"),
        "chartspec: error: Invalid value for '--port': 70000 is not in the range "
        "0<=x<=65535; see `chartspec serve --help`",
    ),
    Case(
        "export-scale-inf",
        lambda p: None,
        ("export", "--format", "png", "--scale", "inf"),
        "chartspec: error: scale must be a positive number, got inf",
    ),
    Case(
        "export-scale-1000",
        lambda p: None,
        ("export", "--format", "png", "--scale", "1000"),
        "chartspec: error: the PNG would have 130,032,000,000 pixels, more than the 64,000,000 allowed; "
        "choose a smaller --scale or --ppi",
    ),
    Case(
        "export-ppi-1e6",
        lambda p: None,
        ("export", "--format", "png", "--ppi", "1e6"),
        "chartspec: error: the PNG would have 25,083,333,333,333 pixels, more than the 64,000,000 allowed; "
        "choose a smaller --scale or --ppi",
    ),
    Case(
        "diff-missing-spec-file",
        lambda p: None,
        ("diff", "specs/speed.vl.json", "no.vl.json"),
        "chartspec: error: no.vl.json: no such spec file; check the path",
    ),
    Case(
        "report-over-its-source",
        report_source("page.html", "# Page\n"),
        ("report", "page.html"),
        "chartspec: error: page.html: the report would overwrite its own source; give another "
        "file with --out",
    ),
    Case(
        "report-out-is-source",
        report_source("r.md", "# R\n"),
        ("report", "r.md", "--out", "r.md"),
        "chartspec: error: r.md: the report would overwrite its own source; give another file "
        "with --out",
    ),
    Case(
        "report-image-environ",
        report_source("r.md", "# R\n\n![e](/proc/self/environ)\n"),
        ("report", "r.md"),
        "chartspec: error: r.md: '/proc/self/environ' is an absolute path; refer to files by a "
        "path relative to the spec or report",
    ),
    Case(
        "report-image-outside",
        report_source("r.md", "# R\n\n![p](../../../../etc/passwd)\n"),
        ("report", "r.md"),
        "chartspec: error: r.md: '../../../../etc/passwd' points outside the project; keep "
        "data and images inside the project folder",
    ),
]


def snapshot(project: Path) -> dict[str, bytes]:
    """Return every file under specs/ and site/, and the names of everything else at the top."""
    files = {
        str(p.relative_to(project)): p.read_bytes()
        for folder in ("specs", "site")
        for p in sorted((project / folder).rglob("*"))
        if p.is_file()
    }
    files["(top)"] = "\n".join(sorted(p.name for p in project.iterdir())).encode()
    return files


@dataclass
class Outcome:
    status: int
    stdout: str
    stderr: str
    changed: list[str]
    left_behind: list[str]


def run_case(case: Case, base: Path, work: Path, port: int) -> Outcome:
    """Copy the built project, break it, run the command, and compare the outputs."""
    project = work / case.id
    shutil.copytree(base, project, symlinks=True)
    case.setup(project)
    before = snapshot(project)
    top_before = set(os.listdir(project))
    args = [a.replace("{port}", str(port)) for a in case.args]
    command = [sys.executable, "-m", "chartspec", *args]
    if case.no_dac:
        command = [*NO_DAC, *command]

    def limit() -> None:
        if case.file_limit is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # get EFBIG, not a killed process
            resource.setrlimit(resource.RLIMIT_FSIZE, (case.file_limit, case.file_limit))

    done = subprocess.run(
        command,
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=limit,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    project.chmod(0o755)
    after = snapshot(project)
    # A copy of the file in the way, the new second module etc. are the case's own files.
    # The cache of the charts that did build is no output; staging folders would be.
    left = sorted(
        name
        for name in set(os.listdir(project)) - top_before
        if name.startswith(".") and name != ".chartspec-cache"
    )
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    if case.status == 0:
        changed = [k for k in changed if k != "(top)"]

    def relative(text: str) -> str:
        return text.replace(f"{project}/", "").replace(str(project), ".")

    return Outcome(done.returncode, relative(done.stdout), relative(done.stderr), changed, left)


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory, built_project: Path) -> dict[str, Outcome]:
    """Run every case on its own copy of the built project, a few at a time."""
    work = tmp_path_factory.mktemp("bad-inputs")
    work.chmod(0o755)
    base = Path(shutil.copytree(built_project, work / "base", symlinks=True))
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    port = busy.getsockname()[1]
    try:
        with ThreadPoolExecutor(max_workers=3) as pool:
            futures = {c.id: pool.submit(run_case, c, base, work, port) for c in CASES}
            results = {name: f.result() for name, f in futures.items()}
    finally:
        busy.close()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "bad_inputs.json").write_text(
        json.dumps({"cases": len(CASES), "ids": [c.id for c in CASES]}, indent=2) + "\n"
    )
    return {name: _with_port(r, port) for name, r in results.items()}


def _with_port(outcome: Outcome, port: int) -> Outcome:
    outcome.stdout = outcome.stdout.replace(str(port), "{port}")
    outcome.stderr = outcome.stderr.replace(str(port), "{port}")
    return outcome


def test_case_ids_are_unique() -> None:
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_bad_input(case: Case, outcomes: dict[str, Outcome]) -> None:
    out = outcomes[case.id]
    text = out.stderr if case.stream == "stderr" else out.stdout
    lines = [line for line in text.splitlines() if line.strip()]
    assert "Traceback" not in out.stderr, out.stderr
    assert out.status == case.status, out.stdout + out.stderr
    if case.stream == "stderr":
        assert lines == [case.expected], out.stderr
    else:
        assert case.expected in lines, out.stdout
    # A data file whose bytes changed gets a new git blob id in the metadata, and so in the
    # page's About section and the download; nothing else may change.
    allowed = VERSIONED_OUTPUTS if case.new_version else []
    assert out.changed == allowed, f"outputs changed: {out.changed}"
    assert out.left_behind == [], f"left behind: {out.left_behind}"
