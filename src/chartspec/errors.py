"""Errors a command can end with: a small tree, each with its exit status and a one-line message.

Each error carries its own `exit_code` and prints itself as one line (`show`), the way click's
exceptions do, so the command line needs no ladder of `except` clauses.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import ClassVar, NoReturn, TextIO

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_USAGE = 2
EXIT_BUG = 3


def _one_line(text: str) -> str:
    # Names from user data and messages from libraries may hold line breaks.
    return text.replace("\r", "\\r").replace("\n", "\\n")


class ChartspecWarning(UserWarning):
    """Something in the input is odd but harmless; the CLI prints it as one line."""


class ChartspecException(Exception):
    """The base of chartspec's errors: a one-line message and the exit status it ends with."""

    exit_code: ClassVar[int] = EXIT_BUG
    label: ClassVar[str] = "error"

    def __str__(self) -> str:
        return _one_line(super().__str__())

    def show(self, file: TextIO | None = None) -> None:
        """Print `chartspec: <label>: <message>` as one line on stderr (or `file`)."""
        print(f"chartspec: {self.label}: {self}", file=file or sys.stderr)


class UsageError(ChartspecException):
    """The command was called wrongly (an unknown option, options that exclude each other)."""

    exit_code = EXIT_USAGE


class ChartspecError(ChartspecException):
    """A problem with the user's input, named by file, row and column when they apply."""

    exit_code = EXIT_USAGE

    def __init__(
        self,
        what: str,
        *,
        file: str | Path | None = None,
        row: int | None = None,
        column: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.what = what
        self.file = None if file is None else str(file)
        self.row = row
        self.column = column
        self.hint = hint
        super().__init__(str(self))  # the whole line survives pickling between processes

    @property
    def location(self) -> str:
        """`file[:row[:column]]`, or an empty string when no file applies."""
        parts = [p for p in (self.file, self.row, self.column) if p is not None]
        return ":".join(str(p) for p in parts)

    def __str__(self) -> str:
        text = f"{self.location}: {self.what}" if self.location else self.what
        return _one_line(f"{text}; {self.hint}" if self.hint else text)


class CheckFailed(ChartspecException):
    """A check found problems (an invalid, failing or stale spec); the message sums them up."""

    exit_code = EXIT_CHECK_FAILED

    def show(self, file: TextIO | None = None) -> None:
        """Print the summary as it is: the problems themselves were printed before it."""
        print(self, file=file or sys.stderr)


class InternalError(ChartspecException):
    """chartspec itself failed: a bug, reported with a request to report it."""

    exit_code = EXIT_BUG
    label = "internal error"

    @classmethod
    def from_exception(cls, error: BaseException) -> InternalError:
        """Wrap an unexpected exception, naming its type and first words."""
        text = " ".join(str(error).splitlines())
        return cls(
            f"{type(error).__name__}: {text}; this is a bug in chartspec, please report it "
            "with the command you ran (add --debug for a traceback)"
        )


class ChartspecErrors(ChartspecError):
    """Several problems found together (every chart that fails a build): one line each."""

    def __init__(self, errors: list[ChartspecError]) -> None:
        first = errors[0]
        self.errors = errors
        super().__init__(
            first.what, file=first.file, row=first.row, column=first.column, hint=first.hint
        )

    def show(self, file: TextIO | None = None) -> None:
        """Print each problem as its own line."""
        for error in self.errors:
            error.show(file)


class Interrupted(ChartspecException):
    """Ctrl-C: one line, and the status shells give a process ended by SIGINT."""

    exit_code = 130

    def show(self, file: TextIO | None = None) -> None:
        """Print `chartspec: interrupted`: not an error of the user's input."""
        print("chartspec: interrupted", file=file or sys.stderr)

    @classmethod
    def end_process(cls) -> NoReturn:
        """Print the line, then let Python end the process as it ends one on Ctrl-C: by SIGINT.

        Shells report status 130 either way, but only a process ended by the signal tells a
        shell script that the user pressed Ctrl-C, so the script stops too instead of going on.
        """
        cls("interrupted").show()
        sys.excepthook = lambda *_: None  # the line replaces Python's traceback
        raise KeyboardInterrupt


class LintWarning(UserWarning):
    """A lint rule's warning about a spec that is published anyway: its message is the line
    `check` prints (`file: warning: ...`)."""
