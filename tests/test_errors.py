"""The errors a command ends with: each knows its exit status and prints itself as one line."""

from __future__ import annotations

import io
import pickle

import pytest

from chartspec.errors import (
    ChartspecError,
    ChartspecException,
    CheckFailed,
    InternalError,
    UsageError,
)


@pytest.mark.parametrize(
    ("error", "status", "line"),
    [
        (
            UsageError("give --scale or --ppi, not both"),
            2,
            "chartspec: error: give --scale or --ppi, not both",
        ),
        (
            ChartspecError("not a number", file="t.csv", row=3, column="x", hint="fix it"),
            2,
            "chartspec: error: t.csv:3:x: not a number; fix it",
        ),
        (CheckFailed("2 problem(s) in 1 spec(s)"), 1, "2 problem(s) in 1 spec(s)"),
        (
            InternalError.from_exception(KeyError("a\nb")),
            3,
            "chartspec: internal error: KeyError: 'a\\nb'; this is a bug in chartspec, please report"
            " it with the command you ran (add --debug for a traceback)",
        ),
    ],
)
def test_each_error_shows_one_line_and_knows_its_status(error, status, line):
    assert isinstance(error, ChartspecException)
    shown = io.StringIO()
    error.show(shown)
    assert (error.exit_code, shown.getvalue()) == (status, line + "\n")


def test_line_breaks_from_user_data_stay_on_one_line():
    error = ChartspecError("unknown model 'a\nb'", file="t.csv")
    assert str(error) == "t.csv: unknown model 'a\\nb'"
    assert str(UsageError("one\ntwo")) == "one\\ntwo"


def test_an_input_error_keeps_its_whole_line_across_processes():
    error = ChartspecError("not a number", file="t.csv", row=3, hint="fix it")
    assert str(pickle.loads(pickle.dumps(error))) == "t.csv:3: not a number; fix it"
