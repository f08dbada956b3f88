"""JQL meaning: fields, values and functions resolved against a world's state, compiled to predicates.

`compile_query(text, state, actor, now, visible)` returns a `Search` that filters and orders issues.
Unknown fields, values and operators raise JqlError with Jira's wording."""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable, Iterable
from typing import Any

from ..core.memo import text_cache
from .jql import And, Clause, Empty, Func, JqlError, Node, Not, Or, Query, Value, parse
from .state import Issue, JiraState

Pred = Callable[[Issue], bool]
PERIOD = re.compile(r"^([-+]?)\s*((?:\d+\s*[wdhm]\s*)+)$")
PART = re.compile(r"(\d+)\s*([wdhm])")
UNITS = {"w": 604800, "d": 86400, "h": 3600, "m": 60}
DATE_FORMATS = ("%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d")
ALIASES = {"issuekey": "key", "issuetype": "type", "createddate": "created", "updateddate": "updated",
           "resolutiondate": "resolved", "duedate": "due", "status category": "statuscategory",
           "statuscategorychangeddate": "statuscategorychangeddate", "fixversions": "fixversion",
           "components": "component", "cf[10020]": "sprint", "affectedversions": "affectedversion",
           "affectsversion": "affectedversion"}
TEXT = frozenset({"summary", "description", "comment", "text"})
USERS = frozenset({"assignee", "reporter", "creator", "watcher"})
DATES = frozenset({"created", "updated", "resolved", "due", "statuscategorychangeddate"})
ENUMS = frozenset({"project", "status", "statuscategory", "type", "priority", "resolution", "labels", "parent",
                   "fixversion", "affectedversion", "component", "sprint"})
SPRINT_FUNCS = {"opensprints": ("active", "future"), "closedsprints": ("closed",), "futuresprints": ("future",)}
KNOWN = TEXT | USERS | DATES | ENUMS | {"key", "id"}
WORD = re.compile(r"[a-z0-9]+")
CACHED_TEXT = 2048  # the longest text whose words are cached
CATEGORY_NAMES = {"to do": "new", "new": "new", "2": "new", "in progress": "indeterminate",
                  "indeterminate": "indeterminate", "4": "indeterminate", "done": "done", "3": "done"}


@text_cache(1 << 14)
def _words(text: str) -> tuple[str, ...]:
    # Text searches read the same seeded summaries and descriptions in every world: split each once.
    return tuple(WORD.findall(text.lower()))


def _first(pair: tuple[Any, Issue]) -> Any:
    return pair[0]


class Search:
    """A compiled query: `match(issue)` and `order(issues)`."""

    def __init__(self, pred: Pred, keys: list[tuple[Callable[[Issue], Any], bool]]) -> None:
        self.match = pred
        self.keys = keys

    def order(self, issues: Iterable[Issue]) -> list[Issue]:
        out = sorted(issues, key=lambda i: int(i.id), reverse=True)
        for key, desc in reversed(self.keys):
            keyed = [(key(i), i) for i in out]  # each issue's key computed once
            present = [pair for pair in keyed if pair[0] is not None]
            present.sort(key=_first, reverse=desc)
            out = [i for _, i in present] + [i for k, i in keyed if k is None]
        return out


class Compiler:
    def __init__(self, state: JiraState, actor: str, now: float, visible: Callable[[str], bool]) -> None:
        self.s = state
        self.actor = actor
        self.now = now
        self.visible = visible

    # -- values -------------------------------------------------------------------------------------
    def _fail_value(self, text: str, fname: str) -> JqlError:
        return JqlError(f"The value '{text}' does not exist for the field '{fname}'.")

    def values(self, operand: Any, fname: str) -> list[Value | Func]:
        if isinstance(operand, tuple):
            return list(operand)
        return [operand]

    def users(self, operand: Any, fname: str) -> set[str | None]:
        out: set[str | None] = set()
        for v in self.values(operand, fname):
            if isinstance(v, Empty):
                out.add(None)
            elif isinstance(v, Func):
                if v.name.lower() != "currentuser":
                    raise JqlError(f"Unable to find JQL function '{v.name}({', '.join(v.args)})'.")
                out.add(self.actor)
            else:
                low = v.text.lower()
                hit = [u.account_id for u in self.s.users.values()
                       if low in (u.account_id.lower(), u.email.lower(), u.display_name.lower())]
                if not hit:
                    raise self._fail_value(v.text, fname)
                out.update(hit)
        return out

    def date(self, v: Value | Func | Empty, fname: str) -> float | None:
        if isinstance(v, Empty):
            return None
        if isinstance(v, Func):
            return self.date_func(v)
        text = v.text.strip()
        m = PERIOD.match(text)
        if m:
            secs = sum(int(n) * UNITS[u] for n, u in PART.findall(m.group(2)))
            return self.now - secs if m.group(1) == "-" else self.now + secs
        for fmt in DATE_FORMATS:
            try:
                return _dt.datetime.strptime(text, fmt).replace(tzinfo=_dt.UTC).timestamp()
            except ValueError:
                continue
        raise JqlError(f"Date value '{text}' for field '{fname}' is invalid. Valid formats include: "
                       "'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format "
                       "e.g. '-5d', '4w 2d'.")

    def date_func(self, f: Func) -> float:
        name = f.name.lower()
        now = _dt.datetime.fromtimestamp(self.now, _dt.UTC)
        day = now.replace(hour=0, minute=0, second=0, microsecond=0)
        base: _dt.datetime
        if name == "now":
            return self.now
        if name in ("startofday", "endofday"):
            base = day
            step = _dt.timedelta(days=1)
        elif name in ("startofweek", "endofweek"):
            base = day - _dt.timedelta(days=(day.weekday() + 1) % 7)  # weeks start on Sunday
            step = _dt.timedelta(days=7)
        elif name in ("startofmonth", "endofmonth"):
            base = day.replace(day=1)
            nxt = (base + _dt.timedelta(days=32)).replace(day=1)
            step = nxt - base
        elif name in ("startofyear", "endofyear"):
            base = day.replace(month=1, day=1)
            step = base.replace(year=base.year + 1) - base
        else:
            raise JqlError(f"Unable to find JQL function '{f.name}({', '.join(f.args)})'.")
        t = base.timestamp()
        if f.args:
            m = PERIOD.match(f.args[0].strip())
            if m is None:
                raise JqlError(f"Function '{f.name}' expects a period such as '-1d' but got '{f.args[0]}'.")
            secs = sum(int(n) * UNITS[u] for n, u in PART.findall(m.group(2)))
            t += -secs if m.group(1) == "-" else secs
        if name.startswith("end"):
            t += step.total_seconds() - 0.001
        return t

    def enum(self, operand: Any, fname: str, lookup: Callable[[str], set[str]]) -> set[str | None]:
        out: set[str | None] = set()
        for v in self.values(operand, fname):
            if isinstance(v, Empty):
                out.add(None)
            elif isinstance(v, Func):
                raise JqlError(f"Unable to find JQL function '{v.name}({', '.join(v.args)})'.")
            else:
                hit = lookup(v.text)
                if not hit:
                    raise self._fail_value(v.text, fname)
                out.update(None if h == "__none__" else h for h in hit)
        return out

    def lookup(self, fname: str) -> Callable[[str], set[str]]:
        s = self.s
        if fname == "project":
            return lambda t: {p.id for p in s.projects.values()
                              if t.lower() in (p.key.lower(), p.id, p.name.lower()) and self.visible(p.id)}
        if fname == "status":
            return lambda t: {x.id for x in s.statuses.values() if t.lower() in (x.name.lower(), x.id)}
        if fname == "statuscategory":
            return lambda t: {CATEGORY_NAMES[t.lower()]} if t.lower() in CATEGORY_NAMES else set()
        if fname == "type":
            return lambda t: {x.id for x in s.issue_types.values() if t.lower() in (x.name.lower(), x.id)}
        if fname == "priority":
            return lambda t: {x.id for x in s.priorities.values() if t.lower() in (x.name.lower(), x.id)}
        if fname == "resolution":
            names = ("done", "won't do", "duplicate", "cannot reproduce")
            return lambda t: {"__none__"} if t.lower() == "unresolved" else ({t.lower()} if t.lower() in names else set())
        if fname == "parent":
            return lambda t: {s.keys[t.upper()]} if t.upper() in s.keys else ({t} if t in s.issues else set())
        if fname in ("fixversion", "affectedversion"):
            return lambda t: {x.id for x in s.versions.values() if t.lower() in (x.name.lower(), x.id)}
        if fname == "component":
            return lambda t: {x.id for x in s.components.values() if t.lower() in (x.name.lower(), x.id)}
        if fname == "sprint":
            return lambda t: {str(x.id) for x in s.sprints.values() if t.lower() in (x.name.lower(), str(x.id))}
        return lambda t: {t.lower()}  # labels: any value is fine

    # -- clauses ------------------------------------------------------------------------------------
    def node(self, n: Node) -> Pred:
        if isinstance(n, And):
            return _all([self.node(p) for p in n.parts])
        if isinstance(n, Or):
            return _any([self.node(p) for p in n.parts])
        if isinstance(n, Not):
            inner = self.node(n.part)
            return lambda i: not inner(i)
        return self.clause(n)

    def unsupported(self, c: Clause, fname: str) -> JqlError:
        return JqlError(f"The operator '{c.op}' is not supported by the '{c.field}' field.")

    def clause(self, c: Clause) -> Pred:
        fname = c.field.lower()
        fname = ALIASES.get(fname, fname)
        if fname not in KNOWN:
            raise JqlError(f"Field '{c.field}' does not exist or you do not have permission to view it.")
        op = c.op
        if op in ("IS", "IS NOT"):
            getter = self.getter(fname)
            if op == "IS":
                return lambda i: not getter(i)
            return lambda i: bool(getter(i))
        if fname in TEXT:
            return self.text_clause(c, fname)
        if op in ("~", "!~"):
            raise self.unsupported(c, fname)
        if fname in DATES:
            return self.date_clause(c, fname)
        if fname in ("key", "id"):
            return self.key_clause(c)
        if fname in USERS:
            if op not in ("=", "!=", "IN", "NOT IN"):
                raise self.unsupported(c, fname)
            wanted = self.users(c.operand, c.field)
            return self.member(op, wanted, self.getter(fname))
        if fname == "priority" and op in (">", ">=", "<", "<="):
            vals = self.values(c.operand, c.field)
            ids = self.enum(vals[0], c.field, self.lookup("priority"))
            rank = self.s.priorities[next(iter(x for x in ids if x))].rank
            cmp = _CMP[op]
            # a higher priority has a lower rank number
            return lambda i: cmp(-self.s.priorities[i.priority].rank, -rank)
        if op not in ("=", "!=", "IN", "NOT IN"):
            raise self.unsupported(c, fname)
        if fname == "sprint":
            return self.member(op, self.sprints(c), self.getter(fname))
        wanted = self.enum(c.operand, c.field, self.lookup(fname))
        return self.member(op, wanted, self.getter(fname))

    def sprints(self, c: Clause) -> set[str | None]:
        """Sprint ids from names, ids, EMPTY and openSprints() / closedSprints() / futureSprints()."""
        out: set[str | None] = set()
        plain: list[Any] = []
        for v in self.values(c.operand, c.field):
            if isinstance(v, Func):
                states = SPRINT_FUNCS.get(v.name.lower())
                if states is None:
                    raise JqlError(f"Unable to find JQL function '{v.name}({', '.join(v.args)})'.")
                out.update(str(x.id) for x in self.s.sprints.values() if x.state in states)
            else:
                plain.append(v)
        for v in plain:
            if isinstance(v, Empty):
                out.add(None)
            else:
                hit = self.lookup("sprint")(v.text)
                if not hit:
                    raise self._fail_value(v.text, c.field)
                out.update(hit)
        return out

    @staticmethod
    def member(op: str, wanted: set[str | None], getter: Callable[[Issue], Any]) -> Pred:
        negate = op in ("!=", "NOT IN")
        want_empty = None in wanted
        if getter not in LISTS:  # one value (or none) per issue: no list to build and scan
            empty = want_empty != negate if want_empty else False

            def one(i: Issue) -> bool:
                got = getter(i)
                if not got:
                    return empty
                return (got in wanted) != negate

            return one

        def pred(i: Issue) -> bool:
            got = getter(i)
            vals = got if isinstance(got, list) else ([got] if got else [])
            if not vals:
                return want_empty != negate if want_empty else False
            hit = any(v in wanted for v in vals)
            return not hit if negate else hit

        return pred

    def getter(self, fname: str) -> Callable[[Issue], Any]:
        if fname == "statuscategory":
            statuses = self.s.statuses
            return lambda i: statuses[i.status].category
        return GETTERS[fname]

    def text_clause(self, c: Clause, fname: str) -> Pred:
        if c.op not in ("~", "!~"):
            raise self.unsupported(c, fname)
        v = c.operand
        if not isinstance(v, Value):
            raise JqlError(f"The operator '{c.op}' is not supported by the '{c.field}' field with a list or function.")
        raw = v.text.strip()
        if raw.startswith('"') and raw.endswith('"') and len(raw) > 1:
            phrase = " ".join(_words(raw))
            terms: list[tuple[str, bool]] = []
        else:
            phrase = ""
            terms = [(t.rstrip("*").lower(), True) for t in raw.split() if t.rstrip("*")]
            terms = [(w, True) for t, _ in terms for w in _words(t)]
        if not phrase and not terms:
            raise JqlError(f"The field '{c.field}' does not support searching for an empty string.")
        getter = self.getter(fname)

        def pred(i: Issue) -> bool:
            got = getter(i)
            texts = got if isinstance(got, list) else [got or ""]
            for t in texts:
                words = _words(t)
                if phrase:
                    if phrase in " ".join(words):
                        return True
                elif all(any(w.startswith(term) for w in words) for term, _ in terms):
                    return True
            return False

        if c.op == "!~":
            return lambda i: not pred(i)
        return pred

    def date_clause(self, c: Clause, fname: str) -> Pred:
        getter = self.getter(fname)
        if c.op in ("IN", "NOT IN"):
            vals = [self.date(v, c.field) for v in self.values(c.operand, c.field)]
            negate = c.op == "NOT IN"
            return lambda i: (getter(i) in vals) != negate and getter(i) is not None
        if isinstance(c.operand, tuple):
            raise self.unsupported(c, fname)
        when = self.date(c.operand, c.field)
        if when is None:
            return lambda i: (getter(i) is None) == (c.op == "=")
        if fname == "due" and isinstance(c.operand, Value) and not PERIOD.match(c.operand.text.strip()):
            when = _day(when)
        cmp = _CMP.get(c.op)
        if cmp is None:
            raise self.unsupported(c, fname)
        return lambda i: (g := getter(i)) is not None and cmp(g, when)

    def key_clause(self, c: Clause) -> Pred:
        s = self.s
        ids: list[str] = []
        for v in self.values(c.operand, c.field):
            if not isinstance(v, Value):
                raise self.unsupported(c, "key")
            iid = s.keys.get(v.text.upper()) or (v.text if v.text in s.issues else None)
            if iid is None:
                raise JqlError(f"An issue with key '{v.text}' does not exist for field '{c.field}'.")
            ids.append(iid)
        if c.op in ("=", "IN"):
            wanted = set(ids)
            return lambda i: i.id in wanted
        if c.op in ("!=", "NOT IN"):
            unwanted = set(ids)
            return lambda i: i.id not in unwanted
        ref = s.issues[ids[0]]
        cmp = _CMP[c.op]
        num = _num(ref.key)
        return lambda i: i.project == ref.project and cmp(_num(i.key), num)

    # -- order ---------------------------------------------------------------------------------------
    def sort_key(self, name: str) -> Callable[[Issue], Any]:
        fname = ALIASES.get(name.lower(), name.lower())
        s = self.s
        if fname == "key":
            return lambda i: (s.projects[i.project].key, _num(i.key))
        if fname in ("id", "rank"):
            return lambda i: int(i.id)
        if fname == "priority":
            return lambda i: -s.priorities[i.priority].rank
        if fname == "status":
            return lambda i: s.statuses[i.status].name
        if fname == "type":
            return lambda i: s.issue_types[i.issuetype].name
        if fname == "project":
            return lambda i: s.projects[i.project].name
        if fname in USERS - {"watcher"}:
            get = self.getter(fname)
            return lambda i: s.users[a].display_name.lower() if (a := get(i)) in s.users else None
        if fname in DATES or fname in ("summary", "resolution"):
            get = self.getter(fname)
            return get
        raise JqlError(f"Field '{name}' does not exist or you do not have permission to view it.")


GETTERS: dict[str, Callable[[Issue], Any]] = {
    "project": lambda i: i.project, "status": lambda i: i.status, "type": lambda i: i.issuetype,
    "priority": lambda i: i.priority, "labels": lambda i: [x.lower() for x in i.labels],
    "resolution": lambda i: i.resolution.lower() if i.resolution else None, "parent": lambda i: i.parent,
    "assignee": lambda i: i.assignee, "reporter": lambda i: i.reporter, "creator": lambda i: i.creator,
    "watcher": lambda i: list(i.watchers), "summary": lambda i: i.summary,
    "description": lambda i: i.description, "comment": lambda i: [c.body for c in i.comments],
    "text": lambda i: " ".join([i.summary, i.description or "", *(c.body for c in i.comments)]),
    "created": lambda i: i.created, "updated": lambda i: i.updated, "resolved": lambda i: i.resolved,
    "due": lambda i: _due(i.duedate), "statuscategorychangeddate": lambda i: i.status_changed,
    "key": lambda i: i.key, "id": lambda i: i.id,
    "fixversion": lambda i: list(i.fix_versions), "affectedversion": lambda i: list(i.versions),
    "component": lambda i: list(i.components),
    "sprint": lambda i: [str(x) for x in [*i.closed_sprints, i.sprint] if x is not None],
}
"""How a field's value is read from an issue (`statuscategory` reads the state too: `Compiler.getter`)."""
LISTS = frozenset(GETTERS[f] for f in ("labels", "watcher", "comment", "fixversion", "affectedversion",
                                       "component", "sprint"))
"""The getters that answer a list of values."""


def _all(preds: list[Pred]) -> Pred:
    """Every predicate, in order, stopping at the first that fails (pairs of closures: no generator per issue)."""
    if len(preds) <= 1:
        return preds[0] if preds else (lambda i: True)
    a, b = preds[0], _all(preds[1:])
    return lambda i: a(i) and b(i)


def _any(preds: list[Pred]) -> Pred:
    """Any predicate, in order, stopping at the first that holds."""
    if len(preds) <= 1:
        return preds[0] if preds else (lambda i: False)
    a, b = preds[0], _any(preds[1:])
    return lambda i: a(i) or b(i)


def _num(key: str) -> int:
    tail = key.rpartition("-")[2]
    return int(tail) if tail.isdigit() else 0


def _due(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return _dt.datetime.strptime(value[:10], "%Y-%m-%d").replace(tzinfo=_dt.UTC).timestamp()
    except ValueError:
        return None


def _day(t: float) -> float:
    return t - t % 86400


_CMP: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b, "!=": lambda a, b: a != b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
}


def compile_query(text: str, state: JiraState, actor: str, now: float,
                  visible: Callable[[str], bool] = lambda pid: True) -> Search:
    """Parse and resolve a JQL query; raise JqlError with Jira's message when it is not valid."""
    q: Query = parse(text or "")
    comp = Compiler(state, actor, now, visible)
    pred: Pred = comp.node(q.where) if q.where is not None else (lambda i: True)
    keys = [(comp.sort_key(s.field), s.desc) for s in q.order]
    return Search(pred, keys)


__all__ = ["JqlError", "Search", "compile_query"]
