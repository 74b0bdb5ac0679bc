"""Specs under version control: read them from git revisions, folders or files, and compare them."""

from __future__ import annotations

import functools
import posixpath
import subprocess
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chartspec.errors import ChartspecError
from chartspec.files import write_atomic
from chartspec.inputs import git_blob_id, input_version
from chartspec.spec import SPEC_SUFFIX, find_specs, load_spec_file, load_spec_text, spec_name
from chartspec.spec_data import NO_FILES, DataFiles, FilesFrom, data_urls, inline_data, spec_files

if TYPE_CHECKING:
    from chartspec.diff import ChartDiff
    from chartspec.registry import ChartInfo


@dataclass(frozen=True)
class SpecSet:
    """The specs of one side of a comparison, and how to read files beside them."""

    label: str  # `HEAD:specs`, `specs/`, `old.vl.json`
    specs: dict[str, dict[str, Any]]
    files: dict[str, DataFiles]  # where each chart's data files are read from


# --------------------------------------------------------------------------- git


def git(*args: str, cwd: Path | None = None) -> bytes:
    """Run git and return its output, or raise ChartspecError with git's own first line."""
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        raise ChartspecError("git is not installed", hint="install git") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ChartspecError(f"git {args[0]} failed: {message[0] if message else done.returncode}")
    return done.stdout


def git_root(cwd: Path | None = None) -> Path:
    """Return the top folder of the git work tree around `cwd`."""
    try:
        out = git("rev-parse", "--show-toplevel", cwd=cwd)
    except ChartspecError:
        raise ChartspecError(
            "not a git repository", file=cwd or Path.cwd(), hint="run it inside a git work tree"
        ) from None
    return Path(out.decode("utf-8").strip()).resolve()


def verify_revision(revision: str, *, cwd: Path | None = None) -> str:
    """Return the commit id of `revision`, or raise ChartspecError when git does not know it."""
    root = git_root(cwd)
    try:
        out = git("rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}", cwd=root)
    except ChartspecError:
        raise ChartspecError(
            f"unknown revision {revision!r}",
            hint="give a commit, branch or tag, an existing file or an existing folder",
        ) from None
    return out.decode().strip()


def _in_repo(path: Path, root: Path) -> str:
    """Return `path` relative to the repository root, in git's spelling."""
    try:
        rel = path.resolve().relative_to(root)
    except ValueError:
        raise ChartspecError("the folder is outside the git repository", file=path) from None
    return rel.as_posix() if rel.parts else ""


def revision_specs(revision: str, folder: Path, *, cwd: Path | None = None) -> SpecSet:
    """Return the specs in `folder` as they were at `revision`."""
    commit = verify_revision(revision, cwd=cwd)
    root = git_root(cwd)
    base = _in_repo(folder if folder.is_absolute() else (cwd or Path.cwd()) / folder, root)
    where = ["--", f"{base}/"] if base else []
    listing = git("ls-tree", "-r", "--full-tree", "--name-only", "-z", commit, *where, cwd=root)
    specs: dict[str, dict[str, Any]] = {}
    files: dict[str, DataFiles] = {}
    for entry in sorted(filter(None, listing.decode("utf-8").split("\0"))):
        folders = posixpath.relpath(entry, base or ".").split("/")[:-1]
        if entry.endswith(SPEC_SUFFIX) and not any(f.startswith(".") for f in folders):
            blob = git("show", f"{commit}:{entry}", cwd=root)
            name = spec_name(entry)
            specs[name] = load_spec_text(blob, source=f"{revision}:{entry}")
            spec_folder = posixpath.dirname(entry)
            files[name] = FilesFrom(
                _revision_reader(commit, spec_folder, root), where=f"{revision}:{spec_folder}"
            )
    return SpecSet(f"{revision}:{base}", specs, files)


@functools.cache
def _revision_reader(commit: str, folder: str, root: Path) -> Callable[[str], bytes | None]:
    @functools.cache
    def read(url: str) -> bytes | None:
        path = posixpath.normpath(posixpath.join(folder, url))
        try:
            return git("show", f"{commit}:{path}", cwd=root)
        except ChartspecError:
            return None

    return read


# --------------------------------------------------------------------------- folders and files


def folder_specs(folder: Path) -> SpecSet:
    """Return the specs in a folder (none when the folder does not exist)."""
    paths = {spec_name(path): path for path in find_specs(folder)}
    specs = {name: load_spec_file(path) for name, path in paths.items()}
    return SpecSet(f"{folder}/", specs, {name: spec_files(path) for name, path in paths.items()})


def file_specs(path: Path, *, name: str | None = None) -> SpecSet:
    """Return one spec file as a set of one chart."""
    chart = name or spec_name(path)
    return SpecSet(str(path), {chart: load_spec_file(path)}, {chart: spec_files(path)})


def open_side(argument: str | None, *, specs_dir: Path) -> SpecSet:
    """Return the specs `argument` names: a file, a folder, else a revision (None: specs_dir)."""
    if argument is None:
        return folder_specs(specs_dir)
    path = Path(argument)
    if path.is_file():
        return file_specs(path)
    if path.is_dir():
        return folder_specs(path)
    return revision_specs(argument, specs_dir)


def compare(
    old: str | None = None,
    new: str | None = None,
    *,
    specs_dir: Path = Path("specs"),
    chart: str | None = None,
) -> tuple[list[ChartDiff], SpecSet, SpecSet]:
    """Compare two sides (default: `HEAD` and the work tree's `specs_dir`), chart by chart."""
    from chartspec.diff import diff_specs  # deferred: a build imports this module for git only

    for arg in (old, new):
        if arg is not None and arg.endswith(".json") and not Path(arg).exists():
            raise ChartspecError("no such spec file", file=arg, hint="check the path")
    single = [arg is not None and Path(arg).is_file() for arg in (old, new)]
    if any(single) and not all(single):
        raise ChartspecError(
            "cannot compare a spec file with a folder or revision",
            hint="give two spec files, two folders, or two revisions",
        )
    before = open_side(old or "HEAD", specs_dir=specs_dir)
    after = open_side(new, specs_dir=specs_dir)
    if all(single):
        # Two files are two versions of one chart, whatever their names.
        (old_spec,) = before.specs.values()
        name = next(iter(after.specs))
        (old_files,) = before.files.values()
        before = SpecSet(before.label, {name: old_spec}, {name: old_files})
    names = sorted(set(before.specs) | set(after.specs))
    if chart is not None:
        if chart not in names:
            raise ChartspecError(
                f"no chart named {chart!r} on either side",
                hint=f"charts: {', '.join(names) or '(none)'}",
            )
        names = [chart]
    diffs = [
        diff_specs(
            before.specs.get(name),
            after.specs.get(name),
            name=name,
            old_files=before.files.get(name, NO_FILES),
            new_files=after.files.get(name, NO_FILES),
        )
        for name in names
    ]
    return diffs, before, after


# --------------------------------------------------------------------------- pictures


def write_visuals(
    diffs: Iterable[ChartDiff], before: SpecSet, after: SpecSet, out_dir: Path
) -> list[Path]:
    """Write `<chart>.png` with the old and new rendering side by side, for each changed chart."""
    written = []
    for diff in diffs:
        if not diff.changed:
            continue
        old = _render(before.specs.get(diff.name), before.files.get(diff.name, NO_FILES))
        new = _render(after.specs.get(diff.name), after.files.get(diff.name, NO_FILES))
        path = out_dir / f"{diff.name}.png"
        write_atomic(
            path,
            side_by_side(
                old, new, title=f"{diff.name}: {diff.status}", labels=(before.label, after.label)
            ),
        )
        written.append(path)
    return written


def _render(spec: dict[str, Any] | None, files: DataFiles) -> bytes | None:
    if spec is None:
        return None
    from chartspec import render  # loads vl-convert: only when a picture is drawn

    try:
        svg = render.vegalite_to_svg(inline_data(spec, files), base_dir=None)
    except ValueError as error:
        raise ChartspecError(f"the chart does not render: {render.error_line(error)}") from None
    return render.svg_to_png(svg, scale=1)


def side_by_side(
    old: bytes | None, new: bytes | None, *, title: str, labels: tuple[str, str]
) -> bytes:
    """Return a PNG: a header line, then the old image (or a blank) left of the new one."""
    import io

    from PIL import Image, ImageDraw, ImageFont

    from chartspec.fonts import FONT_FILES  # deferred, as diff is in `compare`

    images = [Image.open(io.BytesIO(png)).convert("RGB") if png else None for png in (old, new)]
    width = max((im.width for im in images if im), default=200)
    height = max((im.height for im in images if im), default=100)
    gap, header = 16, 48
    sheet = Image.new("RGB", (2 * width + 3 * gap, height + header + gap), "white")
    draw = ImageDraw.Draw(sheet)
    bold = ImageFont.truetype(str(FONT_FILES[True]), 16)
    regular = ImageFont.truetype(str(FONT_FILES[False]), 13)
    draw.text((gap, 6), title, fill="black", font=bold)
    for i, (image, label) in enumerate(
        zip(images, ("old: " + labels[0], "new: " + labels[1]), strict=True)
    ):
        left = gap + i * (width + gap)
        draw.text((left, 28), label, fill="#555555", font=regular)
        if image is None:
            draw.rectangle((left, header, left + width - 1, header + height - 1), outline="#cccccc")
            draw.text((left + 8, header + 8), "(no chart)", fill="#888888", font=regular)
        else:
            sheet.paste(image, (left, header))
    middle = gap + width + gap // 2
    draw.line((middle, header, middle, header + height), fill="#cccccc")
    out = io.BytesIO()
    sheet.save(out, format="PNG")
    return out.getvalue()


# ------------------------------------------------------------------ the commit a site is built from


@dataclass(frozen=True)
class Revision:
    """The commit a site is built from, and what it holds of the project's files."""

    commit: str
    project: Path  # the folder that holds the specs folder
    specs: Path  # the specs folder as published (a build's site reads a copy staged beside it)
    blobs: Mapping[str, str]  # each file of the project at `commit`, by path: its git blob id

    def uncommitted(self, files: Mapping[str, bytes]) -> list[str]:
        """Return the files (project path: content) whose content is not the commit's."""
        return sorted(rel for rel, data in files.items() if self.blobs.get(rel) not in _blobs(data))


def site_revision(specs_dir: Path, site_dir: Path, *, commit: str = "HEAD") -> Revision | None:
    """Return `commit` of the git repository that holds the project of `specs_dir`, for a site
    in `site_dir` that is not committed to that repository: ignored by it, or outside it.

    None for a site git would commit with the project (a commit cannot name itself), and when
    git is missing or fails, outside a repository, before its first commit, or when the
    repository does not know `commit`: the site then names no commit.
    """
    project = Path(specs_dir).resolve().parent
    if not site_is_deployed(specs_dir, site_dir):
        return None
    try:
        found = git("rev-parse", "--verify", "--quiet", f"{commit}^{{commit}}", cwd=project)
        commit_id = found.decode().strip()
        listing = git("ls-tree", "-r", "-z", commit_id, cwd=project)  # paths below project
    except ChartspecError:
        return None
    blobs = {}
    for entry in filter(None, listing.decode("utf-8", "surrogateescape").split("\0")):
        info, path = entry.split("\t", 1)
        _mode, kind, blob = info.split()
        if kind == "blob":
            blobs[path] = blob
    return Revision(commit_id, project, Path(specs_dir).resolve(), blobs)


def site_is_deployed(specs_dir: Path, site_dir: Path) -> bool:
    """Tell whether the project of `specs_dir` is in a git repository that would not commit a
    site in `site_dir` with it (the folder is ignored, or outside the repository)."""
    try:
        root = git_root(Path(specs_dir).resolve().parent)
    except ChartspecError:
        return False
    return not _committed_with(Path(site_dir).resolve(), root)


def _committed_with(site_dir: Path, root: Path) -> bool:
    """Tell whether git would commit a site in `site_dir` to the repository at `root`: the
    folder is in its work tree (not another repository's) and its index page is not ignored."""
    folder = next(p for p in (site_dir, *site_dir.parents) if p.is_dir())
    try:
        if git_root(folder) != root:
            return False
    except ChartspecError:
        return False  # in no repository
    try:
        git("check-ignore", "-q", str(site_dir / "index.html"), cwd=root)
    except ChartspecError:
        return True  # not ignored (or git could not tell): committed, as far as is known
    return False


def _blobs(data: bytes) -> set[str]:
    """Return the ids git may store a file's content under: as it is, and with LF line ends."""
    return {git_blob_id(data), input_version(data)["git_blob"]}


# --------------------------------------------------------------------------- what changed


def changed_paths(*, base: str = "HEAD", cwd: Path | None = None) -> set[Path] | None:
    """Return the files changed against `base` (staged, unstaged and untracked), or None when
    `base` does not exist yet (a repository without commits: everything counts as changed)."""
    root = git_root(cwd)
    try:
        verify_revision(base, cwd=root)
    except ChartspecError:
        return None
    tracked = git("diff", "--name-only", "-z", base, "--", cwd=root)
    untracked = git("ls-files", "--others", "--exclude-standard", "-z", cwd=root)
    names = (tracked + b"\0" + untracked).decode("utf-8").split("\0")
    return {(root / name).resolve() for name in names if name}


def changed_charts(
    charts: dict[str, ChartInfo], specs_dir: Path, *, base: str = "HEAD", cwd: Path | None = None
) -> list[str]:
    """Return the charts whose inputs changed against `base`: module, data or spec.

    A data file counts for the charts whose module names it, or, when no module names it,
    for every chart in the module's folder; a changed helper module counts for all of them.
    """
    changed = changed_paths(base=base, cwd=cwd)
    if changed is None:
        return list(charts)
    specs_dir = specs_dir.resolve()
    modules = {d.module_file.resolve() for d in charts.values()}
    inputs = [p for p in changed if p not in modules and specs_dir not in p.parents]
    picked = []
    for name, definition in charts.items():
        module = definition.module_file.resolve()
        spec = specs_dir / f"{name}{SPEC_SUFFIX}"
        if (
            module in changed
            or spec in changed
            or _data_changed(spec, changed)
            or any(_feeds(path, module, modules) for path in inputs)
        ):
            picked.append(name)
    return picked


def _feeds(path: Path, module: Path, modules: set[Path]) -> bool:
    """Tell whether a changed file (not a chart module, not a spec) may change this chart."""
    beside = path.is_relative_to(module.parent)
    if path.suffix == ".py":
        return beside  # a helper module next to the chart
    if _names_file(module, path):
        return True
    return beside and not any(_names_file(other, path) for other in modules)


def _data_changed(spec: Path, changed: set[Path]) -> bool:
    """Tell whether a data file the spec references (now) changed."""
    try:
        urls = list(data_urls(load_spec_file(spec)))
    except ChartspecError:
        return False
    return any((spec.parent / url).resolve() in changed for url in urls)


def _module_text(module: Path) -> str:
    try:
        return module.read_text(encoding="utf-8")
    except OSError:
        return ""


def _names_file(module: Path, path: Path) -> bool:
    return path.name in _module_text(module)
