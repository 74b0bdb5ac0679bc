"""A site of specs chartspec did not write: a sample of the official Vega-Lite examples.

The examples live beside the repository in `../shared/corpus/vega-lite-examples` (the corpus
folder: CHARTSPEC_CORPUS points at another copy, as for test_check); the tests run wherever
that folder exists.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from chartspec.project import specs_to_site
from chartspec.site import left_out_specs

from .conftest import CSP_LISTENER, REPO, Visit, serve_folder, visit_each
from .test_layouts import VIEWS, _not_drawn_cleanly, _visit_all

CORPUS = (
    Path(os.environ.get("CHARTSPEC_CORPUS") or REPO.parent / "shared/corpus") / "vega-lite-examples"
)
# Examples whose data is remote and not pinned: never fetched, so left out and listed.
REMOTE = {
    "point_constant_legend_domain",
    "selection_type_point_zorder",
    "stocks-2009-layered-line-point",
}
# Examples that show what a site must do with images and inline text data.
ALSO = {"scatter_image", "image_scatter_no_size", "text_tooltip_image", "embedded_csv"}
MAX_WEIGHT = 4.0  # a guard against growth (3.89x measured)
"""Largest ratio of the site's bytes, but for the charts' ZIP downloads, to the bytes of the specs
and data it was built from. What weighs most: the data as it is (for downloads and the spec's
url, 1x) and parsed into one script per file for the live charts (0.7x); the drawings (0.7x,
one file for both themes: maps and dense charts) and again for phones where the chart is more
than 40 px too wide (0.4x); the PNGs (0.4x); the bundle and fonts (0.3x); the pages (0.25x,
at most 100 rows of a table each)."""
MAX_ZIP_WEIGHT = 1.5
"""Largest ratio of the bytes of the charts' ZIP downloads to the same inputs (1.27 measured):
each ZIP stands alone, so it repeats its chart's data (deflated; a file several charts read is in
each of their ZIPs), spec, SVG and PNG, and no page loads it."""

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no corpus at {CORPUS}")


def _sample() -> list[str]:
    """Return the first example of every filename prefix, the remote ones and `ALSO`."""
    names = sorted(p.name.removesuffix(".vl.json") for p in CORPUS.glob("*.vl.json"))
    first: dict[str, str] = {}
    for name in names:
        first.setdefault(name.split("_")[0], name)
    return sorted({*first.values(), *REMOTE, *ALSO})


SAMPLE = _sample() if CORPUS.is_dir() else []
PAGES = sorted(set(SAMPLE) - REMOTE)  # the published ones


@pytest.fixture(scope="module")
def corpus_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Publish the sample with its data folder; return the specs folder and the site."""
    root = tmp_path_factory.mktemp("corpus")
    specs = root / "specs"
    specs.mkdir()
    for name in SAMPLE:
        shutil.copy(CORPUS / f"{name}.vl.json", specs)
    shutil.copytree(CORPUS / "data", specs / "data")
    site = root / "site"
    specs_to_site(specs, site, leave_out=True, jobs=2)
    return specs, site


@pytest.fixture(scope="module")
def corpus_server(corpus_site: tuple[Path, Path]) -> Iterator[str]:
    with serve_folder(corpus_site[1]) as url:
        yield url


def test_remote_data_is_left_out_and_listed_and_the_rest_published(
    corpus_site: tuple[Path, Path],
) -> None:
    _, site = corpus_site
    left = {line.split(".vl.json: ")[0]: line for line in left_out_specs(site)}
    assert set(left) == REMOTE, left
    assert all("is remote and not pinned" in line for line in left.values()), left
    assert all("--fetch-remote" in line for line in left.values()), left
    published = {p.name.removesuffix(".html") for p in site.glob("*.html")}
    assert published >= {*SAMPLE} - REMOTE


def test_every_embed_page_renders_cleanly_with_marks(browser: Browser, corpus_server: str) -> None:
    """The chart pages themselves are drawn and checked by the width tests below."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(CSP_LISTENER)
    failed = []
    try:
        urls = [f"{corpus_server}{name}.embed.html" for name in PAGES]
        for url, v in visit_each(context, urls):
            if problems := _not_drawn_cleanly(v):
                failed.append(f"{url.removeprefix(corpus_server)}: {', '.join(problems)}")
    finally:
        context.close()
    assert failed == []


def test_images_are_copied_and_drawn_from_the_site(
    visit: Callable[..., Visit], corpus_site: tuple[Path, Path], corpus_server: str
) -> None:
    specs, site = corpus_site
    assert (site / "charts/data/ffox.png").read_bytes() == (specs / "data/ffox.png").read_bytes()
    drawing = (site / "charts/scatter_image.svg").read_text(encoding="utf-8")
    assert drawing.count('href="data:image/png;base64,') == 3  # no remote default
    v = visit(corpus_server + "scatter_image.html")
    loaded = v.page.evaluate(
        "() => Array.from(document.querySelectorAll('.chart.is-live image'))"
        ".map(i => i.getBBox().width)"
    )
    assert loaded == [50, 50, 50]


def test_charts_keep_their_natural_size_and_shrink_to_fit(
    visit: Callable[..., Visit], corpus_server: str
) -> None:
    wide = visit(corpus_server + "embedded_csv.html", width=1280)
    box = wide.page.locator(".chart.is-live svg").bounding_box()
    natural = float(wide.page.locator(".chart.is-live svg").get_attribute("width") or 0)
    assert box and box["width"] == pytest.approx(natural, abs=1)
    narrow = visit(corpus_server + "image_scatter_no_size.html", width=360)
    box = narrow.page.locator(".chart.is-live svg").bounding_box()
    assert box and box["width"] <= 360 - 32
    assert narrow.page.evaluate("document.documentElement.scrollWidth") <= 360


def _weights(specs: Path, site: Path) -> tuple[int, int, int, int, int]:
    """Return the bytes of the inputs (specs and the data files they read), of those data files,
    of the site's data (copies, scripts, CSV downloads), of the whole site but its ZIP
    downloads, and of those."""
    used = [specs / "data" / p.name for p in (site / "charts/data").iterdir()]
    data_in = sum(p.stat().st_size for p in used if p.is_file())
    inputs = data_in + sum(p.stat().st_size for p in specs.glob("*.vl.json"))
    data_out = sum(p.stat().st_size for p in (site / "charts/data").iterdir())
    zips = sum(p.stat().st_size for p in (site / "charts").glob("*.zip"))
    weight = sum(p.stat().st_size for p in site.rglob("*") if p.is_file()) - zips
    return inputs, data_in, data_out, weight, zips


def test_data_is_written_once_per_form(corpus_site: tuple[Path, Path]) -> None:
    specs, site = corpus_site
    _, data_in, data_out, _, _ = _weights(specs, site)
    # the file as it is (the spec's url and the download), and one script shared by every
    # chart and page that reads it, its records' keys written once
    assert data_out <= 2 * data_in, (data_out, data_in)
    for page in site.glob("*.embed.html"):
        assert "<td>" not in page.read_text(encoding="utf-8"), page.name


def test_site_weighs_at_most_max_weight_times_its_inputs(corpus_site: tuple[Path, Path]) -> None:
    inputs, _, _, weight, zips = _weights(*corpus_site)
    print(f"site {weight} bytes and ZIPs {zips}, inputs {inputs} bytes: {weight / inputs:.2f}x")
    assert weight <= MAX_WEIGHT * inputs, (weight, inputs)
    assert zips <= MAX_ZIP_WEIGHT * inputs, (zips, inputs)


PHONE = (360, "light")


@pytest.fixture(scope="module")
def on_a_phone(browser: Browser, corpus_server: str) -> list[str]:
    """What a reader finds wrong on each page at 360 px in the light theme, one line each: read
    once for the two tests below."""
    return _visit_all(browser, corpus_server, PAGES, "corpus", views=[PHONE])


def test_every_page_reads_well_on_a_phone(on_a_phone: list[str]) -> None:
    """At 360 px, where a page has least room: drawn with marks and without errors, text of
    11 px or more, no page scrolling sideways, drawings never shrunk (a chart that cannot
    narrow scrolls in its own box)."""
    assert on_a_phone == []


def test_a_sample_reads_well_at_every_width(
    browser: Browser, corpus_server: str, on_a_phone: list[str]
) -> None:
    """The same at 360, 768 and 1280 px in both themes, for every third page (at 360 px in the
    light theme, as the test above read them)."""
    sample = PAGES[::3]
    found = [line for line in on_a_phone if line.split(" at ")[0] in sample]
    others = [view for view in VIEWS if view != PHONE]
    assert found + _visit_all(browser, corpus_server, sample, "corpus", views=others) == []
