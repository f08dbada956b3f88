"""Load-time checks of a decoded scenario that need more than its types: bounds, the `now` time,
`matches` patterns, the twins its checks read, its generated organisation and `vars`, and whether
its seed builds (every user, channel, project or file it names exists).

Each failure is a ScenarioError naming the file, line and field, so `dtu lint`, `dtu run` and
`pytest --dtu` all refuse a broken file before any world is made."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import jmespath
import msgspec

from dtu.twins.core import Env, Twin, derive, mix, parse_time

from . import people, yamlsrc
from .errors import ScenarioError
from .generate import (
    MAX_USERS,
    Generate,
    NoMatch,
    Person,
    Roster,
    generate,
    merge_seed,
    pick_problem,
    resolve_vars,
)

if TYPE_CHECKING:
    from .scenario import Scenario

MAX_STEPS = 1_000_000
MAX_INTENT = 20_000  # characters
MAX_PUBLIC = 256 * 1024  # bytes of JSON
VAR_DRAWS = 20  # trials whose `vars` draws are tried at load time
DEFAULT_EPOCH = 1705309200.0  # 2024-01-15T09:00:00Z, the engine's default `now`

Fail = Callable[..., ScenarioError]
_VAR_PLACEHOLDER = "dtu_var_"
_TEMPLATE = re.compile(r"\$\{[^}]*\}")
_SEED_FIELD = re.compile(r"^(seed\.[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+|\[\d+\])*): (.*)$", re.S)
_INDEXED = re.compile(r"^seed\.([A-Za-z0-9_]+)\.([A-Za-z0-9_]+)\[(\d+)\](.*)$", re.S)


def check(sc: Scenario, path: str, text: str, twins: Mapping[str, Twin[Any]]) -> None:
    def fail(field: str, message: str, fix: str = "") -> ScenarioError:
        line = yamlsrc.line_of(text, "$." + field if field else "$") if text else None
        return ScenarioError(path, line, field, message, fix)

    _bounds(sc, fail)
    now = _now(sc, fail)
    for i, c in enumerate(sc.checks):
        if c.op == "matches":
            _pattern(c.value, f"checks[{i}].value", fail)
    spec = _generate(sc, fail)
    _reads(sc, twins, spec, fail)
    _vars(sc, spec, fail)
    generated: dict[str, Any] = {}
    if spec is not None:
        generated, staff = generate(spec, derive(0, "generate"))
        _draws(sc, staff, fail)
    if sc.people:
        for field, message in people.problems(sc.people, list(sc.seed)):
            raise fail(field, message, "see scenarios/README.md (People) for the people: format")
        generated = merge_seed(generated, people.seed(sc.people, sc.seed))
    _seed(sc, twins, generated, now, fail)


def _bounds(sc: Scenario, fail: Fail) -> None:
    if sc.max_steps is not None and not 1 <= sc.max_steps <= MAX_STEPS:
        raise fail("max_steps", f"must be between 1 and {MAX_STEPS:,} (got {sc.max_steps})",
                    "give the most calls an agent may make in one trial, or drop `max_steps`")
    if len(sc.intent) > MAX_INTENT:
        raise fail("intent", f"is {len(sc.intent):,} characters, over the limit of {MAX_INTENT:,}",
                   "say what the user wants in a few paragraphs; put data in the seed")
    if sc.public is not None:
        size = len(msgspec.json.encode(sc.public))
        if size > MAX_PUBLIC:
            raise fail("public", f"is {size:,} bytes as JSON, over the limit of {MAX_PUBLIC:,}",
                       "give the agent less context, or put the data in the seed where it can look it up")


def _now(sc: Scenario, fail: Fail) -> float:
    try:
        return parse_time(sc.now, DEFAULT_EPOCH)
    except (ValueError, TypeError, OverflowError):
        raise fail("now", f"not a date and time: {sc.now!r}",
                   'write an ISO 8601 time, e.g. now: "2024-01-15T09:00:00Z"') from None


def _pattern(value: Any, field: str, fail: Fail) -> None:
    if not isinstance(value, str):
        raise fail(field, f"`matches` needs a regular expression as a string, got {value!r}",
                   "quote the pattern")
    try:
        re.compile(value)
    except re.error as e:
        raise fail(field, f"invalid regular expression {value!r}: {e}",
                   "fix the pattern (Python `re` syntax); escape a literal ( [ + ? with a backslash") from None


# -- the twins a check reads ----------------------------------------------------------------------

_LEFT_ONLY = {"subexpression", "index_expression", "pipe", "projection", "value_projection",
              "filter_projection"}
_ALL = {"function_expression", "multi_select_list", "multi_select_dict", "key_val_pair", "or_expression",
        "and_expression", "not_expression", "comparator", "flatten"}


def roots(query: str) -> set[str]:
    """The top-level names a JMESPath query reads from the root (`slack` in `slack.users[0]`)."""
    out: set[str] = set()
    _walk(jmespath.compile(_TEMPLATE.sub(_VAR_PLACEHOLDER, query)).parsed, True, out)
    out.discard(_VAR_PLACEHOLDER)
    return out


def _walk(node: Any, at_root: bool, out: set[str]) -> None:
    if not isinstance(node, dict):  # a slice's bounds
        return
    kind = node.get("type")
    kids = node.get("children", [])
    if kind == "field":
        if at_root:
            out.add(node["value"])
    elif kind in _LEFT_ONLY:
        _walk(kids[0], at_root, out)
        # `@.slack` reads the root too
        same = at_root and kind == "subexpression" and kids[0].get("type") in ("current", "identity")
        for k in kids[1:]:
            _walk(k, same, out)
    elif kind in _ALL:
        for k in kids:
            _walk(k, at_root, out)
    else:
        for k in kids:
            _walk(k, False, out)


def _reads(sc: Scenario, twins: Mapping[str, Twin[Any]], spec: Generate | None, fail: Fail) -> None:
    available = {n for n in sc.seed if n != "generate"} | {s.twin for s in sc.reference if s.twin}
    if spec is not None:
        available |= set(spec.twins)
    special = {"calls", "events", "people"}
    queries = [(f"checks[{i}].query", c.query) for i, c in enumerate(sc.checks)] + \
        [(f"checks[{i}].when", c.when) for i, c in enumerate(sc.checks) if c.when] + \
        [(f"reference[{i}].wait_for", s.wait_for) for i, s in enumerate(sc.reference) if s.wait_for] + \
        [(f"reference[{i}].when", s.when) for i, s in enumerate(sc.reference) if s.when] + \
        ([("done", sc.done)] if sc.done else [])
    for field, query in queries:
        for name in sorted(roots(query)):
            if name in special or name in available:
                continue
            if name in twins:
                raise fail(field,
                           f"reads twin {name!r}, which the scenario neither seeds nor calls in its reference "
                           f"(the check would always find null)",
                           f"add `{name}:` under `seed:` (or a reference step on {name}), or fix the query")
            raise fail(field, f"reads {name!r}, which is neither a twin nor `calls`, `events` or `people`",
                       f"start the query with one of: {', '.join(sorted(available | special))}")


# -- generated organisations and vars --------------------------------------------------------------

def _generate(sc: Scenario, fail: Fail) -> Generate | None:
    raw = sc.seed.get("generate")
    if raw is None:
        return None
    try:
        spec = msgspec.convert(raw, Generate)
    except msgspec.ValidationError as e:
        msg, _, where = str(e).partition(" - at `$")
        field = "seed.generate" + where.rstrip("`")
        fix = (f"generate at most {MAX_USERS:,} users" if ".users" in where and "<=" in msg
               else "see scenarios/README.md for `seed.generate`")
        raise fail(field, msg, fix) from None
    from dtu.twins.registry import TWINS

    for j, name in enumerate(spec.twins):
        if name not in ("okta", "slack", "jira", "google"):
            raise fail(f"seed.generate.twins[{j}]", f"cannot generate {name!r}",
                       "use okta, slack, jira and/or google" + ("" if name in TWINS else " (is it a typo?)"))
    return spec


def _vars(sc: Scenario, spec: Generate | None, fail: Fail) -> None:
    """Every `vars` pick must be able to match someone in any organisation `spec` generates."""
    defined: dict[str, bool] = {}  # name -> is a person
    for name, raw in sc.vars.items():
        field = f"vars.{name}"
        if not isinstance(raw, dict):
            defined[name] = False
            continue
        if spec is None:
            raise fail(field, "draws a person, but the scenario has no generated organisation",
                       "add `generate: {users: 50}` under `seed:`, or give the var a plain value")
        problem = pick_problem(name, raw, spec, defined)
        if problem is not None:
            sub, message, fix = problem
            raise fail(field + sub, message, fix)
        defined[name] = True


def _draws(sc: Scenario, staff: list[Person], fail: Fail) -> None:
    """The vars of the first VAR_DRAWS trials of a run with seed 0 (the default) find someone:
    a `where` only people drawn at random can match may find nobody in a small organisation."""
    if not sc.vars:
        return
    base = derive(0, sc.id, "trials")  # the engine's trial seeds: mix(base ^ trial)
    roster = Roster(staff)
    for k in range(VAR_DRAWS):
        try:
            resolve_vars(sc.vars, roster, mix(base ^ k))
        except NoMatch as e:
            raise fail(f"vars.{e.var}", f"{e.message} (run seed 0, trial {k})", e.fix) from None


# -- seeds -------------------------------------------------------------------------------------------

def _seed(sc: Scenario, twins: Mapping[str, Twin[Any]], generated: Mapping[str, Any], now: float,
          fail: Fail) -> None:
    """Build each twin's seed once, as a run with seed 0 would, and name the field of the first error."""
    data: Mapping[str, Any] = merge_seed(generated, sc.seed) if generated else sc.seed
    env = Env(derive(0, sc.id), now)
    for name, value in data.items():
        if name == "generate" or name not in twins:
            continue
        try:
            twins[name].build(value, env)
        except (ValueError, KeyError, TypeError, IndexError, msgspec.ValidationError) as e:
            raise seed_error(e, name, generated, fail) from None


def seed_error(e: BaseException, twin: str, generated: Mapping[str, Any], fail: Fail) -> ScenarioError:
    """A seed builder's error as a ScenarioError on its field. Builders name the field at the
    start of their message (`seed.slack.channels[0].members[1]: unknown user 'ghost'`); a field
    inside a list the generated organisation extended is mapped back to the file's own item."""
    base = f"seed.{twin}" if twin else "seed"
    m = _SEED_FIELD.match(str(e)) if type(e) is ValueError else None
    if isinstance(e, msgspec.ValidationError):
        msg, _, where = str(e).partition(" - at `$")
        field, message = (base + where.rstrip("`") if twin else base), msg
    elif m:
        field, message = m.group(1), m.group(2)
    else:
        field, message = base, f"the seed does not build: {type(e).__name__}: {e}"
    m = _INDEXED.match(field)
    if m and generated:
        t, key, idx, rest = m.group(1), m.group(2), int(m.group(3)), m.group(4)
        offset = len(generated.get(t, {}).get(key, []) or [])
        field = f"seed.{t}.{key}[{idx - offset}]{rest}" if idx >= offset else "seed.generate"
    message, _, fix = message.partition("; ")
    return fail(field, message, fix or "make every user, channel, project or file the seed names exist in it")
