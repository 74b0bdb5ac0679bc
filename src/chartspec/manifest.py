"""What chartspec wrote into an output folder: the manifest of its files and their hashes.

Every output folder (`specs/`, `site/`) holds `.chartspec-manifest.json`. A file is chartspec's
only when the manifest lists it with the bytes it has now: chartspec replaces or removes such a
file, and leaves every other file alone. A file in the way that is not chartspec's (a
hand-written spec, a page edited since, a `CNAME`) stops the build; moving or deleting it is how
a user hands the path back to chartspec.

A folder written before manifests existed has none. In such a folder (a specs folder without a
manifest, or a site holding the `.chartspec-site` marker of earlier versions) the first build
takes the files at the paths it writes as its own, and removes nothing else.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from chartspec.errors import ChartspecError

MANIFEST_NAME = ".chartspec-manifest.json"
LEGACY_SITE_MARKER = ".chartspec-site"
MANIFEST_VERSION = 1


def file_hash(path: str | os.PathLike[str]) -> str | None:
    """Return the hex SHA-256 of the file at `path`, or None when there is no file there."""
    try:
        with open(path, "rb") as file:
            return hashlib.sha256(file.read()).hexdigest()
    except FileNotFoundError:
        return None
    except (IsADirectoryError, NotADirectoryError):
        return "(a folder)"


@dataclass(frozen=True)
class Manifest:
    """The files chartspec wrote into `folder` ({relative path: SHA-256})."""

    folder: Path
    files: dict[str, str]
    legacy: bool = False  # written before manifests: adopt the paths a build writes

    @classmethod
    def read(cls, folder: Path, *, legacy: bool) -> Manifest:
        """Read the manifest of `folder`; a folder without one is `legacy` if so told."""
        folder = Path(folder)
        path = folder / MANIFEST_NAME
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (FileNotFoundError, NotADirectoryError):  # no folder yet, or a file in its way
            return cls(folder, {}, legacy=legacy and folder.is_dir())
        except (OSError, ValueError) as error:
            raise ChartspecError(
                f"the list of files chartspec wrote cannot be read ({error})",
                file=path,
                hint="restore it (e.g. with git), or delete it to let the next build rebuild it",
            ) from None
        known = isinstance(data, dict) and data.get("version") == MANIFEST_VERSION
        files = data.get("files") if known else None
        if not isinstance(files, dict):
            raise ChartspecError(
                "the list of files chartspec wrote has an unknown form",
                file=path,
                hint="restore it (e.g. with git), or delete it to let the next build rebuild it",
            )
        return cls(folder, {str(k): str(v) for k, v in files.items()})

    def may_replace(self, rel: str, current: str | None) -> bool:
        """Tell whether the file now at `rel` (hash `current`, None: none) may be overwritten."""
        return current is None or self.files.get(rel) == current or self.legacy

    def refuse(self, rel: str) -> ChartspecError:
        """Return the error for a file in the way that chartspec cannot prove it wrote."""
        path = self.folder / rel
        if rel in self.files:
            return ChartspecError(
                "the file was changed after chartspec wrote it",
                file=path,
                hint="delete it (or restore it) to let chartspec write it again",
            )
        return ChartspecError(
            "chartspec would write this file, but the file there is not chartspec's",
            file=path,
            hint="move it away or delete it to let chartspec write it",
        )


def manifest_text(files: dict[str, str]) -> str:
    """Return the manifest listing `files`, in canonical form."""
    data = {"version": MANIFEST_VERSION, "files": dict(sorted(files.items()))}
    return json.dumps(data, indent=1, sort_keys=True) + "\n"
