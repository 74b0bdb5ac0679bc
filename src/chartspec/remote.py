"""Remote data, pinned: a data URL is fetched once, on request, and read offline from then on.

The copy is stored content-addressed as `specs/data/remote/<name>.<hash>.<ext>` and recorded in
`specs/data/remote.lock.json` (URL -> file, SHA-256, size, date), both meant to be committed.
Builds point a chart's remote URL at its copy, so the committed spec draws offline and a new
upstream file shows up, as a diff, only when the pin is refreshed.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from chartspec.errors import ChartspecError
from chartspec.files import write_atomic
from chartspec.sandbox import read_regular_file
from chartspec.spec import find_specs, load_spec_file

PIN_FOLDER = "data/remote"
LOCK_FILE = "data/remote.lock.json"
FETCH_TIMEOUT = 30.0  # seconds without a byte from the server
MAX_FETCH_BYTES = 100 * 1024 * 1024
_COPY_NAME = re.compile(r"[a-z0-9_-]+\.[0-9a-f]{16}(\.[a-z0-9]{1,10})?")  # as `_store` names them
OPT_IN = (
    "fetch it once into specs/data/remote/ with `--fetch-remote` "
    "(or `fetch-remote = true` under [tool.chartspec])"
)


@dataclass(frozen=True)
class Pin:
    """A remote file's pinned copy: where it is (relative to the specs folder) and what it holds."""

    file: str
    sha256: str
    size: int
    fetched: str  # UTC date and time of the fetch, ISO 8601


def is_remote_url(url: Any) -> bool:
    """Tell whether `url` is an http(s) URL, the kind of remote data that can be pinned."""
    return isinstance(url, str) and urlsplit(url).scheme.lower() in ("http", "https")


def pinned_file(url: str, specs_dir: Path) -> Path | None:
    """Return the local copy of remote `url` pinned under `specs_dir`, or None when unpinned.

    A copy whose bytes no longer match the lock is not used.
    """
    pin = read_lock(specs_dir).get(url)
    if pin is None:
        return None
    path = Path(specs_dir) / pin.file
    try:
        data = read_regular_file(path)
    except ChartspecError:
        return None
    return path if hashlib.sha256(data).hexdigest() == pin.sha256 else None


def read_lock(specs_dir: Path) -> dict[str, Pin]:
    """Return the pins recorded in the specs folder's lock file, by URL."""
    path = Path(specs_dir) / LOCK_FILE
    if not path.is_file():
        return {}
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
        return {url: Pin(**entry) for url, entry in entries.items()}
    except (OSError, ValueError, TypeError, AttributeError) as error:
        raise ChartspecError(
            f"cannot read the lock of pinned data ({error})",
            file=path,
            hint="restore it from version control, or delete it and fetch again",
        ) from None


def pin_urls(
    urls: list[str],
    specs_dir: Path,
    *,
    fetch: bool,
    refresh: bool = False,
    source: str | Path | None = None,
    timeout: float = FETCH_TIMEOUT,
    max_bytes: int = MAX_FETCH_BYTES,
) -> dict[str, Pin]:
    """Return the pin of each remote URL, fetching those not pinned yet when `fetch` is set.

    With `refresh`, every URL is fetched again and its pin replaced. Without `fetch` (or
    `refresh`) an unpinned URL is an error that says how to opt in; `source` names who asked.
    """
    specs_dir = Path(specs_dir)
    pins = read_lock(specs_dir)
    changed: dict[str, Pin] = {}
    for url in dict.fromkeys(urls):
        if not refresh and pinned_file(url, specs_dir) is not None:
            continue
        if not (fetch or refresh):
            raise ChartspecError(
                f"data url {url!r} is remote and not pinned", file=source, hint=OPT_IN
            )
        changed[url] = _store(url, fetch_url(url, timeout=timeout, max_bytes=max_bytes), specs_dir)
    if changed:
        pins.update(changed)
        text = json.dumps({url: asdict(pin) for url, pin in sorted(pins.items())}, indent=2)
        write_atomic(specs_dir / LOCK_FILE, (text + "\n").encode("utf-8"))
    return pins


def remove_replaced_copies(specs_dir: Path) -> list[Path]:
    """Remove the copies in `specs/data/remote/` that the lock no longer names, and return them.

    Called once the specs point at the new copies, so a failed refresh leaves the old ones.
    """
    folder = Path(specs_dir) / PIN_FOLDER
    if not folder.is_dir():
        return []
    kept = {pin.file for pin in read_lock(specs_dir).values()}
    replaced = [
        path
        for path in sorted(folder.iterdir())
        if _COPY_NAME.fullmatch(path.name) and f"{PIN_FOLDER}/{path.name}" not in kept
    ]
    for path in replaced:
        path.unlink()
    return replaced


def fetch_url(
    url: str, *, timeout: float = FETCH_TIMEOUT, max_bytes: int = MAX_FETCH_BYTES
) -> bytes:
    """Return the body of http(s) `url`, refusing more than `max_bytes`; errors are one line."""
    if not is_remote_url(url):
        raise ChartspecError(f"cannot fetch {url!r}: only http and https URLs are fetched")
    # Imported here: HTTP and TLS take a tenth of a second to import, and most builds fetch nothing.
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, headers={"User-Agent": "chartspec"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (http only)
            body = response.read(max_bytes + 1)
    except urllib.error.HTTPError as error:
        raise ChartspecError(f"cannot fetch {url!r}: HTTP {error.code} {error.reason}") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        if isinstance(reason, TimeoutError):
            reason = f"no answer within {timeout:g} s"
        raise ChartspecError(f"cannot fetch {url!r}: {reason}", hint="try again later") from None
    if len(body) > max_bytes:
        raise ChartspecError(
            f"cannot fetch {url!r}: larger than the {max_bytes:,}-byte limit",
            hint="aggregate the data first, or save a smaller file beside the spec",
        )
    return body


def _store(url: str, data: bytes, specs_dir: Path) -> Pin:
    """Write fetched bytes under their content hash and return their pin."""
    digest = hashlib.sha256(data).hexdigest()
    name = PurePosixPath(urlsplit(url).path).name
    stem, _, ext = name.rpartition(".") if "." in name else (name, "", "")
    stem = re.sub(r"[^a-z0-9_-]+", "-", stem.lower()).strip("-")[:40] or "data"
    suffix = f".{ext.lower()}" if re.fullmatch(r"[A-Za-z0-9]{1,10}", ext) else ""
    rel = f"{PIN_FOLDER}/{stem}.{digest[:16]}{suffix}"  # the extension tells Vega the format
    write_atomic(specs_dir / rel, data)
    fetched = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    return Pin(file=rel, sha256=digest, size=len(data), fetched=fetched)


def remote_urls(spec: Any) -> Iterator[str]:
    """Yield every remote http(s) data URL in a spec."""
    if isinstance(spec, dict):
        data = spec.get("data")
        if isinstance(data, dict) and is_remote_url(data.get("url")):
            yield data["url"]
        for key, value in spec.items():
            if key not in ("usermeta", "datasets"):
                yield from remote_urls(value)
    elif isinstance(spec, list):
        for value in spec:
            yield from remote_urls(value)


def pin_folder(specs_dir: Path, *, refresh: bool = False) -> dict[str, Pin]:
    """Pin the remote data of every spec under `specs_dir` (hand-written ones included)."""
    urls: list[str] = []
    for path in find_specs(Path(specs_dir)):
        try:
            urls += remote_urls(load_spec_file(path))
        except ChartspecError:
            continue  # the site names the spec it cannot read
    return pin_urls(urls, specs_dir, fetch=True, refresh=refresh)


def point_at_pins(spec: Any, pins: dict[str, Pin]) -> Any:
    """Return `spec` with each pinned remote data URL replaced by its local copy's path."""
    if isinstance(spec, dict):
        out = {k: point_at_pins(v, pins) if k != "usermeta" else v for k, v in spec.items()}
        data = out.get("data")
        if isinstance(data, dict) and isinstance(data.get("url"), str) and data["url"] in pins:
            out["data"] = {**data, "url": pins[data["url"]].file}
        return out
    if isinstance(spec, list):
        return [point_at_pins(v, pins) for v in spec]
    return spec
