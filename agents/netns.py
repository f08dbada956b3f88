"""A private network for a sandboxed program: it reaches its trial's door and nothing else.

Before bubblewrap starts, the forked child (a `preexec_fn`, so it is one thread and not yet
bwrap) moves into a new user and network namespace of its own, brings its loopback up and
listens on 127.0.0.1:PORT there, PORT being the door's port on the host. It hands that listening
socket to dtu over a socket pair (SCM_RIGHTS) and then becomes bwrap, whose sandbox inherits
the namespace. dtu serves the trial's door on the handed socket, so inside the sandbox the door
answers at the same URL as outside, and there is no other address: no host service, no other
trial's door, no internet. No helper process and no copy of the traffic: dtu accepts the
program's connections itself.

It needs what bubblewrap needs when it is not setuid: unprivileged user namespaces. Where the
kernel or a security module refuses them to dtu's interpreter (but not to bwrap), `probe`
says so and the program shares the host's network instead; results record which."""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import functools
import os
import socket
import struct
import subprocess
import sys
from collections.abc import Callable
from typing import Any

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


def enter(port: int, channel: int, share: bool = False) -> Callable[[], None]:
    """A preexec function: a new user and network namespace (this process is uid 0 there, mapped
    to dtu's own uid), loopback up, a socket listening on 127.0.0.1:`port` sent over `channel`
    (and, with `share`, the namespace itself, for dtu to reach a server inside: `Inside`).
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
            socket.send_fds(out, [b"d"], fds)

    return preexec


def receive(channel: socket.socket) -> socket.socket:
    """The listening socket the child sent (it was sent before bwrap was exec'd)."""
    return receive_all(channel)[0]


def receive_all(channel: socket.socket) -> tuple[socket.socket, int | None]:
    """The listening socket the child sent, and the namespace's fd when it shared it."""
    _, fds, _, _ = socket.recv_fds(channel, 1, 2)
    if not fds:
        raise OSError("the sandbox's network namespace sent no socket")
    sock = socket.socket(fileno=fds[0])
    sock.setblocking(False)
    return sock, (fds[1] if len(fds) > 1 else None)


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
