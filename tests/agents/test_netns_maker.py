"""The helper that makes sandboxes' private networks (agents/netns.py `Maker`), so dtu starts each
sandbox with vfork instead of forking itself: what it makes, what the program keeps, and what
happens when the helper is gone or dtu dies."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from dtu.agents import netns
from dtu.agents.command import spawn_private

pytestmark = pytest.mark.skipif(netns.maker() is None, reason="no nsenter, setpriv or private network here")

PROBE = ("readlink /proc/self/ns/net; readlink /proc/self/ns/user; ls /proc/self/fd; "
         "exec python3 -c 'import socket, sys; socket.create_connection((\"127.0.0.1\", int(sys.argv[1])), 5)' {port}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _run(argv: list[str], port: int) -> tuple[str, socket.socket | None, int | None]:
    pipes = {"stdin": subprocess.DEVNULL, "stdout": subprocess.PIPE, "stderr": subprocess.PIPE,
             "start_new_session": True}
    proc, listening, ns_fd = await spawn_private(argv, "/", pipes, port)
    try:
        loop = asyncio.get_running_loop()
        conn, _ = await asyncio.wait_for(loop.sock_accept(listening), 10)
        conn.close()
        out, err = await proc.communicate()
        assert proc.returncode == 0, err
        return out.decode(), listening, ns_fd
    finally:
        listening.close()
        if ns_fd is not None:
            os.close(ns_fd)


def test_the_program_is_dtus_child_in_a_network_of_its_own_and_keeps_no_namespace_fd() -> None:
    port = _free_port()
    argv = ["/bin/sh", "-c", PROBE.format(port=port)]
    maker = netns.maker()
    assert maker is not None
    out, _, _ = asyncio.run(_run(argv, port))
    net, user, *fds = out.split()
    assert net != os.readlink("/proc/self/ns/net") and user != os.readlink("/proc/self/ns/user")
    assert set(fds) <= {"0", "1", "2", "3"}, fds  # 3: ls's own folder; nothing of dtu's or nsenter's
    assert maker.proc.poll() is None  # one helper serves every sandbox


def test_sandboxes_made_at_once_each_get_their_own_network() -> None:
    async def many() -> list[str]:
        ports = [_free_port() for _ in range(6)]
        got = await asyncio.gather(*(_run(["/bin/sh", "-c", PROBE.format(port=p)], p) for p in ports))
        return [out.split()[0] for out, _, _ in got]

    nets = asyncio.run(many())
    assert len(set(nets)) == 6


def test_when_the_helper_is_gone_dtu_forks_instead(monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    maker = netns.maker()
    assert maker is not None
    monkeypatch.setattr(netns, "_MAKER", [netns.Maker(maker.nsenter, "setpriv")])
    doomed = netns._MAKER[0]
    assert doomed is not None
    doomed.proc.kill()
    doomed.proc.wait()
    port = _free_port()
    out, _, _ = asyncio.run(_run(["/bin/sh", "-c", PROBE.format(port=port)], port))
    assert out.split()[0] != os.readlink("/proc/self/ns/net")  # still a network of its own
    assert netns._MAKER == [None]
    assert "dtu forks for each sandbox instead" in capsys.readouterr().err


def test_a_request_that_fails_says_why_and_the_helper_goes_on() -> None:
    maker = netns.maker()
    assert maker is not None
    with pytest.raises(OSError, match="could not be made"):
        asyncio.run(maker.make(70000))  # no such port: the child's bind fails
    assert maker.alive()
    port = _free_port()
    made = asyncio.run(maker.make(port))
    for fd in (made.net, made.user):
        os.close(fd)
    made.listening.close()


def test_the_helper_dies_with_dtu() -> None:
    code = ("import sys, time; from dtu.agents import netns; m = netns.maker(); "
            "print(m.proc.pid, flush=True); time.sleep(60)")
    with subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True) as dtu:
        try:
            assert dtu.stdout is not None
            line = dtu.stdout.readline().split()
            assert line, "the stand-in for dtu printed no helper"
            helper = int(line[0])
            os.kill(dtu.pid, signal.SIGKILL)
            dtu.wait()
            for _ in range(100):
                try:
                    os.kill(helper, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.05)
            else:
                pytest.fail(f"the helper {helper} outlived dtu")
        finally:
            if dtu.poll() is None:
                dtu.kill()
