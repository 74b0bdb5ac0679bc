"""Progress output: silent when quick or quiet, log lines when not on a terminal."""

from __future__ import annotations

import io

import pytest

from chartspec.progress import Progress


def test_quick_work_prints_nothing():
    out = io.StringIO()
    with Progress("building specs", 3, stream=out) as progress:
        for name in "abc":
            progress.advance(name)
    assert out.getvalue() == ""


def test_slow_work_logs_plain_lines_without_a_terminal():
    out = io.StringIO()
    with Progress("building specs", 2, stream=out, delay=0) as progress:
        progress.advance("first")
        progress.advance("second")
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("chartspec: building specs: 1/2 first (")
    assert lines[-1].startswith("chartspec: building specs: 2/2 second (")


def test_quiet_silences_everything():
    out = io.StringIO()
    with Progress("building specs", 2, stream=out, delay=0, quiet=True) as progress:
        progress.advance("first")
    assert out.getvalue() == ""


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_bar_with_the_count_and_the_chart_name():
    out = _Terminal()
    with Progress("rendering charts", 2, stream=out, delay=0) as progress:
        progress.advance("first-chart")
        progress.advance("second-chart")
    text = out.getvalue()
    assert "rendering charts" in text
    assert "2/2" in text
    assert "second-chart" in text
    assert "chartspec: rendering" not in text  # no log lines on a terminal


def test_the_environment_sets_when_progress_shows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHARTSPEC_PROGRESS_DELAY", "0")
    out = io.StringIO()
    with Progress("building specs", 1, stream=out) as progress:
        progress.advance("speed")
    assert out.getvalue() == "chartspec: building specs: 1/1 speed (0.0s)\n"
    monkeypatch.setenv("CHARTSPEC_PROGRESS_DELAY", "3600")
    out = io.StringIO()
    with Progress("building specs", 1, stream=out) as progress:
        progress.advance("speed")
    assert out.getvalue() == ""
