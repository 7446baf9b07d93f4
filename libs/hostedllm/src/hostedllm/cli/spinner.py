"""A spinner on stderr for waits (the first token, the local server, live discovery): plain ANSI and a thread.

It draws only when its stream is a terminal, appears only once the wait has lasted ``delay``
seconds, shows the elapsed seconds after a few, and erases its line when stopped.

>>> import io
>>> with Spinner("waiting", stream=io.StringIO()) as spinner:  # not a terminal: draws nothing
...     spinner.enabled
False
"""

from __future__ import annotations

import itertools
import sys
import threading
import time
from types import TracebackType
from typing import TextIO

from hostedllm.cli.common import dim, is_terminal

FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
ASCII_FRAMES = "|/-\\"
CLEAR_LINE = "\r\033[K"


class Spinner:
    """``⠋ text… 4s`` on one line of ``stream`` while a block runs; usable again after :meth:`stop`."""

    def __init__(
        self,
        text: str,
        *,
        stream: TextIO | None = None,
        delay: float = 0.25,
        interval: float = 0.1,
        enabled: bool | None = None,
    ) -> None:
        self.text = text
        self.stream = stream if stream is not None else sys.stderr
        self.delay = delay
        self.interval = interval
        self.enabled = is_terminal(self.stream) if enabled is None else enabled
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._drawn = False

    def start(self) -> Spinner:
        """Start spinning (after ``delay``); a no-op when disabled or already running."""
        if self.enabled and self._thread is None:
            self._stopping = threading.Event()
            self._thread = threading.Thread(target=self._spin, name="hostedllm-spinner", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop and erase the spinner's line; safe to call when it is not running."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stopping.set()
        thread.join()
        if self._drawn:
            self._drawn = False
            self.stream.write(CLEAR_LINE)
            self.stream.flush()

    def _spin(self) -> None:
        if self._stopping.wait(self.delay):
            return
        frames = FRAMES if _can_encode(self.stream, FRAMES) else ASCII_FRAMES
        started = time.monotonic() - self.delay
        for frame in itertools.cycle(frames):
            seconds = int(time.monotonic() - started)
            elapsed = f" {seconds}s" if seconds >= 3 else ""
            self.stream.write(f"{CLEAR_LINE}{frame} {dim(self.text + '...' + elapsed, self.stream)}")
            self.stream.flush()
            self._drawn = True
            if self._stopping.wait(self.interval):
                return

    def __enter__(self) -> Spinner:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _can_encode(stream: TextIO, text: str) -> bool:
    try:
        text.encode(getattr(stream, "encoding", None) or "utf-8")
    except (UnicodeEncodeError, LookupError):
        return False
    return True
