"""JMESPath compiled to Python: the same semantics as jmespath's TreeInterpreter, several times
faster, because checks run once per trajectory on the hot path.

A query becomes one generated function (runner/jmes_gen.py) that calls the closures compiled here
only for what it does not write out. Nodes neither knows (and functions taking `&expression`
arguments) fall back to jmespath's own interpreter for that subtree, so every valid query works."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import jmespath
import msgspec
from jmespath import functions as _functions
from jmespath.visitor import TreeInterpreter

from dtu.twins.core.memo import Bounded

from .jmes_gen import generate

Fn = Callable[[Any], Any]
_INTERP = TreeInterpreter()
_FUNCS = _functions.Functions()
_ORDER = {"lt": operator.lt, "gt": operator.gt, "lte": operator.le, "gte": operator.ge}


def _is_actual_number(x: Any) -> bool:
    return type(x) is not bool and isinstance(x, int | float)


def _is_comparable(x: Any) -> bool:
    return _is_actual_number(x) or isinstance(x, str)


def _equals(x: Any, y: Any) -> bool:
    """jmespath equality: booleans never equal the numbers 0 and 1."""
    if type(x) is bool or type(y) is bool:
        return type(x) is type(y) and x == y
    return bool(x == y)


def _false(v: Any) -> bool:
    """JMESPath falsiness: null, false and empty strings, lists and objects (0 is true)."""
    if v is True:
        return False
    t = type(v)
    return v is None or v is False or ((t is str or t is list or t is dict) and not v)


def compile_query(query: str) -> Fn:
    """A function evaluating `query` over a document."""
    return _generated(_parse(query))


def _not(v: Any) -> bool:
    """JMESPath negation: 0 is true, so `!0` is false."""
    if _is_actual_number(v) and v == 0:
        return False
    return not v


_HELPERS = {"_false": _false, "_equals": _equals, "_not": _not, "_comparable": _is_comparable,
            "call": _FUNCS.call_function}
_GENERATED: Bounded[bytes, Fn] = Bounded(4096)
"""Generated functions by query tree: a scenario's draws (`vars:`) and its trials share most queries."""


def _generated(node: dict[str, Any]) -> Fn:
    """`node` as one generated Python function (runner/jmes_gen.py), written once per distinct tree."""
    key = _key(node)
    fn = _GENERATED.get(key)
    if fn is None:
        fn = _GENERATED.keep(key, generate(node, _HELPERS, _compile))
    return fn


class Shared:
    """Queries evaluated together over one document (a scenario's checks over one world) that
    start alike: `slack.channels.* | [?name=='x']` then `| [0].topic`, `| [0].members`, ... Each
    such start, read from the document itself, is computed once per document.

        shared = Shared(queries)
        fns = [shared.compile(q) for q in queries]
        ... evaluate fns over doc ...
        shared.clear()   # before the next document: holds no document afterwards"""

    __slots__ = ("_counts", "_parsed", "_slots")

    def __init__(self, queries: list[str]) -> None:
        self._counts: dict[bytes, int] = {}
        self._parsed = {q: _parse(q) for q in queries}
        for node in self._parsed.values():
            for key in _starts(node):
                self._counts[key] = self._counts.get(key, 0) + 1
        self._slots: list[list[Any]] = []

    def compile(self, query: str) -> Fn:
        node = self._parsed.get(query)
        return self._compile(node if node is not None else _parse(query))

    def _compile(self, node: dict[str, Any]) -> Fn:
        if node["type"] == "pipe":
            left, right = node["children"]
            fn = _chain([self._compile(left), _generated(right)])
        else:
            fn = _generated(node)
        if self._counts.get(_key(node), 0) < 2:
            return fn
        slot: list[Any] = [None, None]  # [document, value]
        self._slots.append(slot)

        def once(v: Any) -> Any:
            if slot[0] is v:
                return slot[1]
            r = fn(v)
            slot[0], slot[1] = v, r
            return r

        return once

    def clear(self) -> None:
        for slot in self._slots:
            slot[0] = slot[1] = None


def _parse(query: str) -> dict[str, Any]:
    parsed: Any = jmespath.compile(query).parsed
    return dict(parsed)


def _key(node: dict[str, Any]) -> bytes:
    """A parsed node's identity by value (the parser's nodes are plain JSON data)."""
    return _ENCODE(node)


_ENCODE = msgspec.json.Encoder().encode


def _starts(node: dict[str, Any]) -> list[bytes]:
    """The parts of a query evaluated over the document itself: the query, the left sides of its pipes."""
    out = [_key(node)]
    while node["type"] == "pipe":
        node = node["children"][0]
        out.append(_key(node))
    return out


def _fallback(node: dict[str, Any]) -> Fn:
    visit: Any = _INTERP.visit
    return lambda v: visit(node, v)


def _chain(fns: list[Fn]) -> Fn:
    if len(fns) == 1:
        return fns[0]
    if len(fns) == 2:
        a, b = fns
        return lambda v: b(a(v))

    def run(v: Any) -> Any:
        for f in fns:
            v = f(v)
        return v

    return run


_PREDICATES = frozenset(("starts_with", "ends_with"))  # functions answering true or false (or failing)


def _boolean(fn: Fn) -> Fn:
    """`fn`, marked as answering only True or False (so a filter may test it as Python does)."""
    fn.boolean = True  # type: ignore[attr-defined]
    return fn


def _is_boolean(fn: Fn) -> bool:
    return getattr(fn, "boolean", False)


def _equalities(node: dict[str, Any]) -> list[tuple[tuple[str, ...], str]] | None:
    """A condition that is field paths each equal to a string literal, joined by `&&`, as
    [(path, literal)]; None for any other condition. Only an object's field can equal a string, so
    such a filter keeps the objects whose paths hold those strings."""
    t = node["type"]
    ch = node.get("children", [])
    if t == "and_expression":
        a, b = _equalities(ch[0]), _equalities(ch[1])
        return a + b if a is not None and b is not None else None
    if t != "comparator" or node["value"] != "eq" or ch[1]["type"] != "literal" or type(ch[1]["value"]) is not str:
        return None
    left = ch[0]
    if left["type"] == "field":
        return [((left["value"],), ch[1]["value"])]
    if left["type"] == "subexpression" and all(c["type"] == "field" for c in left["children"]):
        return [(tuple(c["value"] for c in left["children"]), ch[1]["value"])]
    return None


def _filter_equal(base: Fn, right: Fn | None, tests: list[tuple[tuple[str, ...], str]]) -> Fn:
    """A filter projection whose condition is `_equalities`: the elements (or `right` of each, when
    not None) that are objects holding every path's string."""
    if len(tests) == 1 and len(tests[0][0]) == 1 and right is None:
        (key,), lit = tests[0]

        def filter_field(v: Any) -> Any:
            b = base(v)
            return [el for el in b if type(el) is dict and el.get(key) == lit] if type(b) is list else None

        return filter_field

    def filter_paths(v: Any) -> Any:
        b = base(v)
        if type(b) is not list:
            return None
        out = []
        for el in b:
            if type(el) is not dict:
                continue
            for keys, lit in tests:
                x: Any = el
                for k in keys:
                    if type(x) is not dict:
                        x = None
                        break
                    x = x.get(k)
                if x != lit:
                    break
            else:
                if right is None:
                    out.append(el)
                elif (r := right(el)) is not None:
                    out.append(r)
        return out

    return filter_paths


def _compile(node: dict[str, Any]) -> Fn:
    t = node["type"]
    ch = node.get("children", [])
    if t == "field":
        key = node["value"]
        return lambda v: v.get(key) if type(v) is dict else None
    if t == "subexpression" and all(c["type"] == "field" for c in ch):
        keys = [c["value"] for c in ch]

        def path(v: Any) -> Any:
            for k in keys:
                if type(v) is not dict:
                    return None
                v = v.get(k)
            return v

        return path
    if t in ("subexpression", "index_expression", "pipe"):
        return _chain([_compile(c) for c in ch])
    if t in ("identity", "current"):
        return lambda v: v
    if t == "literal":
        lit = node["value"]
        return lambda v: lit
    if t == "index":
        i = node["value"]

        def index(v: Any) -> Any:
            if type(v) is not list:
                return None
            try:
                return v[i]
            except IndexError:
                return None

        return index
    if t == "slice":
        s = slice(*ch)
        return lambda v: v[s] if type(v) is list else None
    if t == "projection":
        base, right = _compile(ch[0]), _compile(ch[1])

        def projection(v: Any) -> Any:
            b = base(v)
            if type(b) is not list:
                return None
            return [r for r in map(right, b) if r is not None]

        return projection
    if t == "value_projection":
        base, right = _compile(ch[0]), _compile(ch[1])

        def value_projection(v: Any) -> Any:
            b = base(v)
            if type(b) is not dict:
                return None
            return [r for r in map(right, b.values()) if r is not None]

        return value_projection
    if t == "filter_projection":
        tests = _equalities(ch[2])
        if tests is not None:  # `list[?name == 'x']`, `list[?a.b == 'x' && c == 'y'].d`: no call per element
            return _filter_equal(_compile(ch[0]), None if ch[1]["type"] in ("identity", "current")
                                 else _compile(ch[1]), tests)
        base, right, cond = _compile(ch[0]), _compile(ch[1]), _compile(ch[2])
        if _is_boolean(cond) and ch[1]["type"] in ("identity", "current"):  # `list[?name == 'x']`

            def filter_elements(v: Any) -> Any:
                b = base(v)
                return [el for el in b if cond(el) and el is not None] if type(b) is list else None

            return filter_elements

        def filter_projection(v: Any) -> Any:
            b = base(v)
            if type(b) is not list:
                return None
            out = []
            for el in b:
                c = cond(el)
                if c is True or (c is not False and not _false(c)):
                    r = right(el)
                    if r is not None:
                        out.append(r)
            return out

        return filter_projection
    if t == "flatten":
        base = _compile(ch[0])

        def flatten(v: Any) -> Any:
            b = base(v)
            if type(b) is not list:
                return None
            out: list[Any] = []
            for el in b:
                if type(el) is list:
                    out.extend(el)
                else:
                    out.append(el)
            return out

        return flatten
    if t == "comparator":
        op = node["value"]
        if op in ("eq", "ne") and ch[0]["type"] == "field" and ch[1]["type"] == "literal" \
                and type(ch[1]["value"]) in (str, type(None)):
            # the common `name == 'x'`: a string literal equals only an equal string
            key, lit = ch[0]["value"], ch[1]["value"]
            if op == "eq":
                return _boolean(lambda v: v.get(key) == lit if type(v) is dict else lit is None)
            return _boolean(lambda v: v.get(key) != lit if type(v) is dict else lit is not None)
        left, right = _compile(ch[0]), _compile(ch[1])
        if op in ("eq", "ne") and ch[1]["type"] == "literal" and type(ch[1]["value"]) in (str, type(None)):
            lit = ch[1]["value"]  # `a.b == 'x'`: no boolean can equal a string or null
            if op == "eq":
                return _boolean(lambda v: bool(left(v) == lit))
            return _boolean(lambda v: bool(left(v) != lit))
        if op == "eq":
            return _boolean(lambda v: _equals(left(v), right(v)))
        if op == "ne":
            return _boolean(lambda v: not _equals(left(v), right(v)))
        cmp = _ORDER[op]

        def order(v: Any) -> Any:
            a, b = left(v), right(v)
            if not (_is_comparable(a) and _is_comparable(b)):
                return None
            return cmp(a, b)

        return order
    if t == "or_expression":
        a, b = _compile(ch[0]), _compile(ch[1])
        if _is_boolean(a) and _is_boolean(b):
            return _boolean(lambda v: a(v) or b(v))

        def or_(v: Any) -> Any:
            m = a(v)
            return b(v) if _false(m) else m

        return or_
    if t == "and_expression":
        a, b = _compile(ch[0]), _compile(ch[1])
        if _is_boolean(a) and _is_boolean(b):  # `x == 'a' && y == 'b'`: false or the right side's answer
            return _boolean(lambda v: a(v) and b(v))

        def and_(v: Any) -> Any:
            m = a(v)
            if m is True:
                return b(v)
            return m if m is False or _false(m) else b(v)

        return and_
    if t == "not_expression":
        a = _compile(ch[0])
        if _is_boolean(a):
            return _boolean(lambda v: not a(v))

        def not_(v: Any) -> Any:
            r = a(v)
            if _is_actual_number(r) and r == 0:
                return False
            return not r

        return not_
    if t == "multi_select_list":
        items = [_compile(c) for c in ch]
        return lambda v: None if v is None else [f(v) for f in items]
    if t == "multi_select_dict":
        pairs = [(c["value"], _compile(c["children"][0])) for c in ch]
        return lambda v: None if v is None else {k: f(v) for k, f in pairs}
    if t == "function_expression":
        if any(c["type"] == "expref" for c in ch):
            return _fallback(node)
        args = [_compile(c) for c in ch]
        name = node["value"]
        call = _FUNCS.call_function
        if name == "length" and len(args) == 1:
            a0 = args[0]

            def length(v: Any) -> Any:
                x = a0(v)
                if type(x) in (list, dict, str):
                    return len(x)
                return call("length", [x])

            return length
        if name == "contains" and len(args) == 2:
            s0, s1 = args

            def contains(v: Any) -> Any:
                subject, search = s0(v), s1(v)
                if type(subject) is list or (type(subject) is str and type(search) is str):
                    return search in subject
                return call("contains", [subject, search])

            return _boolean(contains)
        fn = lambda v: call(name, [a(v) for a in args])  # noqa: E731
        return _boolean(fn) if name in _PREDICATES else fn
    return _fallback(node)
