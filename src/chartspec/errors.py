"""The one error type for everything a user can get wrong, and the exit codes."""

from __future__ import annotations

from pathlib import Path

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_USAGE = 2
EXIT_BUG = 3


class ChartspecError(Exception):
    """A problem with the user's input: printed as one line, exit status 2."""

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
        super().__init__(str(self))

    @property
    def location(self) -> str:
        """`file[:row[:column]]`, or an empty string when no file applies."""
        parts = [p for p in (self.file, self.row, self.column) if p is not None]
        return ":".join(str(p) for p in parts)

    def __str__(self) -> str:
        text = f"{self.location}: {self.what}" if self.location else self.what
        text = f"{text}; {self.hint}" if self.hint else text
        # One line, always: names from user data may hold line breaks.
        return text.replace("\r", "\\r").replace("\n", "\\n")


class ChartspecErrors(ChartspecError):
    """Several problems found together (every chart that fails a build): one line each."""

    def __init__(self, errors: list[ChartspecError]) -> None:
        first = errors[0]
        self.errors = errors
        super().__init__(
            first.what, file=first.file, row=first.row, column=first.column, hint=first.hint
        )

    def __str__(self) -> str:
        return "\n".join(str(error) for error in self.errors)
