"""The same trials give the same answers, byte for byte, in another process: another hash seed,
the scenarios in the other order and another concurrency. (`dtu replay` compares every answer;
a field list kept in a set once made Jira's answers depend on the process's hash seed.)"""

from __future__ import annotations

import os
import subprocess
import sys

PROGRAM = """
import hashlib, sys, msgspec
from dtu.agents.noisy import NoisyAgent
from dtu.agents.scripted import ScriptedAgent
from dtu.runner.engine import Prepared, RunOptions, run_all, run_async
from dtu.runner.scenario import BUNDLED, load_all
from dtu.twins.registry import TWINS

loaded = load_all([BUNDLED])
if sys.argv[1] == "reversed":
    loaded.reverse()
out = {}
def sink(t):
    calls = msgspec.json.encode([(c.twin, c.op, c.status, c.body) for c in t.calls])
    out[(t.agent, t.scenario, t.trial)] = hashlib.blake2b(calls).hexdigest() + " " + t.digest
agents = [ScriptedAgent(), NoisyAgent("skip=0.2,corrupt=0.3,repeat=0.3,name=noisy")]
opts = RunOptions(trials=2, concurrency=int(sys.argv[2]), seed=5, timeout=60)
run_async(run_all(agents, [Prepared(ld, 0, TWINS) for ld in loaded], opts, sink))
for k in sorted(out):
    print(*k, out[k])
"""


def answers(hash_seed: str, order: str, concurrency: int) -> list[str]:
    env = dict(os.environ, PYTHONHASHSEED=hash_seed)
    done = subprocess.run([sys.executable, "-c", PROGRAM, order, str(concurrency)], env=env, capture_output=True,
                          text=True, timeout=600, check=True)
    return done.stdout.splitlines()


def test_answers_and_digests_do_not_depend_on_the_process() -> None:
    a = answers("1", "forward", 1)
    b = answers("2", "reversed", 64)
    assert len(a) > 500
    differ = [x.split(" ", 3)[:3] for x, y in zip(a, b, strict=True) if x != y]
    assert differ == [], f"{len(differ)} trajectories answered differently, e.g. {differ[:5]}"
