"""Serve a built site on 127.0.0.1, rebuild it when sources change, and reload open pages."""

from __future__ import annotations

import functools
import http.server
import json
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

# What the server watches: paths, or a function that tells them anew after each rebuild.
Watched = list[Path] | Callable[[], list[Path]]

RELOAD_PATH = "/__chartspec_reload"
RELOAD_SCRIPT_PATH = "/__chartspec_reload.js"

# Served only by this server and added to HTML responses on the fly, so the static site on
# disk never polls anything. A same-origin script file, hence allowed by script-src 'self'.
RELOAD_JS = """(function () {
  'use strict';
  var seen = null;
  function poll() {
    fetch('RELOAD_PATH', {cache: 'no-store'})
      .then(function (r) { return r.json(); })
      .then(function (state) {
        if (seen !== null && state.version !== seen) { location.reload(); return; }
        seen = state.version;
        setTimeout(poll, 700);
      })
      .catch(function () { setTimeout(poll, 2000); });
  }
  poll();
})();
""".replace("RELOAD_PATH", RELOAD_PATH)


class _State:
    """The build counter that pages poll, bumped after each successful rebuild."""

    def __init__(self) -> None:
        self.version = 0
        self.lock = threading.Lock()

    def bump(self) -> None:
        with self.lock:
            self.version += 1


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serve the site folder, plus the reload endpoint and script."""

    state: _State

    def __init__(self, *args: Any, state: _State, **kwargs: Any) -> None:
        self.state = state
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        path = self.path.split("?", 1)[0]
        if path == RELOAD_PATH:
            self._send(200, "application/json", json.dumps({"version": self.state.version}))
            return
        if path == RELOAD_SCRIPT_PATH:
            self._send(200, "text/javascript; charset=utf-8", RELOAD_JS)
            return
        local = Path(self.translate_path(path))
        if local.is_dir():
            local = local / "index.html"
        if local.suffix == ".html" and local.is_file():
            html = local.read_text(encoding="utf-8")
            tag = f'<script src="{RELOAD_SCRIPT_PATH}" defer></script>\n</head>'
            self._send(200, "text/html; charset=utf-8", html.replace("</head>", tag, 1))
            return
        super().do_GET()

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def _send(self, status: int, ctype: str, body: str) -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # quiet: the terminal shows rebuilds, not every request


class DevServer:
    """A running development server; `url` is its address, `stop()` ends it."""

    def __init__(
        self,
        site_dir: Path,
        *,
        port: int = 0,
        rebuild: Callable[[], None] | None = None,
        watch: Watched | None = None,
    ) -> None:
        self.site_dir = Path(site_dir).resolve()
        self.state = _State()
        self.rebuild = rebuild
        self.watch = watch if callable(watch) else (lambda: list(watch or []))
        handler = functools.partial(_Handler, directory=str(self.site_dir), state=self.state)
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.httpd.daemon_threads = True
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        """Return the server's base URL."""
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    def start(self) -> DevServer:
        """Start serving and watching in background threads."""
        # Looks for `stop` every 50 ms, not 500: Ctrl-C ends the server at once.
        serve = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        serve.start()
        self._threads.append(serve)
        if self.rebuild is not None and self.watch():
            watcher = threading.Thread(target=self._watch, daemon=True)
            watcher.start()
            self._threads.append(watcher)
        return self

    def _watch(self) -> None:
        """Rebuild on every batch of changes; a failed rebuild keeps the previous site.

        Folders are watched whole, single files through their folder (editors replace files
        on save); when a rebuild changes what is watched, watching starts again with the new set.
        """
        import watchfiles

        while not self._stop.is_set():
            watched = self._watched()
            roots = sorted({p if p.is_dir() else p.parent for p in watched})
            relevant = _changes_to(watched)
            if not roots:  # nothing to watch yet (e.g. a chart folder being created)
                self._stop.wait(1)
                continue
            for _changes in watchfiles.watch(
                *roots, watch_filter=relevant, stop_event=self._stop, debounce=300
            ):
                try:
                    assert self.rebuild is not None
                    self.rebuild()
                except Exception as exc:  # keep serving the last good site
                    print(f"chartspec: rebuild failed: {exc}", file=sys.stderr, flush=True)
                    continue
                self.state.bump()
                print("chartspec: rebuilt", file=sys.stderr, flush=True)
                if self._watched() != watched:
                    break

    def _watched(self) -> list[Path]:
        return sorted({Path(p).resolve() for p in self.watch() if Path(p).exists()})

    def stop(self) -> None:
        """Stop the server and the watcher."""
        self._stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=5)


def _changes_to(watched: list[Path]) -> Callable[[Any, str], bool]:
    """Return a watchfiles filter for changes to `watched` files and inside `watched` folders."""
    import watchfiles

    folders = [p for p in watched if p.is_dir()]
    files = set(watched) - set(folders)
    ignored = watchfiles.DefaultFilter()  # editors' swap files, __pycache__, .git

    def relevant(change: Any, path: str) -> bool:
        found = Path(path)
        inside = found in files or any(found.is_relative_to(f) for f in folders)
        return inside and ignored(change, path)

    return relevant


def serve(
    site_dir: Path,
    *,
    port: int = 0,
    rebuild: Callable[[], None] | None = None,
    watch: Watched | None = None,
) -> None:
    """Serve site_dir on 127.0.0.1 until interrupted, rebuilding when watched paths change."""
    server = DevServer(site_dir, port=port, rebuild=rebuild, watch=watch).start()
    print(f"chartspec: serving {site_dir} at {server.url} (Ctrl+C to stop)", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
