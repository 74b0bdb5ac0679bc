"""Shared fixtures: running the real CLI, and the repository's folders."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from chart_samples import make_scatter_spec

REPO = Path(__file__).resolve().parent.parent


def run_cli(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None):
    """Run `python -m chartspec ARGS` as a user would and return the finished process."""
    return subprocess.run(
        [sys.executable, "-m", "chartspec", *map(str, args)],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture
def repo() -> Path:
    return REPO


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite the reference images under tests/golden/ instead of comparing",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture
def scatter_spec() -> dict[str, Any]:
    return make_scatter_spec()
