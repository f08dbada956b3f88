"""Service agents: one long-running program for the whole run (a plain slack_bolt app, in its
sandbox and network namespace), installed in each trial's workspace through Slack's OAuth flow,
fed the world's events signed; trials end on the scenario's `done:` or deadline."""

from __future__ import annotations

import asyncio
import shlex
import sys
from pathlib import Path
from typing import Any

import pytest

from dtu.agents import netns
from dtu.agents.service import ServiceAgent
from dtu.runner.engine import Prepared, RunOptions, run_all
from dtu.runner.errors import DtuError
from dtu.runner.records import Trajectory
from dtu.runner.scenario import BUNDLED, Loaded, load_file
from dtu.twins.registry import TWINS

ROOT = Path(__file__).resolve().parents[2]
PY = shlex.quote(sys.executable)
APP = f"{PY} {shlex.quote(str(ROOT / 'examples' / 'slack_service.py'))}"

pytestmark = pytest.mark.usefixtures("no_anthropic_env")


def incident() -> Loaded:
    return load_file(BUNDLED / "people" / "incident-bot-ack.yaml")


def run(agent: Any, loaded: list[Loaded], trials: int = 1, **opts: Any) -> list[Trajectory]:
    out: list[Trajectory] = []
    prepared = [Prepared(ld, 0, TWINS) for ld in loaded]
    options = RunOptions(trials=trials, concurrency=8, timeout=60, launch_dir=str(ROOT), **opts)
    asyncio.run(run_all([agent], prepared, options, out.append))
    return sorted(out, key=lambda t: t.trial)


def test_a_bolt_app_serves_every_trial_from_one_process() -> None:
    agent = ServiceAgent(f"speed=120 -- {APP}")
    trajs = run(agent, [incident()], trials=3)
    assert [t.satisfied for t in trajs] == [True, True, True], [(t.error, t.checks) for t in trajs]
    teams = {t.info["team_id"] for t in trajs}
    assert len(teams) == 3  # each trial is a workspace of its own
    for t in trajs:
        assert t.info["sandbox"] == "bwrap"
        assert t.info["network"] == ("private" if not netns.probe() else "host")
        ops = [(c.actor, c.op) for c in t.calls]
        assert ops[0] == (None, "oauth.v2.access")  # installed the way Slack installs an app
        delivered = [c for c in t.calls if c.actor == "dtu"]
        # the request URL was verified once, when the app was ready: no workspace asks again
        assert [c.op for c in delivered][:2] == ["deliver:message", "deliver:app_mention"]
        assert "deliver:url_verification" not in {c.op for c in delivered}
        assert {c.args["body"]["token"] for c in delivered} == {agent.verification_token}  # the app's, everywhere
        assert all(c.status == 200 for c in delivered)  # bolt verified every signature
        assert all("X-Slack-Signature" not in c.args["headers"] for c in delivered)  # no secret in the log
        mention = next(c for c in delivered if c.op == "deliver:app_mention")
        assert mention.args["body"]["team_id"] == t.info["team_id"]
        answer = [c for c in t.calls if c.actor is None and c.op == "chat.postMessage"]
        assert answer and answer[0].args["thread_ts"] and answer[0].status == 200


def test_a_service_that_exits_is_a_clear_error() -> None:
    agent = ServiceAgent(f"-- {PY} -c 'import sys; print(\"no port for me\", file=sys.stderr); sys.exit(3)'")
    with pytest.raises(DtuError, match="exited with code 3"):
        run(agent, [incident()])


def test_a_service_that_never_listens_is_a_clear_error() -> None:
    agent = ServiceAgent(f"ready=1 -- {PY} -c 'import time; time.sleep(30)'")
    with pytest.raises(DtuError, match="did not listen"):
        run(agent, [incident()])


def test_a_service_that_dies_mid_run_costs_its_trials_not_the_run(tmp_path: Path) -> None:
    """The app answers its install, then exits: the trial errors (no traceback), the run ends."""
    app = tmp_path / "dying.py"
    app.write_text(
        "import os, sys\n"
        "from aiohttp import web\n"
        "async def install(request):\n"
        "    asyncio.get_running_loop().call_later(0.2, os._exit, 5)\n"
        "    return web.Response(text='installed')\n"
        "import asyncio\n"
        "app = web.Application()\n"
        "app.router.add_get('/slack/oauth_redirect', install)\n"
        "web.run_app(app, host='127.0.0.1', port=int(os.environ['PORT']), print=None)\n")
    agent = ServiceAgent(f"speed=120 -- {PY} {shlex.quote(str(app))}")
    trajs = run(agent, [incident()], mounts=(str(tmp_path),))
    assert len(trajs) == 1 and not trajs[0].satisfied
    assert trajs[0].error and "exited with code 5" in trajs[0].error


def test_an_app_that_fails_url_verification_is_asked_again_in_each_workspace(tmp_path: Path) -> None:
    """Verified once when it is ready, else each trial's workspace asks before its first event (its
    log shows the answer) and sends no event to an endpoint that never echoed the challenge."""
    app = tmp_path / "deaf.py"
    app.write_text(
        "import os\n"
        "from aiohttp import web\n"
        "async def install(request):\n"
        "    return web.Response(text='installed')\n"
        "async def events(request):\n"
        "    return web.Response(text='')\n"
        "app = web.Application()\n"
        "app.router.add_get('/slack/oauth_redirect', install)\n"
        "app.router.add_post('/slack/events', events)\n"
        "web.run_app(app, host='127.0.0.1', port=int(os.environ['PORT']), print=None)\n")
    scenario = incident()
    agent = ServiceAgent(f"speed=600 -- {PY} {shlex.quote(str(app))}")
    trajs = run(agent, [scenario], trials=2, mounts=(str(tmp_path),))
    assert not agent._verified
    for t in trajs:
        delivered = [(c.op, c.status) for c in t.calls if c.actor == "dtu"]
        assert delivered == [("deliver:url_verification", 200)], delivered


def test_options_are_checked() -> None:
    with pytest.raises(DtuError, match="give the program"):
        ServiceAgent("")
    with pytest.raises(DtuError, match="speed"):
        ServiceAgent("speed=0 -- true")


def _free() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_app_that_runs_elsewhere_is_served_over_the_http_door(monkeypatch: pytest.MonkeyPatch,
                                                                 tmp_path: Path) -> None:
    """`service:url=`: the user starts the app (here the same bolt example, unsandboxed, as its own
    process) with its own credentials; dtu installs it in each trial's workspace and feeds it."""
    import os
    import subprocess

    app_port, door_port = _free(), _free()
    creds = {"SLACK_CLIENT_ID": "111.222", "SLACK_CLIENT_SECRET": "c" * 32, "SLACK_SIGNING_SECRET": "s" * 32}
    for k, v in creds.items():
        monkeypatch.setenv(k, v)
    env = dict(os.environ, PORT=str(app_port), SLACK_API_URL=f"http://127.0.0.1:{door_port}/api/",
               HOME=str(tmp_path), **creds)
    app = subprocess.Popen([sys.executable, str(ROOT / "examples" / "slack_service.py")], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        agent = ServiceAgent(f"url=http://127.0.0.1:{app_port},door={door_port},speed=120")
        trajs = run(agent, [incident()], trials=2)
    finally:
        app.terminate()
        _, err = app.communicate(timeout=10)
    assert [t.satisfied for t in trajs] == [True, True], (err.decode()[-500:], [t.error for t in trajs])
    assert {t.info["sandbox"] for t in trajs} == {"external"}
    assert len({t.info["team_id"] for t in trajs}) == 2


def test_an_app_elsewhere_needs_its_credentials_and_a_loopback_url(monkeypatch: pytest.MonkeyPatch) -> None:
    for k in ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_SIGNING_SECRET"):
        monkeypatch.delenv(k, raising=False)
    with pytest.raises(DtuError, match="SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_SIGNING_SECRET"):
        run(ServiceAgent(f"url=http://127.0.0.1:{_free()}"), [incident()])
    with pytest.raises(DtuError, match="this machine only"):
        ServiceAgent("url=http://example.com:3000")
    with pytest.raises(DtuError, match="not both"):
        ServiceAgent("url=http://127.0.0.1:3000 -- python app.py")


CONNECT_APP = '''
import asyncio, os, json
import aiohttp
from aiohttp import web
from atlassian_jwt import encode_token

async def oauth(request):
    return web.Response(text="no Slack side")

async def work(tenant):
    base = tenant["baseUrl"].rstrip("/")
    path = "/rest/api/3/issue"
    async with aiohttp.ClientSession() as s:
        forged = encode_token("POST", path, tenant["clientKey"], "not-the-secret")
        async with s.post(base + path, json={}, headers={"Authorization": "JWT " + forged}) as r:
            first = r.status
        token = encode_token("POST", path, tenant["clientKey"], tenant["sharedSecret"])
        body = {"fields": {"project": {"key": "OPS"}, "issuetype": {"name": "Task"},
                           "summary": f"filed by the app (forged: {first})"}}
        async with s.post(base + path, json=body, headers={"Authorization": "JWT " + token}) as r:
            assert r.status == 201, await r.text()

async def installed(request):
    tenant = await request.json()
    asyncio.get_running_loop().create_task(work(tenant))
    return web.Response(status=204)

async def okta(request):
    org = await request.json()
    async def suspend():
        async with aiohttp.ClientSession() as s:
            url = org["orgUrl"] + "/api/v1/users/00ubob0000000000001/lifecycle/suspend"
            async with s.post(url, headers={"Authorization": "SSWS " + org["apiToken"]}) as r:
                assert r.status == 200, await r.text()
    asyncio.get_running_loop().create_task(suspend())
    return web.Response(status=204)

app = web.Application()
app.router.add_get("/slack/oauth_redirect", oauth)
app.router.add_post("/jira/installed", installed)
app.router.add_post("/okta/settings", okta)
web.run_app(app, host="127.0.0.1", port=int(os.environ["PORT"]), print=None)
'''

CONNECT_SCENARIO = """\
id: connect-probe
title: The app files an issue
intent: File an issue in OPS.
deadline: 1h
done: "(values(okta.users)[?status=='SUSPENDED'] | [0]) && (values(jira.issues) | [0])"
seed:
  okta:
    users: [{id: 00ubob0000000000001, login: bob@acme.test, firstName: Bob, lastName: Stone}]
  jira:
    projects: [{key: OPS, name: Operations}]
reference:
  - {twin: jira, op: issue.create, args: {fields: {project: {key: OPS}, summary: "filed by the app (forged: 401)",
                                                   issuetype: {name: Task}}}}
  - {twin: okta, op: suspend_user, args: {id: 00ubob0000000000001}}
checks:
  - {id: suspended, query: 'okta.users."00ubob0000000000001".status', op: equals, value: SUSPENDED}
  - {id: filed, query: "jira.issues.*.summary", op: contains, value: "filed by the app (forged: 401)"}
"""


def test_a_jira_site_installs_the_app_and_only_its_signed_calls_act(tmp_path: Path) -> None:
    """Atlassian Connect: the `installed` callback hands the app the site's shared secret; a call
    signed with it (HS256 JWT with Atlassian's qsh) acts as the app's user in that site only; a
    forged one is refused. Okta: the app gets its org's URL and API token, as an admin pastes them."""
    from dtu.runner.scenario import load_text

    app = tmp_path / "connect_app.py"
    app.write_text(CONNECT_APP)
    agent = ServiceAgent(f"jira=/jira/installed,okta=/okta/settings,speed=120 -- {PY} {shlex.quote(str(app))}")
    trajs = run(agent, [load_text("connect.yaml", CONNECT_SCENARIO)], trials=2, mounts=(str(tmp_path),))
    assert [t.satisfied for t in trajs] == [True, True], [(t.error, t.checks) for t in trajs]
    for t in trajs:
        created = [c for c in t.calls if c.op == "issue.create" and c.status == 201]
        assert len(created) == 1
        assert t.info.get("deadline") is None  # it ended on `done:`, not by running out of time
