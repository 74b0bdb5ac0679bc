"""Fuzz the pipeline: random tables and chart settings end in a valid build or a ChartspecError.

Each example writes a chart module and its CSV into a fresh folder and runs what the CLI runs:
load the charts, build the specs, publish them, check them; every SITE_EVERY-th example that builds
also publishes the site (rendering every example's site would take ~1 s each). Run more examples
with HYPOTHESIS_PROFILE=dev.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import tempfile
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chartspec.build import spec_files, stale_specs
from chartspec.errors import ChartspecError
from chartspec.pool import shared_workers
from chartspec.project import project_texts, publish_outputs, write_specs
from chartspec.validate import check_spec, load_spec_file
from conftest import REPO

pytestmark = pytest.mark.slow  # hundreds of generated projects, each built and published

ARTIFACTS = REPO / "test-artifacts"
# The fixed seed draws a control character (which once aborted vl-convert) at example 281.
CI_EXAMPLES = 1000
SITE_EVERY = 8  # of the examples that build

settings.register_profile(
    "ci",
    max_examples=CI_EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "dev",
    max_examples=20_000,
    deadline=None,
    derandomize=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")

NASTY = ["<script>x</script>", '"><img src=x onerror=1>', "&amp;", "a.b", "a[0]", "a\\.b", " "]
names = st.one_of(
    st.text(min_size=1, max_size=10),
    st.sampled_from(NASTY),
    st.text(alphabet="abcxyz_-é漢🙂<>&\"' .,[]\\\n", min_size=1, max_size=6),
)
cells = st.one_of(
    st.just(""),
    st.integers(-(10**20), 10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(
        [
            "1e999",
            "-1e-320",
            "NaN",
            "-inf",
            "Infinity",
            "0",
            "-0",
            "2024-01-05",
            "2024-02-30",
            "2024-01-05T10:00:00Z",
            "1.5",
            "1,5",
            "  7 ",
        ]
    ),
    st.text(max_size=8),
    st.sampled_from(NASTY),
)
MARKS = ["point", "bar", "line", "area", "tick", "rect", "circle", "square", "text", "rule"]
TYPES = ["quantitative", "nominal", "ordinal", "temporal"]
NATURAL = {
    "string": "nominal",
    "number": "quantitative",
    "integer": "quantitative",
    "date": "temporal",
}
CHANNELS = ["x", "y", "color", "size", "tooltip", "text", "href", "detail"]


VALID = {
    "string": st.one_of(
        st.text(min_size=1, max_size=8).filter(lambda s: s.strip()), st.sampled_from(NASTY[:-1])
    ),
    "number": st.one_of(
        st.floats(-1e300, 1e300, allow_nan=False).map(repr),
        st.integers(-(10**6), 10**6).map(str),
        st.sampled_from(["1e-300", "5e-324", "1.7976931348623157e308", "-0.0"]),
    ),
    "integer": st.integers(-(10**15), 10**15).map(str),
    "date": st.dates().map(lambda d: d.isoformat()),
}


@st.composite
def examples(draw: st.DrawFn) -> dict[str, object]:
    """Draw a table (columns, declared types, rows) and the chart drawn from it.

    Cells are mostly valid for their declared type, so that many examples build; one in
    about ten draws from anything at all.
    """
    n = draw(st.integers(1, 4))
    chaos = draw(st.integers(0, 9)) < 3  # three in ten examples may hold any cell at all
    plain = st.sampled_from(["a", "b", "speed", "Score (%)", "é 漢", "x_1"])
    unique = draw(st.integers(0, 9)) > 0
    column_names = draw(st.lists(plain | names, min_size=n, max_size=n, unique=unique))
    columns = [
        {
            "name": name,
            "type": draw(st.sampled_from(["string", "number", "integer", "date"])),
            "required": draw(st.booleans()),
        }
        for name in column_names
    ]

    def cell(column: dict[str, object]) -> st.SearchStrategy[str]:
        valid = VALID[str(column["type"])]
        if not column["required"]:
            valid = st.just("") | valid
        return st.one_of(*[valid] * 4, cells) if chaos else valid

    row = st.tuples(*[cell(c) for c in columns]).map(list)
    rows = draw(st.lists(row, min_size=draw(st.sampled_from([0, *[1] * 9])), max_size=12))
    encodings = {}
    for channel in draw(st.lists(st.sampled_from(CHANNELS), min_size=1, max_size=4, unique=True)):
        column = draw(st.integers(0, n - 1))
        natural = NATURAL[str(columns[column]["type"])]
        encodings[channel] = {
            "column": column,
            "type": draw(st.sampled_from([natural] * 3 + TYPES)),
            "log": channel in ("x", "y") and draw(st.booleans()),
        }
    return {
        "columns": columns,
        "rows": rows,
        "key": draw(st.sampled_from([None, None, None, 0])),
        "mark": draw(st.sampled_from(MARKS)),
        "encodings": encodings,
        "title": draw(names),
        "description": draw(st.just("") | st.text(min_size=1, max_size=20).filter(str.strip)),
    }


def write_example(folder: Path, ex: dict[str, object]) -> None:
    """Write the chart module and its CSV, as a user would."""
    columns = ex["columns"]
    assert isinstance(columns, list)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([c["name"] for c in columns])
    writer.writerows(ex["rows"])  # type: ignore[arg-type]
    charts = folder / "charts"
    charts.mkdir(parents=True)
    (charts / "data.csv").write_text(buf.getvalue(), encoding="utf-8")
    declared = ", ".join(
        f"Column({c['name']!r}, {c['type']!r}, required={c['required']})" for c in columns
    )
    key = ex["key"]
    key_name = None if key is None else columns[key]["name"]  # type: ignore[index]
    channels = []
    for channel, enc in ex["encodings"].items():  # type: ignore[union-attr]
        field = columns[enc["column"]]["name"]
        scale = ", scale=alt.Scale(type='log')" if enc["log"] else ""
        channels.append(
            f"{channel}=alt.{channel.capitalize()}(field={field!r}, type={enc['type']!r}{scale})"
        )
    module = f"""
from pathlib import Path

import altair as alt
from chartspec import Column, TableSchema, chart, load_table

SCHEMA = TableSchema([{declared}], key={key_name!r})


@chart("fuzz", title={ex["title"]!r}, description={ex["description"]!r}, source="fuzz")
def fuzz():
    table = load_table(Path(__file__).parent / "data.csv", SCHEMA)
    return alt.Chart(table).mark_{ex["mark"]}().encode({", ".join(channels)})
"""
    (charts / "fuzz.py").write_text(module, encoding="utf-8")


def assert_specs_valid(specs_dir: Path) -> None:
    """Every spec on disk parses, validates and lints clean."""
    for path in sorted(specs_dir.glob("*.vl.json")):
        spec = load_spec_file(path)
        assert check_spec(spec, base_dir=path.parent) == [], path.read_text()
        assert "NaN" not in path.read_text() or '"NaN"' in path.read_text()


COUNTS = {"examples": 0, "built": 0, "refused": 0, "sites": 0}


@pytest.fixture(scope="module", autouse=True)
def one_worker():
    """Build every example in the same worker process, as one build would."""
    with shared_workers(1):
        yield


@settings(settings.get_profile(PROFILE))
@given(ex=examples())
def test_only_a_valid_build_or_a_chartspec_error(ex: dict[str, object]) -> None:
    COUNTS["examples"] += 1
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_example(folder, ex)
        specs, site = folder / "specs", folder / "site"
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # undeclared columns warn; not the point here
                texts = project_texts(folder / "charts")
            if COUNTS["built"] % SITE_EVERY == 0:
                publish_outputs(
                    spec_files(texts), specs_dir=specs, site_dir=site, reports_dir=folder / "r"
                )
                assert (site / "fuzz.html").is_file() and (site / "index.html").is_file()
                COUNTS["sites"] += 1
            else:
                write_specs(texts, specs)
        except ChartspecError as error:
            assert str(error) and "\n" not in str(error).strip()
            COUNTS["refused"] += 1
            assert not specs.exists() or not any(specs.iterdir())
            return
        COUNTS["built"] += 1
        assert_specs_valid(specs)
        assert stale_specs(texts, specs, refresh="chartspec build") == []
        for text in texts.values():
            json.loads(text, parse_constant=lambda c: math.nan)  # canonical text is JSON


def test_zz_report_fuzz_counts() -> None:
    """Write how many examples ran (pytest runs this after the fuzz test, in file order)."""
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "fuzz.json").write_text(
        json.dumps({"profile": PROFILE, **COUNTS}, indent=2) + "\n", encoding="utf-8"
    )
    if PROFILE == "ci":
        assert COUNTS["examples"] >= CI_EXAMPLES, COUNTS
    assert COUNTS["built"] > 0 and COUNTS["refused"] > 0 and COUNTS["sites"] > 0, COUNTS
