"""The progress line of `dtu run` on stderr: trials done/total, satisfied, errored, rate, ETA.

Whatever runs the trials (the in-process engine, worker processes, Ray tasks) calls
`Tracker.count` as trajectories arrive; the line is redrawn from there at most every `interval`
seconds (a clock read per call), and by rich's refresh thread while nothing arrives. Off with
--quiet or when stderr is not a terminal."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

from rich.console import Console, RenderableType
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

INTERVAL = 0.25


class Tracker:
    """Counts of a run's trials as they finish, and the line that shows them."""

    def __init__(self, total: int, done: int = 0, satisfied: int = 0, errored: int = 0,
                 interval: float | None = None) -> None:
        self.total = total
        self.start_done = self.done = done  # trials finished before this session (a resume)
        self.satisfied = satisfied
        self.errored = errored
        self.interval = INTERVAL if interval is None else interval
        self.started = time.monotonic()
        self._due = 0.0
        self._live: Live | None = None

    def count(self, n: int = 1, satisfied: int = 0, errored: int = 0) -> None:
        self.done += n
        self.satisfied += satisfied
        self.errored += errored
        live = self._live
        if live is not None:
            now = time.monotonic()
            if now >= self._due:
                self._due = now + self.interval
                live.refresh()

    def rate(self) -> float:
        elapsed = time.monotonic() - self.started
        return (self.done - self.start_done) / elapsed if elapsed > 0 else 0.0

    def line(self) -> str:
        rate = self.rate()
        left = self.total - self.done
        eta = _clock(left / rate) if rate > 0 and left > 0 else "-:--:--" if left > 0 else "0:00:00"
        return (f"trials {self.done}/{self.total}  satisfied {self.satisfied}  errored {self.errored}  "
                f"{rate:,.1f}/s  ETA {eta}")

    def __rich__(self) -> RenderableType:
        grid = Table.grid(padding=(0, 1))
        grid.add_row(ProgressBar(total=max(1, self.total), completed=self.done, width=30),
                     Text(self.line(), style="red" if self.errored else ""))
        return grid

    @contextlib.contextmanager
    def shown(self, console: Console | None = None, quiet: bool = False) -> Iterator[Tracker]:
        """Show the line while inside (unless quiet or the console is not a terminal)."""
        console = console or Console(stderr=True)
        if quiet or not console.is_terminal:
            yield self
            return
        with Live(self, console=console, refresh_per_second=2, transient=True, redirect_stdout=False,
                  redirect_stderr=False) as live:
            self._live = live
            try:
                yield self
            finally:
                self._live = None
                live.refresh()


def _clock(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"
