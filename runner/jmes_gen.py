"""JMESPath compiled to Python source: one function per query, with no call per node.

`runner/jmes.py` compiles a query to closures, one per node of its tree, so a filter over a
collection pays several Python calls for every element. This module writes the same semantics out
as the statements of one function (`generate`), which CPython runs as plain bytecode: field reads,
loops and comparisons inline, the common functions (`length`, `contains`, `sort`, `join`, ...)
inline for the types they accept, and everything else (`&expression` arguments, other
functions' checks and errors) through the same helpers as the closures. A node kind it does not
write out is compiled by `fallback` (the closure compiler) and called from the generated code.

Exactness: every answer, and every error, is the closure compiler's, which is jmespath's own
interpreter's (tests/runner/test_jmes.py checks all three on the same documents)."""

from __future__ import annotations

import builtins
import types
from collections.abc import Callable
from typing import Any

import msgspec

from dtu.twins.core.memo import Bounded

Fn = Callable[[Any], Any]

_ORDER = {"lt": "<", "gt": ">", "lte": "<=", "gte": ">="}
_ARITY = {"length": 1, "contains": 2, "starts_with": 2, "ends_with": 2, "sort": 1, "join": 2, "sum": 1,
          "keys": 1, "values": 1, "to_string": 1}
"""Functions written out for the types they accept (with these many arguments); others go to `call`."""
_WRITTEN = frozenset(("field", "subexpression", "index_expression", "pipe", "identity", "current", "literal", "index",
                      "slice", "projection", "value_projection", "filter_projection", "flatten", "comparator",
                      "and_expression", "or_expression", "not_expression", "multi_select_list", "multi_select_dict",
                      "key_val_pair", "function_expression"))


class _Writer:
    """The statements of one generated function, and the names its globals hold."""

    def __init__(self, helpers: dict[str, Any], fallback: Callable[[dict[str, Any]], Fn],
                 params: dict[int, str]) -> None:
        self.lines: list[str] = []
        self.depth = 1
        self.n = 0
        self.env: dict[str, Any] = {"__builtins__": builtins, **helpers}
        self.fallback = fallback
        self.params = params  # id(field or literal node) -> the global that holds its value

    def var(self) -> str:
        self.n += 1
        return f"v{self.n}"

    def const(self, value: Any) -> str:
        name = f"k{self.n}"
        self.n += 1
        self.env[name] = value
        return name

    def emit(self, line: str) -> None:
        self.lines.append("    " * self.depth + line)

    def assign(self, text: str) -> str:
        r = self.var()
        self.emit(f"{r} = {text}")
        return r

    # -- nodes --------------------------------------------------------------------------------
    def expr(self, node: dict[str, Any], src: str) -> tuple[str, bool]:
        """Statements computing `node` over the value named `src`: the name (or literal text) of its
        answer, and whether that answer is always True or False."""
        t = node["type"]
        ch = node.get("children", [])
        if t == "field":
            return self.assign(f"{src}.get({self.params[id(node)]}) if type({src}) is dict else None"), False
        if t in ("subexpression", "index_expression", "pipe"):
            cur, boolean = src, False
            for c in ch:
                cur, boolean = self.expr(c, cur)
            return cur, boolean
        if t in ("identity", "current"):
            return src, False
        if t == "literal":
            return self.params[id(node)], type(node["value"]) is bool
        if t == "index":
            i = node["value"]
            bound = f"len({src}) > {i}" if i >= 0 else f"len({src}) >= {-i}"
            return self.assign(f"{src}[{i}] if type({src}) is list and {bound} else None"), False
        if t == "slice":
            s = self.const(slice(*ch))
            return self.assign(f"{src}[{s}] if type({src}) is list else None"), False
        if t in ("projection", "value_projection", "filter_projection"):
            return self._projection(t, ch, src), False
        if t == "flatten":
            return self._flatten(ch[0], src), False
        if t == "comparator":
            return self._comparator(node["value"], ch, src)
        if t in ("and_expression", "or_expression"):
            return self._logical(t == "and_expression", ch, src)
        if t == "not_expression":
            a, boolean = self.expr(ch[0], src)
            return self.assign(f"not {a}" if boolean else f"_not({a})"), True
        if t in ("multi_select_list", "multi_select_dict"):
            return self._multi(t == "multi_select_list", node, src), False
        if t == "function_expression" and not any(c["type"] == "expref" for c in ch):
            return self._function(node["value"], ch, src)
        f = self.const(self.fallback(node))
        return self.assign(f"{f}({src})"), False

    def _projection(self, t: str, ch: list[dict[str, Any]], src: str) -> str:
        base, _ = self.expr(ch[0], src)
        r, el = self.var(), self.var()
        self.emit(f"if type({base}) is {'dict' if t == 'value_projection' else 'list'}:")
        self.depth += 1
        self.emit(f"{r} = []")
        self.emit(f"for {el} in {base}{'.values()' if t == 'value_projection' else ''}:")
        self.depth += 1
        if t == "filter_projection":
            cond, boolean = self.expr(ch[2], el)
            self.emit(f"if {cond}:" if boolean else f"if not _false({cond}):")
            self.depth += 1
        x, _ = self.expr(ch[1], el)
        self.emit(f"if {x} is not None:")
        self.emit(f"    {r}.append({x})")
        self.depth -= 3 if t == "filter_projection" else 2
        self.emit("else:")
        self.emit(f"    {r} = None")
        return r

    def _flatten(self, child: dict[str, Any], src: str) -> str:
        base, _ = self.expr(child, src)
        r, el = self.var(), self.var()
        self.emit(f"if type({base}) is list:")
        self.emit(f"    {r} = []")
        self.emit(f"    for {el} in {base}:")
        self.emit(f"        if type({el}) is list:")
        self.emit(f"            {r}.extend({el})")
        self.emit("        else:")
        self.emit(f"            {r}.append({el})")
        self.emit("else:")
        self.emit(f"    {r} = None")
        return r

    def _comparator(self, op: str, ch: list[dict[str, Any]], src: str) -> tuple[str, bool]:
        a, _ = self.expr(ch[0], src)
        b, _ = self.expr(ch[1], src)
        if op in ("eq", "ne"):
            # a string or null equals only an equal string or null: plain == is jmespath's equality there
            plain = any(c["type"] == "literal" and type(c["value"]) in (str, type(None)) for c in ch)
            if plain:
                return self.assign(f"{a} {'==' if op == 'eq' else '!='} {b}"), True
            return self.assign(f"{'' if op == 'eq' else 'not '}_equals({a}, {b})"), True
        return self.assign(f"({a} {_ORDER[op]} {b}) if _comparable({a}) and _comparable({b}) else None"), False

    def _logical(self, conjunction: bool, ch: list[dict[str, Any]], src: str) -> tuple[str, bool]:
        a, a_bool = self.expr(ch[0], src)
        r = self.assign(a)
        if a_bool:
            self.emit(f"if {'' if conjunction else 'not '}{r}:")
        else:
            self.emit(f"if {'not ' if conjunction else ''}_false({r}):")
        self.depth += 1
        b, b_bool = self.expr(ch[1], src)
        self.emit(f"{r} = {b}")
        self.depth -= 1
        return r, a_bool and b_bool

    def _multi(self, is_list: bool, node: dict[str, Any], src: str) -> str:
        r = self.var()
        self.emit(f"if {src} is None:")
        self.emit(f"    {r} = None")
        self.emit("else:")
        self.depth += 1
        if is_list:
            items = [self.expr(c, src)[0] for c in node["children"]]
            self.emit(f"{r} = [{', '.join(items)}]")
        else:
            pairs = [(c["value"], self.expr(c["children"][0], src)[0]) for c in node["children"]]
            self.emit(f"{r} = {{{', '.join(f'{k!r}: {v}' for k, v in pairs)}}}")
        self.depth -= 1
        return r

    def _function(self, name: str, ch: list[dict[str, Any]], src: str) -> tuple[str, bool]:
        args = [self.expr(c, src)[0] for c in ch]
        generic = f"call({name!r}, [{', '.join(args)}])"
        if _ARITY.get(name) != len(args):
            return self.assign(generic), False
        x = args[0]
        y = args[1] if len(args) > 1 else ""
        fast = {
            "length": (f"len({x})", f"type({x}) in (list, dict, str)"),
            "contains": (f"{y} in {x}", f"type({x}) is list or (type({x}) is str and type({y}) is str)"),
            "starts_with": (f"{x}.startswith({y})", f"type({x}) is str and type({y}) is str"),
            "ends_with": (f"{x}.endswith({y})", f"type({x}) is str and type({y}) is str"),
            "sort": (f"sorted({x})", f"type({x}) is list and _sortable({x})"),
            "join": (f"{x}.join({y})", f"type({x}) is str and type({y}) is list and _strings({y})"),
            "sum": (f"sum({x})", f"type({x}) is list and _numbers({x})"),
            "keys": (f"list({x}.keys())", f"type({x}) is dict"),
            "values": (f"list({x}.values())", f"type({x}) is dict"),
            "to_string": (x, f"type({x}) is str"),
        }
        value, accepts = fast[name]
        boolean = name in ("contains", "starts_with", "ends_with")
        return self.assign(f"({value}) if {accepts} else {generic}"), boolean


def _sortable(xs: list[Any]) -> bool:
    """What jmespath's `sort` accepts: all strings or all numbers (not booleans)."""
    return all(type(x) is str for x in xs) or all(type(x) is int or type(x) is float for x in xs)


def _strings(xs: list[Any]) -> bool:
    return all(type(x) is str for x in xs)


def _numbers(xs: list[Any]) -> bool:
    return all(type(x) is int or type(x) is float for x in xs)


def _shape(node: dict[str, Any], values: list[Any], params: dict[int, str]) -> Any:
    """`node` less the values of its fields and literals (their types stay: the code depends on them),
    which go to `values` in one walk's order, each under the global name `params` gives its node. A
    subtree the closures compile keeps its values: its closure is part of the code's globals."""
    t = node["type"]
    if t in ("field", "literal"):
        params[id(node)] = f"p{len(values)}"
        values.append(node["value"])
        return (t, type(node["value"]).__name__)
    if t not in _WRITTEN or (t == "function_expression" and any(c["type"] == "expref" for c in node["children"])):
        return node
    out = {k: v for k, v in node.items() if k != "children"}
    if "children" in node:
        out["children"] = [_shape(c, values, params) if type(c) is dict else c for c in node["children"]]
    return out


_CODE: Bounded[bytes, tuple[types.CodeType | None, dict[str, Any], str]] = Bounded(4096)
"""Compiled code by shape, with its globals less the parameters, and its source (None: not written)."""
_ENCODE = msgspec.json.Encoder().encode


def generate(node: dict[str, Any], helpers: dict[str, Any], fallback: Callable[[dict[str, Any]], Fn]) -> Fn:
    """One Python function evaluating the parsed query `node`. `helpers` holds `_false`, `_equals`,
    `_not`, `_comparable` and `call` with jmespath's semantics; `fallback` compiles a subtree this
    module does not write out. Queries of one shape (a scenario's draws of `vars:`: the same query
    with other names in it) share one compiled code object; each gets its own values."""
    values: list[Any] = []
    params: dict[int, str] = {}
    key = _ENCODE(_shape(node, values, params))
    hit = _CODE.get(key)
    if hit is None:
        hit = _CODE.keep(key, _write(node, helpers, fallback, params))
    code, env, source = hit
    if code is None:
        return fallback(node)
    fn: Fn = types.FunctionType(code, {**env, **{f"p{i}": v for i, v in enumerate(values)}}, "query")
    fn.source = source  # type: ignore[attr-defined]
    return fn


def _write(node: dict[str, Any], helpers: dict[str, Any], fallback: Callable[[dict[str, Any]], Fn],
           params: dict[int, str]) -> tuple[types.CodeType | None, dict[str, Any], str]:
    w = _Writer({**helpers, "_sortable": _sortable, "_strings": _strings, "_numbers": _numbers}, fallback, params)
    try:
        result, _ = w.expr(node, "doc")
    except RecursionError:
        return None, {}, ""
    source = "def query(doc):\n" + "\n".join([*w.lines, f"    return {result}"]) + "\n"
    try:
        module = compile(source, "<jmespath>", "exec")
    except (SyntaxError, RecursionError, MemoryError):  # a query nested past what CPython compiles
        return None, {}, ""
    scope: dict[str, Any] = {}
    exec(module, scope)  # the source written above from a parsed tree: names and operators only
    return scope["query"].__code__, w.env, source
