"""The benchmarks: each measures two things side by side in one run and reports their ratio."""

from __future__ import annotations

import csv
import dataclasses
import functools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.project import chart_name, make_project, write_table

REPO = Path(__file__).resolve().parent.parent
RESULTS_CSV = REPO / "benchmarks" / "results.csv"


@dataclass
class Result:
    """One comparison: what was measured against what, the ratio, and the target."""

    name: str
    measured: str
    baseline: str
    value: float  # seconds, bytes or MB of `measured`
    reference: float  # the same unit for `baseline`
    unit: str
    target: str
    ok: bool
    peak: float | None = None  # MB: the largest process of `measured`, workers included
    reference_peak: float | None = None  # MB, of `baseline`

    @property
    def ratio(self) -> float:
        """Return reference / value: above 1 means `measured` wins."""
        return self.reference / self.value if self.value else float("inf")


def env() -> dict[str, str]:
    """Return the environment for child processes, importing this checkout's chartspec.

    Compiled modules are cached as in an installed package (`PYTHONDONTWRITEBYTECODE` is
    dropped): otherwise every command would compile chartspec's modules again, and the fixed
    costs measured would be the compiler's.
    """
    paths = [str(REPO / "src"), str(REPO), os.environ.get("PYTHONPATH", "")]
    kept = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**kept, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}


def run(args: Sequence[str | Path], *, cwd: Path, ok: Sequence[int] = (0,)) -> float:
    """Run a command; return its wall time in seconds (raise when it exits otherwise)."""
    start = time.perf_counter()
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env(), capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - start
    if done.returncode not in ok:
        msg = f"{' '.join(map(str, args))} failed:\n{done.stdout}\n{done.stderr}"
        raise RuntimeError(msg)
    return elapsed


def measure(args: Sequence[str | Path], *, cwd: Path, ok: Sequence[int] = (0,)) -> Timing:
    """Run a command; return its wall time and the peak memory of its largest process.

    The peak is the maximum resident size of the process or of any process it waited for
    (its workers), as `wait4` reports it.
    """
    start = time.perf_counter()
    process = subprocess.Popen(
        [str(a) for a in args],
        cwd=cwd,
        env=env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert process.stderr is not None
    stderr = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in ok:
        raise RuntimeError(f"{' '.join(map(str, args))} failed:\n{stderr.decode()}")
    return Timing(elapsed, usage.ru_maxrss / 1024)


@dataclass(frozen=True)
class Timing:
    """A command's wall time in seconds and peak memory in MB."""

    seconds: float
    peak_mb: float


def median_timing(timings: Sequence[Timing]) -> Timing:
    """Return the median time of `timings` and their highest peak."""
    return Timing(statistics.median(t.seconds for t in timings), max(t.peak_mb for t in timings))


def chartspec(*args: str | Path, cwd: Path) -> float:
    """Run `python -m chartspec ARGS --quiet`-free; return the wall time."""
    return run([sys.executable, "-m", "chartspec", *args], cwd=cwd)


def medians(pairs: list[tuple[float, float]]) -> tuple[float, float]:
    """Return the medians of both sides of interleaved measurements."""
    return statistics.median(a for a, _ in pairs), statistics.median(b for _, b in pairs)


def side_by_side(
    a: Callable[[], float], b: Callable[[], float], *, repeat: int
) -> tuple[float, float]:
    """Time `a` and `b` alternately `repeat` times; return their medians."""
    return medians([(a(), b()) for _ in range(repeat)])


def fresh_build(project: Path, *args: str) -> float:
    """Time a cold `chartspec build` of `project` (no specs, site or cache)."""
    for name in ("specs", "site", ".chartspec-cache"):
        shutil.rmtree(project / name, ignore_errors=True)
    return chartspec("build", "--quiet", *args, cwd=project)


def bench_builds(work: Path, *, charts: int, repeat: int, cold_repeat: int) -> list[Result]:
    """Cold vs warm, serial vs parallel, one changed table vs that chart alone."""
    project = work / "project"
    make_project(project, charts=charts)
    serial = parallel = 0.0
    pairs = []
    for _ in range(cold_repeat):
        pairs.append((fresh_build(project, "--jobs", "1"), fresh_build(project, "--jobs", "2")))
    serial, parallel = medians(pairs)
    warm = statistics.median(chartspec("build", "--quiet", cwd=project) for _ in range(repeat))
    # One table changed: only its chart is rebuilt (and rendered); compare with that chart alone.
    alone = work / "alone"
    make_project(alone, charts=1)
    changed, single = [], []
    for i in range(repeat):
        write_table(project / "charts" / "data" / "t000.csv", 0, rows=120, salt=i + 1)
        changed.append(chartspec("build", "--quiet", cwd=project))
        single.append(fresh_build(alone))
    changed_s, single_s = statistics.median(changed), statistics.median(single)
    n = f"{charts} charts"
    return [
        Result(
            "warm build",
            f"build, nothing changed ({n})",
            "cold build (1 process)",
            warm,
            serial,
            "s",
            ">= 20x",
            serial / warm >= 20,
        ),
        Result(
            "parallel build",
            f"cold build, 2 processes ({n})",
            "cold build, 1 process",
            parallel,
            serial,
            "s",
            ">= 1.6x",
            serial / parallel >= 1.6,
        ),
        Result(
            "one table changed",
            f"rebuild after 1 of {n}' tables changed",
            f"cold build of {chart_name(0, charts)} alone",
            changed_s,
            single_s,
            "s",
            "<= 2x slower (ratio >= 0.5)",
            single_s / changed_s >= 0.5,
        ),
    ]


ALTAIR_LOOP = """
import sys, time
from pathlib import Path
from chartspec.registry import load_charts
charts = load_charts(Path(sys.argv[1]))
out = Path(sys.argv[2]); out.mkdir(exist_ok=True)
for name, d in charts.items():
    d.draw().save(str(out / f"{name}.json"))
"""

SPECS_ONLY = """
import sys
from pathlib import Path
from chartspec.project import project_texts, write_specs
write_specs(project_texts(Path(sys.argv[1])), Path(sys.argv[2]))
"""

JSONSCHEMA = """
import json, sys
from pathlib import Path
import jsonschema
from chartspec.validate import SCHEMA_FILE
from importlib import resources
schema = json.loads(resources.files("chartspec").joinpath("schema", SCHEMA_FILE).read_text())
validator = jsonschema.Draft7Validator(schema)
for path in sorted(Path(sys.argv[1]).glob("*.vl.json")):
    validator.validate(json.loads(path.read_text()))
"""


# Every error of every spec, as `chartspec check` reports them: some corpus specs are invalid.
JSONSCHEMA_ALL = JSONSCHEMA.replace(
    "validator.validate(json.loads(path.read_text()))",
    "list(validator.iter_errors(json.loads(path.read_text())))",
)
CORPUS = Path(os.environ.get("CHARTSPEC_CORPUS", REPO.parent / "shared" / "corpus"))


def bench_corpus(work: Path, *, repeat: int, sample: int | None = None) -> list[Result]:
    """`chartspec check` of the official Vega-Lite examples against the plain validator.

    The examples are checked with their data folder, every lint rule on and no cache, as a
    user's first `chartspec check *.vl.json`; `sample` takes the first specs only.
    """
    corpus = work / "corpus"
    shutil.copytree(CORPUS / "vega-lite-examples", corpus)
    specs = sorted(corpus.glob("*.vl.json"))
    for path in specs[sample:] if sample else ():
        path.unlink()
    specs = specs[:sample] if sample else specs
    py = sys.executable
    names = [p.name for p in specs]
    # `check` exits 1: a few examples are invalid on purpose.
    check, plain = side_by_side(
        lambda: run([py, "-m", "chartspec", "check", *names], cwd=corpus, ok=(0, 1)),
        lambda: run([py, "-c", JSONSCHEMA_ALL, corpus], cwd=corpus),
        repeat=repeat,
    )
    return [
        Result(
            "corpus check vs jsonschema",
            f"chartspec check of {len(specs)} official examples (data read, no cache)",
            "jsonschema Draft7Validator compiled once",
            check,
            plain,
            "s",
            ">= 1x",
            plain / check >= 1,
        )
    ]


# A plain loop over the same charts, as a user without chartspec would write it: import the
# chart modules, then `to_dict()` and `json.dump` each chart. "-" stands for the built-in charts.
PLAIN_LOOP = """
import json, sys
from pathlib import Path
from chartspec.registry import select_charts
charts = select_charts(None if sys.argv[1] == "-" else Path(sys.argv[1]))
out = Path(sys.argv[2]); out.mkdir(exist_ok=True)
for name, d in charts.items():
    with open(out / f"{name}.json", "w") as handle:
        json.dump(d.draw().to_dict(), handle)
"""

# The spec phase of a cold build: every chart built, validated and linted on every core.
SPEC_PHASE = """
import sys
from pathlib import Path
from chartspec.pool import worker_count
from chartspec.project import project_texts, write_specs
folder = None if sys.argv[1] == "-" else Path(sys.argv[1])
write_specs(project_texts(folder, jobs=worker_count(None)), Path(sys.argv[2]))
"""

IMPORT_CLI = "import chartspec.cli"


def _cold(project: Path) -> Timing:
    for name in ("specs", "site", ".chartspec-cache"):
        shutil.rmtree(project / name, ignore_errors=True)
    return measure([sys.executable, "-m", "chartspec", "build", "--quiet"], cwd=project)


def _alternate(
    a: Callable[[], Timing], b: Callable[[], Timing], *, repeat: int
) -> tuple[Timing, Timing]:
    pairs = [(a(), b()) for _ in range(repeat)]
    return median_timing([x for x, _ in pairs]), median_timing([y for _, y in pairs])


def _result(
    name: str,
    measured: str,
    ours: Timing,
    baseline: str,
    theirs: Timing,
    target: str,
    least_ratio: float,
) -> Result:
    ratio = theirs.seconds / ours.seconds
    return Result(
        name,
        measured,
        baseline,
        ours.seconds,
        theirs.seconds,
        "s",
        target,
        ratio >= least_ratio,
        ours.peak_mb,
        theirs.peak_mb,
    )


def chartspec_run(*args: str, cwd: Path) -> Callable[[], Timing]:
    """Return a measurement of `python -m chartspec ARGS` in `cwd`."""
    return lambda: measure([sys.executable, "-m", "chartspec", *args], cwd=cwd)


def script(code: str, *args: str | Path, cwd: Path) -> Callable[[], Timing]:
    """Return a measurement of `python -c CODE ARGS` in `cwd`."""
    return lambda: measure([sys.executable, "-c", code, *args], cwd=cwd)


def bench_targets(work: Path, *, charts: int, repeat: int, cold_repeat: int) -> list[Result]:
    """The fixed costs and cold builds, on this repository's charts and on generated ones.

    No-op builds and warm checks are compared with importing chartspec's command line; cold
    builds (the spec phase alone, and with the drawings) with a plain loop of import,
    `to_dict()` and `json.dump` over the same charts, in one process.
    """
    results = []
    repo = work / "repo"
    repo.mkdir()
    if (REPO / "reports").is_dir():
        shutil.copytree(REPO / "reports", repo / "reports")
    generated = work / "varied"
    make_project(generated, charts=charts)
    where = {"this repository": (repo, "-"), f"{charts} varied charts": (generated, "charts")}
    for label, (project, folder) in where.items():
        spec_phase, loop = _alternate(
            script(SPEC_PHASE, folder, project / "spec-phase", cwd=project),
            script(PLAIN_LOOP, folder, project / "plain", cwd=project),
            repeat=repeat,
        )
        cold, loop_again = _alternate(
            functools.partial(_cold, project),
            script(PLAIN_LOOP, folder, project / "plain", cwd=project),
            repeat=cold_repeat,
        )
        loop = median_timing([loop, loop_again]) if cold_repeat else loop
        plain = "plain loop: import, to_dict(), json.dump"
        results += [
            _result(
                f"cold spec phase, {label}",
                "specs built, validated, linted (every core)",
                spec_phase,
                plain,
                loop,
                "<= 1.2x the loop (ratio >= 0.83)",
                1 / 1.2,
            ),
            _result(
                f"cold build, {label}",
                "chartspec build: specs, drawings, site (every core)",
                cold,
                plain,
                loop,
                "<= 2.5x the loop (ratio >= 0.4)",
                1 / 2.5,
            ),
        ]
        if project is repo:
            importing = script(IMPORT_CLI, cwd=repo)
            noop, imported = _alternate(
                chartspec_run("build", "--quiet", cwd=repo), importing, repeat=repeat
            )
            check, imported_again = _alternate(
                chartspec_run("check", cwd=repo), importing, repeat=repeat
            )
            results += [
                _result(
                    "no-op build, this repository",
                    "chartspec build, nothing changed",
                    noop,
                    "python -c 'import chartspec.cli'",
                    imported,
                    "<= 3x the import (ratio >= 0.33)",
                    1 / 3,
                ),
                _result(
                    "warm check, this repository",
                    "chartspec check, nothing changed",
                    check,
                    "python -c 'import chartspec.cli'",
                    imported_again,
                    "<= 3x the import (ratio >= 0.33)",
                    1 / 3,
                ),
                _result(
                    "cold / no-op build, this repository",
                    "chartspec build, nothing changed",
                    noop,
                    "cold chartspec build",
                    cold,
                    ">= 50x",
                    50,
                ),
            ]
    return results


def bench_noop(work: Path, *, charts: int, repeat: int) -> list[Result]:
    """A no-op build of a large generated project, against importing chartspec's command line."""
    many = work / "many"
    make_project(many, charts=charts)
    _cold(many)
    noop, imported = _alternate(
        chartspec_run("build", "--quiet", cwd=many), script(IMPORT_CLI, cwd=many), repeat=repeat
    )
    result = _result(
        f"no-op build, {charts:,} charts",
        "chartspec build, nothing changed",
        noop,
        "python -c 'import chartspec.cli'",
        imported,
        "<= 1.5 s",
        0,
    )
    return [dataclasses.replace(result, ok=noop.seconds <= 1.5)]


def _burn(n: int) -> float:
    start = time.perf_counter()
    total = 0
    for i in range(n):
        total += i
    return time.perf_counter() - start


def bench_cpu_ceiling(*, repeat: int) -> list[Result]:
    """Pure-Python work, 2 processes against 1: the most any parallel build can gain here."""
    from concurrent.futures import ProcessPoolExecutor

    n = 20_000_000

    def serial() -> float:
        start = time.perf_counter()
        _burn(n), _burn(n)
        return time.perf_counter() - start

    def parallel() -> float:
        with ProcessPoolExecutor(2) as pool:
            list(pool.map(_burn, [1, 1]))  # start the processes outside the timing
            start = time.perf_counter()
            list(pool.map(_burn, [n, n]))
            return time.perf_counter() - start

    two, one = side_by_side(parallel, serial, repeat=repeat)
    return [
        Result(
            "CPU ceiling",
            "pure Python, 2 processes",
            "pure Python, 1 process",
            two,
            one,
            "s",
            "2x on 2 idle cores",
            True,
        )
    ]


def bench_baselines(work: Path, *, repeat: int) -> list[Result]:
    """chartspec against plain Altair and plain jsonschema over the same charts."""
    project = work / "project"
    py = sys.executable
    specs_only, altair = side_by_side(
        lambda: run([py, "-c", SPECS_ONLY, project / "charts", work / "specs-only"], cwd=project),
        lambda: run([py, "-c", ALTAIR_LOOP, project / "charts", work / "altair"], cwd=project),
        repeat=repeat,
    )
    check, plain = side_by_side(
        lambda: chartspec("check", cwd=project),
        lambda: run([py, "-c", JSONSCHEMA, project / "specs"], cwd=project),
        repeat=repeat,
    )
    return [
        Result(
            "specs vs Altair",
            "chartspec specs (build + validate + lint)",
            "Altair chart.save('x.json') loop",
            specs_only,
            altair,
            "s",
            "report",
            True,
        ),
        Result(
            "check vs jsonschema",
            "chartspec check (schema + lint + stale, cached)",
            "jsonschema Draft7Validator compiled once",
            check,
            plain,
            "s",
            ">= 1x",
            plain / check >= 1,
        ),
    ]


def bench_site_bytes(work: Path, *, charts: int = 20, browser: bool = True) -> list[Result]:
    """Bytes of chartspec's site vs Altair's standalone inline HTML, for the same charts.

    The like-for-like line is what a browser fetches to open every chart page in turn (shared
    files once, as its cache keeps them); the site folder's total also holds downloads (PNG,
    SVGs, CSV, spec) and embed pages that Altair's HTML does not offer. Without `browser`,
    only the folder total is measured.
    """
    project = work / f"project{charts}"
    make_project(project, charts=charts)
    chartspec("build", "--quiet", cwd=project)
    site_dir = project / "site"
    site = sum(p.stat().st_size for p in site_dir.rglob("*") if p.is_file())
    code = (
        "import sys\nfrom pathlib import Path\nfrom chartspec.registry import load_charts\n"
        "out = Path(sys.argv[2]); out.mkdir(exist_ok=True)\n"
        "for name, d in load_charts(Path(sys.argv[1])).items():\n"
        "    d.draw().save(str(out / f'{name}.html'), inline=True)\n"
    )
    run([sys.executable, "-c", code, project / "charts", work / "inline"], cwd=project)
    inline = sum(p.stat().st_size for p in (work / "inline").glob("*.html"))
    altair = f"Altair save(html, inline=True) x {charts}"
    results = [
        Result(
            "site bytes, every file",
            f"site folder, every file (pages, downloads, embed pages), {charts} charts",
            altair,
            site,
            inline,
            "bytes",
            "report",
            True,
        )
    ]
    if not browser:
        return results
    from benchmarks.browser import chart_pages, fetched_bytes

    pages = chart_pages(site_dir)
    if len(pages) != charts:
        raise RuntimeError(f"expected {charts} chart pages in {site_dir}, found {len(pages)}")
    fetched = fetched_bytes(site_dir, {"charts": pages, "index": ["index.html"]})
    visited = sum(fetched["charts"].values())
    index = sum(fetched["index"].values())
    results += [
        Result(
            "site bytes, chart pages visited",
            f"bytes a browser fetches opening the {charts} chart pages in turn (shared files once)",
            altair,
            visited,
            inline,
            "bytes",
            ">= 10x smaller",
            inline / visited >= 10,
        ),
        Result(
            "site bytes, index page",
            "index.html and what it fetches, read to the bottom",
            "index.html alone",
            index,
            (site_dir / "index.html").stat().st_size,
            "bytes",
            "report",
            True,
        ),
    ]
    return results


def bench_startup(work: Path, *, repeat: int) -> list[Result]:
    """`chartspec --help` against a bare interpreter."""
    py = sys.executable
    helps, bare = side_by_side(
        lambda: run([py, "-m", "chartspec", "--help"], cwd=work),
        lambda: run([py, "-c", "pass"], cwd=work),
        repeat=max(repeat, 7),
    )
    return [
        Result(
            "--help start-up",
            "python -m chartspec --help",
            "python -c pass",
            helps,
            bare,
            "s",
            "< 0.3 s absolute",
            helps < 0.3,
        )
    ]


BIG = """
import resource, sys, time
from pathlib import Path
import altair as alt, numpy as np, pandas as pd
from chartspec.registry import ChartDef
from chartspec.specs import chart_to_spec, spec_to_json
from chartspec.validate import check_spec
rows, kind = int(sys.argv[1]), sys.argv[2]
rng = np.random.default_rng(1)
df = pd.DataFrame({"x": rng.normal(size=rows), "y": rng.normal(size=rows),
                   "t": pd.date_range("2020-01-01", "2021-12-31", periods=rows)})
base = alt.Chart(df)
chart = {
    "heatmap": base.mark_rect().encode(alt.X("x:Q", bin=alt.Bin(maxbins=40)),
                                       alt.Y("y:Q", bin=alt.Bin(maxbins=30)), color="count():Q"),
    "histogram": base.mark_bar().encode(alt.X("x:Q", bin=alt.Bin(maxbins=50)), y="count()"),
    "line": base.mark_line().encode(alt.X("yearmonthdate(t):T"), alt.Y("mean(y):Q")),
}[kind]
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
d = ChartDef("big", "Big", "A chart over many rows.", "benchmarks", lambda: chart, Path("bench.py"))
spec = chart_to_spec(chart, d)
text = spec_to_json(spec)
assert check_spec(spec) == [], check_spec(spec)
elapsed = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(elapsed, len(text.encode()), before / 1024, peak / 1024)
"""


def bench_big_tables(work: Path, *, sizes: Sequence[int]) -> list[Result]:
    """Build time, spec size and peak memory of charts over millions of rows."""
    results = []
    for rows in sizes:
        for kind in ("heatmap", "histogram", "line"):
            done = subprocess.run(
                [sys.executable, "-c", BIG, str(rows), kind],
                cwd=work,
                env=env(),
                capture_output=True,
                text=True,
                check=True,
            )
            elapsed, size, base_mb, peak_mb = map(float, done.stdout.split())
            results.append(
                Result(
                    f"{kind} {rows:,} rows",
                    f"spec bytes (build {elapsed:.2f} s, "
                    f"peak {peak_mb:.0f} MB, table alone {base_mb:.0f} MB)",
                    "100 KB limit",
                    size,
                    100_000,
                    "bytes",
                    "< 100 KB",
                    size < 100_000,
                )
            )
    return results


# Both sides start timing with their engine loaded, as for every chart of a build but its
# first: DuckDB and pandas imported, and the Vega-Lite compiler's JavaScript runtime started
# (about 0.9 s, paid once per build process, like the imports neither side times).
LAZY = """
import resource, sys, time
from pathlib import Path
import duckdb, vl_convert
from chartspec.registry import draw_chart, load_charts
from chartspec.specs import chart_to_spec, spec_to_json
vl_convert.vegalite_to_vega({"mark": "point"})
charts, name = load_charts(Path(sys.argv[1])), sys.argv[2]
start = time.perf_counter()
text = spec_to_json(chart_to_spec(draw_chart(charts[name]), charts[name]))
elapsed = time.perf_counter() - start
print(elapsed, len(text.encode()), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""

# The query a user would write by hand for each chart of the example, run by DuckDB directly.
LAZY_BY_HAND = {
    "trips-hour-by-weekday": "SELECT hour(pickup) AS h, dayofweek(pickup) AS d, count(*) AS n "
    "FROM {t} GROUP BY ALL",
    "trip-distance": "SELECT floor(distance_km / 0.5) * 0.5 AS b, count(*) AS n "
    "FROM {t} GROUP BY 1",
    "trips-per-month": "SELECT date_trunc('month', pickup) AS m, count(*) AS n, "
    "avg(distance_km) AS d FROM {t} GROUP BY 1",
}
BY_HAND = """
import resource, sys, time, duckdb, pandas
start = time.perf_counter()
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
rows = con.sql(sys.argv[1]).df()
elapsed = time.perf_counter() - start
print(elapsed, len(rows), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def _measure(script: str, *args: str | Path, cwd: Path) -> list[float]:
    done = subprocess.run(
        [sys.executable, "-c", script, *map(str, args)],
        cwd=cwd,
        env=env(),
        capture_output=True,
        text=True,
        check=True,
    )
    return [float(x) for x in done.stdout.split()]


SCALING_CSV = REPO / "benchmarks" / "lazy-scaling.csv"


def bench_lazy_tables(
    work: Path, *, sizes: Sequence[int], repeat: int, scaling: list[list[object]] | None = None
) -> list[Result]:
    """Charts over a Parquet table DuckDB reduces, against the same query written by hand.

    Each chart's time and peak memory at each size go into `scaling`, when given.
    """
    results = []
    for rows in sizes:
        example = trips_example(work, rows)
        table = f"'{example / 'data' / 'trips' / 'trips.parquet'}'"
        for name, query in LAZY_BY_HAND.items():
            pairs = []
            for _ in range(repeat):
                ours = _measure(LAZY, example / "charts", name, cwd=example)
                theirs = _measure(BY_HAND, query.format(t=table), cwd=example)
                pairs.append((ours, theirs))
            ours_s, theirs_s = medians([(a[0], b[0]) for a, b in pairs])
            size, peak = pairs[-1][0][1], max(a[2] for a, _ in pairs)
            by_hand_peak = max(b[2] for _, b in pairs)
            if scaling is not None:
                scaling.append([name, rows, "chartspec", round(ours_s, 3), round(peak)])
                scaling.append(
                    [name, rows, "query by hand", round(theirs_s, 3), round(by_hand_peak)]
                )
            results.append(
                Result(
                    f"{name} {rows:,} rows",
                    f"chartspec over Parquet ({size / 1000:.1f} KB spec, peak {peak:.0f} MB)",
                    f"the query by hand in DuckDB (peak {by_hand_peak:.0f} MB)",
                    ours_s,
                    theirs_s,
                    "s",
                    "<= 1.2x the query (ratio >= 0.83)",
                    theirs_s / ours_s >= 1 / 1.2,
                    peak=peak,
                    reference_peak=by_hand_peak,
                )
            )
    return results


def trips_example(work: Path, rows: int) -> Path:
    """Return a copy of the big-tables example with its table of `rows` trips written once."""
    example = work / f"big-tables-{rows}"
    if not (example / "data" / "trips" / "trips.parquet").is_file():
        shutil.copytree(REPO / "examples" / "big-tables", example, dirs_exist_ok=True)
        run([sys.executable, example / "make_trips.py", "--rows", str(rows)], cwd=example)
    return example


ON_ENGINE = """
import hashlib, os, sys, time
from pathlib import Path
from chartspec.registry import draw_chart, load_charts
from chartspec.specs import chart_to_spec, spec_to_json
charts = load_charts(Path(sys.argv[1]))
start = time.perf_counter()
if os.environ["CHARTSPEC_ENGINE"] == "spark":
    from chartspec.spark import spark_session
    spark_session()
print("start", time.perf_counter() - start, "-")
for name in sys.argv[2:]:
    start = time.perf_counter()
    text = spec_to_json(chart_to_spec(draw_chart(charts[name]), charts[name]))
    print(name, time.perf_counter() - start, hashlib.sha256(text.encode()).hexdigest())
"""


def bench_spark(work: Path, *, sizes: Sequence[int]) -> list[Result]:
    """The big-tables example on Spark in local mode, against DuckDB: the same spec, and times."""
    results = []
    for rows in sizes:
        example = trips_example(work, rows)
        runs = {}
        for engine in ("duckdb", "spark"):
            done = subprocess.run(
                [sys.executable, "-c", ON_ENGINE, example / "charts", *LAZY_BY_HAND],
                cwd=example,
                env={**env(), "CHARTSPEC_ENGINE": engine},
                capture_output=True,
                text=True,
                check=True,
            )
            runs[engine] = {
                n: (float(s), h) for n, s, h in map(str.split, done.stdout.splitlines())
            }
        start = runs["spark"]["start"][0]
        for name in LAZY_BY_HAND:
            (spark_s, spark_hash), (duckdb_s, duckdb_hash) = (
                runs["spark"][name],
                runs["duckdb"][name],
            )
            same = spark_hash == duckdb_hash
            results.append(
                Result(
                    f"{name} {rows:,} rows on Spark",
                    f"Spark, local[1] ({'the same' if same else 'ANOTHER'} spec; "
                    f"session start {start:.1f} s not counted)",
                    "DuckDB, the same chart",
                    spark_s,
                    duckdb_s,
                    "s",
                    "byte-identical spec",
                    same,
                )
            )
    return results


def write_scaling_csv(points: list[list[object]], path: Path = SCALING_CSV) -> None:
    """Write each lazy chart's time and peak memory by table size, for the scaling chart."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["chart", "rows", "by", "seconds", "peak_mb"])
        writer.writerows(sorted(points, key=lambda p: (str(p[0]), int(str(p[1])), str(p[2]))))


CSV_COLUMNS = [
    "run",
    "benchmark",
    "measured",
    "baseline",
    "value",
    "reference",
    "unit",
    "ratio",
    "target",
    "met",
    "peak_mb",
    "reference_peak_mb",
]


def write_csv(results: list[Result], path: Path = RESULTS_CSV, *, run: str) -> None:
    """Add the results of `run` (when it started, UTC) to the history the benchmarks chart draws."""
    path.parent.mkdir(parents=True, exist_ok=True)
    new = not path.is_file() or path.stat().st_size == 0
    with path.open("a", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        if new:
            writer.writerow(CSV_COLUMNS)
        for r in results:
            writer.writerow(
                [
                    run,
                    r.name,
                    r.measured,
                    r.baseline,
                    f"{r.value:.4g}",
                    f"{r.reference:.4g}",
                    r.unit,
                    f"{r.ratio:.3g}",
                    r.target,
                    "yes" if r.ok else "no",
                    "" if r.peak is None else f"{r.peak:.0f}",
                    "" if r.reference_peak is None else f"{r.reference_peak:.0f}",
                ]
            )


def table(results: list[Result]) -> str:
    """Return the results as a plain-text table."""
    rows = [("benchmark", "measured", "value", "baseline", "value", "ratio", "target", "met")]
    for r in results:
        rows.append(
            (
                r.name,
                r.measured,
                _fmt(r.value, r.unit, r.peak),
                r.baseline,
                _fmt(r.reference, r.unit, r.reference_peak),
                f"{r.ratio:.2f}x",
                r.target,
                "yes" if r.ok else "NO",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _fmt(value: float, unit: str, peak: float | None = None) -> str:
    if unit == "bytes":
        return f"{value / 1000:,.1f} KB"
    return f"{value:.3f} s" + ("" if peak is None else f", {peak:.0f} MB")


def scratch() -> Path:
    """Return a new scratch folder for one run."""
    return Path(tempfile.mkdtemp(prefix="chartspec-bench-"))
