"""The command agent: any program, in any language, run once per trial against the HTTP door.

Spec: `command:<shell command>`, or with options `command:<options> -- <shell command>` where
options are `key=value` pairs separated by commas:

  jobs=4          processes running at once (trials beyond wait their turn)
  name=command    the agent's name in results (give each its own when comparing programs)
  llm=auto        auto | twin | real: `twin` points the program's anthropic SDK at the trial's
                  Anthropic twin (ANTHROPIC_BASE_URL = the trial's door, ANTHROPIC_API_KEY = the
                  world token); `real` passes the user's ANTHROPIC_* on; `auto` is `real` when
                  ANTHROPIC_API_KEY is set, else `twin`
  tail=4096       bytes of stdout and stderr kept in the trajectory
  mount=          more read-only paths for the sandbox, separated by `:` (like --agent-mount)
  env=            names of more variables of dtu's environment to pass on, separated by `:`

e.g. `command:python examples/slack_agent.py`, `command:jobs=8,name=v2 -- ./my-agent --fast`.

For each trial the agent serves the trial's world on an HTTP door (127.0.0.1, a free port,
admin endpoints locked behind a random token) and runs the program with /bin/sh in a
bubblewrap sandbox (agents/sandbox.py) with a network of its own (agents/netns.py): loopback
only, where the door answers at the same URL, so the program reaches its own trial's door and
nothing else (no host service, no other trial, no internet). With `llm=real` the program needs
the model's API, so its sandbox shares the host's network. It starts in the directory dtu was
started from (read-only, so relative paths resolve as written) with a fresh empty writable
folder as HOME, TMPDIR and DTU_WORKDIR. The environment is an allowlist: PATH, LANG, LC_*, TZ,
TERM, then DTU_INTENT_FILE and DTU_PUBLIC_FILE (read-only files, always there; the public one
when the scenario has public context), DTU_INTENT and DTU_PUBLIC (JSON) only when at most 32
KiB, DTU_TOKEN, DTU_URL, DTU_MCP_URL, DTU_TWINS, DTU_TRIAL, DTU_SEED, DTU_WORKDIR and each
twin's variables in the form its SDK expects (SLACK_API_URL, SLACK_BOT_TOKEN, ...). At the
trial's end or timeout the whole process tree is killed. Exit code, the last `tail` bytes of stdout and
stderr, `sandbox` ("bwrap" or "off") and `network` ("private" or "host") go into the
trajectory's info; a non-zero exit makes the trial an error.

The trial timeout counts time spent waiting for a slot: run with `--concurrency` no larger than
`jobs`, or raise `--timeout`."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
import tempfile
from collections.abc import Coroutine, Sequence
from typing import Any

import msgspec

from dtu.runner.agent import RunInfo, Task
from dtu.runner.errors import DtuError
from dtu.twins.core import World

from . import netns, sandbox, spawn, spec
from .door import Door, speed_for

__all__ = ["ENV_MAX", "CommandAgent", "CommandFailed", "McpAgent"]

DEFAULTS: dict[str, Any] = {"jobs": 4, "name": "command", "llm": "auto", "tail": 4096, "mount": "", "env": "",
                            "speed": 60.0}
ENV_MAX = 32 * 1024  # the intent and public context go in the environment up to this size (bytes)


class CommandFailed(Exception):
    """The program exited with a non-zero code."""


def split(arg: str) -> tuple[str, str]:
    """(options, command) of a `command:` spec argument."""
    if arg.lstrip().startswith("-- "):  # no options, just the separator
        return "", arg.lstrip()[3:].strip()
    head, sep, tail = arg.partition(" -- ")
    if sep and "=" in head and " " not in head.strip():
        return head.strip(), tail.strip()
    return "", arg.strip()


class CommandAgent:
    """Runs an external program per trial, sandboxed; the program acts through the HTTP door."""

    KIND = "command"
    EXAMPLE = "python examples/slack_agent.py"

    def __init__(self, arg: str = "") -> None:
        opts, cmd = split(arg)
        kind = self.KIND
        o = spec.parse(kind, opts, {**DEFAULTS, "name": kind})
        if not cmd:
            raise DtuError(f"--agent {kind}:<shell command>: give the program to run, e.g. {kind}:{self.EXAMPLE}")
        if o["llm"] not in ("auto", "twin", "real"):
            raise DtuError(f"--agent {kind}:{arg}: llm must be auto, twin or real")
        if o["jobs"] < 1:
            raise DtuError(f"--agent {kind}:{arg}: jobs must be at least 1")
        self.cmd = cmd
        self.name: str = o["name"]
        self.jobs: int = o["jobs"]
        self.tail: int = o["tail"]
        if not 0 < o["speed"] <= 1_000_000:
            raise DtuError(f"--agent {kind}:{arg}: speed must be above 0 (world seconds a wall second)")
        self.speed = float(o["speed"])  # how fast people's world time runs while the program waits
        self.mounts: tuple[str, ...] = tuple(m for m in o["mount"].split(":") if m)
        self.pass_env: tuple[str, ...] = tuple(n for n in o["env"].split(":") if n)
        llm = o["llm"]
        if llm == "auto":
            llm = "real" if os.environ.get("ANTHROPIC_API_KEY") else "twin"
        self.llm: str = llm
        self.door = Door()
        self.layout: sandbox.Layout | None = None  # None: --no-sandbox
        self._bwrap: tuple[str, bool] = ("bwrap", True)
        self.network = "host"  # "private": each sandbox has a network of its own holding only its door
        self._launch = ""
        self._sem: asyncio.Semaphore | None = None

    async def open(self, run: RunInfo | None = None) -> None:
        """Check the sandbox (DtuError when bwrap is missing or unusable) and lay out its
        filesystem once per run; with --no-sandbox, warn once."""
        if run is None or run.sandbox:
            self._bwrap = sandbox.probe()
            self.layout = sandbox.layout(run, self.cmd, self.mounts)
            self._launch = self.layout.chdir
            self.network = self._network()
        else:
            print(sandbox.NO_SANDBOX_WARNING, file=sys.stderr, flush=True)
            self.layout = None
            self._launch = os.path.abspath(run.launch_dir or os.getcwd())
        self._sem = self._sem or asyncio.Semaphore(self.jobs)

    @property
    def hub(self) -> Any:
        """The door's hub while the agent runs, else None."""
        return self.door.hub

    def _network(self) -> str:
        """A private network unless the program talks to a real model (it needs the internet) or
        this system refuses one (said once, and recorded per trial)."""
        if self.llm == "real":
            return "host"
        why = netns.probe()
        if why:
            _warn_once(f"dtu: program agents share the host's network here: a private network namespace "
                       f"was refused ({why}); allow unprivileged user namespaces to isolate them")
            return "host"
        return "private"

    async def close(self) -> None:
        await self.door.close()
        self._sem = None

    async def _private(self, argv: list[str], work: str, pipes: dict[str, Any],
                       world: World) -> tuple[spawn.Process, Any, netns.Inside | None]:
        """The sandbox started in a network namespace of its own (agents/netns.py), and the door
        dtu serves into it: the trial's door at the same URL, and nothing else to reach. Events
        the world sends to the program (a Jira webhook, an Okta event hook, a Drive channel it
        registered at http://127.0.0.1:...) go into that namespace too: a program cannot make dtu
        send requests to the host's own loopback. Where dtu may not enter it, they fail."""
        from aiohttp import web

        proc, listening, ns_fd = await spawn_private(argv, work, pipes, self.door.port)
        inside: netns.Inside | None = None
        try:
            door = web.SockSite(self.door.runner, listening)
            await door.start()
            if ns_fd is not None:
                inside = netns.Inside(ns_fd)
            deliveries = self.hub.deliveries if self.hub is not None else None
            if deliveries is not None:
                deliveries.listener(world, socket_factory=inside.socket if inside is not None and inside.usable
                                    else _no_way_in)
        except BaseException:
            if inside is not None:
                inside.close()
            await _kill(proc)
            raise
        return proc, door, inside

    def environment(self, task: Task, token: str, work: str, files: dict[str, str]) -> dict[str, str]:
        """The program's environment: an allowlist of dtu's (sandbox.base_env), then the task's
        variables, the twins' SDK variables and the working folder."""
        twin_mode = self.llm == "twin"
        env = sandbox.base_env(os.environ, not twin_mode, self.pass_env)
        names = self.vendor_twins(task) + (("anthropic",) if twin_mode else ())
        env.update(self.hub.env_vars(token, names))
        env.update(DTU_TWINS=",".join(task.twins), DTU_TRIAL=str(task.trial), DTU_SEED=str(task.seed),
                   DTU_WORKDIR=work, HOME=work, TMPDIR=work, DTU_INTENT_FILE=files["intent"])
        if len(task.intent.encode()) <= ENV_MAX:
            env["DTU_INTENT"] = task.intent
        if "public" in files:
            env["DTU_PUBLIC_FILE"] = files["public"]
            public = msgspec.json.encode(task.public).decode()
            if len(public.encode()) <= ENV_MAX:
                env["DTU_PUBLIC"] = public
        return env

    def vendor_twins(self, task: Task) -> tuple[str, ...]:
        """The twins whose SDK variables the program gets."""
        return tuple(n for n in task.twins if n != "anthropic")

    async def run(self, task: Task, world: World) -> dict[str, Any] | None:
        if self._sem is None:
            await self.open()
        assert self._sem is not None
        hub = await self.door.start(world.twins)
        async with self._sem:
            token = hub.register(world, task.tools, speed=speed_for(world, self.speed))
            try:
                return _model_used(await self._spawn(task, token, world), world)
            except BaseException as e:
                if isinstance(info := getattr(e, "dtu_info", None), dict):
                    _model_used(info, world)
                raise
            finally:
                hub.remove(world.id)

    async def _spawn(self, task: Task, token: str, world: World) -> dict[str, Any]:
        info: dict[str, Any] = {"command": self.cmd, "sandbox": "off" if self.layout is None else "bwrap",
                                "network": "host" if self.layout is None else self.network,
                                "model_kind": "twin" if self.llm == "twin" else "api"}
        with tempfile.TemporaryDirectory(prefix="dtu-trial-", ignore_cleanup_errors=True) as root:
            work, task_dir = os.path.join(root, "work"), os.path.join(root, "task")
            os.mkdir(work, 0o700)
            os.mkdir(task_dir, 0o700)
            files = {"intent": _write(task_dir, "intent.txt", task.intent.encode())}
            if task.public is not None:
                files["public"] = _write(task_dir, "public.json", msgspec.json.encode(task.public))
            os.chmod(task_dir, 0o555)
            env = self.environment(task, token, work, files)
            pipes: dict[str, Any] = {"stdin": spawn.DEVNULL, "stdout": spawn.PIPE,
                                     "stderr": spawn.PIPE, "env": env, "start_new_session": True}
            door: Any = None
            inside: netns.Inside | None = None
            if self.layout is None:
                line, preexec = sandbox.unsandboxed(_exec(self.cmd))
                proc = await _started(spawn.start(
                    *line, cwd=self._launch, preexec_fn=preexec, **pipes))
            elif self.network == "private":
                proc, door, inside = await self._private(
                    sandbox.argv(self.layout, work, task_dir, self.cmd, *self._bwrap), work, pipes, world)
            else:
                proc = await _started(spawn.start(
                    *sandbox.argv(self.layout, work, task_dir, self.cmd, *self._bwrap), cwd=work, **pipes))
            assert proc.stdout is not None and proc.stderr is not None
            readers = [asyncio.ensure_future(_tail(s, self.tail)) for s in (proc.stdout, proc.stderr)]
            try:
                code = await proc.wait()
            except asyncio.CancelledError as e:  # the engine's timeout (or the run's end)
                _killpg(proc.pid)
                with contextlib.suppress(ProcessLookupError):
                    await asyncio.shield(proc.wait())
                info.update(await _collect(readers), exit_code=proc.returncode, killed=True)
                proc.close()
                e.dtu_info = info  # type: ignore[attr-defined]
                raise
            finally:
                if door is not None:
                    with contextlib.suppress(Exception):
                        await door.stop()
                if inside is not None:
                    if self.hub is not None and self.hub.deliveries is not None:
                        await self.hub.deliveries.release(inside.socket)
                    inside.close()
            _killpg(proc.pid)  # what the program left running in its group
            info.update(await _collect(readers), exit_code=code)
            proc.close()
        if code != 0:
            last = info["stderr_tail"].strip().splitlines()[-1:] or [""]
            err = CommandFailed(f"exit code {code}: {last[0][:200]}")
            err.dtu_info = info  # type: ignore[attr-defined]
            raise err
        return info


class McpAgent(CommandAgent):
    """`mcp:<command>`: a program that gets its tools from the MCP door. It is run like a command
    agent (sandbox, network, options, info), but is handed the trial's MCP endpoint instead of
    the vendors' SDK variables: DTU_MCP_URL and DTU_MCP_TOKEN (send it as
    `Authorization: Bearer`), and the same as a `.mcp.json` in its working folder (DTU_MCP_CONFIG),
    the file Claude Code and most MCP clients read."""

    KIND = "mcp"
    EXAMPLE = "python examples/mcp_agent.py"

    def vendor_twins(self, task: Task) -> tuple[str, ...]:
        return ()

    def environment(self, task: Task, token: str, work: str, files: dict[str, str]) -> dict[str, str]:
        env = super().environment(task, token, work, files)
        url = env["DTU_MCP_URL"]
        config = {"mcpServers": {"dtu": {"type": "http", "url": url, "headers": {"Authorization": f"Bearer {token}"}}}}
        path = os.path.join(work, ".mcp.json")
        with open(path, "wb") as f:
            f.write(msgspec.json.encode(config))
        env.update(DTU_MCP_TOKEN=token, DTU_MCP_CONFIG=path)
        return env


async def spawn_private(argv: list[str], work: str, pipes: dict[str, Any],
                        door_port: int) -> tuple[spawn.Process, socket.socket, int | None]:
    """Start `argv` in a network namespace of its own (agents/netns.py): the process, the socket
    listening on 127.0.0.1:`door_port` inside it (for dtu to serve the door on), and the
    namespace's fd (for dtu to reach a server the program runs there; None if not shared).

    Where it can, a helper process makes the namespace (`netns.Maker`) and dtu starts the program
    with vfork, through nsenter; elsewhere dtu forks and makes it in a preexec function."""
    maker = netns.maker()
    if maker is not None:
        try:
            made = await maker.make(door_port)
        except OSError:
            if maker.alive():  # this namespace alone failed: so does this trial
                raise
            return await spawn_private(argv, work, pipes, door_port)  # the helper is gone: fork instead
        try:
            proc = await _started(spawn.start(*maker.command(made, argv), cwd=work, **pipes))
        except BaseException:
            made.listening.close()
            os.close(made.net)
            os.close(made.user)
            raise
        # nsenter opens the user namespace through dtu's fd: it stays open until the program ends
        asyncio.ensure_future(proc.wait()).add_done_callback(lambda _: os.close(made.user))
        return proc, made.listening, made.net
    parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    with parent:
        try:
            proc = await _started(spawn.start(
                *argv, cwd=work, preexec_fn=netns.enter(door_port, child.fileno(), share=True),
                pass_fds=(child.fileno(),), **pipes))
        finally:
            child.close()
        try:
            parent.settimeout(10)
            listening, ns_fd = netns.receive_all(parent)
        except BaseException:
            await _kill(proc)
            raise
    return proc, listening, ns_fd


def _no_way_in(addr_info: Any) -> socket.socket:
    """No socket: dtu may not enter the program's network namespace, and the host's is not its."""
    raise OSError("dtu cannot reach into the program's network namespace here")


async def _kill(proc: spawn.Process) -> None:
    _killpg(proc.pid)
    with contextlib.suppress(ProcessLookupError):
        await proc.wait()
    proc.close()


def _warn_once(text: str) -> None:
    if text not in _WARNED:
        _WARNED.add(text)
        print(text, file=sys.stderr, flush=True)


_WARNED: set[str] = set()


def _model_used(info: dict[str, Any], world: World) -> dict[str, Any]:
    """A program given the Anthropic twin that never called it used no model: its results carry
    no twin-model label (a program on a real key is labelled `api`; dtu cannot see those calls)."""
    if info.get("model_kind") == "twin" and not any(c.twin == "anthropic" for c in world.calls):
        del info["model_kind"]
    return info


async def _started(spawn: Coroutine[Any, Any, spawn.Process]) -> spawn.Process:
    """The spawned process. Cancelled while spawning (the run stopped, the trial timed out), the
    process may already exist: it is killed before the cancellation goes on."""
    starting = asyncio.ensure_future(spawn)
    try:
        return await asyncio.shield(starting)
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            await _kill(await starting)
        raise


def _exec(cmd: str) -> str:
    """A simple command replaces the shell (`exec`), so the program itself is dtu's child and
    dies with it (PR_SET_PDEATHSIG survives exec); lists and pipelines stay as written.
    `sandbox.unsandboxed` runs it."""
    first = cmd.split(maxsplit=1)[0] if cmd.split() else ""
    if any(c in cmd for c in ";&|\n`(){}") or "=" in first or first in _SHELL_WORDS:
        return cmd
    return "exec " + cmd


_SHELL_WORDS = frozenset(("if", "for", "while", "until", "case", "cd", "export", "source", ".", "!", "exec", "time"))


def _write(folder: str, name: str, data: bytes) -> str:
    path = os.path.join(folder, name)
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, 0o444)
    return path


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
