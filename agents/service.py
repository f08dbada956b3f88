"""`service:<command>`: a long-running program (an event-driven Slack app) that serves every
world of a run at once, as a multi-workspace bot serves many workspaces.

dtu starts the program once per run, sandboxed like a command agent (its filesystem, pids and
environment; its network is the host's loopback, because dtu must reach the app's port), with:

  PORT                   where the app must listen on 127.0.0.1 (its Events API request URL and
                         interactivity URL are http://127.0.0.1:PORT/slack/events)
  SLACK_API_URL          the Slack Web API of the run's door (…/api/)
  SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_SIGNING_SECRET
                         the app's credentials (the signing secret signs every delivery)
  DTU_URL                the door

Each trial's world is its own Slack workspace (a team_id of its own). dtu installs the app in it
the way Slack does: it calls the app's redirect URL (`/slack/oauth_redirect?code=…&state=…`) and
the app exchanges the code with `oauth.v2.access` for the workspace's bot token. From then on
the world's events reach the app at its request URL, signed, and people's button clicks at its
interactivity URL. The request URL answers Slack's `url_verification` once, when the program is
ready (as Slack asks when an app's settings are saved, not at each install; if it does not, each
workspace asks again before its first event). The trial starts when its first event is delivered
and ends when the scenario's `done:` query finds something or its `deadline:` passes in world time
(the world's clock follows the wall clock, `speed` times faster). The app never says it has
finished.

Options (`service:speed=60,name=bot -- python app.py`): `speed` (world seconds per wall second,
default 60), `events` (the request path, default /slack/events), `redirect` (default
/slack/oauth_redirect), `ready` (seconds to wait for the port, default 30), `name`, `mount`, `env`,
`door` (the run's door port, default a free one), `jira` (the app's Atlassian Connect `installed`
callback path, e.g. /jira/installed: each trial's Jira site installs it, and the app signs its
REST calls with the shared secret as a JWT; runner/connect.py), `okta` (where the app takes an
org's settings, e.g. /okta/settings: each trial's Okta org posts {orgUrl, apiToken} there, what an
admin would paste into the integration; Okta has no install callback to imitate).

An app that runs elsewhere (started by you, in a debugger, in another language's runtime):
`service:url=http://127.0.0.1:3000,door=8790`. dtu starts nothing and does not sandbox it; it
takes the app's SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_SIGNING_SECRET from its own
environment (set them to the values the app uses), and the app calls the Slack API at the door
(`http://127.0.0.1:<door>/api/`). Everything else is the same: an install per trial's workspace,
signed deliveries, the trial's end on `done:` or the deadline."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import secrets
import socket
import sys
import tempfile
from typing import Any
from urllib.parse import urlsplit

from dtu.runner.agent import RunInfo, Task
from dtu.runner.errors import DtuError
from dtu.twins.core import World
from dtu.twins.core.hooks import loopback

from . import netns, sandbox, spawn, spec
from .command import _collect, _exec, _kill, _killpg, _started, _tail, _warn_once, spawn_private, split
from .door import Door

DEFAULTS: dict[str, Any] = {"name": "service", "speed": 60.0, "events": "/slack/events",
                            "redirect": "/slack/oauth_redirect", "ready": 30.0, "mount": "", "env": "",
                            "tail": 4096, "url": "", "door": 0, "jira": "", "okta": ""}
CREDENTIALS = ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_SIGNING_SECRET")
SLACK_EVENTS = ("message", "app_mention", "reaction_added", "member_joined_channel", "channel_created")
POLL = 0.02  # wall seconds between looks at a trial's end condition
INSTALL_TIMEOUT = 300.0  # wall seconds an install request may take (aiohttp's default)


class ServiceFailed(Exception):
    """The service program exited, never listened, or refused an install."""


class ServiceAgent:
    """Runs one program for the whole run and hands it worlds as Slack installations."""

    KIND = "service"

    def __init__(self, arg: str = "") -> None:
        opts, cmd = split(arg)
        if not opts and " " not in cmd and cmd and all(
                part.partition("=")[0] in DEFAULTS and "=" in part for part in cmd.split(",")):
            opts, cmd = cmd, ""  # only options (service:url=..., or options missing their `-- program`)
        o = spec.parse(self.KIND, opts, dict(DEFAULTS))
        self.url: str = o["url"].rstrip("/")
        if self.url and cmd:
            raise DtuError(f"--agent service:{arg}: give a program to run or the url= of one already running, "
                           "not both")
        if self.url and not loopback(self.url):
            raise DtuError(f"--agent service:{arg}: url= must be http://127.0.0.1:<port> (or localhost, [::1]): "
                           "dtu delivers events on this machine only")
        if not cmd and not self.url:
            raise DtuError("--agent service:<command>: give the program to run, e.g. "
                           "service:python examples/slack_service.py (or service:url=http://127.0.0.1:PORT for "
                           "an app already running)")
        if o["speed"] <= 0:
            raise DtuError(f"--agent service:{arg}: speed must be above 0")
        self.cmd = cmd
        self.name: str = o["name"]
        self.door_port = int(o["door"])
        self.jira_path: str = o["jira"]
        self.okta_path: str = o["okta"]
        self.speed = float(o["speed"])
        self.events_path: str = o["events"]
        self.redirect_path: str = o["redirect"]
        self.ready = float(o["ready"])
        self.tail = int(o["tail"])
        self.mounts = tuple(m for m in o["mount"].split(":") if m)
        self.pass_env = tuple(n for n in o["env"].split(":") if n)
        self.door = Door()
        self.proc: spawn.Process | None = None
        self.port = 0
        self.client_id = ""
        self.client_secret = ""
        self.signing_secret = ""
        self.app_id = ""
        self.verification_token = ""
        self._verified = False  # the request URL answered url_verification when the app was set up
        self._readers: list[asyncio.Future[bytes]] = []
        self._work: tempfile.TemporaryDirectory[str] | None = None
        self._deliveries: Any = None
        self._client: Any = None
        self._sandbox = "bwrap"
        self._network = "private"
        self._inside: Any = None
        self._door_site: Any = None

    # -- the program --------------------------------------------------------------------------
    async def open(self, run: RunInfo | None = None) -> None:
        """Start the program (once per run) and wait for its port; DtuError when it cannot."""
        if self._deliveries is not None:  # already open (the engine opens every agent it runs)
            return
        try:
            await self._open(run)
        except BaseException:
            await self.close()
            raise

    async def _open(self, run: RunInfo | None) -> None:
        from dtu.runner.deliver_slack import alnum_token
        from dtu.twins.registry import TWINS

        hub = await self.door.start(TWINS, self.door_port)
        hub.speed = self.speed
        self.app_id = "A" + secrets.token_hex(5).upper()
        self.verification_token = alnum_token(24)  # the app's, in every workspace (as Slack's)
        if self.url:
            await self._external(hub)
            return
        self.client_id = f"{secrets.randbelow(10**12)}.{secrets.randbelow(10**13)}"
        self.client_secret = secrets.token_hex(16)
        self.signing_secret = secrets.token_hex(16)
        self.port = _free_port()
        self._work = tempfile.TemporaryDirectory(prefix="dtu-service-", ignore_cleanup_errors=True)
        work = os.path.join(self._work.name, "work")
        task_dir = os.path.join(self._work.name, "task")
        os.mkdir(work, 0o700)
        os.mkdir(task_dir, 0o555)
        env = sandbox.base_env(os.environ, False, self.pass_env)
        env.update(PORT=str(self.port), DTU_URL=hub.base_url, SLACK_API_URL=f"{hub.base_url}/api/",
                   SLACK_CLIENT_ID=self.client_id, SLACK_CLIENT_SECRET=self.client_secret,
                   SLACK_SIGNING_SECRET=self.signing_secret, HOME=work, TMPDIR=work, DTU_WORKDIR=work)
        pipes: dict[str, Any] = {"stdin": spawn.DEVNULL, "stdout": spawn.PIPE,
                                 "stderr": spawn.PIPE, "env": env, "start_new_session": True}
        if run is None or run.sandbox:
            bwrap = sandbox.probe()
            lay = sandbox.layout(run, self.cmd, self.mounts)
            argv = sandbox.argv(lay, work, task_dir, self.cmd, *bwrap)
            if not netns.probe():
                self.proc = await self._private(argv, work, pipes)
            if self.proc is None:  # no private network here: the app shares the host's loopback
                self._network = "host"
                self.proc = await _started(spawn.start(*argv, cwd=work, **pipes))
        else:
            print(sandbox.NO_SANDBOX_WARNING, file=sys.stderr, flush=True)
            self._sandbox = "off"
            self._network = "host"
            line, preexec = sandbox.unsandboxed(_exec(self.cmd))
            self.proc = await _started(spawn.start(
                *line, cwd=os.path.abspath(run.launch_dir or os.getcwd()), preexec_fn=preexec, **pipes))
        assert self.proc.stdout is not None and self.proc.stderr is not None
        self._readers = [asyncio.ensure_future(_tail(s, self.tail)) for s in (self.proc.stdout, self.proc.stderr)]
        await self._wait_ready()
        await self._start_delivering(hub)

    async def _external(self, hub: Any) -> None:
        """An app that runs elsewhere (`url=`): dtu starts nothing. The app's credentials are the
        ones in dtu's environment (the values the app itself uses); it must call the Slack API at
        the door, which `door=PORT` fixes (else dtu says where it is)."""
        missing = [n for n in CREDENTIALS if not os.environ.get(n)]
        if missing:
            raise DtuError(f"--agent service:url=...: set {', '.join(missing)} in dtu's environment to the values "
                           "your app uses (dtu signs deliveries and answers oauth.v2.access with them)")
        self.client_id, self.client_secret, self.signing_secret = (os.environ[n] for n in CREDENTIALS)
        self._sandbox = "external"
        self._network = "host"
        self.port = int(urlsplit(self.url).port or 80)
        print(f"dtu: service {self.url}: its Slack API is {hub.base_url}/api/ (SLACK_API_URL)", file=sys.stderr,
              flush=True)
        await self._wait_ready()
        await self._start_delivering(hub)

    async def _start_delivering(self, hub: Any) -> None:
        """The installs' client and the deliveries, both keeping their connections to the app alive
        (a fresh one per request costs a socket made in the app's namespace and a handshake). The
        app's request URL is verified once, as Slack verifies it when an app's settings are saved,
        not at each workspace's install; if it fails here, each trial's workspace asks again before
        its first event (its log shows the answer)."""
        from dtu.runner.deliver import Deliveries
        from dtu.runner.deliver_slack import verify_url
        from dtu.runner.deliver_wire import Client

        self._client = Client(self._inside.socket if self._inside is not None else None)
        self._deliveries = Deliveries()
        self._deliveries.attach(hub)
        self._verified = await verify_url(self._client, self._url() + self.events_path, self.signing_secret,
                                          self.verification_token)

    def _url(self) -> str:
        return self.url or f"http://127.0.0.1:{self.port}"

    async def _private(self, argv: list[str], work: str, pipes: dict[str, Any]) -> Any:
        """The app in a network namespace of its own, where the run's door answers at its usual
        address and nothing else does; dtu reaches the app's port from inside (netns.Inside).
        None when this system will not let dtu in (the caller falls back to the host's network)."""
        from aiohttp import web

        proc, listening, ns_fd = await spawn_private(argv, work, pipes, self.door.port)
        try:
            inside = netns.Inside(ns_fd) if ns_fd is not None else None
            if inside is None or not inside.usable:
                _warn_once("dtu: service agents share the host's loopback here: dtu may not enter the "
                           f"app's network namespace ({inside.error if inside else 'no namespace'})")
                if inside is not None:
                    inside.close()
                listening.close()
                await _kill(proc)
                return None
            self._door_site = web.SockSite(self.door.runner, listening)
            await self._door_site.start()
        except BaseException:
            await _kill(proc)
            raise
        self._inside = inside
        self._network = "private"
        return proc

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """A connection to the app's port (inside its namespace when it has one)."""
        if self._inside is None:
            host = (urlsplit(self.url).hostname or "127.0.0.1") if self.url else "127.0.0.1"
            return await asyncio.open_connection(host, self.port)
        sock = self._inside.socket((socket.AF_INET, socket.SOCK_STREAM, 0))
        sock.setblocking(False)
        try:
            await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", self.port))
        except BaseException:
            sock.close()
            raise
        return await asyncio.open_connection(sock=sock)

    async def _wait_ready(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.ready
        while loop.time() < deadline:
            if self.proc is not None and self.proc.returncode is not None:
                raise DtuError(f"--agent service: the program exited with code {self.proc.returncode} before "
                               f"listening on 127.0.0.1:{self.port} (its PORT): {await self._stderr()}")
            with contextlib.suppress(OSError):
                _, writer = await self._connect()
                writer.close()
                return
            await asyncio.sleep(0.05)
        if self.url:
            raise DtuError(f"--agent service:url={self.url}: nothing answers there (start your app first)")
        raise DtuError(f"--agent service: the program did not listen on 127.0.0.1:{self.port} (its PORT) "
                       f"within {self.ready:g}s")

    async def _stderr(self) -> str:
        if self.proc is not None and self.proc.returncode is None:
            return ""
        with contextlib.suppress(Exception):
            return (await asyncio.wait_for(self._readers[1], 1)).decode("utf-8", "replace").strip()[-300:]
        return ""

    async def close(self) -> None:
        if self._deliveries is not None:
            with contextlib.suppress(Exception):
                await self._deliveries.close()
        if self._client is not None:
            await self._client.close()
        if self.proc is not None:
            _killpg(self.proc.pid)
            with contextlib.suppress(ProcessLookupError):
                await self.proc.wait()
            if self._readers:
                await _collect(self._readers)  # let what it wrote last be read
            self.proc.close()
        if self._door_site is not None:
            with contextlib.suppress(Exception):
                await self._door_site.stop()
        if self._inside is not None:
            self._inside.close()
        self._inside = self._door_site = None
        await self.door.close()
        if self._work is not None:
            self._work.cleanup()
        self.proc = self._client = self._deliveries = self._work = None

    # -- a trial --------------------------------------------------------------------------------
    async def run(self, task: Task, world: World) -> dict[str, Any] | None:
        if self._deliveries is None:
            await self.open()
        if not self.url and (self.proc is None or self.proc.returncode is not None):
            raise ServiceFailed(f"the service program is not running: {await self._stderr()}")
        hub = self.door.hub
        assert hub is not None
        bot = _workspace(world)
        hub.register(world, task.tools)
        info: dict[str, Any] = {"sandbox": self._sandbox, "network": self._network, "team_id": bot[0]}
        try:
            url = self._url()
            self._deliveries.listener(world, socket_factory=self._inside.socket if self._inside else None)
            app = self._deliveries.slack_app(world, request_url=url + self.events_path,
                                             interactivity_url=url + self.events_path, events=SLACK_EVENTS,
                                             signing_secret=self.signing_secret, app_id=self.app_id, bot_user=bot[1],
                                             verification_token=self.verification_token)
            if self._verified:
                app.verified = True
            await self._install(world, bot[1], url + self.redirect_path)
            if self.jira_path and "jira" in world.image.seeded:
                await self._install_jira(world, url + self.jira_path)
            if self.okta_path and "okta" in world.image.seeded:
                await self._install_okta(world, url + self.okta_path)
            info["delivered"] = await self._until_done(task, world)
            return info
        finally:
            with contextlib.suppress(Exception):
                await self._deliveries.drain(world)
            hub.remove(world.id)

    async def _install(self, world: World, bot: str, redirect: str) -> None:
        """Slack's OAuth v2 install: the app's redirect URL gets a one-time code for this world."""
        from dtu.runner.hub import Capability

        hub = self.door.hub
        assert hub is not None
        code = f"{secrets.randbelow(10**12)}.{secrets.token_hex(20)}"
        hub.capabilities[code] = Capability(world.id, "slack", ("oauth.v2.access",),
                                            {"_bot": bot, "_app": self.app_id})
        hub._world_caps.setdefault(world.id, []).append(code)
        # both are URL-safe as they are: what urlencode would make of them
        status = await self._call("GET", redirect, None, f"code={code}&state={secrets.token_urlsafe(12)}")
        if status >= 400:
            raise ServiceFailed(f"the app refused its install in {world.id}: {redirect} answered {status}")

    async def _install_jira(self, world: World, callback: str) -> None:
        """Atlassian Connect's install: the app's `installed` callback gets this Jira site's
        clientKey, sharedSecret and baseUrl; it then signs its REST calls (runner/connect.py)."""
        from dtu.runner.connect import installed_payload
        from dtu.twins.jira.state import User

        hub = self.door.hub
        assert hub is not None
        state: Any = world.ctx("jira").state
        app = "557058:" + hashlib.blake2b(f"app{world.env.seed}".encode(), digest_size=16).hexdigest()
        state.users[app] = User(account_id=app, display_name="dtu app", account_type="app")
        key, secret = hub.connect.add(world, app)
        status = await self._call("POST", callback, installed_payload(key, secret, hub.base_url, world))
        if status >= 400:
            raise ServiceFailed(f"the app refused its Jira install in {world.id}: {callback} answered {status}")

    async def _install_okta(self, world: World, callback: str) -> None:
        """Okta has no install callback: an admin creates an API token for the integration and
        pastes it, with the org's URL, into the app's settings. dtu does that part: the app's
        `okta` path gets {orgUrl, apiToken} for this trial's org (a token acting as the org's
        admin, in this org only, used as `Authorization: SSWS <token>` as the okta SDKs do)."""
        hub = self.door.hub
        assert hub is not None
        admin = world.ctx("okta").actor
        token = hub.token(world, {"okta": admin})
        body = {"orgUrl": hub.base_url, "apiToken": token, "orgId": world.id}
        status = await self._call("POST", callback, body)
        if status >= 400:
            raise ServiceFailed(f"the app refused its Okta settings in {world.id}: {callback} answered {status}")

    async def _call(self, method: str, url: str, body: Any, query: str = "") -> int:
        """An install request to the app (a JSON body, or none): its status; ServiceFailed when
        no answer came."""
        from dtu.runner.deliver_wire import WireError

        headers = {"Content-Type": "application/json"} if body is not None else {}
        data = json.dumps(body).encode() if body is not None else None
        try:
            status, _, _ = await self._client.request(method, url, headers, data, INSTALL_TIMEOUT, query=query)
        except (WireError, OSError, TimeoutError) as e:
            raise ServiceFailed(f"the app did not answer {method} {url}: {e or type(e).__name__}") from None
        return status

    async def _until_done(self, task: Task, world: World) -> int:
        """Wait for the scenario's end: its `done` query or its deadline, in world time."""
        done = world.done
        end = world.deadline if world.deadline is not None else world.started + 3600.0
        hub = self.door.hub
        assert hub is not None
        while True:
            await hub.catch_up(world)
            if done is not None and done(world):
                break
            if world.env.now >= end:
                break
            if self.proc is not None and self.proc.returncode is not None:
                raise ServiceFailed(f"the service program exited with code {self.proc.returncode}: "
                                    f"{await self._stderr()}")
            await asyncio.sleep(POLL)
        await self._deliveries.drain(world)
        return sum(1 for c in world.calls if c.actor == "dtu")


def _workspace(world: World) -> tuple[str, str]:
    """Make the world a workspace of its own (a team_id from its seed) with the app's bot user
    (the seed's first bot, else one added): (team_id, bot user id)."""
    from dtu.twins.slack.state import User

    state: Any = world.ctx("slack").state
    digest = hashlib.blake2b(f"{world.env.seed}".encode(), digest_size=6).hexdigest().upper()
    state.team_id = "T" + digest[:10]
    bot = next((u for u in state.users.values() if u.is_bot and not u.deleted), None)
    if bot is None:
        uid = "U" + digest[:8] + "B0T"
        bot = state.users[uid] = User(id=uid, name="dtu-app", real_name="dtu app", is_bot=True,
                                      bot_id="B" + digest[:10])
    return state.team_id, bot.id


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
