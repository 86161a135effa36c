"""A one-line status on stderr for long runs (``golayer check`` over a big repository).

Shown only when stderr is a terminal and only once the run has taken longer than a second
(``GOLAYER_PROGRESS_DELAY`` seconds), redrawn in place (at most ten times a second; every state
with a delay of 0) as the work advances -- from the main thread, so worker processes are never
forked while another thread holds a lock -- and erased before the report is written. Never part of
the report; nothing is shown on a pipe or a file.
"""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


class Progress:
    def __init__(self, label: str, stream: TextIO | None = None, delay: float | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = _is_tty(self.stream)
        if delay is None:
            try:
                delay = float(os.environ.get("GOLAYER_PROGRESS_DELAY", "1"))
            except ValueError:
                delay = 1.0
        self.label, self.delay = label, delay
        self.shown = False
        self.t0 = time.monotonic()
        self.last = 0.0

    def set(self, state: str) -> None:
        """The current state; drawn when the run is past the delay (and not drawn too often)."""
        if not self.enabled:
            return
        now = time.monotonic()
        # at most ten redraws a second; with no delay (GOLAYER_PROGRESS_DELAY=0) every state is drawn, so a
        # phase shorter than 0.1 s still shows its per-file count
        if now - self.t0 < self.delay or (self.delay > 0 and now - self.last < 0.1):
            return
        self.last = now
        try:
            cols = os.get_terminal_size(self.stream.fileno()).columns
        except (OSError, ValueError, AttributeError):
            cols = 80
        if cols < 20:  # unknown (a pty nobody sized)
            cols = 80
        line = f"{self.label}: {state} ({now - self.t0:.0f} s)"
        try:
            self.stream.write("\r\x1b[K" + line[: max(10, cols - 1)])
            self.stream.flush()
        except (OSError, ValueError):  # stderr went away: stay quiet
            self.enabled = False
            return
        self.shown = True

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc: object) -> None:
        self.clear()

    def clear(self) -> None:
        """Erase the line (before the report or any message is written)."""
        if self.shown:
            try:
                self.stream.write("\r\x1b[K")
                self.stream.flush()
            except (OSError, ValueError):
                pass
            self.shown = False
