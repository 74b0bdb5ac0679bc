"""The project's settings: the `[tool.chartspec]` table of its pyproject.toml, read in one place."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from chartspec.errors import ChartspecError

DEFAULT_CACHE_LIMIT_MB = 1024  # what `.chartspec-cache/` may hold before the oldest entries go


def tool_settings(pyproject: Path) -> dict[str, Any]:
    """Return `[tool.chartspec]` of `pyproject` ({} without the file); one line when unreadable."""
    if not pyproject.is_file():
        return {}
    try:
        tool = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("tool", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ChartspecError(f"cannot read settings: {error}", file=pyproject) from None
    settings: dict[str, Any] = tool.get("chartspec", {})
    return settings


def project_license(pyproject: Path = Path("pyproject.toml")) -> str | None:
    """Return the `license` of `[tool.chartspec]`: the licence of charts that declare none."""
    value = tool_settings(pyproject).get("license")
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ChartspecError(
            f"license = {value!r} in [tool.chartspec] is not a text",
            file=pyproject,
            hint='write license = "CC-BY-4.0", for example',
        )
    return value.strip()
