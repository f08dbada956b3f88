"""Stopping a run: the first SIGINT or SIGTERM stops it cleanly, a second one exits at once.

A `Stop` is the run's stop request. The first signal sets it: no new trial starts, the running
ones are cancelled (program agents kill their process trees on cancellation), worker processes
get SIGTERM, Ray tasks are cancelled; the run then writes its partial summary and says how to
resume. A second signal kills what the run started and exits with 130 on the spot."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

EXIT_INTERRUPTED = 130
SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Stop:
    """A run's stop request, set once (by a signal handler or a test); callbacks registered with
    `on_request` run on their event loop when it is set, and `on_exit` hooks before a hard exit."""

    def __init__(self) -> None:
        self.requested = False
        self.signal: int | None = None
        self._callbacks: list[tuple[asyncio.AbstractEventLoop | None, Callable[[], None]]] = []
        self._exit_hooks: list[Callable[[], None]] = []

    def request(self, signum: int | None = None) -> None:
        if self.requested:
            return
        self.requested = True
        self.signal = signum
        for loop, fn in list(self._callbacks):
            if loop is None:
                fn()
            elif not loop.is_closed():
                loop.call_soon_threadsafe(fn)  # safe from a signal handler too

    @contextlib.contextmanager
    def on_request(self, loop: asyncio.AbstractEventLoop | None, fn: Callable[[], None]) -> Iterator[None]:
        """Call `fn` (on `loop`, or directly when None) when the stop is requested, while inside."""
        entry = (loop, fn)
        self._callbacks.append(entry)
        try:
            yield
        finally:
            self._callbacks.remove(entry)

    @contextlib.contextmanager
    def on_exit(self, fn: Callable[[], None]) -> Iterator[None]:
        """Call `fn` before a hard exit (the second signal), while inside: kill what was started."""
        self._exit_hooks.append(fn)
        try:
            yield
        finally:
            self._exit_hooks.remove(fn)

    def hard_exit(self) -> None:
        for fn in list(self._exit_hooks):
            with contextlib.suppress(Exception):
                fn()
        os._exit(EXIT_INTERRUPTED)


@contextlib.contextmanager
def handle_signals(stop: Stop, first: Callable[[int], None] | None = None,
                   second: Callable[[], None] | None = None) -> Iterator[Stop]:
    """While inside: the first SIGINT/SIGTERM requests `stop` (after `first(signum)`, e.g. a
    message); the next one calls `second()` then exits with 130 at once. Handlers are restored on
    the way out. Outside the main thread (no signals there) this does nothing."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        if not stop.requested:
            if first is not None:
                first(signum)
            stop.request(signum)
            return
        if second is not None:
            with contextlib.suppress(Exception):
                second()
        stop.hard_exit()

    previous: dict[signal.Signals, Any] = {s: signal.getsignal(s) for s in SIGNALS}
    for sig in SIGNALS:
        signal.signal(sig, handler)
    try:
        yield stop
    finally:
        for sig, h in previous.items():
            signal.signal(sig, h)


def say(message: str) -> None:
    """A line on stderr from a signal handler (no buffering surprises)."""
    with contextlib.suppress(OSError):
        sys.stderr.write(message + "\n")
        sys.stderr.flush()
