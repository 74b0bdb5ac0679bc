"""Publish specs and site all or nothing, touching only the files chartspec wrote.

A build writes its new files into staging folders beside `specs/` and `site/`, compares them
with each folder's manifest (see `manifest.py`), and refuses before changing anything when a
file in the way is not chartspec's. Only then does it write `.chartspec-journal` (every file to
move in and every file to remove), sync it, and carry it out. A process killed at any moment
leaves either the old files (the journal names only the staging folders, which the next run
removes) or a journal that the next build or check carries out to the end, so the outputs are
never mixed or half written, and files chartspec did not write are never moved at all. A lock
file keeps two builds on one folder from interleaving.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import secrets
import shutil
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chartspec.errors import ChartspecError
from chartspec.files import os_error, sync_files, write_atomic
from chartspec.manifest import LEGACY_SITE_MARKER, MANIFEST_NAME, Manifest, file_hash, manifest_text
from chartspec.portable import LockTimeout, locked, sync_dir

LOCK_NAME = ".chartspec-lock"
JOURNAL_NAME = ".chartspec-journal"
LOCK_TIMEOUT_ENV = "CHARTSPEC_LOCK_TIMEOUT"
DEFAULT_LOCK_TIMEOUT = 60.0
JOURNAL_VERSION = 2
STAGE_MARK = ".stage-"


@dataclass(frozen=True)
class Published:
    """What a publish changed: spec files written or removed, and the site's files."""

    changed_specs: list[Path] = field(default_factory=list)
    site_files: list[Path] = field(default_factory=list)


def check_outputs(outputs: Mapping[str, Path], *, inputs: Mapping[str, Path | None]) -> None:
    """Refuse, before anything is written, output folders that overlap or would hold an input.

    `outputs` are the folders by name ("specs", "site"); no two may be or lie in one another.
    `inputs` ("project folder", "chart folder", ...) may be neither an output nor inside one.
    """
    named = [(name, Path(path).resolve()) for name, path in outputs.items()]
    for name, out in named:
        for what, path in inputs.items():
            if path is not None and Path(path).resolve().is_relative_to(out):
                raise ChartspecError(
                    f"the {name} folder would hold the {what}",
                    file=out,
                    hint=f"choose a {name} folder inside the project, e.g. `{name}`",
                )
    for i, (name, out) in enumerate(named):
        for other, folder in named[i + 1 :]:
            if out.is_relative_to(folder) or folder.is_relative_to(out):
                raise ChartspecError(
                    f"the {name} folder and the {other} folder overlap",
                    file=out,
                    hint=f"use separate {name} and {other} folders",
                )


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


# --------------------------------------------------------------------------- publishing


@dataclass
class _Plan:
    """What to change in one output folder: files to move in from its stage, files to remove."""

    target: Path
    stage: Path
    replace: list[str] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)


def publish(
    *,
    specs_dir: Path,
    site_dir: Path | None,
    spec_files: dict[str, bytes] | None,
    prune: bool = True,
    write_site: Callable[[Path, Path], object] | None = None,
    site_is_current: Callable[[], bool] = lambda: False,
    unused_data: Callable[[Path, set[str]], set[str]] = lambda _specs, _rels: set(),
    root: Path | None = None,
) -> Published:
    """Write `spec_files` ({path in specs/: bytes}, None: keep the specs) and the site.

    With `prune`, specs chartspec wrote that are not in `spec_files` are removed.
    `write_site(specs, out)` writes the site for the specs folder `specs` into the empty folder
    `out`, unless no spec changed and `site_is_current()`; there is no site without it.
    `unused_data(specs, rels)` tells which of chartspec's data files `rels` no spec in `specs`
    uses any more, for removal. The journal goes into `root` (default: the specs' parent). Call
    with the lock of `root` held and after `recover`.
    """
    specs_dir = Path(specs_dir).resolve()
    site = None if site_dir is None or write_site is None else Path(site_dir).resolve()
    stages = {folder: _stage_name(folder) for folder in (specs_dir, site) if folder is not None}
    journal = (root or project_root(specs_dir)) / JOURNAL_NAME

    def begin() -> None:  # before the first stage is made, so that nothing is lost
        if not journal.is_file():
            _write_journal(journal, {"stages": list(stages.values())})

    try:
        plans: list[_Plan] = []
        specs = specs_dir  # the site reads the specs as they will be
        if spec_files is not None and not _holds(specs_dir, spec_files):
            begin()
            specs = _stage_copy(specs_dir, stages[specs_dir])
            plans.append(
                _stage_specs(specs, specs_dir, spec_files, prune=prune, unused=unused_data)
            )
        changed = [specs_dir / rel for p in plans for rel in p.replace + p.remove]
        changed = [path for path in changed if path.name != MANIFEST_NAME]
        files: list[Path] = []
        if site is not None and write_site is not None:
            manifest = _read_manifest(site, legacy_marker=LEGACY_SITE_MARKER)
            if not changed and site_is_current():
                files = [site / rel for rel in sorted(manifest.files)]
            else:
                stage = stages[site]
                begin()
                _make_stage(stage)
                try:
                    write_site(specs, stage)
                except ChartspecError as error:
                    raise _rebase_error(error, (specs, specs_dir), (stage, site)) from None
                made = sorted(
                    p.relative_to(stage).as_posix() for p in stage.rglob("*") if p.is_file()
                )
                plans.append(
                    _plan(stage, manifest, {rel: file_hash(stage / rel) or "" for rel in made})
                )
                files = [site / rel for rel in made]
        if any(plan.replace or plan.remove for plan in plans):
            _commit(journal, stages, plans)
        return Published(changed_specs=changed, site_files=files)
    finally:
        if journal.is_file() and _read_journal(journal).get("state") != "commit":
            _remove_stages(journal)


def _holds(specs_dir: Path, spec_files: Mapping[str, bytes]) -> bool:
    """Tell whether `specs_dir` holds exactly `spec_files`, all listed as chartspec's: then
    nothing is staged or moved (a build with nothing changed)."""
    manifest = _read_manifest(specs_dir, legacy_marker=None)
    produced = {rel: hashlib.sha256(data).hexdigest() for rel, data in spec_files.items()}
    if manifest.legacy or produced != manifest.files:
        return False
    folder = str(specs_dir)
    return all(file_hash(os.path.join(folder, rel)) == sha for rel, sha in produced.items())


def _stage_specs(
    specs: Path,
    specs_dir: Path,
    spec_files: dict[str, bytes],
    *,
    prune: bool,
    unused: Callable[[Path, set[str]], set[str]],
) -> _Plan:
    """Write the new spec files into the staged view `specs` and plan the change to `specs_dir`."""
    manifest = _read_manifest(specs_dir, legacy_marker=None)
    produced = {rel: hashlib.sha256(data).hexdigest() for rel, data in spec_files.items()}
    for rel, data in sorted(spec_files.items()):
        if file_hash(specs / rel) != produced[rel]:
            write_atomic(specs / rel, data)
    owned = dict(produced)
    for rel, digest in manifest.files.items():
        is_spec = "/" not in rel and rel.endswith(".vl.json")
        if rel not in owned and is_spec and not prune:
            owned[rel] = digest  # a named build keeps the other charts' specs
    gone = set(manifest.files) - set(owned)
    for rel in gone:
        if "/" not in rel:  # the specs first: a data file may be used by a spec that stays
            (specs / rel).unlink(missing_ok=True)
    kept_data = {rel for rel in gone if "/" in rel} - unused(specs, {r for r in gone if "/" in r})
    for rel in kept_data:
        owned[rel] = manifest.files[rel]
    for rel in gone - kept_data:
        (specs / rel).unlink(missing_ok=True)
    return _plan(specs, manifest, owned)


def _plan(stage: Path, manifest: Manifest, owned: dict[str, str]) -> _Plan:
    """Plan turning manifest.folder into one whose files chartspec owns are `owned`.

    Every file in `owned` that differs from the folder's is in `stage`; the plan is refused when
    a file it would replace or remove is not chartspec's.
    """
    target = manifest.folder
    plan = _Plan(target, stage)
    for rel, digest in sorted(owned.items()):
        current = _hash_in(target, rel)
        if current == digest:
            continue
        if not manifest.may_replace(rel, current):
            raise manifest.refuse(rel)
        plan.replace.append(rel)
    for rel in sorted(set(manifest.files) - set(owned)):
        current = _hash_in(target, rel)
        if current is None:
            continue
        if current != manifest.files[rel]:
            raise manifest.refuse(rel)
        plan.remove.append(rel)
    if owned != manifest.files or manifest.legacy:
        write_atomic(stage / MANIFEST_NAME, manifest_text(owned))
        plan.replace.append(MANIFEST_NAME)
    return plan


def _hash_in(folder: Path, rel: str) -> str | None:
    """Return the hash of the file `rel` in `folder`; a folder or a link in its way is refused."""
    path = folder / rel
    for part in [*reversed(path.relative_to(folder).parents), Path(rel)]:
        at = folder / part
        if at.is_symlink() or (at != path and at.exists() and not at.is_dir()):
            raise ChartspecError(
                "chartspec would write here, but a link or a file stands in the way",
                file=at,
                hint="move it away to let chartspec write it",
            )
    if path.is_dir():
        raise ChartspecError(
            "chartspec would write this file, but a folder stands there",
            file=path,
            hint="move the folder away to let chartspec write the file",
        )
    return file_hash(path)


def _read_manifest(folder: Path, *, legacy_marker: str | None) -> Manifest:
    """Read a folder's manifest; a folder from before manifests is legacy (see manifest.py)."""
    marker = None if legacy_marker is None else folder / legacy_marker
    manifest = Manifest.read(folder, legacy=marker is None or marker.is_file())
    if manifest.legacy and marker is not None:  # the marker goes: the manifest replaces it
        return Manifest(folder, {marker.name: file_hash(marker) or ""}, legacy=True)
    return manifest


def _commit(journal: Path, stages: dict[Path, Path], plans: list[_Plan]) -> None:
    """Record every move and removal in the journal, then carry them out."""
    for plan in plans:
        sync_files(plan.stage, plan.replace)
    moves = [(p.stage / rel, p.target / rel) for p in plans for rel in p.replace]
    removals = [
        (p.target / rel, p.target, file_hash(p.target / rel)) for p in plans for rel in p.remove
    ]
    entry = {
        "state": "commit",
        "stages": list(stages.values()),
        "moves": moves,
        "remove": [(path, folder) for path, folder, _ in removals],
        "hashes": [digest for _, _, digest in removals],
    }
    with _interrupt_deferred():
        _write_journal(journal, entry)  # from here on, the change is decided
        _carry_out(journal)


def _carry_out(journal: Path) -> list[str]:
    """Do what a commit journal records (again, if half done); return what was done."""
    data = _read_journal(journal)
    done: list[str] = []
    folders: set[Path] = set()
    for src, dst in data.get("moves", []):
        if src.exists():
            _move(src, dst)
            folders.add(dst.parent)
            done.append(f"moved in {dst.name}")
    for (path, folder), digest in zip(data.get("remove", []), data.get("hashes", []), strict=True):
        if path.is_file() and file_hash(path) == digest:
            path.unlink()
            _remove_empty_parents(path, folder)
            folders.add(path.parent)
            done.append(f"removed {path.name}")
    for folder in sorted(folders):
        sync_dir(folder)
    _remove_stages(journal)
    return done


def _remove_stages(journal: Path) -> None:
    """Remove the staging folders the journal names, then the journal."""
    for stage in _read_journal(journal).get("stages", []):
        if STAGE_MARK in stage.name:  # never anything the journal did not create
            _remove_tree(stage)
    _unlink(journal)


def _move(src: Path, dst: Path) -> None:
    try:
        dst.parent.mkdir(parents=True, exist_ok=True)
        os.replace(src, dst)
    except OSError as error:
        raise os_error(error, dst, f"cannot move {src.name} into place") from None


def _remove_empty_parents(path: Path, folder: Path) -> None:
    """Remove the folders that held `path` and are now empty, up to (not including) `folder`."""
    for parent in path.parents:
        if parent == folder or not parent.is_relative_to(folder):
            return
        try:
            parent.rmdir()
        except OSError:
            return


@contextmanager
def _interrupt_deferred() -> Iterator[None]:
    """Let Ctrl-C wait until the block is done, so a started change is always finished."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda number, _frame: caught.append(number))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


# --------------------------------------------------------------------------- journal


def recover(root: Path) -> list[str]:
    """Finish or undo what a killed build left in its journal; return what was done.

    Call with the lock held. A journal that was committed is carried out to the end; one that
    was not names the staging folders, which are removed. Nothing the journal does not name is
    touched, but for a journal's own copy that a kill left half written.
    """
    journal = Path(root) / JOURNAL_NAME
    for partial in Path(root).glob(f".{JOURNAL_NAME}.*.tmp"):  # a journal killed while written
        partial.unlink(missing_ok=True)
    if not journal.is_file():
        return []
    if _read_journal(journal).get("state") == "commit":
        return [*_carry_out(journal), "completed an interrupted build"]
    _remove_stages(journal)
    return ["removed the staging folders of an interrupted build"]


def _read_journal(journal: Path) -> dict[str, Any]:
    """Return what a journal records, with its paths made absolute."""
    try:
        data = json.loads(journal.read_text(encoding="utf-8"))
        if data.get("version") != JOURNAL_VERSION:
            raise ValueError(f"version {data.get('version')!r}")
        # Paths are relative to the journal's folder, so a moved project still recovers.
        root = journal.parent
        return {
            "state": data.get("state"),
            "stages": [root / p for p in data["stages"]],
            "moves": [(root / src, root / dst) for src, dst in data.get("moves", [])],
            "remove": [(root / p, root / f) for p, f in data.get("remove", [])],
            "hashes": list(data.get("hashes", [])),
        }
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise ChartspecError(
            f"the journal of an interrupted build cannot be read ({error})",
            file=journal,
            hint="check that specs/ and site/ are complete (e.g. `git status`), then delete it",
        ) from None


def _write_journal(journal: Path, entry: dict[str, Any]) -> None:
    def rel(path: Path) -> str:
        return os.path.relpath(path, journal.parent)

    data = {
        "version": JOURNAL_VERSION,
        "state": entry.get("state", "staging"),
        "stages": [rel(p) for p in entry["stages"]],
        "moves": [[rel(src), rel(dst)] for src, dst in entry.get("moves", [])],
        "remove": [[rel(p), rel(f)] for p, f in entry.get("remove", [])],
        "hashes": entry.get("hashes", []),
    }
    write_atomic(journal, json.dumps(data, indent=1) + "\n")


# --------------------------------------------------------------------------- staging


def _stage_name(target: Path) -> Path:
    """Return an unused path for a staging folder beside `target` (same file system).

    The journal names it before it exists, so a killed build never leaves one unrecorded; it is
    made by `mkdir`, with the mode the umask gives any folder (not `mkdtemp`'s 0700).
    """
    return target.parent / f".{target.name}{STAGE_MARK}{secrets.token_hex(4)}"


def _make_stage(stage: Path) -> None:
    """Create the empty staging folder `stage` (and the folders above it)."""
    try:
        stage.parent.mkdir(parents=True, exist_ok=True)
        stage.mkdir()
    except OSError as error:
        folder = stage.parent
        shown = folder.relative_to(Path.cwd()) if folder.is_relative_to(Path.cwd()) else folder
        raise os_error(error, shown, "cannot create a staging folder") from None


def _stage_copy(target: Path, staged: Path) -> Path:
    """Fill `staged` with the files of `target` (hard links where possible); return it.

    Unchanged files are shared, not copied: nothing edits a file in place (every write renames a
    new file over the old name), so the folder itself keeps its content.
    """
    if not target.exists():
        _make_stage(staged)
        return staged
    try:
        if not target.is_dir():
            raise ChartspecError(
                "a file stands where a folder is expected", file=target, hint="move it away"
            )
        ignore = shutil.ignore_patterns(".git", MANIFEST_NAME)
        shutil.copytree(target, staged, symlinks=True, copy_function=_link_or_copy, ignore=ignore)
    except (OSError, shutil.Error) as error:
        raise ChartspecError(
            f"cannot copy the folder for staging ({error})", file=target, hint="check it"
        ) from None
    return staged


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _rebase_error(error: ChartspecError, *folders: tuple[Path, Path]) -> ChartspecError:
    """Return `error` naming the target folders instead of their staging copies."""

    def rebase(text: str) -> str:
        for staged, target in folders:
            text = text.replace(str(staged), str(target))
        return text

    return ChartspecError(
        rebase(error.what),
        file=None if error.file is None else rebase(error.file),
        row=error.row,
        column=error.column,
        hint=None if error.hint is None else rebase(error.hint),
    )


def _unlink(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as error:
        raise os_error(error, path, "cannot remove the file") from None
    sync_dir(path.parent)


def _remove_tree(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    elif path.is_symlink() or path.exists():  # False too when a file stands above it
        path.unlink()


@contextmanager
def recovered(specs_dir: Path) -> Iterator[None]:
    """Hold the lock (when the folder allows one) and finish any interrupted build first."""
    root = project_root(specs_dir)
    with build_lock(root, required=False) as held:
        if held:
            recover(root)
        yield
