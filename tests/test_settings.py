"""Tests for chartspec.settings: the `[tool.chartspec]` table of a project's pyproject.toml."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chartspec.errors import ChartspecError
from chartspec.settings import project_license, tool_settings


def test_no_pyproject_or_no_table_means_no_settings(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    assert tool_settings(pyproject) == {}
    pyproject.write_text('[project]\nname = "charts"\n', encoding="utf-8")
    assert tool_settings(pyproject) == {}
    pyproject.write_text("[tool.chartspec]\njobs = 2\n[tool.other]\njobs = 9\n", encoding="utf-8")
    assert tool_settings(pyproject) == {"jobs": 2}


@pytest.mark.parametrize("text", ["[tool.chartspec\n", b"\xff\xfe[tool]\n"])
def test_an_unreadable_pyproject_is_one_error_naming_it(tmp_path: Path, text: str | bytes) -> None:
    pyproject = tmp_path / "pyproject.toml"
    if isinstance(text, bytes):
        pyproject.write_bytes(text)
    else:
        pyproject.write_text(text, encoding="utf-8")
    with pytest.raises(ChartspecError) as raised:
        tool_settings(pyproject)
    assert raised.value.file == str(pyproject)
    assert raised.value.what.startswith("cannot read settings: ")
    assert "\n" not in str(raised.value)


def test_a_project_licence_must_be_a_text(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    assert project_license(pyproject) is None
    pyproject.write_text("[tool.chartspec]\nlicense = 4\n")
    with pytest.raises(ChartspecError, match=re.escape("license = 4 in [tool.chartspec]")):
        project_license(pyproject)
    pyproject.write_text('[tool.chartspec]\nlicense = " CC0-1.0 "\n')
    assert project_license(pyproject) == "CC0-1.0"
