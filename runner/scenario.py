"""The scenario format: YAML files decoded into msgspec Structs, with file/line/field errors."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

import jmespath
import jmespath.exceptions
import msgspec

from dtu.twins.core import Twin

from . import loadcheck, yamlsrc
from .errors import ScenarioError
from .people import PersonSpec

CheckOp = Literal["equals", "not_equals", "contains", "not_contains", "exists", "absent", "count",
                  "matches", "at_most_calls", "at_least", "at_most", "within"]
BUNDLED = Path(__file__).resolve().parent.parent / "scenarios"


class Check(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """A hidden check: a JMESPath query over the final state (or the call log) and an operator.

    The query runs over `{<twin>: <state view>, ..., "calls": [{twin, op, args, status, ok, actor,
    t}], "events": [{twin, type, t, by, data}], "people": {<email>: {<act>: [outcome, ...]}}}`
    (`t`: world seconds since the trial began; `actor`: "agent" or a person's email).
    `within: 10m` passes when the query finds two times (a list [start, end]) at most that far
    apart. A check with `when:` (a query) counts only when that query finds something; otherwise
    it passes as "not applicable" (a check for one of the outcomes people can draw)."""

    query: str
    op: CheckOp = "exists"
    value: Any = None
    id: str = ""
    description: str = ""
    when: str = ""


class Step(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """One step of the hidden reference plan. `args` may use `${name}` from earlier `save`s.

    A step that waits instead of calling: `wait: 15m` lets world time pass; `wait_for: <query>`
    waits (at most `timeout`, default the deadline or 1 day) until the query over the world
    finds something. `when: <query>` runs a step only if the query finds something now (the
    plan for one of the outcomes people can draw). `save` on a wait step reads the world."""

    twin: str = ""
    op: str = ""
    args: dict[str, Any] = {}
    save: dict[str, str] = {}
    required: bool = False
    note: str = ""
    wait: str | float | None = None
    wait_for: str = ""
    timeout: str | float | None = None
    when: str = ""


class Judge(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """An optional LLM judge: a hidden rubric and how its verdict combines with the checks."""

    rubric: str
    combine: Literal["all", "any", "weighted"] = "all"
    weight: float = 0.5
    threshold: float = 0.5
    model: str | None = None


class Scenario(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """A user story: the intent the agent sees, the seed, and hidden checks and reference."""

    id: str
    title: str
    intent: str
    checks: list[Check]
    seed: dict[str, Any] = {}
    reference: list[Step] = []
    tags: list[str] = []
    now: str | None = None
    faults: Any = None
    public: Any = None
    judge: Judge | None = None
    vars: dict[str, Any] = {}
    max_steps: int | None = None
    tools: list[str] | None = None  # the tools offered (names or patterns like `slack__*`); None: all
    people: list[PersonSpec] = []  # one identity across twins (runner/people.py)
    deadline: str | float | None = None  # the most world time a trial may take (e.g. "2h")
    done: str = ""  # a query: the trial is over once it finds something (service agents)


class Loaded(msgspec.Struct, frozen=True):
    """A scenario with where it came from."""

    scenario: Scenario
    path: str
    digest: str
    text: str

    @property
    def id(self) -> str:
        return self.scenario.id


_decoder_cache: dict[str, Any] = {}


def _fail(path: str, text: str, field: str, message: str, fix: str = "") -> ScenarioError:
    line = yamlsrc.line_of(text, "$." + field if field else "$") if text else None
    return ScenarioError(path, line, field, message, fix)


def parse(text: str, path: str, twins: Mapping[str, Twin[Any]] | None = None) -> Scenario:
    """Decode and validate one scenario's text; raise ScenarioError naming file, line and field."""
    try:
        raw = yamlsrc.load(text)
    except yamlsrc.TooLarge as e:
        line = yamlsrc.line_of(text, "$." + e.field) if e.field and len(text) <= yamlsrc.MAX_BYTES else None
        raise ScenarioError(path, line, e.field, e.message, e.fix) from None
    except Exception as e:  # yaml.YAMLError and decoding errors alike
        mark = getattr(e, "context_mark", None) or getattr(e, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise ScenarioError(path, line, "", f"not valid YAML: {getattr(e, 'problem', e)}",
                            "check indentation and quoting on that line") from None
    if not isinstance(raw, dict):
        raise ScenarioError(path, 1, "", "a scenario is a YAML mapping",
                            "start the file with `id:`, `title:`, `intent:`, `checks:`")
    try:
        sc = msgspec.convert(raw, Scenario)
    except msgspec.ValidationError as e:
        msg = str(e)
        where = ""
        if " - at `$" in msg:
            msg, _, where = msg.partition(" - at `")
            where = where.rstrip("`")
        field = where.removeprefix("$").lstrip(".")
        line = yamlsrc.line_of(text, where or "$")
        if msg.startswith("Object missing required field"):
            name = msg.split("`")[1]
            field = f"{field}.{name}" if field else name
            msg = "required field is missing"
        elif msg.startswith("Object contains unknown field"):
            name = msg.split("`")[1]
            field = f"{field}.{name}" if field else name
            line = yamlsrc.line_of(text, "$." + field)
            msg = "unknown field"
        raise ScenarioError(path, line, field, msg, "see scenarios/README.md for the format") from None
    validate(sc, path, text, twins)
    return sc


def validate(sc: Scenario, path: str, text: str, twins: Mapping[str, Twin[Any]] | None) -> None:
    """Names that must exist: twins, operations, JMESPath queries."""
    if twins is None:
        from dtu.twins.registry import TWINS

        twins = TWINS
    known = ", ".join(sorted(twins))
    for name in sc.seed:
        if name not in twins and name != "generate":
            raise _fail(path, text, f"seed.{name}", f"unknown twin {name!r}", f"use one of: {known}")
    for i, step in enumerate(sc.reference):
        if step.wait is not None or step.wait_for:
            _check_wait(step, path, text, f"reference[{i}]")
            for var, query in step.save.items():
                _compile(query, path, text, f"reference[{i}].save.{var}")
            if step.when:
                _compile(step.when, path, text, f"reference[{i}].when")
            continue
        if step.when:
            _compile(step.when, path, text, f"reference[{i}].when")
        twin = twins.get(step.twin)
        if twin is None:
            raise _fail(path, text, f"reference[{i}].twin", f"unknown twin {step.twin!r}",
                        f"use one of: {known}")
        if step.op not in twin.ops:
            raise _fail(path, text, f"reference[{i}].op", f"{step.twin} has no operation {step.op!r}",
                        f"see twins/{step.twin}/README.md for its operations")
        for var, query in step.save.items():
            _compile(query, path, text, f"reference[{i}].save.{var}")
    if sc.faults is not None:
        from dtu.twins.core.faults import parse_plan

        try:
            parse_plan(sc.faults)
        except (msgspec.ValidationError, ValueError) as e:
            msg, _, where = str(e).partition(" - at `$")
            sub = where.rstrip("`")
            field = "faults" + (sub if isinstance(sc.faults, dict) else sub.removeprefix(".rules"))
            raise _fail(path, text, field, msg, "see twins/core/faults.py for the fault plan format") from None
    ids: set[str] = set()
    for i, check in enumerate(sc.checks):
        if not check.id:
            check.id = f"check{i + 1}"
        if check.id in ids:
            raise _fail(path, text, f"checks[{i}].id", f"duplicate check id {check.id!r}",
                        "give each check its own id")
        ids.add(check.id)
        _compile(check.query, path, text, f"checks[{i}].query")
        if check.when:
            _compile(check.when, path, text, f"checks[{i}].when")
        if check.op == "within":
            _duration(check.value, path, text, f"checks[{i}].value")
        if check.op in ("count", "at_most_calls", "at_least", "at_most") and not isinstance(check.value, int):
            raise _fail(path, text, f"checks[{i}].value", f"`{check.op}` needs an integer value",
                        "set `value:` to a whole number")
        if check.op in ("equals", "not_equals", "contains", "not_contains", "matches") and check.value is None:
            raise _fail(path, text, f"checks[{i}].value", f"`{check.op}` needs a value", "set `value:`")
    if sc.deadline is not None:
        _duration(sc.deadline, path, text, "deadline")
    if sc.done:
        _compile(sc.done, path, text, "done")
    if not sc.checks:
        raise _fail(path, text, "checks", "a scenario needs at least one check",
                    "add a check that a do-nothing agent fails")
    if sc.tools is not None:
        from .tools import catalog, offered

        every = catalog(twins, sorted(twins)).ops
        for i, pattern in enumerate(sc.tools):
            if not any(offered(name, (pattern,)) for name in every):
                raise _fail(path, text, f"tools[{i}]", f"no tool is named {pattern!r}",
                            "name tools as <twin>__<operation> (e.g. slack__chat_postMessage) or a pattern "
                            "such as slack__*")
    loadcheck.check(sc, path, text, twins)


_TEMPLATE = re.compile(r"\$\{[^}]*\}")


def _duration(value: Any, path: str, text: str, field: str) -> float:
    from .life_spec import seconds

    try:
        return seconds(value)
    except (ValueError, TypeError) as e:
        raise _fail(path, text, field, str(e), "write a duration such as 90s, 15m, 2h or 1d") from None


def _check_wait(step: Step, path: str, text: str, field: str) -> None:
    if step.twin or step.op:
        raise _fail(path, text, field, "a step either calls (twin, op) or waits (wait, wait_for), not both",
                    "split it into two steps")
    if step.wait is not None and step.wait_for:
        raise _fail(path, text, field, "a step has `wait:` or `wait_for:`, not both", "split it into two steps")
    if step.wait is not None:
        _duration(step.wait, path, text, f"{field}.wait")
    if step.wait_for:
        _compile(step.wait_for, path, text, f"{field}.wait_for")
    if step.timeout is not None:
        _duration(step.timeout, path, text, f"{field}.timeout")


def _compile(query: str, path: str, text: str, field: str) -> Any:
    """Compile a query to check its syntax (`${var.field}` placeholders stand in as a name)."""
    try:
        return jmespath.compile(_TEMPLATE.sub("X", query))
    except jmespath.exceptions.JMESPathError as e:
        raise _fail(path, text, field, f"invalid JMESPath: {e}", "check the query's syntax") from None


def load_file(path: str | os.PathLike[str], twins: Mapping[str, Twin[Any]] | None = None) -> Loaded:
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as e:
        raise ScenarioError(str(p), None, "", f"cannot read: {e.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ScenarioError(str(p), None, "", f"not UTF-8 (byte {e.start})", "save the file as UTF-8") from None
    sc = parse(text, str(p), twins)
    return Loaded(sc, str(p), hashlib.sha256(data).hexdigest(), text)


def load_text(path: str, text: str, twins: Mapping[str, Twin[Any]] | None = None) -> Loaded:
    """A scenario from its text (a shard carries texts, so remote workers need no files)."""
    return Loaded(parse(text, path, twins), path, hashlib.sha256(text.encode()).hexdigest(), text)


def discover(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Scenario files under the given files and folders, sorted."""
    files: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            files += sorted(q for q in p.rglob("*") if q.suffix in (".yaml", ".yml") and q.is_file())
        elif p.exists():
            files.append(p)
        else:
            raise ScenarioError(str(p), None, "", "no such file or folder",
                                "pass a scenario file or a folder of them")
    return files


def default_paths() -> list[str]:
    """DTU_SCENARIOS (os.pathsep-separated) or the bundled library."""
    env = os.environ.get("DTU_SCENARIOS")
    return env.split(os.pathsep) if env else [str(BUNDLED)]


def load_all(paths: Iterable[str | os.PathLike[str]] | None = None,
             twins: Mapping[str, Twin[Any]] | None = None) -> list[Loaded]:
    """Load every scenario under `paths`; scenario ids must be unique across the set."""
    out: list[Loaded] = []
    seen: dict[str, str] = {}
    for f in discover(paths if paths else default_paths()):
        ld = load_file(f, twins)
        if ld.id in seen:
            raise ScenarioError(ld.path, yamlsrc.line_of(ld.text, "$.id"), "id",
                                f"duplicate scenario id {ld.id!r} (also in {seen[ld.id]})",
                                "give each scenario its own id")
        seen[ld.id] = ld.path
        out.append(ld)
    return out


def set_digest(loaded: Iterable[Loaded]) -> str:
    """One digest for a scenario set: the sorted (id, digest) pairs."""
    h = hashlib.sha256()
    for ld in sorted(loaded, key=lambda x: x.id):
        h.update(f"{ld.id}\0{ld.digest}\n".encode())
    return h.hexdigest()
