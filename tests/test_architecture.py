"""docs/architecture.md names the modules that exist, and every module is named there."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "src" / "chartspec"


def test_the_architecture_page_names_every_module_and_only_those() -> None:
    page = (REPO / "docs" / "architecture.md").read_text("utf-8")
    named = set(re.findall(r"`([a-z_]+)\.py`", page))
    modules = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__", "__main__"}
    assert named - modules == set(), "the page names modules that do not exist"
    assert modules - named == set(), "modules the page does not explain"
