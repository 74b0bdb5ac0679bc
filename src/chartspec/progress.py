"""Feedback on long work: a progress bar on a terminal, plain log lines otherwise, on stderr."""

from __future__ import annotations

import os
import sys
import time
from types import TracebackType
from typing import Any, TextIO

# Work that finishes sooner than this shows nothing at all; CHARTSPEC_PROGRESS_DELAY overrides it.
DELAY_SECONDS = 1.0
DELAY_ENV = "CHARTSPEC_PROGRESS_DELAY"
# Without a terminal, at most one log line per this many seconds.
LOG_INTERVAL_SECONDS = 2.0


class Progress:
    """Count finished items of one stage; show a bar or log lines once it takes over a second."""

    def __init__(
        self,
        what: str,
        total: int,
        *,
        quiet: bool = False,
        stream: TextIO | None = None,
        delay: float | None = None,
        bar: bool = True,
    ) -> None:
        self.what = what
        self.total = total
        self.quiet = quiet
        self.stream = stream if stream is not None else sys.stderr
        self.delay = default_delay() if delay is None else delay
        self.bar = bar  # False where another process may be drawing its own bar on the terminal
        self.done = 0
        self.start = time.monotonic()
        self._last_log = 0.0
        self._logged = False
        self._logged_at = -1
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> Progress:
        self.start = time.monotonic()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.stop()
        elif self._logged and kind is None and self._logged_at != self.done:
            self._log("done")

    def advance(self, name: str = "") -> None:
        """Count one more finished item, called `name`."""
        self.update(self.done + 1, name)

    def update(self, done: int, name: str = "") -> None:
        """Say that `done` items are finished, the last called `name`."""
        self.done = done
        if self.quiet:
            return
        now = time.monotonic()
        elapsed = now - self.start
        if elapsed < self.delay and self._bar is None:
            return
        if self.bar and self._is_terminal():
            self._show_bar(name)
        elif now - self._last_log >= LOG_INTERVAL_SECONDS or self.done == self.total:
            self._last_log = now
            self._log(name)

    def _is_terminal(self) -> bool:
        isatty = getattr(self.stream, "isatty", None)
        return bool(isatty and isatty())

    def _show_bar(self, name: str) -> None:
        if self._bar is None:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeElapsedColumn,
            )
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("{task.fields[item]}"),
                console=Console(file=self.stream),
                transient=True,
            )
            self._bar.start()
            self._task = self._bar.add_task(self.what, total=self.total, item="")
        self._bar.update(self._task, completed=self.done, item=name)

    def _log(self, name: str) -> None:
        self._logged = True
        self._logged_at = self.done
        elapsed = time.monotonic() - self.start
        item = f" {name}" if name else ""
        print(
            f"chartspec: {self.what}: {self.done}/{self.total}{item} ({elapsed:.1f}s)",
            file=self.stream,
            flush=True,
        )


def default_delay() -> float:
    """Return the seconds before progress shows: DELAY_SECONDS unless the environment says."""
    try:
        return float(os.environ.get(DELAY_ENV, DELAY_SECONDS))
    except ValueError:
        return DELAY_SECONDS
