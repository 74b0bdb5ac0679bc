"""The public API: every name in `chartspec.__all__` imports, is listed, and is typed."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

import chartspec

INIT = Path(chartspec.__file__)
EXAMPLE = Path(__file__).parent / "typing_example.py"


def test_every_public_name_imports():
    for name in chartspec.__all__:
        assert getattr(chartspec, name) is not None, name
    namespace: dict[str, object] = {}
    exec("from chartspec import *", namespace)
    assert set(chartspec.__all__) <= set(namespace)


def test_dir_lists_every_public_name():
    assert set(chartspec.__all__) <= set(dir(chartspec))


def test_type_checkers_see_every_public_name():
    tree = ast.parse(INIT.read_text(encoding="utf-8"))
    [guarded] = [
        node
        for node in tree.body
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
    ]
    reexported = {
        alias.asname
        for node in guarded.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    annotated = {
        node.target.id
        for node in tree.body
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
    }
    assert reexported | annotated == set(chartspec.__all__)


def test_the_readme_name_load_still_works():
    assert chartspec.load is chartspec.load_chart


def test_unknown_names_are_attribute_errors():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        chartspec.nope  # noqa: B018


def test_the_package_says_it_is_typed():
    assert (INIT.parent / "py.typed").is_file()


@pytest.mark.slow
def test_the_package_and_a_project_using_its_api_pass_mypy_strict():
    """Run `mypy --strict` on the package and a typed example, which fails wherever a public
    name reads as Any."""
    package = str(INIT.parent)
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", package, str(EXAMPLE)],
        cwd=INIT.parent.parent.parent,
        env={**os.environ, "MYPYPATH": str(INIT.parent.parent)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert (done.returncode, done.stdout) == (0, ""), done.stdout + done.stderr
