"""The bubblewrap sandbox a program agent runs in, one per trial.

Inside: fresh user, pid, ipc, uts (and cgroup) namespaces, no capabilities and no further user
namespaces (so nothing can unmount a mask), a new session, killed with dtu. The filesystem is
minimal and read-only: the system (/usr and its /bin, /lib* links, the /etc files programs
need), the interpreter (sys.prefix, sys.base_prefix, the install prefix of the command's
program), the directory dtu was started from and every --agent-mount path. An empty tmpfs lies
over every hidden path those expose (scenario roots, run folders, dtu's bundled scenarios), so
scenario files never show. Each trial adds a fresh writable working folder (HOME, TMPDIR,
DTU_WORKDIR) and its task files (intent, public context), read-only. /tmp is an empty tmpfs;
there is no home directory. The network is private (agents/netns.py, set up by the command
agent): loopback only, where the trial's door answers; with a real model, the host's.

The environment is an allowlist (`base_env`), never dtu's own environment minus some names."""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence

import msgspec

from dtu.runner.agent import RunInfo
from dtu.runner.errors import DtuError
from dtu.runner.scenario import BUNDLED

__all__ = ["NO_SANDBOX_WARNING", "Layout", "argv", "base_env", "die_with_parent", "layout", "probe", "unsandboxed"]

NO_SANDBOX_WARNING = ("dtu: --no-sandbox: the agent program runs as your user and can read the scenarios; "
                      "this measurement is not a holdout")
INSTALL = ("install bubblewrap (`apt-get install bubblewrap`, `dnf install bubblewrap`), "
           "or pass --no-sandbox to run program agents unisolated (not a holdout)")
NOBODY = 65534
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
ETC = ("ssl", "ca-certificates", "ca-certificates.conf", "pki", "crypto-policies", "alternatives",
       "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "timezone", "hosts", "host.conf",
       "resolv.conf", "nsswitch.conf", "gai.conf", "services", "protocols", "passwd", "group",
       "mime.types", "os-release", "hostname")
# Variables of dtu's environment a program gets: locale and terminal only. ANTHROPIC_* and the
# proxy settings are added with a real model; `env=` names more.
PASS = ("PATH", "LANG", "LANGUAGE", "TZ", "TERM")
REAL_MODEL = ("HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "https_proxy", "http_proxy", "no_proxy")


class Layout(msgspec.Struct, frozen=True):
    """What every sandbox of one run sees: the system, read-only binds (each at its own path),
    the masks over hidden paths (path, is a folder), and the folder the program starts in."""

    system: tuple[tuple[str, str, str], ...]  # (bwrap option, source, destination)
    binds: tuple[str, ...]
    masks: tuple[tuple[str, bool], ...]
    chdir: str


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def _depth(path: str) -> tuple[int, str]:
    return path.rstrip("/").count("/"), path


def _prefix(directory: str) -> str:
    """The install prefix of a program's folder: /opt/node for /opt/node/bin, ~/.pyenv for
    ~/.pyenv/shims (a version manager's shim runs the manager from its root)."""
    return os.path.dirname(directory) if os.path.basename(directory) in ("bin", "shims") else directory


def program_dirs(command: str) -> list[str]:
    """The folders the command's program needs: the prefix of its first word as found on PATH
    and of the file that resolves to (a venv's python links to its base interpreter)."""
    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    words = [w for w in words if "=" not in w.split("/")[0]]  # skip `VAR=value prog`
    if not words or words[0] in ("env", "exec", "nice"):
        words = words[1:]
    found = shutil.which(words[0]) if words else None
    if found is None:
        return []
    out = []
    for p in (os.path.abspath(found), os.path.realpath(found)):
        d = _prefix(os.path.dirname(p))
        if d != "/" and d not in out:
            out.append(d)
    return out


def _system() -> list[tuple[str, str, str]]:
    out = []
    for d in SYSTEM_DIRS:
        if os.path.islink(d):
            out.append(("--symlink", os.readlink(d), d))
        elif os.path.isdir(d):
            out.append(("--ro-bind", d, d))
    for name in ETC:
        p = "/etc/" + name
        if os.path.lexists(p):
            out.append(("--ro-bind-try", p, p))
    return out


def _run_folders(root: str) -> list[str]:
    """Folders directly under `root` that hold dtu run folders (`<dir>/<run>/manifest.json`)."""
    out = []
    with contextlib.suppress(OSError), os.scandir(root) as it:
        for entry in it:
            if not entry.is_dir(follow_symlinks=False) or entry.name.startswith("."):
                continue
            with contextlib.suppress(OSError), os.scandir(entry.path) as sub:
                if any(s.is_dir(follow_symlinks=False) and os.path.exists(os.path.join(s.path, "manifest.json"))
                       for s in sub):
                    out.append(entry.path)
    return out


def layout(run: RunInfo | None, command: str, extra_mounts: Iterable[str] = ()) -> Layout:
    """The filesystem of a run's sandboxes. Raises DtuError for a mount that does not exist or a
    launch directory that lies inside a hidden path."""
    launch = os.path.abspath(run.launch_dir if run is not None and run.launch_dir else os.getcwd())
    mounts = []
    for m in (*(run.mounts if run is not None else ()), *extra_mounts):
        p = os.path.abspath(os.path.expanduser(m))
        if not os.path.exists(p):
            raise DtuError(f"--agent-mount {m}: no such file or folder (give a path that exists; "
                           "it is mounted read-only inside the agent's sandbox)")
        mounts.append(p)
    binds: list[str] = []
    for p in (sys.prefix, sys.base_prefix, *program_dirs(command), launch, *mounts):
        if p != "/" and os.path.exists(p) and p not in binds and not any(_under(p, s) for s in SYSTEM_DIRS):
            binds.append(p)
    hidden = [*(run.hidden if run is not None else ()), str(BUNDLED)]
    if run is not None and run.out_dir:
        out = os.path.abspath(run.out_dir)
        parent = os.path.dirname(out)
        hidden.append(out if _under(launch, parent) else parent)  # this run and its siblings
    for b in binds:
        hidden.extend(_run_folders(b))
    system = _system()
    visible = [*binds, *(dest for opt, _, dest in system if opt != "--symlink" and os.path.isdir(dest))]
    masks: dict[str, bool] = {}
    for h in hidden:
        for p in {os.path.abspath(h), os.path.realpath(h)}:
            if _under(launch, p):
                raise DtuError(f"the agent's launch directory {launch} lies inside {p}, which holds scenarios "
                               "or runs the agent must not see: start dtu from another directory")
            for b in visible:
                real = os.path.realpath(b)
                seen = b + p[len(real):] if _under(p, real) and real != b else p
                if (_under(seen, b) or _under(b, seen)) and os.path.lexists(seen):
                    masks[seen] = os.path.isdir(seen)
    # a mask inside a masked folder is already hidden; mounting it anyway would make bwrap create
    # its path inside the empty folder, and show the agent the names it hides
    folders = [p for p, is_dir in masks.items() if is_dir]
    masks = {p: d for p, d in masks.items() if not any(p != f and _under(p, f) for f in folders)}
    return Layout(system=tuple(system), binds=tuple(sorted(binds, key=_depth)),
                  masks=tuple(sorted(masks.items(), key=lambda m: _depth(m[0]))), chdir=launch)


def argv(lay: Layout, work: str, task_dir: str, command: str, bwrap: str = "bwrap",
         disable_userns: bool = True) -> list[str]:
    """bwrap's command line for one trial: `command` run by /bin/sh in `lay.chdir`, with `work`
    writable and `task_dir` read-only (both bound at their own path)."""
    out = [bwrap, "--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
           "--uid", str(NOBODY), "--gid", str(NOBODY), "--hostname", "dtu-agent", "--cap-drop", "ALL",
           "--die-with-parent", "--new-session"]
    if disable_userns:
        out.append("--disable-userns")
    out += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/dev/shm", "--tmpfs", "/tmp"]
    for opt, src, dest in lay.system:
        out += [opt, src, dest]
    for b in lay.binds:
        out += ["--ro-bind", b, b]
    for path, is_dir in lay.masks:
        out += ["--tmpfs", path] if is_dir else ["--ro-bind", "/dev/null", path]
    out += ["--bind", work, work, "--ro-bind", task_dir, task_dir, "--chdir", lay.chdir,
            "--", "/bin/sh", "-c", command]
    return out


@functools.cache
def probe() -> tuple[str, bool]:
    """(bwrap's path, whether it knows --disable-userns), after running `true` in a sandbox like a
    trial's once per process; DtuError when bwrap is missing or cannot sandbox here."""
    path = shutil.which("bwrap")
    if path is None:
        raise DtuError(f"program agents run in a bubblewrap sandbox, and bwrap is not installed: {INSTALL}")
    lay = Layout(system=tuple(_system()), binds=(), masks=(), chdir="/")
    why = ""
    with tempfile.TemporaryDirectory(prefix="dtu-probe-") as d:
        for disable in (True, False):
            try:
                r = subprocess.run(argv(lay, d, d, "true", path, disable), stdin=subprocess.DEVNULL,
                                   capture_output=True, timeout=30, env={"PATH": os.defpath})
            except (OSError, subprocess.TimeoutExpired) as e:
                why = str(e)
                break
            if r.returncode == 0:
                return path, disable
            why = r.stderr.decode("utf-8", "replace").strip()[-300:] or f"exit code {r.returncode}"
            if "disable-userns" not in why:
                break
    raise DtuError(f"program agents run in a bubblewrap sandbox, and {path} cannot make one here ({why}); "
                   f"allow unprivileged user namespaces, or {INSTALL}")


def base_env(source: Mapping[str, str], real_model: bool, extra: Sequence[str] = ()) -> dict[str, str]:
    """The part of dtu's environment a program gets: PATH, locale, TZ, TERM; ANTHROPIC_* and the
    proxy settings with a real model; the `extra` names the user asked for (never DTU_*)."""
    env = {k: v for k, v in source.items() if k in PASS or k.startswith("LC_")}
    if real_model:
        env.update((k, v) for k, v in source.items() if k.startswith("ANTHROPIC_") or k in REAL_MODEL)
    env.update((k, source[k]) for k in extra if k in source and not k.startswith("DTU_"))
    env.setdefault("PATH", os.defpath)
    return env


def unsandboxed(script: str) -> tuple[list[str], Callable[[], None] | None]:
    """For --no-sandbox: the command line that runs shell `script` as dtu's child and has the kernel
    kill it when dtu dies, and the preexec function that goes with it (None: none is needed).

    With util-linux's `setpriv --pdeathsig` (every Debian, Fedora, ...), the child sets its own
    PR_SET_PDEATHSIG (kept across exec) and the shell then checks that dtu was still its parent once
    it was set. No preexec function: Python can then start the child with vfork, not fork, which
    copies none of dtu's memory map (`python -m bench sandbox`: from a 919 MB dtu, 2.35 ms a start
    against 14.9 ms with a fork, on the event loop).
    Without setpriv: `die_with_parent`'s preexec function, and a fork."""
    sh = ["/bin/sh", "-c"]
    setpriv = shutil.which("setpriv") if sys.platform.startswith("linux") else None
    if setpriv is None:
        return [*sh, script], die_with_parent()
    checked = f'[ "$PPID" = {os.getpid()} ] || exit 137  # dtu died before the death signal was set\n{script}'
    return [setpriv, "--pdeathsig", "KILL", "--", *sh, checked], None


def die_with_parent() -> Callable[[], None] | None:
    """For --no-sandbox: a preexec function that has the kernel kill the child when dtu dies
    (PR_SET_PDEATHSIG; Linux only, None elsewhere)."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before the fork, not in the child
    parent = os.getpid()

    def preexec() -> None:
        prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:  # dtu died before prctl took effect
            os._exit(137)

    return preexec
