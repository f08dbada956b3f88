"""python -m bench [engine|phases|world|memory|org|serve|workers|ray|sandbox|viewer|events|llm|service|startup|all] — prints dtu's performance figures."""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict

from dtu.runner.errors import ScenarioError
from dtu.runner.scenario import BUNDLED, Loaded, discover, load_file


def families() -> dict[str, list[Loaded]]:
    out: dict[str, list[Loaded]] = defaultdict(list)
    for path in discover([BUNDLED]):
        try:
            ld = load_file(path)
        except ScenarioError as e:
            print(f"bench: skipping {e}", file=sys.stderr)
            continue
        twins = {s.twin for s in ld.scenario.reference if s.twin} | set(ld.scenario.seed)
        twins.discard("generate")
        key = "cross-service" if len(twins) >= 2 else next(iter(twins), "none")
        if path.parent.name == "people":  # people act in these (not the `people` theme tag)
            key = "people"
        out[key].append(ld)
    return dict(sorted(out.items()))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench")
    p.add_argument("what", nargs="?", default="all", choices=["engine", "phases", "world", "memory", "org", "serve", "workers", "ray", "sandbox",
                                                    "viewer", "events", "llm", "service", "startup", "all"])
    p.add_argument("--trials", type=int, default=20000, help="trajectories per measurement")
    p.add_argument("--concurrency", type=int, action="append", default=None)
    p.add_argument("--family", action="append", default=None, help="only these twin families")
    p.add_argument("--service", action="append", default=None,
                   help="serve: only these services' probes (slack, okta, jira, drive, docs, sheets, anthropic)")
    p.add_argument("--max-lag", type=float, default=None,
                   help="llm: admission's target lag, as `dtu run --max-lag` (default its default; 0: all at once)")
    args = p.parse_args(argv)
    fams = families()
    if args.family:
        fams = {k: v for k, v in fams.items() if k in args.family}
    if args.what in ("engine", "all"):
        from .engine import bench

        conc = args.concurrency or [1, 100, 1000, 10000]
        print(f"{'family':<14}{'steps':>6}{'conc':>7}{'traj/s':>11}{'floor/s':>11}{'ratio':>7}")
        for r in bench(fams, conc, args.trials):
            print(f"{r['family']:<14}{r['steps']:>6}{r['concurrency']:>7}{r['traj_per_s']:>11,.0f}"
                  f"{r['floor_per_s']:>11,.0f}{r['ratio']:>7.2f}", flush=True)
    if args.what in ("phases", "all"):
        from .phases import bench_phases

        bench_phases(fams, (args.concurrency or [1000])[0], min(args.trials, 10_000))
    if args.what in ("world", "all"):
        from .world import bench_world

        bench_world(fams)
    if args.what in ("memory", "all"):
        from .memory import bench_memory

        bench_memory(fams)
    if args.what in ("org", "all"):
        from .org import bench_org

        bench_org(fams)
    if args.what in ("workers", "all"):
        from .workers import bench_workers

        bench_workers(fams)
    if args.what == "ray":  # not in `all`: it starts a local Ray
        from .ray import bench_ray

        bench_ray(fams)
    if args.what in ("serve", "all"):
        from .serve import bench_serve

        bench_serve(services=args.service)
    if args.what in ("startup", "all"):
        from .startup import bench_startup

        bench_startup()
    if args.what in ("sandbox", "all"):
        from .sandbox import bench_sandbox, bench_spawn

        bench_sandbox()
        bench_spawn()
    if args.what in ("viewer", "all"):
        from .viewer import bench_viewer

        bench_viewer()
    if args.what in ("events", "all"):
        from .events import bench_events

        bench_events()
    if args.what in ("service", "all"):
        from .service import bench_service

        bench_service(min(args.trials, 2000))
    if args.what == "llm":  # not in `all`: it replaces dtu's entry points with timed ones
        from dtu.runner.admit import MAX_LAG

        from .llm import bench_llm

        bench_llm(args.trials if args.trials != 20000 else 10_000,
                  concurrency=args.concurrency[0] if args.concurrency else None,
                  max_lag=MAX_LAG if args.max_lag is None else args.max_lag)
    return 0


if __name__ == "__main__":
    sys.exit(main())
