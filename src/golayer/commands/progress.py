"""The progress line on stderr of long runs: ``golayer check`` and ``golayer image``.

One status line, redrawn in place on a terminal ("\\r" + erase line) as the work advances -- from
the main thread, so worker processes are never forked while another thread holds a lock. Never part
of the report. Control characters of the state (a hostile file or layer name) are shown escaped, as
in the text report (``golayer.report.text.visible``). Two layouts:

* ``golayer check`` (:meth:`Progress.set`): ``golayer check: lint 3/6 Dockerfiles (2 s)``, only on a
  terminal and only once the run has taken longer than a second (``GOLAYER_PROGRESS_DELAY`` seconds),
  at most ten redraws a second (every state with a delay of 0), cut to the terminal's width, and
  erased (:meth:`Progress.clear`) before the report is written;
* ``golayer image`` (:func:`stepper`): ``golayer:   1.3s layer 2/5``, every state from the start, on a
  terminal (cut to its width) or -- with ``--progress`` -- one line per state on a pipe or file; the
  closing ``done ...`` state stays on the screen, whole.
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
    """The status line of one run, labelled ``label``. ``force``: also write the states on a stream that is
    not a terminal (one line each). ``delay`` defaults to ``GOLAYER_PROGRESS_DELAY`` (1 s)."""

    def __init__(self, label: str, stream: TextIO | None = None, delay: float | None = None, *,
                 force: bool = False) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.tty = _is_tty(self.stream)
        self.enabled = self.tty or force
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
        """The current state (check's layout); drawn when the run is past the delay (and not drawn too often)."""
        if not self.tty:
            return
        now = time.monotonic()
        # at most ten redraws a second; with no delay (GOLAYER_PROGRESS_DELAY=0) every state is drawn, so a
        # phase shorter than 0.1 s still shows its per-file count
        if now - self.t0 < self.delay or (self.delay > 0 and now - self.last < 0.1):
            return
        self.last = now
        self._draw(f"{self.label}: {_visible(state)} ({now - self.t0:.0f} s)"[: self._width()])

    def _width(self) -> int:
        """How much of a redrawn line fits: a line that wraps cannot be redrawn in place."""
        try:
            cols = os.get_terminal_size(self.stream.fileno()).columns
        except (OSError, ValueError, AttributeError):
            cols = 80
        if cols < 20:  # unknown (a pty nobody sized)
            cols = 80
        return max(10, cols - 1)

    def step(self, state: str, *, end: bool = False) -> None:
        """A state in image's layout (elapsed time first, every state drawn); ``end``: the line stays."""
        if not self.enabled:
            return
        line = f"{self.label}: {time.monotonic() - self.t0:5.1f}s {_visible(state)}"
        if self.tty:  # the closing line stays whole (it is not redrawn); the others fit the terminal
            self._draw(line if end else line[: self._width()], "\n" if end else "")
            if end:
                self.shown = False
        else:
            self._write(line + "\n")

    def _draw(self, line: str, tail: str = "") -> None:
        if self._write("\r\x1b[K" + line + tail):
            self.shown = True

    def _write(self, text: str) -> bool:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # stderr went away: stay quiet
            self.enabled = self.tty = False
            return False
        return True

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


def stepper(force: bool = False) -> Progress | None:
    """``golayer image``'s progress on stderr: on a terminal, or anywhere when forced (``--progress``);
    None when nothing is to be shown."""
    p = Progress("golayer", delay=0, force=force)
    return p if p.enabled else None


def _visible(text: str) -> str:
    from golayer.report.text import visible

    return visible(text)
