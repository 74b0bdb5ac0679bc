"""Publish specs and site all or nothing: a build lock, staging folders and a journaled swap.

A build writes the new `specs/` and `site/` into staging folders beside them. Only when both
are complete does it write `.chartspec-journal` (the renames that swap them in), sync it, and
do the renames. A process killed at any moment leaves either the old folders (no journal yet)
or a journal that the next build or check replays to the end, so `specs/` and `site/` are never
mixed or half written. A lock file keeps two builds on one folder from interleaving.
"""

from __future__ import annotations

import errno
import filecmp
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chartspec.errors import ChartspecError
from chartspec.files import os_error, write_atomic
from chartspec.portable import LockTimeout, locked, make_temp_dir, sync_dir

LOCK_NAME = ".chartspec-lock"
JOURNAL_NAME = ".chartspec-journal"
LOCK_TIMEOUT_ENV = "CHARTSPEC_LOCK_TIMEOUT"
DEFAULT_LOCK_TIMEOUT = 60.0
JOURNAL_VERSION = 1


@dataclass
class Published:
    """What a publish changed: spec files written or removed, and the site's files."""

    changed_specs: list[Path] = field(default_factory=list)
    site_files: list[Path] = field(default_factory=list)
    swapped: list[Path] = field(default_factory=list)


def project_root(specs_dir: Path) -> Path:
    """Return the folder that holds the lock and the journal: the parent of the specs folder."""
    return Path(specs_dir).resolve().parent


def lock_timeout() -> float:
    """Return how long to wait for another build, from CHARTSPEC_LOCK_TIMEOUT (seconds)."""
    text = os.environ.get(LOCK_TIMEOUT_ENV, "")
    try:
        return max(0.0, float(text)) if text else DEFAULT_LOCK_TIMEOUT
    except ValueError:
        raise ChartspecError(
            f"{LOCK_TIMEOUT_ENV}={text!r} is not a number of seconds", hint="set it to e.g. 30"
        ) from None


@contextmanager
def build_lock(
    root: Path, *, timeout: float | None = None, required: bool = True
) -> Iterator[bool]:
    """Hold the build lock of `root` while the block runs, waiting up to `timeout` seconds.

    Yields whether the lock is held: with `required=False` (read-only commands), a folder
    where no lock file can be created is used unlocked instead of failing.
    """
    wait = lock_timeout() if timeout is None else timeout
    path = Path(root) / LOCK_NAME

    def tell() -> None:
        print(f"chartspec: waiting for another build ({path})", file=sys.stderr)

    held = ExitStack()
    try:
        Path(root).mkdir(parents=True, exist_ok=True)
        held.enter_context(locked(path, wait=wait, on_wait=tell))
    except OSError as error:
        if not required and error.errno in (errno.EACCES, errno.EROFS, errno.EPERM):
            yield False
            return
        raise os_error(error, path, "cannot create the lock file") from None
    except LockTimeout:
        raise ChartspecError(
            f"another chartspec command is building in {root} (waited {wait:g} s for the lock)",
            file=path,
            hint=f"wait for it to finish, or set {LOCK_TIMEOUT_ENV} to wait longer",
        ) from None
    with held:
        yield True


# --------------------------------------------------------------------------- journal


def recover(root: Path, *, folders: tuple[Path, ...] = ()) -> list[str]:
    """Finish a swap that a killed build left in its journal, and remove stale staging folders.

    Call with the lock held. `folders` are the specs and site folders, whose leftover
    staging and old copies are removed. Returns what was done, for messages and tests.
    """
    done: list[str] = []
    journal = Path(root) / JOURNAL_NAME
    if journal.is_file():
        renames, remove = _read_journal(journal)
        for src, dst in renames:
            if src.exists() and not dst.exists():
                _rename(src, dst)
                done.append(f"renamed {src.name} to {dst.name}")
        _unlink(journal)
        for old in remove:
            _remove_tree(old)
        done.append("completed an interrupted build")
    for folder in folders:
        folder = Path(folder).resolve()
        parent = folder.parent
        if not parent.is_dir():
            continue
        patterns = [f".{folder.name}.{kind}-*" for kind in ("stage", "old", "build")]
        patterns.append(f"..{folder.name}.stage-*")  # the site's own build folder in a stage
        for pattern in patterns:
            for leftover in sorted(parent.glob(pattern)):
                _remove_tree(leftover)
                done.append(f"removed {leftover.name}")
    return done


def _read_journal(journal: Path) -> tuple[list[tuple[Path, Path]], list[Path]]:
    """Return the renames and removals a journal records."""
    try:
        data = json.loads(journal.read_text(encoding="utf-8"))
        if data.get("version") != JOURNAL_VERSION:
            raise ValueError(f"version {data.get('version')!r}")
        # Paths are relative to the journal's folder, so a moved project still recovers.
        root = journal.parent
        renames = [(root / src, root / dst) for src, dst in data["renames"]]
        remove = [root / p for p in data["remove"]]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ChartspecError(
            f"the journal of an interrupted build cannot be read ({error})",
            file=journal,
            hint="check that specs/ and site/ are complete (e.g. `git status`), then delete it",
        ) from None
    return renames, remove


def _write_journal(journal: Path, renames: list[tuple[Path, Path]], remove: list[Path]) -> None:
    def rel(path: Path) -> str:
        return os.path.relpath(path, journal.parent)

    data = {
        "version": JOURNAL_VERSION,
        "renames": [[rel(src), rel(dst)] for src, dst in renames],
        "remove": [rel(p) for p in remove],
    }
    write_atomic(journal, json.dumps(data, indent=2) + "\n")


def swap_in(root: Path, pairs: list[tuple[Path, Path]]) -> list[Path]:
    """Replace each target folder by its staged folder, through the journal; return targets.

    `pairs` are (staged, target). Each existing target moves aside to `.name.old-*` first.
    """
    renames: list[tuple[Path, Path]] = []
    remove: list[Path] = []
    for staged, target in pairs:
        if target.exists():
            old = _fresh_name(target, "old")
            renames.append((target, old))
            remove.append(old)
        renames.append((staged, target))
    journal = Path(root) / JOURNAL_NAME
    _write_journal(journal, renames, remove)  # from here on, the swap is decided
    for src, dst in renames:
        _rename(src, dst)
    _unlink(journal)
    for old in remove:
        _remove_tree(old)
    return [target for _, target in pairs]


# --------------------------------------------------------------------------- staging


def stage_folder(target: Path) -> Path:
    """Return a new, empty staging folder beside `target` (same file system, so renames work)."""
    target = Path(target).resolve()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        return make_temp_dir(prefix=f".{target.name}.stage-", dir=target.parent)
    except OSError as error:
        raise os_error(error, target.parent, "cannot create a staging folder") from None


def stage_copy(target: Path) -> Path:
    """Return a staging folder holding the files of `target` (hard links where possible)."""
    staged = stage_folder(target)
    if not target.exists():
        return staged
    if not target.is_dir():
        shutil.rmtree(staged, ignore_errors=True)
        raise ChartspecError(
            "a file stands where a folder is expected", file=target, hint="move it away"
        )
    staged.rmdir()
    try:
        # Unchanged files are shared, not copied: nothing edits a file in place (every write
        # renames a new file over the old name), so the old folder keeps its content.
        shutil.copytree(target, staged, symlinks=True, copy_function=_link_or_copy)
    except (OSError, shutil.Error) as error:
        shutil.rmtree(staged, ignore_errors=True)
        raise ChartspecError(
            f"cannot copy the folder for staging ({error})", file=target, hint="check it"
        ) from None
    return staged


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
        with open(dst, "rb") as handle:
            os.fsync(handle.fileno())


def same_tree(a: Path, b: Path) -> bool:
    """Return whether two folders hold the same files with the same bytes."""
    if not (a.is_dir() and b.is_dir()):
        return False
    files_a, files_b = _files(a), _files(b)
    return files_a == files_b and all(
        filecmp.cmp(a / rel, b / rel, shallow=False) for rel in files_a
    )


def _files(root: Path) -> set[Path]:
    return {p.relative_to(root) for p in root.rglob("*") if p.is_file() or p.is_symlink()}


def _literal(text: str) -> Callable[[re.Match[str]], str]:
    """Return a `re.sub` replacement that inserts `text` as is, backslashes included."""
    return lambda _match: text


def rebase_error(error: ChartspecError, *folders: tuple[Path, Path]) -> ChartspecError:
    """Return `error` naming the target folders instead of their staging copies.

    `folders` are (staged, target) pairs; the site's own build folder inside a stage
    (`..site.stage-*.build-*`) counts as the stage too.
    """

    def rebase(text: str) -> str:
        for staged, target in folders:
            build = re.escape(f"{staged.parent}/.{staged.name}.build-") + r"[^/]*"
            text = re.sub(build, _literal(str(target)), text)
            text = text.replace(str(staged), str(target))
        return text

    if error.file is None:
        return error
    return ChartspecError(
        rebase(error.what),
        file=rebase(error.file),
        row=error.row,
        column=error.column,
        hint=None if error.hint is None else rebase(error.hint),
    )


def publish(
    *,
    specs_dir: Path,
    site_dir: Path,
    write_specs: Callable[[Path], list[Path]] | None,
    build_site: Callable[[Path, Path], list[Path]],
    site_is_current: Callable[[], bool] = lambda: False,
) -> Published:
    """Stage new specs (when `write_specs` is given) and a new site, then swap both in.

    `write_specs(folder)` writes the specs into a staged copy of `specs_dir` and returns the
    files it changed; `build_site(specs, out)` builds the site from `specs` into `out`, unless
    no spec changed and `site_is_current()` says the site is what such a build writes. Call
    with the build lock held and after `recover`. Nothing in `specs_dir` or `site_dir` changes
    unless everything was built.
    """
    specs_dir = Path(specs_dir).resolve()
    site_dir = Path(site_dir).resolve()
    staged_specs: Path | None = None
    staged_site: Path | None = None
    try:
        staged_site = stage_folder(site_dir)
        staged_site.rmdir()  # the site build wants to create its folder itself
        if write_specs is not None:
            staged_specs = stage_copy(specs_dir)
        result = Published()
        pairs = [(staged_site, site_dir)]
        if staged_specs is not None:
            pairs.append((staged_specs, specs_dir))
        try:
            if write_specs is not None and staged_specs is not None:
                changed = write_specs(staged_specs)
                result.changed_specs = [specs_dir / p.relative_to(staged_specs) for p in changed]
            if not result.changed_specs and site_is_current():
                result.site_files = sorted(p for p in site_dir.rglob("*") if p.is_file())
                return result
            written = build_site(staged_specs or specs_dir, staged_site)
        except ChartspecError as error:
            raise rebase_error(error, *pairs) from None
        result.site_files = [site_dir / p.relative_to(staged_site) for p in written]
        swaps = []
        if staged_specs is not None and result.changed_specs:
            swaps.append((staged_specs, specs_dir))
        if not same_tree(staged_site, site_dir):
            swaps.append((staged_site, site_dir))
        if swaps:
            result.swapped = swap_in(project_root(specs_dir), swaps)
        return result
    finally:
        for staged in (staged_specs, staged_site):
            if staged is not None and staged.exists():
                _remove_tree(staged)


# --------------------------------------------------------------------------- file system


def _fresh_name(target: Path, kind: str) -> Path:
    """Return an unused path `.name.kind-XXXX` beside target."""
    made = Path(tempfile.mkdtemp(prefix=f".{target.name}.{kind}-", dir=target.parent))
    made.rmdir()
    return made


def _rename(src: Path, dst: Path) -> None:
    try:
        os.replace(src, dst)
    except OSError as error:
        raise os_error(error, dst, f"cannot move {src.name} into place") from None
    sync_dir(dst.parent)
    if src.parent != dst.parent:
        sync_dir(src.parent)


def _unlink(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as error:
        raise os_error(error, path, "cannot remove the file") from None
    sync_dir(path.parent)


def _remove_tree(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


# --------------------------------------------------------------------------- commands


def publish_build(
    texts: dict[str, str] | None,
    *,
    specs_dir: Path,
    site_dir: Path,
    reports_dir: Path | None,
    prune: bool = True,
    files: dict[str, bytes] | None = None,
    **site_options: Any,
) -> Published:
    """Write built spec `texts` and their data `files` (None: keep the specs) and the site,
    all or nothing, under the build lock; `site_options` go to `build_site`."""
    from chartspec.build import build_site, report_sources, write_specs
    from chartspec.incremental import record_site, site_is_current
    from chartspec.site import _check_out_dir

    specs_dir, site_dir = Path(specs_dir).resolve(), Path(site_dir).resolve()
    root = project_root(specs_dir)
    with build_lock(root):
        recover(root, folders=(specs_dir, site_dir))
        _check_out_dir(site_dir, specs_dir)
        reports = report_sources(reports_dir)
        use_cache = site_options.get("use_cache", True)
        done = publish(
            specs_dir=specs_dir,
            site_dir=site_dir,
            write_specs=None
            if texts is None
            else (lambda d: write_specs(texts, d, prune=prune, files=files)),
            build_site=lambda specs, out: build_site(
                specs, out, reports_dir=reports_dir, **site_options
            ),
            site_is_current=lambda: (
                use_cache and site_is_current(specs_dir, site_dir, reports=reports)
            ),
        )
        if use_cache:
            record_site(specs_dir, site_dir, reports=reports)
        return done


@contextmanager
def recovered(specs_dir: Path, site_dir: Path) -> Iterator[None]:
    """Hold the lock (when the folder allows one) and finish any interrupted build first."""
    specs_dir, site_dir = Path(specs_dir).resolve(), Path(site_dir).resolve()
    root = project_root(specs_dir)
    with build_lock(root, required=False) as held:
        if held:
            recover(root, folders=(specs_dir, site_dir))
        yield
