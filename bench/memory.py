"""Memory per live world, and for 100,000 live worlds of the standard seed."""

from __future__ import annotations

import subprocess
import sys

from dtu.runner.scenario import Loaded

CHILD = r"""
import gc, resource, sys
from dtu.runner.engine import Prepared
from dtu.runner.scenario import load_file
from dtu.twins.registry import TWINS
ld = load_file(sys.argv[1]); n = int(sys.argv[2])
p = Prepared(ld, 0, TWINS)
gc.collect(); gc.freeze()
rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
worlds = []
for i in range(n):
    w = p.world(i)
    for name in p.twin_names:
        w.ctx(name)
    worlds.append(w)
rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print((rss1 - rss0) * 1024, len(worlds))
"""


def bench_memory(families: dict[str, list[Loaded]], n: int = 100_000) -> None:
    print(f"\n{'live worlds (touched)':<30}{'worlds':>9}{'total MiB':>11}{'per world':>11}")
    for family, loaded in families.items():
        ld = loaded[0]
        out = subprocess.run([sys.executable, "-c", CHILD, ld.path, str(n)], capture_output=True, text=True,
                             check=True).stdout.split()
        used, count = int(out[0]), int(out[1])
        print(f"{family + ' (' + ld.id + ')':<30.30}{count:>9,}{used / 2**20:>11.1f}{used / count / 1024:>9.1f}KB")
