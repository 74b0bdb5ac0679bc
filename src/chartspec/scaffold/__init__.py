"""Create a new chart project from the template that ships with chartspec."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from chartspec.errors import ChartspecError

TEMPLATE = "template"
# Files in the template named without their leading dot, so packaging tools keep them.
RENAMES = {"gitignore": ".gitignore"}


def init_project(folder: str | Path) -> list[Path]:
    """Write the project template into `folder` (new or empty) and return the files written."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ChartspecError("not a folder", file=folder, hint="choose a new or empty folder")
    if folder.is_dir() and any(folder.iterdir()):
        raise ChartspecError(
            "the folder is not empty", file=folder, hint="choose a new or empty folder"
        )
    root = resources.files(__name__).joinpath(TEMPLATE)
    written = []
    for rel, data in sorted(_template_files(root, Path())):
        target = folder / rel.parent / RENAMES.get(rel.name, rel.name)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        written.append(target)
    return written


def _template_files(node: resources.abc.Traversable, rel: Path) -> list[tuple[Path, bytes]]:
    """Return every template file under `node` with its path relative to the template."""
    found = []
    for child in node.iterdir():
        if child.name == "__pycache__":
            continue
        if child.is_dir():
            found += _template_files(child, rel / child.name)
        else:
            found.append((rel / child.name, child.read_bytes()))
    return found
