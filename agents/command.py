"""The command agent: any program, in any language, run once per trial against the HTTP door.

Spec: `command:<shell command>`, or with options `command:<options> -- <shell command>` where
options are `key=value` pairs separated by commas:

  jobs=4          processes running at once (trials beyond wait their turn)
  name=command    the agent's name in results (give each its own when comparing programs)
  llm=auto        auto | twin | real: `twin` points the program's anthropic SDK at the scripted
                  Anthropic twin (ANTHROPIC_BASE_URL, ANTHROPIC_API_KEY = the world token);
                  `real` leaves the user's ANTHROPIC_* alone; `auto` is `real` when
                  ANTHROPIC_API_KEY is set, else `twin`
  tail=4096       bytes of stdout and stderr kept in the trajectory

e.g. `command:python examples/slack_agent.py`, `command:jobs=8,name=v2 -- ./my-agent --fast`.

For each trial the agent serves the trial's world on an HTTP door of its own (127.0.0.1, a free
port, admin endpoints locked behind a random token) and starts the program in a fresh empty
folder, in its own process group, with the environment: DTU_INTENT, DTU_TOKEN, DTU_URL,
DTU_TWINS, DTU_TRIAL, DTU_SEED, DTU_PUBLIC (JSON, when the scenario has public context) and each
twin's variables in the form its SDK expects (SLACK_API_URL, SLACK_BOT_TOKEN, ...). No other DTU_*
variable of dtu's own environment is passed on. At the trial's timeout the whole process group
is killed. Exit code, and the last `tail` bytes of stdout and stderr, go into the trajectory's
info; a non-zero exit makes the trial an error.

The trial timeout counts time spent waiting for a slot: run with `--concurrency` no larger than
`jobs`, or raise `--timeout`."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import tempfile
from collections.abc import Sequence
from typing import Any

import msgspec

from dtu.runner.agent import RunInfo, Task
from dtu.runner.errors import DtuError
from dtu.twins.core import World

from . import spec

__all__ = ["CommandAgent", "CommandFailed"]

DEFAULTS: dict[str, Any] = {"jobs": 4, "name": "command", "llm": "auto", "tail": 4096}


class CommandFailed(Exception):
    """The program exited with a non-zero code."""


def split(arg: str) -> tuple[str, str]:
    """(options, command) of a `command:` spec argument."""
    head, sep, tail = arg.partition(" -- ")
    if sep and "=" in head and " " not in head.strip():
        return head.strip(), tail.strip()
    return "", arg.strip()


class CommandAgent:
    """Runs an external program per trial; the program acts through the HTTP door."""

    def __init__(self, arg: str = "") -> None:
        opts, cmd = split(arg)
        o = spec.parse("command", opts, DEFAULTS)
        if not cmd:
            raise DtuError("--agent command:<shell command>: give the program to run, "
                           "e.g. command:python examples/slack_agent.py")
        if o["llm"] not in ("auto", "twin", "real"):
            raise DtuError(f"--agent command:{arg}: llm must be auto, twin or real")
        if o["jobs"] < 1:
            raise DtuError(f"--agent command:{arg}: jobs must be at least 1")
        self.cmd = cmd
        self.name: str = o["name"]
        self.jobs: int = o["jobs"]
        self.tail: int = o["tail"]
        llm = o["llm"]
        if llm == "auto":
            llm = "real" if os.environ.get("ANTHROPIC_API_KEY") else "twin"
        self.llm: str = llm
        self.scripted_model = llm == "twin"
        self.hub: Any = None
        self._runner: Any = None
        self._sem: asyncio.Semaphore | None = None
        self._lock: asyncio.Lock | None = None

    async def open(self, run: RunInfo | None = None) -> None:
        self._sem = self._sem or asyncio.Semaphore(self.jobs)
        self._lock = self._lock or asyncio.Lock()

    async def _serve(self, twins: Any) -> Any:
        """The HTTP door, started on first use with the twins of the worlds it will host."""
        assert self._lock is not None
        async with self._lock:
            if self.hub is None:
                from dtu.runner.hub import Hub
                from dtu.runner.server import start

                hub = Hub(twins)
                self._runner = await start(hub, "127.0.0.1", 0, admin_token=secrets.token_urlsafe(24))
                self.hub = hub
        return self.hub

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        self.hub = self._runner = self._sem = self._lock = None

    def environment(self, task: Task, token: str) -> dict[str, str]:
        """The program's environment: dtu's own minus DTU_* (and ANTHROPIC_* with the twin as
        model), plus the task's variables."""
        hub = self.hub
        twin_mode = self.llm == "twin"
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("DTU_") and not (twin_mode and k.startswith("ANTHROPIC_"))}
        names = task.twins + (("anthropic",) if twin_mode and "anthropic" not in task.twins else ())
        if not twin_mode:
            names = tuple(n for n in names if n != "anthropic")
        env.update(hub.env_vars(token, names))
        env.update(DTU_INTENT=task.intent, DTU_TWINS=",".join(task.twins), DTU_TRIAL=str(task.trial),
                   DTU_SEED=str(task.seed))
        if task.public is not None:
            env["DTU_PUBLIC"] = msgspec.json.encode(task.public).decode()
        return env

    async def run(self, task: Task, world: World) -> dict[str, Any] | None:
        if self._sem is None:
            await self.open()
        assert self._sem is not None
        hub = self.hub or await self._serve(world.twins)
        async with self._sem:
            token = hub.register(world)
            try:
                return await self._spawn(task, token)
            finally:
                hub.remove(world.id)

    async def _spawn(self, task: Task, token: str) -> dict[str, Any]:
        info: dict[str, Any] = {"command": self.cmd, "model_kind": "scripted-twin" if self.llm == "twin" else "api"}
        with tempfile.TemporaryDirectory(prefix="dtu-cmd-") as cwd:
            proc = await asyncio.create_subprocess_shell(
                self.cmd, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE, env=self.environment(task, token), cwd=cwd,
                start_new_session=True)
            assert proc.stdout is not None and proc.stderr is not None
            readers = [asyncio.ensure_future(_tail(s, self.tail)) for s in (proc.stdout, proc.stderr)]
            try:
                code = await proc.wait()
            except asyncio.CancelledError as e:  # the engine's timeout (or the run's end)
                _killpg(proc.pid)
                with contextlib.suppress(ProcessLookupError):
                    await asyncio.shield(proc.wait())
                info.update(await _collect(readers), exit_code=proc.returncode, killed=True)
                e.dtu_info = info  # type: ignore[attr-defined]
                raise
            _killpg(proc.pid)  # what the program left running in its group
            info.update(await _collect(readers), exit_code=code)
        if code != 0:
            last = info["stderr_tail"].strip().splitlines()[-1:] or [""]
            err = CommandFailed(f"exit code {code}: {last[0][:200]}")
            err.dtu_info = info  # type: ignore[attr-defined]
            raise err
        return info


def _killpg(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


async def _tail(stream: asyncio.StreamReader, limit: int) -> bytes:
    buf = bytearray()
    while chunk := await stream.read(65536):
        buf += chunk
        if len(buf) > limit:
            del buf[:-limit]
    return bytes(buf)


async def _collect(readers: Sequence[asyncio.Future[bytes]]) -> dict[str, str]:
    """The output tails, waiting briefly: a grandchild may hold a pipe open."""
    done, pending = await asyncio.wait(readers, timeout=2.0)
    for r in pending:
        r.cancel()
    out = [r.result() if r in done and not r.cancelled() and r.exception() is None else b"" for r in readers]
    return {"stdout_tail": out[0].decode("utf-8", "replace"), "stderr_tail": out[1].decode("utf-8", "replace")}
