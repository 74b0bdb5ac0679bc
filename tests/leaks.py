"""What a test needs to prove chartspec reads and requests nothing it should not.

A request log (an HTTP server on 127.0.0.1, in its own process: vl-convert holds the GIL
while it fetches, so a server thread in the test process would never answer) and a canary
file outside the project whose bytes must not appear in any output.
"""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PIL import Image

SERVER = r"""
import http.server, sys
log = open(sys.argv[1], "a", buffering=1)
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        log.write(self.path + "\n")
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()
        self.wfile.write(open(sys.argv[2], "rb").read())
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


def canary_png(path: Path) -> bytes:
    """Write a small, unmistakable PNG at `path` and return its bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", (7, 5), (255, 0, 0))
    image.putpixel((3, 2), (1, 2, 3))
    image.save(path)
    return path.read_bytes()


@contextmanager
def request_log(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """Serve a canary PNG for every GET on 127.0.0.1; yield the base URL and the log file."""
    log = tmp_path / "requests.log"
    log.write_text("")
    image = tmp_path / "served.png"
    canary_png(image)
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(log), str(image)], stdout=subprocess.PIPE, text=True
    )
    try:
        port = server.stdout.readline().strip() if server.stdout else ""
        assert port, "the request log did not start"
        yield f"http://127.0.0.1:{port}/", log
        time.sleep(0.2)  # a request still in flight is logged before the end
    finally:
        server.kill()
        server.wait()


def leaked(root: Path, secret: bytes) -> list[str]:
    """Return the files under `root` that hold `secret`, raw or base64-encoded."""
    forms = [secret, base64.b64encode(secret)]
    return sorted(
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and any(form in p.read_bytes() for form in forms)
    )


def tree_hashes(root: Path, *, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """Return the SHA-256 of every file under `root`, by relative path, except under `skip`."""
    return {
        rel: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not (rel := p.relative_to(root).as_posix()).startswith(skip)
    }
