"""One status line on a terminal while a long step runs: ``validating 3 files (1,234,567
triples)… 12 s``, redrawn every second.

Only when the stream is a terminal: in a log file or a pipe nothing is written beyond the usual
log lines. A log record written meanwhile clears the line first (a filter on the root logger's
handlers), so lines never run into each other; the next tick draws it again below. Nothing is
drawn for a step that ends within the first second.

The load (cli/serve.py) and the validation on start (assemble.py) use it::

    with Progress(lambda seconds: f"loading… {seconds:.0f} s"):
        ...
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import TextIO

CLEAR = "\r\x1b[K"


class _ClearLine(logging.Filter):
    def __init__(self, progress: Progress) -> None:
        super().__init__()
        self.progress = progress

    def filter(self, record: logging.LogRecord) -> bool:
        self.progress.clear()
        return True


class Progress:
    def __init__(
        self,
        describe: Callable[[float], str],
        *,
        stream: TextIO | None = None,
        interval: float = 1.0,
    ) -> None:
        self.describe = describe
        self.stream = stream if stream is not None else sys.stderr
        self.interval = interval
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._shown = False
        self._thread: threading.Thread | None = None
        self._filter = _ClearLine(self)
        self._started = 0.0

    @property
    def active(self) -> bool:
        isatty = getattr(self.stream, "isatty", None)
        return bool(isatty and isatty())

    def __enter__(self) -> Progress:
        self._started = time.monotonic()
        if self.active:
            for handler in logging.getLogger().handlers:
                handler.addFilter(self._filter)
            self._thread = threading.Thread(target=self._run, name="graphsvc-progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join()
        for handler in logging.getLogger().handlers:
            handler.removeFilter(self._filter)
        self.clear()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.draw()

    def draw(self) -> None:
        text = self.describe(time.monotonic() - self._started)
        with self._lock:
            self.stream.write(f"{CLEAR}{text}")
            self.stream.flush()
            self._shown = True

    def clear(self) -> None:
        with self._lock:
            if self._shown:
                self.stream.write(CLEAR)
                self.stream.flush()
                self._shown = False
