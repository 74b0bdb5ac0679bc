"""One Chromium and one HTTP server on 127.0.0.1 for all browser tests, over one built site."""

from __future__ import annotations

import contextlib
import functools
import http.server
import shutil
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from chartspec.project import specs_to_site
from conftest import made_once

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"

# Report every CSP violation to the console, where the tests collect it.
CSP_LISTENER = """
document.addEventListener('securitypolicyviolation', function (e) {
  console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + e.blockedURI);
});
"""


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Launch Debian's Chromium; fail (never skip) when it is missing."""
    exe = shutil.which("chromium")
    assert exe, "chromium is not installed: apt-get install chromium"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        yield b
        b.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@contextlib.contextmanager
def serve_folder(folder: Path) -> Iterator[str]:
    """Serve a folder as plain static files on 127.0.0.1; yield its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="session")
def server(site_dir: Path) -> Iterator[str]:
    """Serve the test site; yield its base URL."""
    with serve_folder(site_dir) as url:
        yield url


@pytest.fixture(scope="session")
def repo_server() -> Iterator[str]:
    """Serve the repository's committed site/ folder as it is; yield its base URL."""
    with serve_folder(REPO / "site") as url:
        yield url


@pytest.fixture(scope="session")
def handwritten_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Publish tests/handwritten/ as a site and serve it; yield its base URL."""

    def build(folder: Path) -> None:
        specs_to_site(REPO / "tests" / "handwritten", folder / "site")

    with serve_folder(made_once(tmp_path_factory, "handwritten", build) / "site") as url:
        yield url


@dataclass
class Visit:
    """A loaded page and everything it reported."""

    page: Page
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    @classmethod
    def watching(cls, page: Page) -> Visit:
        """Collect the page's console errors, requests and dialogs (dismissed) from now on."""
        v = cls(page)
        page.on("console", lambda m: v.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: v.errors.append(f"page error: {e}"))
        page.on("request", lambda r: v.requests.append(r.url))

        def on_dialog(d: Any) -> None:
            v.dialogs.append(d.message)
            d.dismiss()

        page.on("dialog", on_dialog)
        return v

    def start(self, url: str) -> None:
        """Navigate to url, forgetting what the previous page reported; return once it commits."""
        self.errors.clear()
        self.requests.clear()
        self.dialogs.clear()
        self.page.goto(url, wait_until="commit")


AT_ONCE = 3
"""Pages loading side by side in a browser context: while one waits on its scripts, fonts and
drawings, another lays out and draws."""


def visit_each(context: BrowserContext, urls: Iterable[str]) -> Iterator[tuple[str, Visit]]:
    """Load every URL in the context, `AT_ONCE` at a time, and yield each with its page once
    the page's load event fired; the page loads the next URL when the caller is done with it."""
    queue = iter(urls)
    loading: deque[tuple[str, Visit]] = deque()

    def load_next(v: Visit) -> None:
        if (url := next(queue, None)) is not None:
            v.start(url)
            loading.append((url, v))

    for _ in range(AT_ONCE):
        load_next(Visit.watching(context.new_page()))
    while loading:
        url, v = loading.popleft()
        v.page.wait_for_load_state("load")
        yield url, v
        load_next(v)


@pytest.fixture
def visit(browser: Browser) -> Iterator[Callable[..., Visit]]:
    """Open a URL in a fresh context and collect console errors, requests and dialogs."""
    contexts = []

    def open_(url: str, *, width: int = 1280, wait_live: bool = True, **options: Any) -> Visit:
        ctx = browser.new_context(viewport={"width": width, "height": 900}, **options)
        contexts.append(ctx)
        ctx.add_init_script(CSP_LISTENER)
        v = Visit.watching(ctx.new_page())
        v.page.goto(url, wait_until="load")
        if wait_live:
            v.page.wait_for_selector(".chart.is-live svg", timeout=15_000)
        return v

    yield open_
    for ctx in contexts:
        ctx.close()
