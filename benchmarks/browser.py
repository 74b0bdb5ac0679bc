"""Time from navigation to a live chart in headless Chromium, and the bytes a page transfers."""

from __future__ import annotations

import functools
import http.server
import shutil
import statistics
import threading
from pathlib import Path
from typing import Any

from benchmarks.suite import Result

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


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


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
                handler = functools.partial(_Quiet, directory=str(page_path.parent))
                httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
                threading.Thread(target=httpd.serve_forever, daemon=True).start()
                url = f"http://127.0.0.1:{httpd.server_address[1]}/{page_path.name}"
                times, paints, sizes, docs = [], [], [], []
                for _ in range(repeat):
                    context = browser.new_context()  # an empty cache each time
                    page = context.new_page()
                    page.goto(url)
                    page.wait_for_selector(".is-live", timeout=30_000)
                    times.append(page.evaluate("() => performance.now()") / 1000)
                    paints.append(page.evaluate(PAINT_JS) / 1000)
                    sizes.append(page.evaluate(BYTES_JS))
                    docs.append(page.evaluate(DOC_JS))
                    context.close()
                httpd.shutdown()
                httpd.server_close()
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
    """Time the Memory³ page and the heaviest page."""
    pages = {"Memory3": repo_site / "memory3-speed-vs-score.html"}
    heavy = heaviest_page(project_site if project_site else repo_site)
    pages["heaviest"] = heavy
    return time_pages(pages, repeat=repeat)
