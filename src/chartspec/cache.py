"""The build cache: each output stored under a content hash of everything that made it.

A chart's spec is reused when its module source, every file it read while drawn, chartspec's own
files, the library versions and the font are unchanged; a rendered SVG or PNG is reused when the
spec it was rendered from is byte-for-byte the same. The cache lives in `.chartspec-cache/`
beside the specs folder and may be deleted at any time.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

CACHE_DIR_NAME = ".chartspec-cache"
CACHE_FORMAT = 1
_PACKAGE_DIR = Path(__file__).resolve().parent
LIBRARIES = (
    "chartspec",  # an installed release's built-in charts, which live outside the package folder
    "altair",
    "pandas",
    "numpy",
    "jsonschema",
    "vl-convert-python",
    "pillow",  # the PNG palette
    "vegafusion",
    "pyarrow",
)


def cache_dir_for(specs_dir: Path) -> Path:
    """Return the cache folder that belongs beside `specs_dir`."""
    return Path(specs_dir).resolve().parent / CACHE_DIR_NAME


def sha256_bytes(data: bytes) -> str:
    """Return the hex SHA-256 of `data`."""
    return hashlib.sha256(data).hexdigest()


def key_of(*parts: Any) -> str:
    """Return the hex SHA-256 of JSON-serialisable `parts`."""
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return sha256_bytes(text.encode("utf-8"))


@functools.cache
def environment_key() -> str:
    """Return a hash of the interpreter, the library versions and chartspec's own files."""
    versions: dict[str, str | None] = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return key_of(CACHE_FORMAT, sys.version, versions, package_tree_hash())


@functools.cache
def package_tree_hash() -> str:
    """Return a hash over every file of the chartspec package (code, templates, fonts, schema)."""
    digest = hashlib.sha256()
    for path in sorted(_PACKAGE_DIR.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(_PACKAGE_DIR).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


class FileHashes:
    """Hash files once per run, however many charts read them."""

    def __init__(self) -> None:
        self._known: dict[str, str | None] = {}

    def __call__(self, path: str) -> str | None:
        """Return the hex SHA-256 of the file at `path`, or None when it cannot be read."""
        if path not in self._known:
            try:
                self._known[path] = sha256_bytes(Path(path).read_bytes())
            except OSError:
                self._known[path] = None
        return self._known[path]


class Store:
    """A folder of cache entries: JSON records and binary blobs, each written atomically."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def read_json(self, kind: str, name: str) -> Any:
        """Return the JSON entry `kind/name`, or None when absent or unreadable."""
        try:
            return json.loads((self.root / kind / f"{name}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def write_json(self, kind: str, name: str, value: Any) -> None:
        """Store a JSON entry."""
        self._write(self.root / kind / f"{name}.json", json.dumps(value, sort_keys=True).encode())

    def read_blob(self, kind: str, key: str) -> bytes | None:
        """Return the blob stored under `key`, or None."""
        try:
            return (self.root / kind / key[:2] / key).read_bytes()
        except OSError:
            return None

    def write_blob(self, kind: str, key: str, data: bytes) -> None:
        """Store a blob under `key`."""
        self._write(self.root / kind / key[:2] / key, data)

    def _write(self, path: Path, data: bytes) -> None:
        # A cache that cannot be written only makes the next build slower.
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not (self.root / ".gitignore").is_file():
                (self.root / ".gitignore").write_text("*\n", encoding="utf-8")
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            try:
                tmp.write_bytes(data)
                os.replace(tmp, path)
            finally:
                tmp.unlink(missing_ok=True)
        except OSError:
            pass


# --- specs ------------------------------------------------------------------------------------


def chart_key(
    *,
    name: str,
    module_file: Path,
    meta: Mapping[str, str | bool],
    module_inputs: Mapping[str, str | None],
) -> str:
    """Return the part of a chart's key known before drawing it: its code and the environment."""
    try:
        source = sha256_bytes(Path(module_file).read_bytes())
    except OSError:
        source = None
    return key_of(environment_key(), name, str(module_file), source, meta, module_inputs)


def cached_spec(store: Store, name: str, key: str, hashes: FileHashes) -> dict[str, Any] | None:
    """Return the cached build of chart `name` when its key and every file it read still match."""
    entry = store.read_json("specs", name)
    if not isinstance(entry, dict) or entry.get("key") != key:
        return None
    inputs = entry.get("inputs")
    if not isinstance(inputs, dict) or any(hashes(p) != h for p, h in inputs.items()):
        return None
    if not isinstance(entry.get("text"), str):
        return None
    return entry


def recorded_inputs(specs_dir: Path, names: Iterable[str]) -> set[Path]:
    """Return the files the cached builds of charts `names` read while drawn."""
    store = Store(cache_dir_for(specs_dir))
    found: set[Path] = set()
    for name in names:
        entry = store.read_json("specs", name)
        inputs = entry.get("inputs") if isinstance(entry, dict) else None
        found.update(Path(path) for path in inputs or {})
    return found


def store_spec(
    store: Store,
    name: str,
    key: str,
    *,
    text: str,
    inputs: dict[str, str | None],
    warnings: list[str],
) -> None:
    """Remember chart `name`'s spec text with the key and input hashes that produced it."""
    entry = {"key": key, "inputs": inputs, "text": text, "warnings": warnings}
    store.write_json("specs", name, entry)


# --- sites ------------------------------------------------------------------------------------


def site_inputs_key(specs_dir: Path, reports: Sequence[Path]) -> str | None:
    """Return a hash of everything a site is built from, or None when a file cannot be read."""
    specs_dir = Path(specs_dir)
    try:
        files = {
            p.relative_to(specs_dir).as_posix(): sha256_bytes(p.read_bytes())
            for p in sorted(specs_dir.rglob("*"))
            if p.is_file()
        }
        texts = {str(p.resolve()): sha256_bytes(p.read_bytes()) for p in reports}
    except OSError:
        return None
    return key_of(environment_key(), str(specs_dir.resolve()), files, texts)


def site_record(store: Store, site_dir: Path) -> dict[str, Any] | None:
    """Return what the last build of `site_dir` recorded: its inputs key and files."""
    record = store.read_json("sites", key_of(str(Path(site_dir).resolve())))
    return record if isinstance(record, dict) else None


def store_site_record(store: Store, site_dir: Path, *, inputs: str, files: dict[str, str]) -> None:
    """Remember that `site_dir` holds `files` ({path: SHA-256}), built from `inputs`."""
    record = {"inputs": inputs, "files": files}
    store.write_json("sites", key_of(str(Path(site_dir).resolve())), record)
