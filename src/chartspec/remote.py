"""Remote data, pinned: a data URL is fetched once, on request, and read offline from then on.

The copy is stored content-addressed as `specs/data/remote/<name>.<hash>.<ext>` and recorded in
`specs/data/remote.lock.json` (URL -> file, SHA-256, size, date), both meant to be committed.
Builds point a chart's remote URL at its copy, so the committed spec draws offline and a new
upstream file shows up, as a diff, only when the pin is refreshed.

Nothing here writes: pinning returns the copies and the lock as files for the specs folder,
which publishing writes and removes like any other output of chartspec (see `publish.py`), so a
replaced copy is removed only when chartspec's manifest shows it wrote it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from chartspec.errors import ChartspecError
from chartspec.sandbox import read_regular_file
from chartspec.spec import find_specs, load_spec_file

PIN_FOLDER = "data/remote"
LOCK_FILE = "data/remote.lock.json"
FETCH_TIMEOUT = 30.0  # seconds without a byte from the server
MAX_FETCH_BYTES = 100 * 1024 * 1024
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


@dataclass(frozen=True)
class Pinned:
    """The pins of remote data by URL, and the files the specs folder holds for them.

    `files` ({path in the specs folder: bytes}) are every pinned copy and the lock.
    """

    pins: dict[str, Pin]
    files: dict[str, bytes]


def is_remote_url(url: Any) -> bool:
    """Tell whether `url` is an http(s) URL, the kind of remote data that can be pinned."""
    return isinstance(url, str) and urlsplit(url).scheme.lower() in ("http", "https")


def pinned_file(url: str, specs_dir: Path) -> Path | None:
    """Return the local copy of remote `url` pinned under `specs_dir`, or None when unpinned.

    A copy whose bytes no longer match the lock is not used.
    """
    pin = read_lock(specs_dir).get(url)
    if pin is None or _pinned_bytes(pin, specs_dir) is None:
        return None
    return Path(specs_dir) / pin.file


def _pinned_bytes(pin: Pin, specs_dir: Path) -> bytes | None:
    """Return the bytes of a pin's copy, or None when it is missing or not what was pinned."""
    try:
        data = read_regular_file(Path(specs_dir) / pin.file)
    except ChartspecError:
        return None
    return data if hashlib.sha256(data).hexdigest() == pin.sha256 else None


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
    urls: Mapping[str, str | Path | None],
    specs_dir: Path,
    *,
    fetch: bool,
    refresh: bool = False,
    timeout: float = FETCH_TIMEOUT,
    max_bytes: int = MAX_FETCH_BYTES,
) -> Pinned:
    """Pin each remote URL (mapped to the file that names it), fetching when `fetch` is set.

    The pins of the lock whose copies are intact are kept. With `refresh`, every URL in `urls`
    is fetched again and its pin replaced. Without `fetch` (or `refresh`) an unpinned URL is an
    error that names the file asking for it and says how to opt in.
    """
    specs_dir = Path(specs_dir)
    pins: dict[str, Pin] = {}
    copies: dict[str, bytes] = {}
    for url, pin in read_lock(specs_dir).items():
        data = _pinned_bytes(pin, specs_dir)
        if data is not None:
            pins[url], copies[pin.file] = pin, data
    for url, source in urls.items():
        if url in pins and not refresh:
            continue
        if not (fetch or refresh):
            raise ChartspecError(
                f"data url {url!r} is remote and not pinned", file=source, hint=OPT_IN
            )
        data = fetch_url(url, timeout=timeout, max_bytes=max_bytes)
        pins[url] = _pin(url, data)
        copies[pins[url].file] = data
    if not pins:
        return Pinned({}, {})
    files = {pin.file: copies[pin.file] for pin in pins.values()}  # a replaced copy goes
    text = json.dumps({url: asdict(pin) for url, pin in sorted(pins.items())}, indent=2)
    files[LOCK_FILE] = (text + "\n").encode("utf-8")
    return Pinned(pins, files)


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
            body: bytes = response.read(max_bytes + 1)
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


def _pin(url: str, data: bytes) -> Pin:
    """Return the pin of bytes fetched from `url`: a copy named by their content hash."""
    digest = hashlib.sha256(data).hexdigest()
    name = PurePosixPath(urlsplit(url).path).name
    stem, _, ext = name.rpartition(".") if "." in name else (name, "", "")
    stem = re.sub(r"[^a-z0-9_-]+", "-", stem.lower()).strip("-")[:40] or "data"
    suffix = f".{ext.lower()}" if re.fullmatch(r"[A-Za-z0-9]{1,10}", ext) else ""
    rel = f"{PIN_FOLDER}/{stem}.{digest[:16]}{suffix}"  # the extension tells Vega the format
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


def pin_folder(specs_dir: Path, *, refresh: bool = False) -> dict[str, bytes]:
    """Pin the remote data of every spec under `specs_dir` (hand-written ones included).

    Returns the pinned copies and their lock, by path in the specs folder.
    """
    urls: dict[str, str | Path | None] = {}
    for path in find_specs(Path(specs_dir)):
        try:
            urls |= {url: path for url in remote_urls(load_spec_file(path)) if url not in urls}
        except ChartspecError:
            continue  # the site names the spec it cannot read
    return pin_urls(urls, specs_dir, fetch=True, refresh=refresh).files


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
