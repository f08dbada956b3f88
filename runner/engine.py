"""The run engine: trials scheduled on one event loop, each in a fresh world."""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable, Coroutine, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import msgspec

from dtu.twins.core import Env, SeedImage, World, derive, mix, parse_time
from dtu.twins.core.faults import FaultPlan, parse_plan
from dtu.twins.core.memo import Bounded
from dtu.twins.core.twin import Twin

from .admit import Admission
from .agent import Agent, AnyAgent, Oracle, RunInfo, Task
from .checks import CompiledChecks
from .generate import Generate, NoMatch, Person, Roster, generate, merge_seed, resolve_vars, substitute_vars
from .interrupt import Stop
from .life import Composer, Life
from .life_spec import seconds
from .people import PersonSpec
from .people import seed as people_seed
from .plan import DEFAULT_WAIT
from .records import Trajectory
from .scenario import Loaded, Step

T = TypeVar("T")
DEFAULT_NOW = "2024-01-15T09:00:00Z"
_DEFAULT_EPOCH = parse_time(DEFAULT_NOW, 0.0)
DRAWS_KEPT = 1024
"""Distinct `vars:` draws a scenario keeps compiled (~11 KB each, with an oracle's seed image): a
sweep over a large organisation meets a new draw almost every trial, so they are forgotten when
this many are kept, not kept for the whole run."""


class Prepared:
    """A scenario made ready once per run: its seed image and compiled checks."""

    __slots__ = ("_anthropic_seed", "_model_images", "_plans", "_roster", "_variants", "base_seed", "checks", "composer",
                 "deadline", "done", "faults", "force", "image", "listens", "live", "loaded", "scenario", "staff", "twin_names")

    def __init__(self, loaded: Loaded, seed: int, twins: dict[str, Twin[Any]]) -> None:
        self.loaded = loaded
        sc = self.scenario = loaded.scenario
        now = parse_time(sc.now, _DEFAULT_EPOCH)
        seed_data: dict[str, Any] = sc.seed
        self.staff: list[Person] | None = None
        first: dict[str, Any] = {}  # what comes before the scenario's own seed: an org, then its people
        if "generate" in seed_data:
            spec = msgspec.convert(seed_data["generate"], Generate)
            first, self.staff = generated_org(spec, derive(seed, "generate"))
        if sc.people:
            first = merge_seed(first, people_seed(sc.people, merge_seed(first, seed_data)))
        if first:
            seed_data = merge_seed(first, seed_data)
        self.image = SeedImage(twins, seed_data, derive(seed, sc.id), now)
        self._variants: Bounded[str, Variant] = Bounded(DRAWS_KEPT)
        self._roster: Roster | None = None
        self.base_seed = derive(seed, sc.id, "trials")
        self.checks = CompiledChecks(sc)
        names = [n for n in seed_data if n != "generate"]
        for step in sc.reference:
            if step.twin and step.twin not in names:  # (a wait step names no twin)
                names.append(step.twin)
        self.twin_names = tuple(names)
        self._anthropic_seed: Any = seed_data.get("anthropic")
        self._model_images: Bounded[int, tuple[Sequence[Step], SeedImage]] = Bounded(DRAWS_KEPT)
        self.faults = parse_plan(sc.faults) if sc.faults else None
        self._plans: dict[int, FaultPlan | None] = {}
        self.live = any(person.acts for person in sc.people)
        self.deadline = seconds(sc.deadline) if sc.deadline is not None else None
        queries = [c.query for c in sc.checks] + [c.when for c in sc.checks] + [sc.done] + \
            [s.wait_for for s in sc.reference] + [s.when for s in sc.reference]
        self.listens = self.live or any("events" in q for q in queries if q)
        """Whether the world must derive events (people react to them, or a query reads them)."""
        self.composer: Composer | None = None
        self.force: dict[str, str] | None = None  # people's outcomes pinned (`dtu lint` walks each)
        self.done = _done(sc.done) if sc.done else None  # compiled once, shared by the worlds
        """Who writes personas' replies (runner/persona.py sets it for a run)."""

    def fault_plan(self, extra: FaultPlan | None) -> FaultPlan | None:
        """The scenario's `faults:` followed by the run's `--faults` rules (cached per plan)."""
        key = id(extra)
        if key not in self._plans:
            own = self.faults
            if own is None or extra is None:
                self._plans[key] = own or extra
            else:
                self._plans[key] = FaultPlan(rules=[*own.rules, *extra.rules],
                                             rate_limits=own.rate_limits or extra.rate_limits)
        return self._plans[key]

    def model_image(self, plan: Sequence[Step]) -> SeedImage:
        """The seed image whose Anthropic twin holds `plan` for its `dtu-scripted` model: for
        oracles' worlds only (see `world`). Built once per plan (a `vars:` draw has its own).

        The other twins' snapshots are the seed image's own (generated orgs included). The
        Anthropic twin is not added to the seeded twins: a world that never talks to the model
        keeps the digest it has in a plan-less world, so replays and comparisons still match."""
        hit = self._model_images.get(id(plan))
        if hit is None:
            base = self.image
            img = SeedImage(base.twins, {}, base.seed, base.now)
            img.snapshots.update(base.snapshots)
            img.actors.update(base.actors)
            img.seeded, img.n, img.base = base.seeded, base.n, base
            twin = base.twins.get("anthropic")
            if twin is not None:
                data = dict(self._anthropic_seed or {})
                data["plan"] = model_plan(plan)  # an oracle's world plays the reference
                state = twin.build(data, Env(base.seed, base.now))
                img.snapshots["anthropic"] = twin.snapshot(state)
                img.actors["anthropic"] = twin.actor(state)
            hit = self._model_images.keep(id(plan), (plan, img))  # the plan is kept: its id stays unique
        return hit[1]

    def task(self, trial: int, seed: int, variant: Variant | None = None) -> Task:
        sc = self.scenario
        if variant is not None:
            return Task(scenario_id=sc.id, intent=variant.intent, twins=self.twin_names, trial=trial,
                        seed=seed, public=variant.public, tools=self.tools)
        return Task(scenario_id=sc.id, intent=sc.intent, twins=self.twin_names, trial=trial,
                    seed=seed, public=sc.public, tools=self.tools)

    @property
    def tools(self) -> tuple[str, ...] | None:
        return tuple(self.scenario.tools) if self.scenario.tools is not None else None

    def variant(self, trial_seed: int) -> Variant | None:
        """For a scenario with `vars:`, the trial's drawn actors substituted into its intent,
        reference and checks (compiled once per distinct draw); None without vars."""
        sc = self.scenario
        if not sc.vars:
            return None
        roster = self._roster
        if roster is None or roster.staff is not self.staff:  # (a test may swap the staff)
            roster = self._roster = Roster(self.staff or [])
        bound = resolve_vars(sc.vars, roster, trial_seed)
        key = msgspec.json.encode(bound).decode()
        v = self._variants.get(key)
        if v is None:
            special = msgspec.convert(substitute_vars(msgspec.to_builtins(sc), bound), type(sc))
            v = self._variants.keep(key, Variant(special.intent, special.public, special.reference,
                                                 CompiledChecks(special), special.people))
        return v

    def reference_of(self, trial_seed: int) -> list[Step]:
        """The reference plan of one trial: its `vars:` draw substituted, if the scenario has any."""
        variant = self.variant(trial_seed) if self.scenario.vars else None
        return variant.reference if variant is not None else self.scenario.reference

    def world(self, trial_seed: int, world_id: str = "", max_steps: int | None = None,
              faults: Any = None, oracle_plan: Sequence[Step] | None = None) -> World:
        """A fresh world for one trial. `oracle_plan` is for oracles only (`run_trial` passes it
        for agents with `oracle = True`, the yardsticks dtu runs in-process): the world's
        Anthropic twin then holds it for `dtu-scripted`. No other world holds the plan: not a
        program agent's, not a plugin's, not one made through `POST /_dtu/worlds`."""
        steps = max_steps or self.scenario.max_steps or 10_000
        image = self.image if oracle_plan is None else self.model_image(oracle_plan)
        world = World(image, trial_seed, world_id, max_steps=steps, faults=faults)
        if self.deadline is not None:
            world.deadline = world.started + self.deadline
        if self.done is not None:
            world.done = self.done
        if self.live:
            variant = self.variant(trial_seed) if self.scenario.vars else None
            people = variant.people if variant is not None else self.scenario.people  # generated people drawn
            aliases = {a.email: b.email for a, b in zip(people, self.scenario.people, strict=True) if b.generated}
            Life(people, trial_seed, composer=self.composer, force=self.force, aliases=aliases).attach(world)
        elif self.listens:
            world.listeners.append(_ignore)
        return world


def _done(query: str) -> Callable[[World], bool]:
    """The scenario's `done:` as a test of a world. It is asked often (a service agent's trial
    polls it), so only the parts of the world it reads are built (all when it reads the root
    itself: `*.x`, `keys(@)`)."""
    import jmespath

    from .jmes import compile_query
    from .loadcheck import roots
    from .plan import found, world_root

    q = compile_query(query)
    needs = None if _whole(jmespath.compile(query).parsed, True) else frozenset(roots(query))
    return lambda world: found(q(world_root(world, needs)))


def _whole(node: Any, at_root: bool) -> bool:
    """Whether a parsed query reads its root as a whole (`@`, `*`, `[0]` at the top), not only
    named fields of it; follows loadcheck.roots' walk, which names only those fields."""
    from .loadcheck import _ALL, _LEFT_ONLY

    if not at_root or not isinstance(node, dict):
        return False
    kind, kids = node.get("type"), node.get("children", [])
    if kind in ("current", "identity"):
        return True
    if kind in _LEFT_ONLY:
        return _whole(kids[0], True)
    return kind in _ALL and any(_whole(k, True) for k in kids)


def _ignore(world: World, event: Any) -> None:
    """A listener that makes a world derive its events (for queries that read them)."""


NEVER = "`false`"  # a query that never finds anything: a `wait:` step lasts its whole time


def model_plan(plan: Sequence[Step]) -> list[dict[str, Any]]:
    """The reference as the scripted model plays it: its calls, each a tool call (a wait step
    becomes the agent's `dtu__wait` tool). What needs the world is not the model's to judge (it
    cannot see it): a step's `when`, a `wait_for` query and its `save` queries ride along
    (`when`, `until`, `observe`), and the oracle agent that plays the plan judges them, as
    runner/plan.py `play` does for the scripted agent."""
    out: list[dict[str, Any]] = []
    for step in plan:
        if step.twin:
            call = {k: v for k, v in msgspec.to_builtins(step).items()
                    if k in ("twin", "op", "args", "save", "required", "note")}
        else:
            wait = seconds(step.wait if step.wait is not None else step.timeout if step.timeout is not None
                           else DEFAULT_WAIT)
            call = {"name": "dtu__wait", "input": {"minutes": max(0.01, min(1440.0, round(wait / 60, 2)))},
                    "until": step.wait_for or NEVER}
            if step.save:  # answered by the agent under `saved`, read back from there by the model
                call["observe"] = dict(step.save)
                call["save"] = {var: f"saved.{_quoted(var)}" for var in step.save}
        if step.when:
            call["when"] = step.when
        out.append(call)
    return out


def _quoted(name: str) -> str:
    """A JMESPath quoted identifier."""
    return msgspec.json.encode(name).decode()


class Variant:
    """One draw of a scenario's `vars`: what the trial's task, plan and checks become."""

    __slots__ = ("checks", "intent", "people", "public", "reference")

    def __init__(self, intent: str, public: Any, reference: list[Step], checks: CompiledChecks,
                 people: list[PersonSpec]) -> None:
        self.intent = intent
        self.public = public
        self.reference = reference
        self.checks = checks
        self.people = people


_ORGS: dict[tuple[Generate, int], tuple[dict[str, Any], list[Person]]] = {}


def generated_org(spec: Generate, seed: int) -> tuple[dict[str, Any], list[Person]]:
    """A generated organisation, built once per (spec, seed) in this process."""
    key = (spec, seed)
    hit = _ORGS.get(key)
    if hit is None:
        hit = _ORGS[key] = generate(spec, seed)
    return hit


@dataclass
class RunOptions:
    trials: int = 10
    concurrency: int = 100
    seed: int = 0
    timeout: float = 300.0
    max_steps: int | None = None
    out_dir: str = ""
    faults: FaultPlan | None = None
    sandbox: bool = True
    mounts: tuple[str, ...] = ()
    launch_dir: str = ""
    hidden: tuple[str, ...] = ()
    # The event loop's lag admission aims under (seconds; 0: every slot of `concurrency` at once).
    max_lag: float = 0.0


def trial_seed(run_seed: int, scenario_id: str, trial: int) -> int:
    """The seed of one trial's world. The agent is not part of it: agents compared in one run
    meet the same worlds."""
    return mix(derive(run_seed, scenario_id, "trials") ^ trial)


TrialKey = tuple[str, str, int]  # (agent, scenario, trial)


def plan_trials(agents: Sequence[Agent], prepared: Sequence[Prepared], trials: int,
                skip: set[TrialKey] | None = None) -> list[tuple[Agent, Prepared, int]]:
    out = []
    for agent in agents:
        for p in prepared:
            for k in range(trials):
                if skip and (agent.name, p.scenario.id, k) in skip:
                    continue
                out.append((agent, p, k))
    return out


async def run_trial(agent: AnyAgent, p: Prepared, trial: int, opts: RunOptions,
                    faults: Any = None) -> Trajectory:
    """One trial in a fresh world. An agent that raises or times out costs only this trial."""
    seed = mix(p.base_seed ^ trial)  # == trial_seed(opts.seed, scenario id, trial)
    if faults is None:
        plan = p.fault_plan(opts.faults)
        if plan is not None:
            faults = plan.world_faults(seed)
    try:
        variant = p.variant(seed) if p.scenario.vars else None
    except NoMatch as e:  # this run's organisation has nobody a var can draw: the trial cannot be judged
        return Trajectory(scenario=p.scenario.id, agent=agent.name, trial=trial, seed=seed, satisfied=False,
                          score=0.0, checks=[], calls=[], digest="", error=f"scenario vars: {e}")
    task = p.task(trial, seed, variant)
    reference = variant.reference if variant is not None else p.scenario.reference
    # The reference plan reaches oracles (in-process yardsticks) and nothing else.
    oracle = getattr(agent, "oracle", False) is True
    world = p.world(seed, max_steps=opts.max_steps, faults=faults, oracle_plan=reference if oracle else None)
    error: str | None = None
    info: dict[str, Any] | None = None
    t0 = time.perf_counter()
    try:
        async with asyncio.timeout(opts.timeout):
            if oracle:
                play = cast(Oracle, agent).run(task, world, reference)
            else:
                play = cast(Agent, agent).run(task, world)
            info = await (play if world.deadline is None else _until_deadline(play, world))
    except TimeoutError as e:
        error = f"timeout after {opts.timeout:g}s"
        info = _info_of(e.__cause__)
    except asyncio.CancelledError:
        raise
    except Exception as e:
        error = f"agent crashed: {type(e).__name__}: {e}"
        info = _info_of(e)
    wall = (time.perf_counter() - t0) * 1000
    persona = getattr(p.composer, "info", None)
    if persona is not None and (said := persona(world)) is not None:  # where personas' replies came from
        info = {**(info or {}), "persona": said}
    results = (variant.checks if variant is not None else p.checks).evaluate(world)
    passed = sum(r.passed for r in results)
    return Trajectory(
        scenario=p.scenario.id, agent=agent.name, trial=trial, seed=seed,
        satisfied=error is None and passed == len(results), score=passed / len(results),
        checks=results, calls=world.calls, digest=world.digest(), error=error,
        info=info or {}, wall_ms=round(wall, 3),
    )


async def _until_deadline(play: Coroutine[Any, Any, dict[str, Any] | None], world: World) -> dict[str, Any] | None:
    """Run the agent until it returns or the world's deadline is reached (its waits ran into it,
    or it called after it): the trial ends there and is judged, as a user would at that time."""
    task = asyncio.ensure_future(play)
    reached = False

    def end() -> None:
        nonlocal reached
        reached = True
        task.cancel()

    world.on_deadline = end
    try:
        return await task
    except asyncio.CancelledError:
        if not reached or asyncio.current_task().cancelling():  # type: ignore[union-attr]
            raise
        info = _info_of(task.exception() if not task.cancelled() else None) or {}
        return {**info, "deadline": "reached"}
    finally:
        world.on_deadline = None
        if not task.done():
            task.cancel()


def _info_of(e: BaseException | None) -> dict[str, Any] | None:
    """Facts an agent attached to the exception it raised (`e.dtu_info`), e.g. an exit code."""
    info = getattr(e, "dtu_info", None)
    return info if isinstance(info, dict) else None


BREATH = 0.02  # seconds a worker may hold the loop before it lets signals, progress and I/O in
# (under half of `--max-lag`'s default, so agents that never wait are never held back by admission)


async def run_all(agents: Sequence[Agent], prepared: Sequence[Prepared], opts: RunOptions,
                  sink: Callable[[Trajectory], None], skip: set[TrialKey] | None = None,
                  todo: Sequence[tuple[Agent, Prepared, int]] | None = None, stop: Stop | None = None,
                  admitted: dict[str, Any] | None = None) -> int:
    """Run every trial (or the given `todo` list) with at most `opts.concurrency` in flight; hand
    each to `sink` as it ends. When `stop` is requested, no trial starts and the running ones are
    cancelled (a cancelled trial is not recorded; a resume runs it again).

    Workers pull from one iterator, so there is no task or semaphore per pending trial. In-process
    agents may finish a trial without ever suspending: a worker that has held the loop for
    `BREATH` seconds yields once, and so do the others queued in the same turn of the loop, until
    the loop has run its timers, I/O and signal handlers.

    With `opts.max_lag`, trials start as the loop's lag allows (`admit.Admission`): at most
    `opts.concurrency`, fewer while the trials in flight want more CPU than the loop has. The
    admission's figures are returned in `admitted` when given."""
    stop = stop or Stop()
    if todo is None:
        todo = plan_trials(agents, prepared, opts.trials, skip)
    # Seed images, compiled checks and the trial plan live for the whole run: move them out of
    # the collector's sight, and collect young objects less often while trials churn.
    gc.freeze()
    thresholds = gc.get_threshold()
    gc.set_threshold(50_000, 50, 100)
    info = RunInfo(seed=opts.seed, timeout=opts.timeout, out_dir=opts.out_dir, concurrency=opts.concurrency,
                   sandbox=opts.sandbox, mounts=opts.mounts, launch_dir=opts.launch_dir, hidden=opts.hidden)
    for agent in agents:
        opener = getattr(agent, "open", None)
        if opener is not None:
            await opener(info)
    it: Iterator[tuple[Agent, Prepared, int]] = iter(todo)
    done = 0
    loop = asyncio.get_running_loop()
    clock = time.perf_counter
    due = clock() + BREATH
    breathing = False

    gate = Admission(opts.concurrency, opts.max_lag) if opts.max_lag > 0 else None

    def breathe() -> None:  # runs once the loop has had its turn: the next worker may hold it again
        nonlocal due, breathing
        due, breathing = clock() + BREATH, False

    async def worker() -> None:
        nonlocal done, breathing
        slot = False  # whether this worker holds one of admission's slots
        try:
            for agent, p, k in it:
                if stop.requested:
                    return
                if gate is None:
                    sink(await run_trial(agent, p, k, opts))
                else:
                    if not slot:
                        if not gate.try_enter():
                            await gate.enter()
                        slot = True
                        if stop.requested:
                            return
                    t0 = clock()
                    t = await run_trial(agent, p, k, opts)
                    slot = gate.ended(clock() - t0)
                    sink(t)
                    del t  # not kept alive while the worker waits: its calls would age into older GC generations
                done += 1
                if clock() >= due:
                    if not breathing:
                        breathing = True
                        loop.call_soon(breathe)
                    await asyncio.sleep(0)
        finally:
            if slot and gate is not None:
                gate.leave()

    workers: list[asyncio.Task[None]] = []

    def cancel() -> None:
        for w in workers:
            w.cancel()

    try:
        if gate is not None:
            gate.start()
        if not stop.requested:
            with stop.on_request(loop, cancel):
                async with asyncio.TaskGroup() as tg:
                    for _ in range(max(1, min(opts.concurrency, len(todo)))):
                        workers.append(tg.create_task(worker()))
    finally:
        if gate is not None:
            gate.stop()
            if admitted is not None:
                admitted.update(gate.summary())
        gc.set_threshold(*thresholds)
        gc.unfreeze()
        for agent in agents:
            closer = getattr(agent, "close", None)
            if closer is not None:
                await closer()
    return done


def prepare(loaded: Iterable[Loaded], seed: int, twins: dict[str, Twin[Any]] | None = None) -> list[Prepared]:
    if twins is None:
        from dtu.twins.registry import TWINS

        twins = TWINS
    return [Prepared(ld, seed, twins) for ld in loaded]


def run_async(main: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine on uvloop when it is installed (asyncio's loop elsewhere)."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - Windows
        return asyncio.run(main)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)
