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


def enter(port: int, channel: int) -> Callable[[], None]:
    """A preexec function: a new user and network namespace (this process is uid 0 there, mapped
    to dtu's own uid), loopback up, a socket listening on 127.0.0.1:`port` sent over `channel`.
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
            socket.send_fds(out, [b"d"], [door.fileno()])

    return preexec


def receive(channel: socket.socket) -> socket.socket:
    """The listening socket the child sent (it was sent before bwrap was exec'd)."""
    _, fds, _, _ = socket.recv_fds(channel, 1, 1)
    if not fds:
        raise OSError("the sandbox's network namespace sent no socket")
    sock = socket.socket(fileno=fds[0])
    sock.setblocking(False)
    return sock


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
