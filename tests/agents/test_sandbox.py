"""The bubblewrap sandbox: what a program sees of the filesystem, of processes and of dtu."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from dtu.agents import sandbox
from dtu.runner.agent import RunInfo
from dtu.runner.errors import DtuError
from dtu.runner.scenario import BUNDLED

PY = shlex.quote(sys.executable)

# What a program inside reports about its world, as JSON on stdout.
LOOK = r"""
import ctypes, json, os, sys
def ls(p):
    try:
        return sorted(os.listdir(p))
    except OSError as e:
        return 'error: ' + type(e).__name__
def writes(p):
    try:
        open(os.path.join(p, 'x'), 'w').close()
        return True
    except OSError:
        return False
cmdlines = []
for pid in filter(str.isdigit, os.listdir('/proc')):
    try:
        cmdlines.append(open(f'/proc/{pid}/cmdline', 'rb').read().decode(errors='replace'))
    except OSError:
        pass
libc = ctypes.CDLL(None, use_errno=True)
unmounted = [p for p in sys.argv[1:] if libc.umount2(p.encode(), 2) == 0]  # MNT_DETACH
print(json.dumps({'cwd': os.getcwd(), 'args': {p: ls(p) for p in sys.argv[1:]}, 'home': ls(os.environ['HOME']),
                  'writes': {p: writes(p) for p in ('.', os.environ['HOME'], '/tmp', '/usr')},
                  'pids': cmdlines, 'uid': os.getuid(), 'unmounted': unmounted,
                  'after': {p: ls(p) for p in sys.argv[1:]}}))
"""


def inside(lay: sandbox.Layout, tmp: Path, command: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    bwrap, disable = sandbox.probe()
    work, task = tmp / "work", tmp / "task"
    work.mkdir(exist_ok=True)
    task.mkdir(exist_ok=True)
    e = {"PATH": os.environ["PATH"], "HOME": str(work), **(env or {})}
    return subprocess.run(sandbox.argv(lay, str(work), str(task), command, bwrap, disable), env=e,
                          capture_output=True, text=True, timeout=60)


@pytest.fixture
def tree(tmp_path: Path) -> dict[str, Path]:
    """A launch directory holding a scenario folder and a runs folder, a scenario folder outside,
    and a folder the user mounts."""
    launch = tmp_path / "project"
    (launch / "scen").mkdir(parents=True)
    (launch / "scen" / "secret.yaml").write_text("checks: hidden")
    (launch / "runs" / "r1").mkdir(parents=True)
    (launch / "runs" / "r1" / "manifest.json").write_text("{}")
    (launch / "agent").mkdir()
    (launch / "agent" / "look.py").write_text(LOOK)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "secret.yaml").write_text("checks: hidden")
    extra = tmp_path / "extra"
    (extra / "scen2").mkdir(parents=True)
    (extra / "scen2" / "x.yaml").write_text("hidden")
    (extra / "lib.txt").write_text("visible")
    box = tmp_path / "box"
    box.mkdir()
    return {"launch": launch, "outside": outside, "extra": extra, "box": box}


def run_info(t: dict[str, Path], **kw: Any) -> RunInfo:
    base: dict[str, Any] = dict(seed=0, timeout=60, out_dir=str(t["launch"] / "runs" / "r2"), concurrency=1,
                                launch_dir=str(t["launch"]), mounts=(str(t["extra"]),),
                                hidden=(str(t["launch"] / "scen"), str(t["outside"]), str(t["extra"] / "scen2")))
    base.update(kw)
    return RunInfo(**base)


def test_the_program_sees_the_launch_directory_read_only_and_no_hidden_path(tree: dict[str, Path]) -> None:
    lay = sandbox.layout(run_info(tree), f"{PY} agent/look.py")
    launch, extra = tree["launch"], tree["extra"]
    paths = [str(launch), str(launch / "scen"), str(launch / "runs"), str(tree["outside"]), str(extra),
             str(extra / "scen2"), str(BUNDLED)]
    # a relative path in the command resolves against the launch directory
    r = inside(lay, tree["box"], f"{PY} agent/look.py " + " ".join(paths))
    assert r.returncode == 0, r.stderr
    seen = json.loads(r.stdout)
    assert seen["cwd"] == str(launch)
    assert seen["args"].pop(str(BUNDLED)) in ([], "error: FileNotFoundError")  # masked or not mounted
    assert seen["args"] == {str(launch): ["agent", "runs", "scen"], str(launch / "scen"): [],
                            str(launch / "runs"): [], str(tree["outside"]): "error: FileNotFoundError",
                            str(extra): ["lib.txt", "scen2"], str(extra / "scen2"): []}
    assert seen["writes"] == {".": False, str(tree["box"] / "work"): True, "/tmp": True, "/usr": False}
    assert seen["home"] == [] and seen["uid"] == sandbox.NOBODY
    # no capabilities: a mask cannot be unmounted to show what lies under it
    assert seen["unmounted"] == [] and seen["after"] == {**seen["args"], str(BUNDLED): seen["after"][str(BUNDLED)]}
    # its own pid namespace: dtu, pytest and every other host process are out of sight
    own = Path(f"/proc/{os.getpid()}/cmdline").read_bytes().decode()
    assert own not in seen["pids"] and len(seen["pids"]) <= 3
    assert {c.split("\0")[0] for c in seen["pids"]} <= {sandbox.probe()[0], "/bin/sh", sys.executable}


def test_bundled_scenarios_and_run_folders_are_masked_even_when_only_mounted(tree: dict[str, Path]) -> None:
    lay = sandbox.layout(run_info(tree, launch_dir=str(tree["box"]), hidden=(), mounts=(str(BUNDLED.parent),)),
                         "true")
    masked = dict(lay.masks)
    assert masked[str(BUNDLED)] is True
    lay = sandbox.layout(run_info(tree, hidden=()), "true")
    assert {str(tree["launch"] / "runs")} <= set(dict(lay.masks))  # a folder of run folders, found by looking


def test_a_hidden_file_is_masked_by_an_empty_one(tree: dict[str, Path]) -> None:
    secret = tree["launch"] / "scen" / "secret.yaml"
    lay = sandbox.layout(run_info(tree, hidden=(str(secret),)), "true")
    assert dict(lay.masks)[str(secret)] is False
    r = inside(lay, tree["box"], f"cat {secret}; echo end")
    assert r.returncode == 0 and r.stdout == "end\n", r.stderr


def test_a_mask_inside_a_masked_folder_leaves_no_name_behind(tree: dict[str, Path]) -> None:
    # a scenario file given by name, inside a scenario folder also hidden: the folder looks empty
    scen = tree["launch"] / "scen"
    lay = sandbox.layout(run_info(tree, hidden=(str(scen), str(scen / "secret.yaml"))), "true")
    assert str(scen / "secret.yaml") not in dict(lay.masks)
    r = inside(lay, tree["box"], f"ls -A {scen}; echo end")
    assert r.returncode == 0 and r.stdout == "end\n", r.stderr


def test_layout_refuses_a_launch_directory_inside_a_hidden_path(tree: dict[str, Path]) -> None:
    with pytest.raises(DtuError, match="start dtu from another directory"):
        sandbox.layout(run_info(tree, launch_dir=str(tree["launch"] / "scen")), "true")
    with pytest.raises(DtuError, match="--agent-mount /nope: no such file or folder"):
        sandbox.layout(run_info(tree, mounts=("/nope",)), "true")


def test_the_program_prefix_is_mounted() -> None:
    dirs = sandbox.program_dirs(f"FOO=1 {PY} -c pass")
    assert sys.prefix in dirs or os.path.dirname(os.path.dirname(sys.executable)) in dirs
    assert os.path.dirname(os.path.dirname(os.path.realpath(sys.executable))) in dirs
    assert sandbox.program_dirs("no-such-program-xyz --flag") == []


def test_a_version_managers_shim_brings_its_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shim = tmp_path / ".pyenv" / "shims" / "mypython"
    shim.parent.mkdir(parents=True)
    shim.write_text("#!/bin/sh\n")
    shim.chmod(0o755)
    monkeypatch.setenv("PATH", f"{shim.parent}:/usr/bin:/bin")
    assert sandbox.program_dirs("mypython agent.py") == [str(tmp_path / ".pyenv")]


def test_base_env_is_an_allowlist() -> None:
    src = {"PATH": "/bin", "LANG": "C", "LC_ALL": "C", "HOME": "/root", "AWS_SECRET_ACCESS_KEY": "x",
           "DTU_ADMIN": "y", "ANTHROPIC_API_KEY": "k", "HTTPS_PROXY": "p", "MINE": "m"}
    assert sandbox.base_env(src, False) == {"PATH": "/bin", "LANG": "C", "LC_ALL": "C"}
    assert sandbox.base_env(src, True, ("MINE", "DTU_ADMIN")) == {
        "PATH": "/bin", "LANG": "C", "LC_ALL": "C", "ANTHROPIC_API_KEY": "k", "HTTPS_PROXY": "p", "MINE": "m"}


def test_no_sandbox_children_die_with_dtu() -> None:
    code = "import ctypes; v = ctypes.c_int(); ctypes.CDLL(None).prctl(2, ctypes.byref(v), 0, 0, 0); print(v.value)"
    r = subprocess.run([sys.executable, "-c", code], preexec_fn=sandbox.die_with_parent(), capture_output=True,
                       text=True, check=True)
    assert r.stdout.strip() == "9"  # PR_GET_PDEATHSIG: SIGKILL


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_no_sandbox_command_lines_die_with_dtu_and_check_their_parent() -> None:
    """`unsandboxed`: the program (exec'd by the shell) has SIGKILL as its parent-death signal and is
    dtu's own child; a shell whose parent is not dtu (dtu died before the signal was set) runs nothing."""
    code = ("import ctypes, os; v = ctypes.c_int(); ctypes.CDLL(None).prctl(2, ctypes.byref(v), 0, 0, 0); "
            "print(v.value, os.getppid())")
    line, preexec = sandbox.unsandboxed(f"exec {sys.executable} -c '{code}'")
    r = subprocess.run(line, preexec_fn=preexec, capture_output=True, text=True, check=True)
    assert r.stdout.split() == ["9", str(os.getpid())]  # PR_GET_PDEATHSIG: SIGKILL; dtu is the parent
    if preexec is None:  # setpriv's line: the same line from another parent refuses to run the program
        other = subprocess.run([sys.executable, "-c", "import subprocess, sys; "
                                "sys.exit(subprocess.run(sys.argv[1:]).returncode)", *line], capture_output=True)
        assert other.returncode == 137 and other.stdout == b""


def test_probe_says_how_to_install_bwrap(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    sandbox.probe.cache_clear()
    monkeypatch.setenv("PATH", str(tmp_path))
    try:
        with pytest.raises(DtuError, match=r"apt-get install bubblewrap.*--no-sandbox"):
            sandbox.probe()
        fake = tmp_path / "bwrap"
        fake.write_text("#!/bin/sh\necho 'bwrap: setting up uid map: Permission denied' >&2\nexit 1\n")
        fake.chmod(0o755)
        sandbox.probe.cache_clear()
        with pytest.raises(DtuError, match=r"cannot make one here.*uid map.*--no-sandbox"):
            sandbox.probe()
    finally:
        sandbox.probe.cache_clear()
