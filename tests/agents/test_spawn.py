"""Agent programs started without forking dtu (agents/spawn.py), on dtu's own loop (uvloop)."""

from __future__ import annotations

import asyncio
import os
import signal
from typing import Any

import pytest

from dtu.agents import spawn
from dtu.runner.engine import run_async


def _run(coro: Any) -> Any:
    return run_async(coro)


def test_output_exit_code_cwd_and_environment(tmp_path: Any) -> None:
    async def main() -> tuple[bytes, bytes, int | None, int]:
        proc = await spawn.start("/bin/sh", "-c", 'pwd; echo "$X" >&2; exit 3', cwd=str(tmp_path),
                                 env={"X": "from dtu", "PATH": os.defpath})
        out, err = await proc.communicate()
        return out, err, proc.returncode, await proc.wait()

    out, err, code, waited = _run(main())
    assert out.decode().strip() == str(tmp_path)
    assert err == b"from dtu\n"
    assert code == waited == 3


def test_the_program_gets_no_fd_of_dtus_but_those_passed() -> None:
    r, w = os.pipe()  # inheritable only when passed
    os.set_inheritable(r, True)

    async def main(passed: tuple[int, ...]) -> list[str]:
        proc = await spawn.start("/bin/sh", "-c", "ls /proc/self/fd", pass_fds=passed)
        out, _ = await proc.communicate()
        return out.decode().split()

    try:
        alone = _run(main(()))
        passed = _run(main((w,)))
    finally:
        os.close(r)
        os.close(w)
    assert set(alone) <= {"0", "1", "2", "3"}, alone  # 3: ls's own folder
    assert str(w) in passed and str(r) not in passed


def test_a_killed_program_is_reaped_and_its_output_closed() -> None:
    async def main() -> tuple[int, bytes]:
        proc = await spawn.start("/bin/sh", "-c", "echo started; exec sleep 60", start_new_session=True)
        assert proc.stdout is not None
        first = await proc.stdout.readline()
        os.killpg(proc.pid, signal.SIGKILL)
        code = await asyncio.wait_for(proc.wait(), 10)
        proc.close()
        return code, first

    code, first = _run(main())
    assert code == -signal.SIGKILL and first == b"started\n"


def test_without_pidfds_a_thread_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(pid: int, flags: int = 0) -> int:
        raise OSError("no pidfd here")

    monkeypatch.setattr(os, "pidfd_open", refuse)

    async def main() -> int:
        proc = await spawn.start("/bin/sh", "-c", "exit 7", stdout=spawn.DEVNULL, stderr=spawn.DEVNULL)
        assert proc.stdout is None and proc.stderr is None
        return await asyncio.wait_for(proc.wait(), 10)

    assert _run(main()) == 7


def test_a_program_that_cannot_start_raises_as_a_spawn_does() -> None:
    async def main() -> None:
        await spawn.start("/nonexistent/program")

    with pytest.raises(FileNotFoundError):
        _run(main())
