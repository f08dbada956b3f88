"""Okta's filter and search expressions (SCIM-like): `status eq "ACTIVE" and profile.login sw "a"`.

`compile_expr(text, allowed)` returns a predicate over a record (the resource's JSON); `allowed`
maps an attribute to the operators it may use (None allows any), so `filter` can be held to the
subset Okta supports while `search` takes the whole grammar."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..core.memo import Bounded
from .errors import bad_search

Pred = Callable[[Mapping[str, Any]], bool]
OPS = ("eq", "ne", "sw", "co", "ew", "gt", "ge", "lt", "le", "pr")
_TOKEN = re.compile(r'\s*(?:(\()|(\))|"((?:[^"\\]|\\.)*)"|([A-Za-z_][A-Za-z0-9_.$:-]*)|(-?\d+(?:\.\d+)?))')


def _tokens(text: str) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise bad_search()
        pos = m.end()
        lp, rp, s, word, num = m.groups()
        if lp:
            out.append(("(", lp))
        elif rp:
            out.append((")", rp))
        elif s is not None:
            out.append(("str", re.sub(r"\\(.)", r"\1", s)))
        elif num is not None:
            out.append(("num", float(num)))
        else:
            low = word.lower()
            if low in ("and", "or", "not"):
                out.append((low, low))
            elif low in OPS:
                out.append(("op", low))
            elif low in ("true", "false"):
                out.append(("bool", low == "true"))
            elif low == "null":
                out.append(("null", None))
            else:
                out.append(("attr", word))
    return out


def lookup(record: Mapping[str, Any], path: str) -> Any:
    return _walk(record, path.split("."))


def _walk(record: Mapping[str, Any], parts: Sequence[str]) -> Any:
    cur: Any = record
    for part in parts:
        if type(cur) is not dict and not isinstance(cur, Mapping):  # the ABC check only off the usual path
            return None
        cur = cur.get(part)
    return cur


def _getter(parts: list[str]) -> Callable[[Mapping[str, Any]], Any]:
    """`_walk(r, parts)` for a path of one or two names (the usual `status`, `profile.login`) without
    its loop over plain dicts; anything else walks."""
    if len(parts) == 1:
        key = parts[0]
        return lambda r: r.get(key) if type(r) is dict else _walk(r, parts)
    if len(parts) == 2:
        first, second = parts

        def get(r: Mapping[str, Any]) -> Any:
            if type(r) is dict:
                cur = r.get(first)
                if type(cur) is dict:
                    return cur.get(second)
            return _walk(r, parts)

        return get
    return lambda r: _walk(r, parts)


def _compare(op: str, have: Any, want: Any, fold: bool) -> bool:
    if op == "pr":
        return have not in (None, "", [])
    if isinstance(have, list):
        return any(_compare(op, h, want, fold) for h in have)
    if have is None or want is None or isinstance(want, bool):
        same = have == want
        return same if op == "eq" else (not same) if op == "ne" else False
    if isinstance(want, str):
        h, w = str(have), want
        if fold:
            h, w = h.lower(), w.lower()
        return _ordered(op, h, w) if op in _ORDER else _text(op, h, w)
    try:
        num = float(have)
    except (TypeError, ValueError):
        return False
    return _ordered(op, num, float(want)) if op in _ORDER else (num == want) == (op == "eq")


_ORDER = ("eq", "ne", "gt", "ge", "lt", "le")


def _ordered(op: str, h: Any, w: Any) -> bool:
    if op == "eq":
        return bool(h == w)
    if op == "ne":
        return bool(h != w)
    if op == "gt":
        return bool(h > w)
    if op == "ge":
        return bool(h >= w)
    if op == "lt":
        return bool(h < w)
    return bool(h <= w)


def _text(op: str, h: str, w: str) -> bool:
    if op == "sw":
        return h.startswith(w)
    if op == "co":
        return w in h
    return h.endswith(w)


class _Parser:
    def __init__(self, toks: list[tuple[str, Any]], allowed: Mapping[str, tuple[str, ...]] | None,
                 fold: bool, allow_not: bool) -> None:
        self.toks = toks
        self.i = 0
        self.allowed = allowed
        self.fold = fold
        self.allow_not = allow_not

    def peek(self) -> str:
        return self.toks[self.i][0] if self.i < len(self.toks) else ""

    def take(self, kind: str) -> Any:
        if self.peek() != kind:
            raise bad_search()
        value = self.toks[self.i][1]
        self.i += 1
        return value

    def expr(self) -> Pred:
        left = self.term()
        while self.peek() == "or":
            self.i += 1
            right = self.term()
            left = (lambda a, b: lambda r: a(r) or b(r))(left, right)
        return left

    def term(self) -> Pred:
        left = self.factor()
        while self.peek() == "and":
            self.i += 1
            right = self.factor()
            left = (lambda a, b: lambda r: a(r) and b(r))(left, right)
        return left

    def factor(self) -> Pred:
        kind = self.peek()
        if kind == "not" and self.allow_not:
            self.i += 1
            inner = self.factor()
            return lambda r: not inner(r)
        if kind == "(":
            self.i += 1
            inner = self.expr()
            self.take(")")
            return inner
        attr = self.take("attr")
        op = self.take("op")
        if self.allowed is not None and op not in self.allowed.get(attr, ()):
            raise bad_search()
        get = _getter(attr.split("."))
        if op == "pr":
            return lambda r: _compare("pr", get(r), None, False)
        kind = self.peek()
        if kind not in ("str", "num", "bool", "null"):
            raise bad_search()
        want = self.take(kind)
        fold = self.fold
        if isinstance(want, str):
            return _string_leaf(op, get, want, fold)
        return lambda r: _compare(op, get(r), want, fold)


_STRING_OPS: dict[str, Callable[[str, str], bool]] = {
    "eq": operator.eq, "ne": operator.ne, "gt": operator.gt, "ge": operator.ge, "lt": operator.lt,
    "le": operator.le, "sw": str.startswith, "co": operator.contains, "ew": str.endswith,
}


def _string_leaf(op: str, get: Callable[[Mapping[str, Any]], Any], want: str, fold: bool) -> Pred:
    """`attr op "text"`: a string attribute (the usual case) is compared here, with the folded
    operand folded once; anything else goes through `_compare`, as before."""
    test = _STRING_OPS[op]
    w = want.lower() if fold else want

    def leaf(r: Mapping[str, Any]) -> bool:
        have = get(r)
        if type(have) is str:
            return test(have.lower() if fold else have, w)
        return _compare(op, have, want, fold)

    return leaf


_COMPILED: Bounded[tuple[str, int, bool, bool], tuple[Mapping[str, tuple[str, ...]] | None, Pred]] = Bounded(4096)
"""Expressions already compiled. A predicate is a pure function of the expression's text and the
compile options, so worlds may share it; the entry holds `allowed`, so its id stays its own."""
_MAX_CACHED_TEXT = 512


def compile_expr(text: str, allowed: Mapping[str, tuple[str, ...]] | None = None, *, fold: bool = False,
                 allow_not: bool = False) -> Pred:
    """A predicate for an Okta filter/search expression; E0000031 when it does not parse or is not allowed."""
    key = (text, id(allowed), fold, allow_not)
    hit = _COMPILED.get(key)
    if hit is not None and hit[0] is allowed:
        return hit[1]
    pred = _compile(text, allowed, fold, allow_not)
    if len(text) > _MAX_CACHED_TEXT:  # an agent's huge expression is not kept
        return pred
    _COMPILED.keep(key, (allowed, pred))
    return pred


def _compile(text: str, allowed: Mapping[str, tuple[str, ...]] | None, fold: bool, allow_not: bool) -> Pred:
    toks = _tokens(text)
    if not toks:
        raise bad_search()
    p = _Parser(toks, allowed, fold, allow_not)
    pred = p.expr()
    if p.i != len(toks):
        raise bad_search()
    return pred
