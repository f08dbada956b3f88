"""The spreadsheet functions formulas can call (SUM, AVERAGE, IF, CONCATENATE, SUMIF, ...)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from .sheets_coerce import FErr, Rng, Value, binary, compare, number, rank, scalar, text
from .sheets_format import parse_number

Node = tuple[Any, ...]
Eval = Callable[[Node], Value]


def _numbers(args: list[Value]) -> list[float | int] | FErr:
    """Numbers of aggregate arguments: ranges give their numeric cells, scalars are coerced."""
    out: list[float | int] = []
    for a in args:
        if isinstance(a, Rng):
            for row in a.rows:
                for v in row:  # cells hold exactly these types (no subclasses): type() is enough
                    t = type(v)
                    if t is int or t is float:
                        out.append(v)
                    elif t is FErr:
                        return v
        else:
            x = number(a)
            if isinstance(x, FErr):
                return x
            out.append(x)
    return out


def _agg(fn: Callable[[list[float | int]], Value]) -> Callable[[list[Value]], Value]:
    def run(args: list[Value]) -> Value:
        nums = _numbers(args)
        return nums if isinstance(nums, FErr) else fn(nums)
    return run


def _count(args: list[Value]) -> Value:
    n = 0
    for a in args:
        vals = a.flat() if isinstance(a, Rng) else [a]
        n += sum(1 for v in vals if isinstance(v, int | float) and not isinstance(v, bool))
    return n


def _counta(args: list[Value]) -> Value:
    return sum(1 for a in args for v in (a.flat() if isinstance(a, Rng) else [a]) if v is not None and v != "")


def _concat(args: list[Value]) -> Value:
    parts: list[str] = []
    for a in args:
        for v in a.flat() if isinstance(a, Rng) else [a]:
            if isinstance(v, FErr):
                return v
            parts.append(text(v))
    return "".join(parts)


def _if(args: tuple[Node, ...], ev: Eval) -> Value:
    if not 2 <= len(args) <= 3:
        return FErr("#N/A")
    cond = scalar(ev(args[0]))
    if isinstance(cond, FErr):
        return cond
    truth = bool(cond) if not isinstance(cond, str) else None
    if truth is None:
        n = number(cond)
        if isinstance(n, FErr):
            return n
        truth = bool(n)
    if truth:
        return ev(args[1])
    return ev(args[2]) if len(args) == 3 else False


def _iferror(args: tuple[Node, ...], ev: Eval) -> Value:
    v = scalar(ev(args[0])) if args else None
    if isinstance(v, FErr):
        return ev(args[1]) if len(args) > 1 else None
    return v


def _logic(all_: bool) -> Callable[[list[Value]], Value]:
    def run(args: list[Value]) -> Value:
        vals: list[bool] = []
        for a in args:
            for v in a.flat() if isinstance(a, Rng) else [a]:
                if isinstance(v, FErr):
                    return v
                if v is None or (isinstance(v, str) and isinstance(a, Rng)):
                    continue
                n = number(v)
                if isinstance(n, FErr):
                    return n
                vals.append(bool(n))
        if not vals:
            return FErr("#VALUE!")
        return all(vals) if all_ else any(vals)
    return run


def matcher(crit: Value) -> Callable[[Value], bool]:
    """A SUMIF/COUNTIF criterion (`">5"`, `"<>done"`, `"a*"`, 3) as a predicate."""
    if not isinstance(crit, str):
        return lambda v: v is not None and compare(v, crit) == 0
    for op in ("<=", ">=", "<>", "<", ">", "="):
        if crit.startswith(op):
            rest = crit[len(op):]
            target: Value = rest
            got = parse_number(rest)
            if got is not None:
                target = got[0]
            if op in ("=", "<>") and isinstance(target, str):
                return _wild_test(_wild(target), op == "=")
            return _op_test(op, target)
    got = parse_number(crit)
    if got is not None:
        return _op_test("=", got[0])
    pat = _wild(crit)
    return lambda v: bool(pat.match(text(v)))


def _wild_test(pat: re.Pattern[str], equal: bool) -> Callable[[Value], bool]:
    def test(v: Value) -> bool:
        return bool(pat.match(text(v))) == equal
    return test


def _op_test(op: str, target: Value) -> Callable[[Value], bool]:
    def test(v: Value) -> bool:
        return v is not None and rank(v) == rank(target) and binary(op, v, target) is True
    return test


def _wild(text: str) -> re.Pattern[str]:
    body = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in text)
    return re.compile(f"^{body}$", re.IGNORECASE | re.DOTALL)


def _ifagg(kind: str) -> Callable[[list[Value]], Value]:
    def run(args: list[Value]) -> Value:
        if len(args) < 2 or not isinstance(args[0], Rng):
            return FErr("#N/A")
        test = matcher(scalar(args[1]))
        cells = args[0].flat()
        vals = args[2].flat() if len(args) > 2 and isinstance(args[2], Rng) else cells
        picked = [vals[i] if i < len(vals) else None for i, v in enumerate(cells) if test(v)]
        if kind == "count":
            return len(picked)
        nums = [v for v in picked if isinstance(v, int | float) and not isinstance(v, bool)]
        if kind == "sum":
            return sum(nums)
        return sum(nums) / len(nums) if nums else FErr("#DIV/0!")
    return run


def _round(mode: str) -> Callable[[list[Value]], Value]:
    def run(args: list[Value]) -> Value:
        if not args:
            return FErr("#N/A")
        x = number(scalar(args[0]))
        d = number(scalar(args[1])) if len(args) > 1 else 0
        if isinstance(x, FErr):
            return x
        if isinstance(d, FErr):
            return d
        f = 10 ** int(d)
        if mode == "up":
            return math.copysign(math.ceil(abs(x) * f - 1e-9), x) / f
        if mode == "down":
            return math.copysign(math.floor(abs(x) * f + 1e-9), x) / f
        return math.copysign(math.floor(abs(x) * f + 0.5 + 1e-9), x) / f
    return run


def _text1(fn: Callable[[str], Value]) -> Callable[[list[Value]], Value]:
    def run(args: list[Value]) -> Value:
        if not args:
            return FErr("#N/A")
        v = scalar(args[0])
        return v if isinstance(v, FErr) else fn(text(v))
    return run


def _slice(kind: str) -> Callable[[list[Value]], Value]:
    def run(args: list[Value]) -> Value:
        if not args:
            return FErr("#N/A")
        s = text(scalar(args[0]))
        a = number(scalar(args[1])) if len(args) > 1 else 1
        if isinstance(a, FErr):
            return a
        if kind == "left":
            return s[:int(a)]
        if kind == "right":
            return s[len(s) - int(a):] if int(a) else ""
        b = number(scalar(args[2])) if len(args) > 2 else 0
        return b if isinstance(b, FErr) else s[int(a) - 1:int(a) - 1 + int(b)]
    return run


def _product(nums: list[float | int]) -> Value:
    out: float | int = 1
    for n in nums:
        out *= n
    return out


def _median(nums: list[float | int]) -> Value:
    if not nums:
        return FErr("#NUM!")
    s = sorted(nums)
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


FUNCTIONS: dict[str, Callable[..., Value]] = {
    "SUM": _agg(lambda ns: sum(ns)),
    "AVERAGE": _agg(lambda ns: sum(ns) / len(ns) if ns else FErr("#DIV/0!")),
    "MIN": _agg(lambda ns: min(ns) if ns else 0),
    "MAX": _agg(lambda ns: max(ns) if ns else 0),
    "PRODUCT": _agg(_product),
    "MEDIAN": _agg(_median),
    "COUNT": _count,
    "COUNTA": _counta,
    "CONCATENATE": _concat,
    "CONCAT": _concat,
    "IF": _if,
    "IFERROR": _iferror,
    "AND": _logic(True),
    "OR": _logic(False),
    "NOT": lambda a: (lambda v: v if isinstance(v, FErr) else not bool(number(v)))(scalar(a[0]) if a else None),
    "SUMIF": _ifagg("sum"),
    "COUNTIF": _ifagg("count"),
    "AVERAGEIF": _ifagg("avg"),
    "ROUND": _round("half"),
    "ROUNDUP": _round("up"),
    "ROUNDDOWN": _round("down"),
    "ABS": lambda a: (lambda v: v if isinstance(v, FErr) else abs(v))(number(scalar(a[0])) if a else FErr("#N/A")),
    "LEN": _text1(len),
    "UPPER": _text1(str.upper),
    "LOWER": _text1(str.lower),
    "TRIM": _text1(lambda s: " ".join(s.split())),
    "LEFT": _slice("left"),
    "RIGHT": _slice("right"),
    "MID": _slice("mid"),
    "VALUE": lambda a: number(scalar(a[0])) if a else FErr("#N/A"),
    "ISBLANK": lambda a: bool(a) and scalar(a[0]) is None,
    "ISNUMBER": lambda a: bool(a) and isinstance(scalar(a[0]), int | float) and not isinstance(scalar(a[0]), bool),
    "ISERROR": lambda a: bool(a) and isinstance(scalar(a[0]), FErr),
}
LAZY = frozenset({"IF", "IFERROR"})




__all__ = ["FUNCTIONS", "LAZY"]
