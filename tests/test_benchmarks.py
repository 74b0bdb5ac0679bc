"""The benchmark suite runs (tiny sizes), prints its table of ratios and measures pages' bytes."""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from benchmarks.__main__ import main
from benchmarks.browser import chart_pages, fetched_bytes
from benchmarks.suite import CORPUS, Result, table, write_csv

from chart_samples import make_scatter_spec
from chartspec.project import specs_to_site


def _own_thread(func: Callable[..., Any], *args: Any) -> Any:
    """Run func in a fresh thread: Playwright's sync API will not start in a thread where the
    browser tests' session already runs one."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(func, *args).result()


@pytest.mark.slow
def test_quick_run_prints_a_table_of_ratios(capsys):
    parts = ["startup", "noop", "big", "lazy", "corpus"]
    assert main(["--quick", "--only", *parts, "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert "--help start-up" in out
    assert "no-op build, 3 charts" in out
    if CORPUS.is_dir():  # beside the repository in CI
        assert "chartspec check of 40 official examples" in out
    assert "heatmap 6,000 rows" in out
    assert "trips-hour-by-weekday 6,000 rows" in out
    assert "ratio" in out.splitlines()[1]


def test_results_are_written_as_csv(tmp_path):
    result = Result("warm build", "build", "cold", 0.5, 10.0, "s", ">= 20x", True)
    write_csv([result], tmp_path / "r.csv", run="2026-11-29 12:00")
    lines = (tmp_path / "r.csv").read_text().splitlines()
    assert lines[1] == "2026-11-29 12:00,warm build,build,cold,0.5,10,s,20,>= 20x,yes,,"
    assert "20.00x" in table([result])


@pytest.mark.slow
@pytest.mark.browser
def test_quick_site_run_prints_every_file_and_pages_visited(capsys):
    assert _own_thread(main, ["--quick", "--only", "site"]) == 0
    out = capsys.readouterr().out
    rows = {line.split("  ")[0]: line for line in out.splitlines()}
    assert "site folder, every file" in rows["site bytes, every file"]
    assert ">= 10x smaller" in rows["site bytes, chart pages visited"]
    assert "site bytes, index page" in rows


@pytest.mark.browser
def test_pages_visited_fetch_shared_files_once(tmp_path):
    specs = tmp_path / "specs"
    specs.mkdir()
    for name in ("first", "second"):
        spec = make_scatter_spec(title=f"Chart {name}")
        spec["usermeta"]["chartspec"]["name"] = name
        text = json.dumps(spec, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
        (specs / f"{name}.vl.json").write_text(text, encoding="utf-8")
    notes = tmp_path / "notes.md"
    notes.write_text("# Notes\n\nA report page is not a chart page.\n", encoding="utf-8")
    site = tmp_path / "site"
    specs_to_site(specs, site, reports=[notes])
    assert (site / "notes.html").is_file()
    pages = chart_pages(site)
    assert pages == ["first.html", "second.html"]

    visits = {"both": pages, "first": pages[:1], "index": ["index.html"]}
    fetched = _own_thread(fetched_bytes, site, visits)
    both, first, index = fetched["both"], fetched["first"], fetched["index"]
    bundle = "static/chartspec-vega.min.js"
    for path in [*pages, bundle]:
        assert both[path] == (site / path).stat().st_size
    assert sum(both.values()) >= sum((site / p).stat().st_size for p in pages)
    # The second page adds only its own HTML, spec and the drawing shown until the chart is live:
    # the bundle, CSS and fonts were fetched once.
    own = both["second.html"] + both["charts/second.spec.js"] + both["charts/second.svg"]
    assert sum(both.values()) - sum(first.values()) == own
    assert not any(path.endswith((".png", ".csv", ".embed.html")) for path in both)
    # The index shows each chart's thumbnail, and needs no Vega bundle.
    assert {"index.html", "charts/first.svg", "charts/second.svg"} <= set(index)
    assert bundle not in index
