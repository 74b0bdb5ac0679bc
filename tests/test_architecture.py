"""docs/architecture.md names the modules that exist, every module is named there, and every
module has its tests/ file."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "src" / "chartspec"
MODULES = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__", "__main__"}


def test_the_architecture_page_names_every_module_and_only_those() -> None:
    page = (REPO / "docs" / "architecture.md").read_text("utf-8")
    named = set(re.findall(r"`([a-z_]+)\.py`", page))
    assert named - MODULES == set(), "the page names modules that do not exist"
    assert MODULES - named == set(), "modules the page does not explain"


def test_every_module_has_its_own_test_file() -> None:
    """tests/ mirrors the package: the tests of `x.py` are in tests/test_x.py (those of the
    package's public names in tests/test_public_api.py)."""
    missing = sorted(m for m in MODULES if not (REPO / "tests" / f"test_{m}.py").is_file())
    assert missing == []
