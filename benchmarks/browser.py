"""Time from navigation to a live chart in headless Chromium, and the bytes pages fetch."""

from __future__ import annotations

import functools
import http.server
import shutil
import statistics
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks.suite import Result

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Response

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
PAINT_JS = """() => (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime"""
DOC_JS = "() => performance.getEntriesByType('navigation')[0].transferSize"
BYTES_JS = """() => performance.getEntriesByType('navigation')[0].transferSize +
  performance.getEntriesByType('resource').reduce((sum, e) => sum + e.transferSize, 0)"""
# Every chart container on the page has its live Vega view (true on pages without charts).
ALL_LIVE_JS = """() => Array.from(document.querySelectorAll('[data-spec-id]'))
  .every((el) => el.classList.contains('is-live'))"""
# Scroll down a screen at a time, as a reader would (lazy images load), then wait for the fonts
# and for every image to be decoded (at most 10 s, should one never load).
READ_JS = """async () => {
  const frame = () => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 50)));
  for (let y = 0; y < document.documentElement.scrollHeight; y += window.innerHeight) {
    window.scrollTo(0, y);
    await frame();
  }
  await document.fonts.ready;
  const images = Array.from(document.images).map((img) => img.decode().catch(() => null));
  await Promise.race([Promise.all(images), new Promise((done) => setTimeout(done, 10000))]);
  return true;
}"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve a folder as static files on 127.0.0.1; yield its base URL."""
    handler = functools.partial(_Quiet, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


def chart_pages(site: Path) -> list[str]:
    """Return the chart pages of a site: each `<name>.html` that has a `<name>.embed.html`."""
    return sorted(
        p.name
        for p in site.glob("*.html")
        if not p.name.endswith(".embed.html") and (site / f"{p.stem}.embed.html").is_file()
    )


def fetched_bytes(site: Path, visits: Mapping[str, Sequence[str]]) -> dict[str, dict[str, int]]:
    """Open each visit's pages in turn in one fresh browser context; return its bytes per URL.

    Each visit maps to the body size of every distinct URL (a site-relative path) fetched
    while its pages were opened one after another, so files shared by the pages count once,
    as a browser cache would keep them. Each page is read to the bottom (lazy images load)
    and left only when its charts are live, its fonts and images loaded and the network idle.
    """
    from playwright.sync_api import sync_playwright

    with serve(site) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        try:
            return {label: _visit(browser, base, pages) for label, pages in visits.items()}
        finally:
            browser.close()


def _visit(browser: Browser, base: str, pages: Sequence[str]) -> dict[str, int]:
    """Open `pages` in turn in a new context; return the body bytes of each distinct URL."""
    responses: list[Response] = []
    sizes: dict[str, int] = {}
    context = browser.new_context()  # an empty cache per visit
    try:
        context.on("response", lambda r: responses.append(r))  # a bound method is refused
        page = context.new_page()
        for name in pages:
            page.goto(base + name, wait_until="load")
            page.wait_for_function(ALL_LIVE_JS, timeout=30_000)
            page.evaluate(READ_JS)
            page.wait_for_load_state("networkidle")
            # Read the bodies before leaving the page; a URL seen again came from the cache.
            for response in responses:
                path = response.url.removeprefix(base)
                # only this site's files, and no redirect or revalidation
                if response.url.startswith(base) and path not in sizes and response.status < 300:
                    sizes[path] = len(response.body())
            responses.clear()
    finally:
        context.close()
    return sizes


def heaviest_page(site: Path) -> Path:
    """Return the biggest chart page of a site."""
    pages = [p for p in site.glob("*.html") if not p.name.endswith(".embed.html")]
    pages = [p for p in pages if p.name not in ("index.html", "licenses.html", "report.html")]
    return max(pages, key=lambda p: p.stat().st_size)


def time_pages(pages: dict[str, Path], *, repeat: int) -> list[Result]:
    """Load each page `repeat` times in a fresh browser context; median ms to live, bytes."""
    from playwright.sync_api import sync_playwright

    results = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        try:
            for label, page_path in pages.items():
                times, paints, sizes, docs = [], [], [], []
                with serve(page_path.parent) as base:
                    for _ in range(repeat):
                        context = browser.new_context()  # an empty cache each time
                        page = context.new_page()
                        page.goto(base + page_path.name)
                        page.wait_for_selector(".is-live", timeout=30_000)
                        times.append(page.evaluate("() => performance.now()") / 1000)
                        paints.append(page.evaluate(PAINT_JS) / 1000)
                        sizes.append(page.evaluate(BYTES_JS))
                        docs.append(page.evaluate(DOC_JS))
                        context.close()
                live, paint = statistics.median(times), statistics.median(paints)
                size, doc = statistics.median(sizes), statistics.median(docs)
                name = page_path.name
                results += [
                    Result(
                        f"browser: {label}",
                        f"navigation to live chart ({name})",
                        "first paint (pre-rendered SVG)",
                        live,
                        paint,
                        "s",
                        "report",
                        True,
                    ),
                    Result(
                        f"bytes: {label}",
                        f"bytes the page transfers ({name})",
                        "the HTML page alone",
                        size,
                        doc,
                        "bytes",
                        "report",
                        True,
                    ),
                ]
        finally:
            browser.close()
    return results


def bench_browser(
    repo_site: Path, *, repeat: int, project_site: Path | None = None
) -> list[Result]:
    """Time the Memory³ page, the gallery's heaviest page and the generated project's heaviest."""
    pages = {
        "Memory3": repo_site / "memory3-speed-vs-score.html",
        "heaviest gallery page": heaviest_page(repo_site),
    }
    if project_site is not None:
        pages["heaviest generated page"] = heaviest_page(project_site)
    return time_pages(pages, repeat=repeat)
