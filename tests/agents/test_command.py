"""The command agent: a real slack_sdk program, one that hangs, one that crashes, a huge intent,
the allowlisted environment, and --no-sandbox."""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import sys
import time
from pathlib import Path
from typing import Any

import msgspec
import pytest

from dtu.agents import netns
from dtu.agents.command import ENV_MAX, CommandAgent, split
from dtu.agents.sandbox import NO_SANDBOX_WARNING
from dtu.runner.engine import Prepared, RunOptions, run_all
from dtu.runner.errors import DtuError
from dtu.runner.records import Trajectory
from dtu.runner.scenario import Loaded, load_file
from dtu.twins.registry import TWINS

from .conftest import launch

ROOT = Path(__file__).resolve().parents[2]
PY = shlex.quote(sys.executable)

pytestmark = pytest.mark.usefixtures("no_anthropic_env")


def run(agents: list[Any], loaded: list[Loaded], trials: int = 1, timeout: float = 60.0, **opts: Any) -> list[Trajectory]:
    out: list[Trajectory] = []
    prepared = [Prepared(ld, 0, TWINS) for ld in loaded]
    asyncio.run(run_all(agents, prepared, RunOptions(trials=trials, concurrency=8, timeout=timeout, **opts),
                        out.append))
    return sorted(out, key=lambda t: (t.agent, t.scenario, t.trial))


def with_argv(marker: str) -> list[int]:
    """Live processes whose command line holds `marker`."""
    pids = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if marker.encode() in f.read():
                    pids.append(int(pid))
        except OSError:
            continue
    return pids


def gone(marker: str, within: float = 5.0) -> bool:
    end = time.monotonic() + within
    while with_argv(marker):
        if time.monotonic() > end:
            return False
        time.sleep(0.1)
    return True


def test_example_slack_agent_satisfies_the_launch_scenario_by_a_relative_path() -> None:
    # the command names the program relative to the directory dtu was started from
    agent = CommandAgent(f"jobs=2 -- {PY} examples/slack_agent.py")
    trajs = run([agent], [launch()], trials=3, launch_dir=str(ROOT))
    for t in trajs:
        assert t.satisfied, (t.error, t.info)
        assert t.info["exit_code"] == 0 and "created #atlas-launch" in t.info["stdout_tail"]
        assert t.info["sandbox"] == "bwrap" and "model_kind" not in t.info  # it used no model
        assert {c.twin for c in t.calls} == {"slack"}  # through the HTTP door, into the trial's world
    assert agent.hub is None  # closed at the end of the run


def test_hang_is_killed_at_the_timeout_with_its_setsid_grandchild(tmp_path: Path) -> None:
    marker = f"dtu-hang-{os.getpid()}-{time.time_ns()}"
    hang = tmp_path / "hang.py"
    hang.write_text(
        "import os, subprocess, sys, time\n"
        "print('started', flush=True)\n"
        "if os.environ['DTU_TRIAL'] == '0':\n"
        f"    subprocess.Popen(['setsid', {sys.executable!r}, '-c', 'import time; time.sleep(60)', {marker!r}])\n"
        "    time.sleep(60)\n"
    )
    agent = CommandAgent(f"mount={tmp_path} -- {PY} {hang} {marker}")
    trajs = run([agent], [launch()], trials=2, timeout=3)
    hung, quick = trajs
    assert hung.error is not None and hung.error.startswith("timeout")
    assert hung.info["killed"] is True and "started" in hung.info["stdout_tail"]
    assert quick.error is None and quick.info["exit_code"] == 0  # the run went on
    assert gone(marker), "a process of the timed-out trial survived"


def test_crash_is_an_errored_trial_with_exit_code_and_stderr(tmp_path: Path) -> None:
    crash = tmp_path / "crash.py"
    crash.write_text("import sys\nprint('x' * 10000)\nsys.exit('boom: cannot reach the moon')\n")
    [t] = run([CommandAgent(f"tail=100,mount={tmp_path} -- {PY} {crash}")], [launch()])
    assert not t.satisfied
    assert t.error is not None and "exit code 1" in t.error and "boom" in t.error
    assert t.info["exit_code"] == 1 and "boom: cannot reach the moon" in t.info["stderr_tail"]
    assert t.info["stdout_tail"] == "x" * 99 + "\n"  # the last `tail` bytes only


def big(ld: Loaded, intent: str, public: Any) -> Loaded:
    sc = msgspec.structs.replace(ld.scenario, intent=intent, public=public)
    return msgspec.structs.replace(ld, scenario=sc)


def test_a_200_kb_intent_and_public_context_arrive_as_files(tmp_path: Path) -> None:
    intent = "Create #atlas-launch. " + "word " * 40_000  # 200 KB: more than one env string may hold
    public = {"notes": "n" * 200_000}
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import json, os\n"
        "e = os.environ\n"
        "intent = open(e['DTU_INTENT_FILE'], encoding='utf-8').read()\n"
        "public = json.load(open(e['DTU_PUBLIC_FILE']))\n"
        "try:\n"
        "    open(e['DTU_INTENT_FILE'], 'a').close()\n"
        "    writable = True\n"
        "except OSError:\n"
        "    writable = False\n"
        "print(json.dumps({'intent': len(intent), 'public': len(public['notes']), 'writable': writable,\n"
        "                  'env': sorted(k for k in e if k in ('DTU_INTENT', 'DTU_PUBLIC'))}))\n"
    )
    [t] = run([CommandAgent(f"mount={tmp_path} -- {PY} {probe}")], [big(launch(), intent, public)])
    assert t.error is None, t.info
    assert json.loads(t.info["stdout_tail"]) == {"intent": len(intent), "public": 200_000, "writable": False,
                                                 "env": []}


def test_a_small_intent_is_also_in_the_environment(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("import json, os\nprint(json.dumps({k: os.environ.get(k) for k in ('DTU_INTENT', 'DTU_PUBLIC')}))\n")
    intent = "i" * ENV_MAX
    [t] = run([CommandAgent(f"tail=100000,mount={tmp_path} -- {PY} {probe}")], [big(launch(), intent, {"a": 1})])
    assert json.loads(t.info["stdout_tail"]) == {"DTU_INTENT": intent, "DTU_PUBLIC": '{"a":1}'}


def test_example_slack_agent_declines_a_world_without_slack() -> None:
    # unsatisfied, not errored: a whole-library run of the example is judged, not refused
    okta = load_file(str(ROOT / "scenarios" / "okta" / "activate-staged-support.yaml"))
    [t] = run([CommandAgent(f"{PY} examples/slack_agent.py")], [okta], launch_dir=str(ROOT))
    assert t.error is None and not t.satisfied and t.info["exit_code"] == 0
    assert "sorry" in t.info["stdout_tail"] and t.calls == []


ENV_DUMP = "import json, os; print(json.dumps(dict(os.environ)))"


def test_the_environment_is_an_allowlist(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_SECRET", "s3cret")
    monkeypatch.setenv("MY_FLAG", "on")
    monkeypatch.setenv("DTU_SCENARIOS", "/somewhere")
    monkeypatch.setenv("ANTHROPIC_AUTH_TOKEN", "real-key")
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    cmd = f"{PY} -c {shlex.quote(ENV_DUMP)}"
    real, twin = run([CommandAgent(f"tail=100000,name=twin,env=MY_FLAG:DTU_SCENARIOS -- {cmd}"),
                      CommandAgent(f"tail=100000,name=real,llm=real -- {cmd}")], [launch()])
    for t in (twin, real):
        env = json.loads(t.info["stdout_tail"])
        assert "MY_SECRET" not in env and "DTU_SCENARIOS" not in env and env["LC_ALL"] == "C.UTF-8"
        assert env["HOME"] == env["TMPDIR"] == env["DTU_WORKDIR"] and env["DTU_TOKEN"].startswith("dtu-")
    env = json.loads(twin.info["stdout_tail"])
    assert env["MY_FLAG"] == "on" and "ANTHROPIC_AUTH_TOKEN" not in env
    assert env["ANTHROPIC_API_KEY"] == env["DTU_TOKEN"] and env["ANTHROPIC_BASE_URL"] == env["DTU_URL"]
    assert "model_kind" not in twin.info  # given the twin, never called it: no model measured
    assert twin.info["network"] == "private" and real.info["network"] == "host"  # a real model needs the internet
    env = json.loads(real.info["stdout_tail"])
    assert "MY_FLAG" not in env and env["ANTHROPIC_AUTH_TOKEN"] == "real-key" and "ANTHROPIC_BASE_URL" not in env
    assert real.info["model_kind"] == "api"


ASK_TWIN = ("import anthropic; m = anthropic.Anthropic().messages.create(model='dtu-twin', max_tokens=64, "
            "messages=[{'role': 'user', 'content': 'hello'}]); print(m.model)")


def test_a_program_that_calls_the_anthropic_twin_is_labelled_twin() -> None:
    [t] = run([CommandAgent(f"{PY} -c {shlex.quote(ASK_TWIN)}")], [launch()])
    assert t.error is None, t.info.get("stderr_tail")
    assert t.info["model_kind"] == "twin" and "dtu-twin" in t.info["stdout_tail"]
    assert [c.op for c in t.calls if c.twin == "anthropic"] == ["messages.create"]


def test_without_a_private_network_the_program_shares_the_hosts_and_says_so(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(netns, "probe", lambda: "refused here by the test")
    trajs = run([CommandAgent(f"{PY} examples/slack_agent.py")], [launch()], trials=2, launch_dir=str(ROOT))
    assert [t.info["network"] for t in trajs] == ["host", "host"] and all(t.satisfied for t in trajs)
    assert capsys.readouterr().err.count("refused here by the test") == 1


def test_no_sandbox_warns_once_and_keeps_the_allowlist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("MY_SECRET", "s3cret")
    (tmp_path / "mine.txt").write_text("x")
    cmd = f"{PY} -c {shlex.quote('import json, os; print(json.dumps([dict(os.environ), os.listdir()]))')}"
    trajs = run([CommandAgent(f"tail=100000 -- {cmd}")], [launch()], trials=2, sandbox=False,
                launch_dir=str(tmp_path))
    assert capsys.readouterr().err.count(NO_SANDBOX_WARNING) == 1
    for t in trajs:
        assert t.error is None and t.info["sandbox"] == "off"
        env, files = json.loads(t.info["stdout_tail"])
        assert "MY_SECRET" not in env and files == ["mine.txt"]  # started in the launch directory


def test_spec_syntax() -> None:
    assert split("python a.py --x") == ("", "python a.py --x")
    assert split("jobs=8,name=v2 -- ./agent --fast") == ("jobs=8,name=v2", "./agent --fast")
    assert split("python a.py -- b") == ("", "python a.py -- b")
    a = CommandAgent("jobs=8,name=v2,llm=real,mount=/a:/b,env=X:Y -- ./agent")
    assert (a.jobs, a.name, a.cmd, a.llm, a.mounts, a.pass_env) == (8, "v2", "./agent", "real", ("/a", "/b"), ("X", "Y"))
    assert not hasattr(a, "scripted_model")  # a program agent never gets the reference plan
    with pytest.raises(DtuError):
        CommandAgent("")
    with pytest.raises(DtuError):
        CommandAgent("llm=maybe -- ./agent")


def test_a_missing_mount_is_a_clear_error() -> None:
    with pytest.raises(DtuError, match="--agent-mount /no/such/path: no such file"):
        run([CommandAgent("mount=/no/such/path -- true")], [launch()])


WAITER = '''
import os, time
from slack_sdk import WebClient
c = WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"])
dm = c.conversations_open(users="U0MARCUS01")["channel"]["id"]
c.chat_postMessage(channel=dm, text="Tom Reed asks for access to finance-reports. Do you approve?")
deadline = time.time() + 20
while time.time() < deadline:
    msgs = c.conversations_history(channel=dm)["messages"]
    if any(m["user"] == "U0MARCUS01" for m in msgs):
        print("answered")
        break
    time.sleep(0.2)
'''


def test_a_program_waits_for_people_in_real_time_sped_up(tmp_path: Path) -> None:
    """In a scenario where people act, a program agent's world runs `speed` world seconds a wall
    second: the manager who answers 20 world minutes after the DM answers within seconds."""
    prog = tmp_path / "waiter.py"
    prog.write_text(WAITER)
    from dtu.runner.scenario import BUNDLED

    agent = CommandAgent(f"speed=600 -- {PY} {shlex.quote(str(prog))}")
    (t,) = run([agent], [load_file(BUNDLED / "people" / "access-approval.yaml")], mounts=(str(tmp_path),))
    assert t.error is None, t.info.get("stderr_tail")
    assert t.info["stdout_tail"].strip() == "answered"
    (reply,) = [c for c in t.calls if c.actor == "marcus.chen@acme.test"]
    asked = next(c for c in t.calls if c.actor is None and c.op == "chat.postMessage")
    assert reply.t - asked.t >= 20 * 60  # his 20 minutes passed in world time
