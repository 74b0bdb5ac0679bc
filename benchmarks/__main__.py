"""Run the benchmarks: `python -m benchmarks [--charts N] [--repeat N] [--quick]`."""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import shutil
import sys
import time

from benchmarks import suite

SECTIONS = (
    "builds",
    "baselines",
    "targets",
    "noop",
    "corpus",
    "site",
    "startup",
    "big",
    "lazy",
    "spark",
    "browser",
)


def main(argv: list[str] | None = None) -> int:
    """Run every benchmark, print the table of ratios and write the results CSV."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--charts", type=int, default=200, help="charts in the generated project")
    parser.add_argument(
        "--varied-charts", type=int, default=100, help="charts in the varied cold-build project"
    )
    parser.add_argument(
        "--noop-charts", type=int, default=1000, help="charts in the no-op build project (0: skip)"
    )
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement (median)")
    parser.add_argument("--cold-repeat", type=int, default=3, help="runs per cold build")
    parser.add_argument("--rows", type=int, nargs="*", default=[1_000_000, 10_000_000])
    parser.add_argument(
        "--no-browser",
        action="store_true",
        help="skip what is measured in Chromium (page timings, bytes of the chart pages visited)",
    )
    parser.add_argument("--no-csv", action="store_true", help="do not write the results CSV")
    parser.add_argument(
        "--only", nargs="+", choices=SECTIONS, default=list(SECTIONS), help="run these parts only"
    )
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes, one run, no page timings: a smoke test"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.charts, args.repeat, args.cold_repeat, args.rows = 2, 1, 1, [6000]
        args.varied_charts, args.noop_charts = 3, 3
    work = suite.scratch()
    load = os.getloadavg()[0]
    started = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    results = []
    scaling: list[list[object]] = []  # lazy charts' time and memory by table size
    skipped = []
    try:
        only = set(args.only)
        if only & {"builds", "baselines", "browser"}:  # these share the generated project
            results += suite.bench_builds(
                work, charts=args.charts, repeat=args.repeat, cold_repeat=args.cold_repeat
            )
        if "builds" in only:
            results += suite.bench_cpu_ceiling(repeat=args.repeat)
        if "baselines" in only:
            results += suite.bench_baselines(work, repeat=args.repeat)
        if "targets" in only:
            results += suite.bench_targets(
                work,
                charts=args.varied_charts,
                repeat=args.repeat,
                cold_repeat=args.cold_repeat,
            )
        if "noop" in only and args.noop_charts:
            results += suite.bench_noop(work, charts=args.noop_charts, repeat=args.repeat)
        if "corpus" in only and suite.CORPUS.is_dir():
            sample = 40 if args.quick else None
            results += suite.bench_corpus(work, repeat=args.repeat, sample=sample)
        elif "corpus" in only:
            skipped.append(f"corpus check: no corpus at {suite.CORPUS}")
        if "site" in only:
            charts = 2 if args.quick else 20
            results += suite.bench_site_bytes(work, charts=charts, browser=not args.no_browser)
            if args.no_browser:
                skipped.append("site bytes, chart pages visited and index page: --no-browser")
        if "startup" in only:
            results += suite.bench_startup(work, repeat=args.repeat)
        if "big" in only:
            results += suite.bench_big_tables(work, sizes=args.rows)
        if "lazy" in only:
            results += suite.bench_lazy_tables(
                work, sizes=args.rows, repeat=args.repeat, scaling=scaling
            )
        if "spark" in only and importlib.util.find_spec("pyspark") is not None:
            results += suite.bench_spark(work, sizes=args.rows)
        elif "spark" in only:
            skipped.append("Spark: PySpark is not installed (pip install 'chartspec[spark]')")
        if "browser" in only and (args.no_browser or args.quick):
            skipped.append("browser timings: " + ("--no-browser" if args.no_browser else "--quick"))
        elif "browser" in only:
            from benchmarks.browser import bench_browser

            project_site = work / "project" / "site"
            results += bench_browser(
                suite.REPO / "site", repeat=args.repeat, project_site=project_site
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(
        f"chartspec benchmarks, {started} UTC, {platform.machine()}, "
        f"Python {platform.python_version()}, load average {load:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after"
    )
    print(suite.table(results))
    for line in skipped:
        print(f"skipped: {line}")
    if not args.no_csv and not args.quick:
        suite.write_csv(results, run=started)
        print(f"added {len(results)} results to {suite.RESULTS_CSV}")
    if not args.no_csv and not args.quick and len(set(args.rows)) > 1 and scaling:
        suite.write_scaling_csv(scaling)
        print(f"wrote {suite.SCALING_CSV}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
