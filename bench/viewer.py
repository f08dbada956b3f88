"""How fast `dtu view` opens a large run: a run folder of 100,000 trajectories (the noisy agent's
real trajectories on the bundled library, repeated under new trial numbers), served by the
viewer over HTTP on 127.0.0.1. Each page is timed cold (the first request of a fresh viewer)
next to the one-second budget; the index is timed apart, built at the end of the run
(`dtu run` writes it) and, for a run folder without one, on the viewer's first request."""

from __future__ import annotations

import asyncio
import secrets
import tempfile
import time
import urllib.request
from pathlib import Path

import msgspec

from dtu.runner import cli
from dtu.runner.cmd_view import start
from dtu.runner.results import RunDir
from dtu.runner.store_index import INDEX, Store

BUDGET = 1.0  # seconds: the "a run of 100,000 trajectories opens in under a second"


def make_run(root: Path, n: int) -> tuple[RunDir, str]:
    seed_out = root / "seed"
    cli.main(["run", "--agent", "noisy", "--trials", "2", "--quiet", "--out", str(seed_out), "--history",
              str(root / "seed.sqlite")])
    src = RunDir(next(p for p in seed_out.iterdir() if p.is_dir()))
    base = list(src.trajectories())
    rd = RunDir(root / "runs" / "big")
    rd.create(src.manifest(resolved=False))
    (rd.path / "manifest.json").write_bytes((src.path / "manifest.json").read_bytes())
    rd.open()
    per: dict[str, int] = {}
    for i in range(n):
        t = base[i % len(base)]
        k = per[t.scenario] = per.get(t.scenario, -1) + 1
        rd.append(msgspec.structs.replace(t, trial=k))
    rd.close()
    t0 = time.perf_counter()
    rd.compress()
    print(f"  compress {n:,} trajectories: {time.perf_counter() - t0:.2f} s, "
          f"{(rd.path / 'trajectories.jsonl.zst').stat().st_size / 1e6:.1f} MB")
    cli.main(["report", str(rd.path), "--quiet"])  # summary.json for the big run
    return rd, base[0].scenario


def get(url: str, token: str) -> tuple[float, int]:
    t0 = time.perf_counter()
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=120) as r:
        body = r.read()
    return time.perf_counter() - t0, len(body)


async def pages(rd: RunDir, sid: str, root: Path, label: str) -> None:
    token = secrets.token_urlsafe(16)
    runner, base = await start([rd.path.parent], str(rd.path.parent), str(root / "h.sqlite"), 0, token)
    rid = rd.manifest(resolved=False).run_id
    try:
        for name, path in (("runs list", "/"), ("run page", f"/run/{rid}"),
                           ("scenario page", f"/run/{rid}/s/{sid}?page=3"),
                           ("trajectory page", f"/run/{rid}/t/noisy/{sid}/7")):
            dt, size = await asyncio.to_thread(get, base + path, token)
            print(f"  {name:<16}{dt:>8.3f} s{dt / BUDGET:>8.2f} of budget  ({size / 1e3:,.0f} kB){label}")
    finally:
        await runner.cleanup()


def bench_viewer(n: int = 100_000) -> None:
    print(f"dtu view on a run of {n:,} trajectories (budget {BUDGET:.0f} s a page)")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        rd, sid = make_run(root, n)
        (rd.path / INDEX).unlink(missing_ok=True)
        t0 = time.perf_counter()
        Store(rd.path)
        print(f"  index build (end of run) {time.perf_counter() - t0:.2f} s")
        t0 = time.perf_counter()
        Store(rd.path)
        print(f"  index load            {time.perf_counter() - t0:.3f} s")
        asyncio.run(pages(rd, sid, root, ""))
        (rd.path / INDEX).unlink()
        print("  without an index (a run made before dtu wrote one):")
        asyncio.run(pages(rd, sid, root, "  (builds the index)"))
