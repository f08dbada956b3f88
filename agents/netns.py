"""A private network for a sandboxed program: it reaches its trial's door and nothing else.

A process that is still one thread (not dtu, which has threads) moves into a new user and
network namespace of its own, brings its loopback up and listens on 127.0.0.1:PORT there, PORT
being the door's port on the host. It hands that listening socket to dtu over a socket pair
(SCM_RIGHTS). The program's sandbox (bwrap) is then started inside that namespace. dtu serves the
trial's door on the handed socket, so inside the sandbox the door answers at the same URL as
outside, and there is no other address: no host service, no other trial's door, no internet. No
copy of the traffic: dtu accepts the program's connections itself.

Two ways to get there, the same namespace either way:
- `Maker` (where nsenter and setpriv exist): a small helper process forks a child for each
  sandbox that makes the namespace and sends it to dtu; dtu starts `nsenter ... -- bwrap ...`
  with vfork. dtu never forks itself, whatever its size.
- Otherwise `enter`: dtu forks, and the child makes the namespace in a `preexec_fn` before it
  becomes bwrap. The fork copies dtu's page tables on the event loop.

It needs what bubblewrap needs when it is not setuid: unprivileged user namespaces. Where the
kernel or a security module refuses them to dtu's interpreter (but not to bwrap), `probe`
says so and the program shares the host's network instead; results record which."""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import fcntl
import functools
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
from collections.abc import Callable
from typing import Any, NamedTuple

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
SIOCSIFFLAGS = 0x8914
IFF_UP, IFF_LOOPBACK, IFF_RUNNING = 0x1, 0x8, 0x40


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _write(path: str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def enter(port: int, channel: int, share: bool = False, user: bool = False) -> Callable[[], None]:
    """A preexec function: a new user and network namespace (this process is uid 0 there, mapped
    to dtu's own uid), loopback up, a socket listening on 127.0.0.1:`port` sent over `channel`
    (and, with `share`, the network namespace itself, for dtu to reach a server inside: `Inside`;
    with `user`, the user namespace after it, for a program to be started in both: `Maker`).
    Anything failing fails the spawn."""
    unshare = _libc().unshare  # looked up before the fork, not in the child
    uid, gid = os.geteuid(), os.getegid()

    def preexec() -> None:
        if unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWUSER | CLONE_NEWNET)")
        _write("/proc/self/uid_map", f"0 {uid} 1")
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/gid_map", f"0 {gid} 1")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            fcntl.ioctl(s.fileno(), SIOCSIFFLAGS, struct.pack("16sH22x", b"lo", IFF_UP | IFF_LOOPBACK | IFF_RUNNING))
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as door, socket.socket(fileno=os.dup(channel)) as out:
            door.bind(("127.0.0.1", port))
            door.listen(128)
            fds = [door.fileno()]
            if share:
                fds.append(os.open("/proc/self/ns/net", os.O_RDONLY | os.O_CLOEXEC))
            if user:
                fds.append(os.open("/proc/self/ns/user", os.O_RDONLY | os.O_CLOEXEC))
            socket.send_fds(out, [b"d"], fds)

    return preexec


def receive(channel: socket.socket) -> socket.socket:
    """The listening socket the child sent (it was sent before bwrap was exec'd)."""
    return receive_all(channel)[0]


def receive_all(channel: socket.socket) -> tuple[socket.socket, int | None]:
    """The listening socket the child sent, and the namespace's fd when it shared it."""
    sock, more = _received(channel, 2)
    return sock, (more[0] if more else None)


def _received(channel: socket.socket, most: int) -> tuple[socket.socket, list[int]]:
    data, fds, _, _ = socket.recv_fds(channel, 512, most)
    if not fds:
        why = data.decode("utf-8", "replace") if data else "it sent no socket"
        raise OSError(f"the sandbox's network namespace could not be made: {why}")
    sock = socket.socket(fileno=fds[0])
    sock.setblocking(False)
    return sock, fds[1:]


class Inside:
    """Sockets made inside a sandbox's network namespace, so dtu can connect to a server the
    program runs there (a service agent's app): one thread enters the namespace (setns) and
    creates them; a socket keeps the namespace it was made in. Entering needs CAP_SYS_ADMIN in
    dtu's own user namespace (root); `usable` says whether this system allows it."""

    def __init__(self, ns_fd: int) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.fd = ns_fd
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="dtu-netns")
        self.error = self._pool.submit(self._enter).result()

    def _enter(self) -> str:
        if _libc().setns(self.fd, CLONE_NEWNET) != 0:
            return os.strerror(ctypes.get_errno())
        return ""

    @property
    def usable(self) -> bool:
        return not self.error

    def socket(self, addr_info: tuple[Any, ...]) -> socket.socket:
        """A socket for `addr_info` (aiohttp's `socket_factory`), made inside the namespace."""
        family, kind, proto = addr_info[0], addr_info[1], addr_info[2]
        return self._pool.submit(socket.socket, family, kind, proto).result()

    def close(self) -> None:
        self._pool.shutdown(wait=False)
        with contextlib.suppress(OSError):
            os.close(self.fd)


@functools.cache
def probe() -> str:
    """"" when a private network can be made here, else why not (once per process)."""
    if not sys.platform.startswith("linux"):
        return "not Linux"
    parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    with parent, child:
        try:
            subprocess.run(["true"], preexec_fn=enter(0, child.fileno()), pass_fds=(child.fileno(),),
                           check=True, timeout=30)
            with contextlib.closing(receive(parent)):
                return ""
        except (OSError, subprocess.SubprocessError) as e:
            return str(e) or type(e).__name__


# -- making namespaces away from dtu ---------------------------------------------------------------


class Made(NamedTuple):
    """A network namespace `Maker` made: the door's listening socket there, and fds of the network
    and user namespaces (kept open by dtu while the program may still enter them)."""

    listening: socket.socket
    net: int
    user: int


class Maker:
    """A small helper process that makes the private networks, so dtu need not fork itself.

    Making one needs a process that is still one thread when it calls unshare, so without this
    each sandbox starts with a fork of dtu and a preexec function: the fork copies dtu's memory
    map, on the event loop, and costs more the larger dtu grows (`python -m bench sandbox`). The
    helper is a fresh interpreter running this file with the standard library only (a few MB): for
    each request it forks a child that runs `enter`'s preexec and sends the sockets to the reply
    channel that came with the request, then exits. dtu then starts
    `nsenter --user=... --net=... -- bwrap ...` as its own child with vfork: nsenter opens the two
    namespaces through dtu's fds in /proc, joins them and becomes bwrap, so the program is dtu's
    child as before (its exit code, its process group, --die-with-parent) and no namespace fd is
    left open in it.

    The helper dies with dtu (setpriv --pdeathsig, and it stops at the end of its channel)."""

    def __init__(self, nsenter: str, setpriv: str) -> None:
        self.nsenter = nsenter
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        with theirs:
            parent = os.getpid()
            line = [setpriv, "--pdeathsig", "KILL", "--", "/bin/sh", "-c",
                    f'[ "$PPID" = {parent} ] || exit 137\nexec "$@"', "sh",
                    sys.executable, "-I", "-S", os.path.abspath(__file__), str(theirs.fileno())]
            self.proc = subprocess.Popen(line, pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL,
                                         start_new_session=True)
        self.channel = ours

    async def make(self, port: int, timeout: float = 10.0) -> Made:
        """A new user and network namespace with loopback up and a socket listening on
        127.0.0.1:`port` there (OSError when it could not be made)."""
        import asyncio  # here, not at the top: the helper runs this file too, and starts faster without it

        reply, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        with reply:
            with theirs:
                socket.send_fds(self.channel, [str(port).encode()], [theirs.fileno()])
            loop = asyncio.get_running_loop()
            ready = loop.create_future()

            def readable() -> None:
                if not ready.done():
                    ready.set_result(None)

            loop.add_reader(reply.fileno(), readable)
            try:
                await asyncio.wait_for(ready, timeout)
            except TimeoutError:
                raise OSError(f"the sandbox's network namespace was not made within {timeout:g}s") from None
            finally:
                loop.remove_reader(reply.fileno())
            listening, more = _received(reply, 3)
        if len(more) != 2:
            listening.close()
            for fd in more:
                os.close(fd)
            raise OSError("the sandbox's network namespace came without its namespaces")
        return Made(listening, more[0], more[1])

    def command(self, made: Made, argv: list[str]) -> list[str]:
        """`argv` run in `made`'s namespaces, entered through dtu's own fds (nsenter opens them)."""
        me = f"/proc/{os.getpid()}/fd"
        return [self.nsenter, "--preserve-credentials", f"--user={me}/{made.user}", f"--net={me}/{made.net}", "--",
                *argv]

    def alive(self) -> bool:
        """Whether the helper still runs (after a failure: waits a moment for it to have ended)."""
        try:
            self.proc.wait(0.2)
        except subprocess.TimeoutExpired:
            return True
        return False

    def close(self) -> None:
        self.channel.close()
        with contextlib.suppress(OSError):
            self.proc.kill()
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            self.proc.wait(5)


_MAKER: list[Maker | None] = []


def maker() -> Maker | None:
    """This process's `Maker`, started on first use; None where it cannot be (no nsenter or setpriv,
    not Linux, a private network refused: `probe`), and dtu forks for each sandbox instead."""
    if not _MAKER:
        nsenter, setpriv = shutil.which("nsenter"), shutil.which("setpriv")
        made = None
        if nsenter and setpriv and not probe():
            try:
                made = Maker(nsenter, setpriv)
            except OSError:
                made = None
            else:
                atexit.register(made.close)
        _MAKER.append(made)
    m = _MAKER[0]
    if m is not None and m.proc.poll() is not None:
        print(f"dtu: the helper that makes sandboxes' networks ended (exit code {m.proc.returncode}); "
              "dtu forks for each sandbox instead", file=sys.stderr, flush=True)
        m.close()
        m = _MAKER[0] = None
    return m


def _serve(channel: int) -> None:
    """The helper's loop: for each request (a port, and the channel to answer on), a child that
    makes the namespaces and sends what it made, or why it failed, on that channel."""
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    with socket.socket(fileno=channel) as requests:
        while True:
            try:
                data, fds, _, _ = socket.recv_fds(requests, 64, 1)
            except OSError:
                return
            if not data:
                return  # dtu closed its end, or died
            if not fds:
                continue
            try:
                pid = os.fork()
            except OSError as e:
                with contextlib.suppress(OSError):
                    os.write(fds[0], str(e).encode())
                os.close(fds[0])
                continue
            if pid == 0:
                code = 0
                try:
                    enter(int(data), fds[0], share=True, user=True)()
                except BaseException as e:  # the reply channel says why; the child ends either way
                    code = 1
                    with contextlib.suppress(BaseException):
                        os.write(fds[0], f"{type(e).__name__}: {e}".encode())
                finally:
                    os._exit(code)
            os.close(fds[0])


if __name__ == "__main__":
    _serve(int(sys.argv[1]))
