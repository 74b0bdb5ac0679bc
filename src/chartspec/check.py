"""Check spec files: the schema and the lint rules, chosen per project and per run.

A whole project's check, which also compares specs and site with a rebuild, is
`project.check_project`.
"""

from __future__ import annotations

import dataclasses
import traceback
import warnings
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from chartspec.cache import Store, environment_key, key_of, sha256_bytes
from chartspec.errors import (
    EXIT_BUG,
    EXIT_CHECK_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    ChartspecError,
    ChartspecException,
    LintWarning,
)
from chartspec.pool import map_in_pool, worker_count
from chartspec.rules import LintSettings, Problem, load_settings, problem
from chartspec.spec import load_spec_file

if TYPE_CHECKING:
    from chartspec.build import Stale


@dataclass(frozen=True)
class FileCheck:
    """What checking one spec file found."""

    path: Path
    problems: list[Problem] = field(default_factory=list)
    error: str | None = None  # the file cannot be read as a spec (bad input)
    crash: str | None = None  # checking it failed: a bug in chartspec

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


@dataclass(frozen=True)
class CheckResult:
    """Everything `chartspec check` found: per spec file, and specs that are stale."""

    files: list[FileCheck]
    stale: list[Stale] = field(default_factory=list)

    @property
    def failures(self) -> int:
        """Errors and stale files: what makes the check fail."""
        return sum(len(f.errors) for f in self.files) + len(self.stale)

    @property
    def warnings(self) -> int:
        return sum(len(f.warnings) for f in self.files)

    @property
    def exit_status(self) -> int:
        """3 if a file crashed the checker, 2 if one is not a spec, 1 on failures, else 0."""
        if any(f.crash for f in self.files):
            return EXIT_BUG
        if any(f.error for f in self.files):
            return EXIT_USAGE
        return EXIT_CHECK_FAILED if self.failures else EXIT_OK


def format_problem(found: Problem) -> str:
    """Write one problem as a line: `file: [warning: ]where: what [CODE name]`."""
    severity = "warning: " if found.severity == "warning" else ""
    where = f"{found.file}: " if found.file is not None else ""
    return f"{where}{severity}{found} [{found.code} {found.rule.name}]"


# Below this many specs to check, starting worker processes costs more than it saves.
PARALLEL_MIN = 32


def check_files(
    paths: Iterable[Path],
    *,
    settings: LintSettings | None = None,
    built: Collection[Path] = (),
    cache_dir: Path | None = None,
    jobs: int | None = 1,
) -> list[FileCheck]:
    """Check each spec file on its own; a file that breaks the checker does not stop the rest.

    Specs in `built` were written by `chartspec build` (title and description are errors);
    the others are hand-written. Findings are cached by the file's bytes in `cache_dir`,
    except for specs that read data files, which may change. Specs not cached are checked in
    up to `jobs` processes (None: one per core) when there are many.
    """
    settings = settings or load_settings()
    store = Store(cache_dir) if cache_dir is not None else None
    built = {Path(p).resolve() for p in built}
    paths = [Path(p) for p in paths]
    keys: dict[Path, str | None] = {}  # the cache key of each spec whose findings may be kept
    known: dict[Path, FileCheck] = {}
    for path in paths:
        try:
            raw = path.read_bytes()
        except OSError:
            raw = b""
        cacheable = store is not None and raw and b'"url"' not in raw
        key = keys[path] = key_of(environment_key(store), sha256_bytes(raw)) if cacheable else None
        entry = store.read_json("checks", key) if store is not None and key is not None else None
        if isinstance(entry, list):
            known[path] = FileCheck(path, [problem(*item) for item in entry])
    missing = [path for path in dict.fromkeys(paths) if path not in known]
    workers = worker_count(jobs) if len(missing) >= PARALLEL_MIN else 1
    found = (
        map_in_pool(check_one, missing, jobs=workers) if workers > 1 else map(check_one, missing)
    )
    for checked in found:
        known[checked.path] = checked
        key = keys[checked.path]
        if store is not None and key is not None and checked.error is None and not checked.crash:
            store.write_json("checks", key, [[p.code, p.path, p.message] for p in checked.problems])
    out = []
    for path in paths:
        checked = known[path]
        if checked.error is None and checked.crash is None:
            hand_written = path.resolve() not in built
            problems = settings.apply(checked.problems, file=path, hand_written=hand_written)
            checked = FileCheck(path, problems)
        out.append(checked)
    return out


def check_one(path: Path) -> FileCheck:
    """Check one spec file against the schema and every lint rule, before settings choose."""
    # deferred: the schema validator is needed only for specs whose findings are not cached
    from chartspec.validate import check_spec

    try:
        return FileCheck(path, check_spec(load_spec_file(path), base_dir=path.parent))
    except ChartspecException as error:  # the file is not a spec: the user's to fix
        return FileCheck(path, error=str(error))
    except Exception as error:  # one spec that breaks the checker must not hide the others
        text = "".join(traceback.format_exception_only(error)).strip()
        return FileCheck(path, crash=" ".join(text.splitlines()))


def check_for_publishing(
    paths: Iterable[Path],
    *,
    cache_dir: Path | None,
    leave_out: bool = False,
    shown_as: tuple[Path, Path] | None = None,
) -> dict[Path, ChartspecError]:
    """Refuse specs that `check` rejects, with the same rules; warn about the rest.

    Every spec is taken as hand-written: those `build` wrote passed its stricter check.
    The first refused spec raises; with `leave_out`, every refused spec is returned with
    why instead, one that crashes the checker too (named as a bug), and the rest are kept.
    With `shown_as` (a staged specs folder, the folder it is published as), warnings name
    the published files.
    """
    refused: dict[Path, ChartspecError] = {}
    for checked in check_files(paths, cache_dir=cache_dir):
        if checked.crash and not leave_out:
            raise RuntimeError(f"checking {checked.path} failed: {checked.crash}")
        if checked.crash:
            why = f"checking it failed ({checked.crash}); this is a bug in chartspec"
            refused[checked.path] = ChartspecError(why, file=checked.path)
        elif checked.error:
            refused[checked.path] = ChartspecError(checked.error)
        elif errors := checked.errors:
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            refused[checked.path] = ChartspecError(
                f"not published: {errors[0]} [{errors[0].code} {errors[0].rule.name}]{more}",
                file=checked.path,
                hint=f"see `chartspec check {checked.path}`",
            )
        else:
            for found in checked.warnings:
                shown = _as_given(found, shown_as)
                warnings.warn(format_problem(shown), LintWarning, stacklevel=2)
        if refused and not leave_out:
            raise next(iter(refused.values()))
    return refused


def _as_given(found: Problem, shown_as: tuple[Path, Path] | None = None) -> Problem:
    """Name a problem's file as a user names it to `check`: relative to the working folder, and
    in the specs folder a staged copy is published as (`shown_as`: staged, published)."""
    file = found.file
    if file is None:
        return found
    if shown_as is not None and file.is_relative_to(shown_as[0]):
        file = shown_as[1] / file.relative_to(shown_as[0])
    cwd = Path.cwd()
    return dataclasses.replace(
        found, file=file.relative_to(cwd) if file.is_relative_to(cwd) else file
    )


__all__ = [
    "CheckResult",
    "FileCheck",
    "LintWarning",
    "check_files",
    "check_for_publishing",
    "format_problem",
]
