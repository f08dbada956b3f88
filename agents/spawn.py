"""Starting agent programs without forking dtu.

dtu runs on uvloop, whose subprocesses are libuv's, and libuv starts every child with fork():
the kernel copies dtu's page tables each time, on the event loop, so a program start costs dtu
more the more memory it holds (`python -m bench sandbox`: 0.5 ms at 20 MB, 9 ms at 900 MB).
Python's own `subprocess.Popen` starts a child with vfork when no preexec function is given
(the child borrows dtu's memory until it execs, and nothing is copied), closes every other fd in
the child, and sets its session. `start` runs one on the loop's thread (vfork returns once the
child has exec'd) and hands back a `Process` with the part of asyncio's `Process` that dtu uses:
`pid`, `returncode`, `stdout` and `stderr` as stream readers, `wait()` and `communicate()`.

The exit is seen through a pidfd (Linux 5.3 and later) the loop watches, without a thread or a
SIGCHLD handler; elsewhere a thread waits. A preexec function still makes Python fork; the command
agent's callers give none where they can (`sandbox.unsandboxed`, `netns.Maker`)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
from collections.abc import Callable, Mapping, Sequence

PIPE = subprocess.PIPE
DEVNULL = subprocess.DEVNULL


class Process:
    """A started program: its pid, its output streams, and its exit."""

    def __init__(self, popen: subprocess.Popen[bytes], stdout: asyncio.StreamReader | None,
                 stderr: asyncio.StreamReader | None, pipes: Sequence[asyncio.BaseTransport]) -> None:
        self._popen = popen
        self._pipes = pipes
        self.pid = popen.pid
        self.stdout = stdout
        self.stderr = stderr
        loop = asyncio.get_running_loop()
        self._exited: asyncio.Future[int] = loop.create_future()
        try:
            fd = os.pidfd_open(popen.pid)
        except (AttributeError, OSError):  # not Linux 5.3+: a thread waits instead
            waiting = loop.run_in_executor(None, popen.wait)
            waiting.add_done_callback(lambda f: self._exit(f.result() if not f.exception() else -1))
            return
        loop.add_reader(fd, self._reap, loop, fd)

    def _reap(self, loop: asyncio.AbstractEventLoop, fd: int) -> None:
        loop.remove_reader(fd)
        os.close(fd)
        self._exit(self._popen.wait())  # it has exited: this only reaps it

    def _exit(self, code: int) -> None:
        if not self._exited.done():
            self._exited.set_result(code)

    @property
    def returncode(self) -> int | None:
        return self._popen.returncode

    async def wait(self) -> int:
        return await asyncio.shield(self._exited)

    def close(self) -> None:
        """Stop reading the program's output (what was read stays readable): for when its reader is
        done with it, or gave up on it (a grandchild may hold a pipe open)."""
        for pipe in self._pipes:
            pipe.close()

    async def communicate(self) -> tuple[bytes, bytes]:
        """All of stdout and stderr (empty for a stream not piped), once the program has exited."""

        async def read(stream: asyncio.StreamReader | None) -> bytes:
            return await stream.read() if stream is not None else b""

        out, err = await asyncio.gather(read(self.stdout), read(self.stderr))
        await self.wait()
        return out, err


async def start(*argv: str, cwd: str | None = None, env: Mapping[str, str] | None = None, stdin: int = DEVNULL,
                stdout: int = PIPE, stderr: int = PIPE, start_new_session: bool = False,
                preexec_fn: Callable[[], None] | None = None, pass_fds: Sequence[int] = ()) -> Process:
    """Start `argv` (the arguments as `asyncio.create_subprocess_exec` takes them)."""
    loop = asyncio.get_running_loop()
    popen = subprocess.Popen(argv, stdin=stdin, stdout=stdout, stderr=stderr, cwd=cwd, env=env,
                             start_new_session=start_new_session, preexec_fn=preexec_fn, pass_fds=pass_fds)
    readers: list[asyncio.StreamReader | None] = []
    pipes: list[asyncio.BaseTransport] = []
    try:
        for f in (popen.stdout, popen.stderr):
            if f is None:
                readers.append(None)
                continue
            reader = asyncio.StreamReader(limit=1 << 16, loop=loop)
            transport, _ = await loop.connect_read_pipe(_protocol(reader, loop), f)
            readers.append(reader)
            pipes.append(transport)
    except BaseException:
        for t in pipes:
            t.close()
        with contextlib.suppress(OSError):
            popen.kill()
        popen.wait()
        raise
    return Process(popen, readers[0], readers[1], pipes)


class _Output(asyncio.StreamReaderProtocol):
    """A program's output pipe: at its end, the transport closes (uvloop keeps a pipe whose
    protocol answers True open, and will not close a loop that still holds one)."""

    def eof_received(self) -> bool:
        super().eof_received()
        return False


def _protocol(reader: asyncio.StreamReader, loop: asyncio.AbstractEventLoop) -> Callable[[], _Output]:
    return lambda: _Output(reader, loop=loop)
