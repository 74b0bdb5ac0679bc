"""The build cache: each output stored under a content hash of everything that made it.

A chart's spec is reused when its module source, every file it read while drawn, chartspec's own
files, the library versions and the font are unchanged; a rendered SVG or PNG is reused when the
spec it was rendered from is byte-for-byte the same. Records list the files they depend on with
size and modification time, so an unchanged file is only looked at, not read; a file whose
size or time changed is hashed. The cache lives in `.chartspec-cache/` beside the specs folder
and may be deleted at any time. Past its size limit, the entries used longest ago are removed
(as ccache does): an entry's time is set each time it is read, so what builds use stays.
"""

from __future__ import annotations

import contextlib
import functools
import glob
import hashlib
import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from chartspec.inputs import (
    FILES_PREFIX,
    VERSION_PREFIX,
    is_declared_entry,
    project_file,
)
from chartspec.settings import project_license
from chartspec.spec import named_project_files

CACHE_DIR_NAME = ".chartspec-cache"
CACHE_FORMAT = 3
# A file changed this recently may change again within the same tick of its modification time.
RACY_NS = 2_000_000_000
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


_known_environment: dict[str, str] = {}  # the environment key, once worked out in this process


def environment_key(store: Store | None = None) -> str:
    """Return a hash of the interpreter, the library versions and chartspec's own files.

    It is worked out once per process. With `store`, it is taken from there while chartspec's
    files and the folders libraries are installed in are as they were when it was remembered:
    working it out reads every file of the package and each library's metadata.
    """
    if "key" not in _known_environment:
        known = _remembered_environment(store) if store is not None else None
        _known_environment["key"] = known or _environment_now(store)
    return _known_environment["key"]


def forget_environment() -> None:
    """Make the next `environment_key` work the key out again (a library was installed)."""
    _known_environment.clear()


def _environment_now(store: Store | None) -> str:
    """Work the environment key out, and remember it in `store` (if any) with what it depends on."""
    from importlib import metadata  # deferred: a build or check with nothing changed needs none

    stats = _environment_stats()  # before reading: a change meanwhile is seen next time
    versions: dict[str, str | None] = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    key = key_of(CACHE_FORMAT, sys.version, versions, package_tree_hash())
    if store is not None and stats is not None:
        store.write_json("memo", "environment", {"stats": stats, "key": key})
    return key


def _remembered_environment(store: Store) -> str | None:
    """Return the environment key remembered in `store`, if what it depends on is unchanged."""
    entry = store.read_json("memo", "environment")
    if not isinstance(entry, dict) or not isinstance(entry.get("key"), str):
        return None
    stats = _environment_stats()
    return entry["key"] if stats is not None and entry.get("stats") == stats else None


def _environment_stats() -> list[Any] | None:
    """Return the interpreter's version with the size and time of each file of chartspec and of
    each folder on `sys.path` (installing or removing a library changes its folder's time), or
    None when one changed too recently to be trusted. The current folder is left out: the
    project's own folder changes with every build, and holds no library."""
    here = os.getcwd()
    paths = [p for p in sys.path if p and os.path.abspath(p) != here and os.path.isdir(p)]
    for folder, subfolders, names in os.walk(_PACKAGE_DIR):
        subfolders[:] = sorted(d for d in subfolders if d != "__pycache__")
        paths += [os.path.join(folder, name) for name in sorted(names)]
    found: list[Any] = [sys.version]
    for path in paths:
        try:
            stat = os.stat(path)
        except OSError:
            return None
        if not _settled(stat):
            return None
        found.append([path, stat.st_size, stat.st_mtime_ns])
    return found


@functools.cache
def package_tree_hash() -> str:
    """Return a hash over every file of the chartspec package (code, templates, fonts, schema)."""
    digest = hashlib.sha256()
    for path in sorted(_PACKAGE_DIR.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(_PACKAGE_DIR).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


# [size, modification time in ns (None: too recent to trust), SHA-256], or None: unreadable.
Fingerprint = list[Any] | None


class Fingerprints:
    """Look at each file once per run, and read it only when its size or time changed."""

    def __init__(self) -> None:
        self._stats: dict[str, os.stat_result | None] = {}
        self._hashes: dict[str, str | None] = {}

    def take(self, path: str) -> Fingerprint:
        """Return the fingerprint of the file at `path` as it is now."""
        if is_declared_entry(path):
            return [0, None, self.sha256(path)]
        stat, digest = self._stat(path), self.sha256(path)
        return None if stat is None or digest is None else _fingerprint(stat, digest)

    def sha256(self, path: str) -> str | None:
        """Return the hex SHA-256 of the file at `path`, or None when it cannot be read.

        A declared glob is hashed by the names, sizes and modification times of its files, and a
        declared version is its own hash: neither reads a table.
        """
        if path not in self._hashes:
            if path.startswith(VERSION_PREFIX):
                self._hashes[path] = path.removeprefix(VERSION_PREFIX)
            elif path.startswith(FILES_PREFIX):
                self._hashes[path] = files_fingerprint(path.removeprefix(FILES_PREFIX))
            else:
                try:
                    self._hashes[path] = sha256_bytes(Path(path).read_bytes())
                except OSError:
                    self._hashes[path] = None
        return self._hashes[path]

    def current(self, recorded: Mapping[str, Fingerprint]) -> dict[str, Fingerprint] | None:
        """Return the fingerprints of the `recorded` files, or None when any file changed.

        A file whose size and time are as recorded is unchanged; otherwise its content decides,
        and its fingerprint is taken again.
        """
        now: dict[str, Fingerprint] = {}
        for path, print_ in recorded.items():
            if is_declared_entry(path):
                if sha_of(print_) != self.sha256(path):
                    return None
                now[path] = print_
                continue
            stat = self._stat(path)
            if print_ is None or stat is None:
                if print_ is not None or stat is not None:
                    return None
                now[path] = None
            elif not isinstance(print_, list) or len(print_) != 3:
                return None
            elif [stat.st_size, stat.st_mtime_ns] == print_[:2]:
                now[path] = print_
            elif self.sha256(path) == print_[2]:
                now[path] = self.take(path)
            else:
                return None
        return now

    def _stat(self, path: str) -> os.stat_result | None:
        if path not in self._stats:
            try:
                self._stats[path] = os.stat(path)
            except OSError:
                self._stats[path] = None
        return self._stats[path]


def _fingerprint(stat: os.stat_result, digest: str) -> Fingerprint:
    """Return a file's fingerprint from its status and SHA-256; a time too recent to trust (the
    file may still change within the clock's resolution) is left out."""
    return [stat.st_size, stat.st_mtime_ns if _settled(stat) else None, digest]


def _settled(stat: os.stat_result) -> bool:
    """Tell whether a file's modification time is old enough to be trusted: a file changed
    within the clock's resolution of now may change again without its time changing."""
    return stat.st_mtime_ns < time.time_ns() - RACY_NS


def sha_of(print_: Fingerprint) -> str | None:
    """Return the SHA-256 a fingerprint holds."""
    return None if print_ is None else print_[2]


def files_fingerprint(pattern: str) -> str:
    """Return a hash of the names, sizes and modification times of the files `pattern` matches."""
    found = []
    for name in sorted(glob.glob(pattern, recursive=True)):
        try:
            info = os.stat(name)
        except OSError:
            continue
        found.append((name, info.st_size, info.st_mtime_ns))
    return key_of(found)


class Store:
    """A folder of cache entries: JSON records and binary blobs, each written atomically."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def read_json(self, kind: str, name: str) -> Any:
        """Return the JSON entry `kind/name`, or None when absent or unreadable."""
        data = _read_entry(os.path.join(self.root, kind, f"{name}.json"))
        try:
            return None if data is None else json.loads(data)
        except ValueError:
            return None

    def write_json(self, kind: str, name: str, value: Any) -> None:
        """Store a JSON entry."""
        self._write(self.root / kind / f"{name}.json", json.dumps(value, sort_keys=True).encode())

    def read_blob(self, kind: str, key: str) -> bytes | None:
        """Return the blob stored under `key`, or None."""
        return _read_entry(os.path.join(self.root, kind, key[:2], key))

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

    def prune(self, limit: int) -> None:
        """Remove the entries used longest ago while the entries weigh more than `limit` bytes.

        Down to nine tenths of it, so that the next builds do not each prune again.
        """
        entries = []
        for folder, _, names in os.walk(self.root):
            for name in names:
                if name.startswith("."):  # .gitignore, and writes in progress
                    continue
                path = os.path.join(folder, name)
                try:
                    stat = os.stat(path)
                except OSError:
                    continue
                entries.append((stat.st_mtime_ns, path, stat.st_size))
        total = sum(size for _, _, size in entries)
        if total <= limit:
            return
        for _, path, size in sorted(entries):
            if total <= limit * 9 // 10:
                break
            try:
                os.unlink(path)
            except OSError:
                continue
            total -= size


def _read_entry(path: str) -> bytes | None:
    """Return the bytes of a cache entry, or None, and mark it used now (for `Store.prune`)."""
    try:
        with open(path, "rb") as file:
            data = file.read()
    except OSError:
        return None
    with contextlib.suppress(OSError):  # a read-only cache is still read
        os.utime(path)
    return data


# --- records: an output, the key it was made under, and the files it read ------------------------


def read_record(
    store: Store, kind: str, name: str, key: str, prints: Fingerprints
) -> dict[str, Any] | None:
    """Return the record `kind/name` when it was made under `key` and no file it read changed."""
    entry = store.read_json(kind, name)
    if not isinstance(entry, dict) or entry.get("key") != key:
        return None
    inputs = entry.get("inputs")
    current = prints.current(inputs) if isinstance(inputs, dict) else None
    if current is None:
        return None
    if current != inputs:  # touched but not changed: look at the new times next time
        entry["inputs"] = current
        store.write_json(kind, name, entry)
    return entry


def new_record(
    key: str, inputs: Iterable[str], prints: Fingerprints, **output: Any
) -> dict[str, Any]:
    """Return the record of an output made under `key` from the files `inputs`, as they are now."""
    return {**output, "key": key, "inputs": {path: prints.take(path) for path in sorted(inputs)}}


# --- specs ------------------------------------------------------------------------------------


def chart_key(
    *,
    name: str,
    module_file: Path,
    source: str | None,
    meta: Mapping[str, object],
    module_inputs: Mapping[str, str | None],
) -> str:
    """Return the part of a chart's key known before drawing it: its code and the environment.

    `source` is the SHA-256 of the module, `module_inputs` those of the files read importing it.
    """
    return key_of(environment_key(), name, str(module_file), source, meta, module_inputs)


def cached_spec(store: Store, name: str, key: str, prints: Fingerprints) -> dict[str, Any] | None:
    """Return the cached build of chart `name` when its key and every file it read still match."""
    entry = read_record(store, "specs", name, key, prints)
    digest = entry.get("text") if entry is not None else None
    # the text is a blob of its own: kept out of the record, it is read without JSON decoding
    data = store.read_blob("texts", digest) if isinstance(digest, str) else None
    if entry is None or data is None or sha256_bytes(data) != digest:
        return None
    return {**entry, "text": data.decode("utf-8")}


def recorded_inputs(specs_dir: Path, names: Iterable[str]) -> set[Path]:
    """Return the files the cached builds of charts `names` read while drawn.

    A declared glob gives the folder it searches as well as its matches, so that a file
    added there (a new Parquet part) is seen too.
    """
    store = Store(cache_dir_for(specs_dir))
    found: set[Path] = set()
    for name in names:
        entry = store.read_json("specs", name)
        inputs = entry.get("inputs") if isinstance(entry, dict) else None
        for path in inputs or {}:
            if path.startswith(FILES_PREFIX):
                pattern = path.removeprefix(FILES_PREFIX)
                found.update(map(Path, glob.glob(pattern, recursive=True)))
                if glob.has_magic(pattern):
                    found.add(_searched_folder(pattern))
            elif not path.startswith(VERSION_PREFIX):
                found.add(Path(path))
    return found


def _searched_folder(pattern: str) -> Path:
    """Return the deepest folder of a glob pattern that holds no wildcard."""
    folder = Path(pattern).parent
    while glob.has_magic(str(folder)):
        folder = folder.parent
    return folder


def store_spec(
    store: Store,
    name: str,
    key: str,
    prints: Fingerprints,
    *,
    text: str,
    inputs: Iterable[str],
    warnings: list[str],
) -> None:
    """Remember chart `name`'s spec text with the key and the files that produced it."""
    data = text.encode("utf-8")
    digest = sha256_bytes(data)
    store.write_blob("texts", digest, data)
    store.write_json("specs", name, new_record(key, inputs, prints, text=digest, warnings=warnings))


# --- sites ------------------------------------------------------------------------------------


def site_inputs_key(
    specs_dir: Path, reports: Sequence[Path], *, commit: str | None = None
) -> str | None:
    """Return a hash of everything a site is built from, or None when a file cannot be read.

    `commit` is the one its metadata names (see `vcs.site_revision`), if any. Files unchanged
    since the last call are known by their size and time (see `FileMemo`), not read again.
    """
    folder = str(Path(specs_dir).resolve())
    store = Store(cache_dir_for(specs_dir))
    memo = FileMemo(store, key_of(folder))
    try:
        files = {rel: memo.sha256(os.path.join(folder, rel)) for rel in _files_under(folder)}
        texts = {str(p.resolve()): memo.sha256(str(p)) for p in reports}
        # the metadata gives the version of each table file a spec was built from, and, with
        # a commit, which of those and of the chart modules differ from it
        named = {
            path
            for rel, digest in files.items()
            for path in memo.named_files(
                digest, functools.partial(_named_in, os.path.join(folder, rel), digest)
            )
        }
    except OSError:
        return None
    root = os.path.dirname(folder)
    inputs = {path: _project_file_sha(memo, root, path) for path in sorted(named)}
    memo.save()
    # the project's licence is the one setting the site reads (see `site.write_site`)
    return key_of(
        environment_key(store),
        folder,
        files,
        texts,
        inputs,
        project_license(),
        commit,
    )


def _files_under(folder: str) -> list[str]:
    """Return the files in `folder` and its subfolders, relative to it, sorted (as `rglob`)."""
    found = []
    for parent, _, names in os.walk(folder):
        rel = os.path.relpath(parent, folder)
        for name in names:
            if os.path.isfile(os.path.join(parent, name)):
                found.append(name if rel == "." else f"{rel}/{name}".replace(os.sep, "/"))
    return sorted(found)


def _named_in(path: str, digest: str) -> list[str]:
    """Return the project files the spec file at `path`, whose SHA-256 is `digest`, names (see
    `spec.named_project_files`); raise OSError when it cannot be read or no longer has it."""
    with open(path, "rb") as file:
        data = file.read()
    if sha256_bytes(data) != digest:
        raise OSError(f"{path} changed while it was read")
    if b'"inputs"' not in data and b'"code"' not in data:
        return []
    try:
        spec = json.loads(data)
    except ValueError:
        return []
    return named_project_files(spec) if isinstance(spec, dict) else []


def _project_file_sha(memo: FileMemo, root: str, recorded: str) -> str | None:
    """Return the SHA-256 of the file a spec records as `recorded` (relative to the project
    folder `root`), or None when it is not a regular file inside it (see `project_file`)."""
    found = project_file(root, recorded)
    try:
        return None if found is None else memo.sha256(found)
    except OSError:
        return None


class FileMemo:
    """The SHA-256 of files, remembered in the cache with their size and modification time (as
    git's index remembers them): a file whose size and settled time are unchanged is not read.

    What each spec names (see `_named_in`) is remembered by the spec's SHA-256. Only what was
    looked up since the memo was opened is saved, so files gone from the project drop out.
    """

    def __init__(self, store: Store, name: str) -> None:
        self._store, self._name = store, name
        known = store.read_json("memo", name)
        known = known if isinstance(known, dict) else {}
        self._known_files: dict[str, Any] = known.get("files") or {}
        self._known_named: dict[str, Any] = known.get("named") or {}
        self._files: dict[str, Fingerprint] = {}
        self._named: dict[str, list[str]] = {}

    def sha256(self, path: str) -> str:
        """Return the hex SHA-256 of the file at `path`; raise OSError when it cannot be read."""
        stat = os.stat(path)  # before reading: a change while it is read is seen next time
        known = self._known_files.get(path)
        if isinstance(known, list) and known[:2] == [stat.st_size, stat.st_mtime_ns]:
            digest: str = known[2]
        else:
            with open(path, "rb") as file:
                digest = sha256_bytes(file.read())
        self._files[path] = _fingerprint(stat, digest)
        return digest

    def named_files(self, digest: str, read: Callable[[], list[str]]) -> list[str]:
        """Return what the spec whose SHA-256 is `digest` names, calling `read` if not known."""
        known = self._known_named.get(digest)
        self._named[digest] = known if isinstance(known, list) else read()
        return self._named[digest]

    def save(self) -> None:
        """Remember what was looked up, when it differs from what was known."""
        if self._files != self._known_files or self._named != self._known_named:
            self._store.write_json("memo", self._name, {"files": self._files, "named": self._named})


def site_record(store: Store, site_dir: Path) -> dict[str, Any] | None:
    """Return what the last build of `site_dir` recorded: its inputs key and files."""
    record = store.read_json("sites", key_of(str(Path(site_dir).resolve())))
    return record if isinstance(record, dict) else None


def store_site_record(
    store: Store,
    site_dir: Path,
    *,
    inputs: str,
    files: dict[str, str],
    prints: Mapping[str, Fingerprint] | None = None,
) -> None:
    """Remember that `site_dir` holds `files` ({path: SHA-256}), built from `inputs`, with each
    file's fingerprint (taken from its size and time now, unless given)."""
    if prints is None:
        prints = {rel: _known_print(Path(site_dir) / rel, digest) for rel, digest in files.items()}
    record = {"inputs": inputs, "files": files, "prints": prints}
    store.write_json("sites", key_of(str(Path(site_dir).resolve())), record)


def site_files_unchanged(store: Store, site_dir: Path, record: dict[str, Any]) -> bool:
    """Tell whether the files a site record lists hold what it says, reading only those whose
    size or time changed (see `Fingerprints.current`); times that have settled since are
    recorded, so that the next call reads none."""
    files, prints = record.get("files"), record.get("prints")
    if not isinstance(files, dict):
        return False
    prints = prints if isinstance(prints, dict) else {}
    folder = str(site_dir)
    paths = {rel: os.path.join(folder, rel) for rel in files}
    # a fingerprint without size and time (an older record's) is checked by content
    recorded = {paths[rel]: prints.get(rel) or [None, None, files[rel]] for rel in files}
    now = Fingerprints().current(recorded)
    if now is None or any(sha_of(now[paths[rel]]) != digest for rel, digest in files.items()):
        return False
    if now != recorded:
        refreshed = {rel: now[path] for rel, path in paths.items()}
        store_site_record(store, site_dir, inputs=record["inputs"], files=files, prints=refreshed)
    return True


def _known_print(path: Path, digest: str) -> Fingerprint:
    """Return the fingerprint of a file whose SHA-256 is known, from its size and time."""
    try:
        return _fingerprint(path.stat(), digest)
    except OSError:
        return None
