"""Formula values and how they coerce: numbers, text, comparison, errors (`FErr`)."""

from __future__ import annotations

from typing import Any

from .sheets_format import general, parse_date, parse_number

Value = Any  # None | bool | int | float | str | FErr | Rng


class FErr:
    """A formula error value, e.g. `FErr("#DIV/0!")`."""

    __slots__ = ("code",)

    def __init__(self, code: str) -> None:
        self.code = code

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FErr) and other.code == self.code

    def __hash__(self) -> int:
        return hash(self.code)

    def __repr__(self) -> str:
        return f"FErr({self.code!r})"


class Rng:
    """A range's values (rows of cells), as a function argument."""

    __slots__ = ("rows",)

    def __init__(self, rows: list[list[Value]]) -> None:
        self.rows = rows

    def flat(self) -> list[Value]:
        return [v for row in self.rows for v in row]


def binary(op: str, a: Value, b: Value) -> Value:
    if isinstance(a, FErr):
        return a
    if isinstance(b, FErr):
        return b
    if op == "&":
        return text(a) + text(b)
    if op in ("=", "<>", "<", ">", "<=", ">="):
        c = compare(a, b)
        return {"=": c == 0, "<>": c != 0, "<": c < 0, ">": c > 0, "<=": c <= 0, ">=": c >= 0}[op]
    x, y = number(a), number(b)
    if isinstance(x, FErr):
        return x
    if isinstance(y, FErr):
        return y
    if op == "+":
        return x + y
    if op == "-":
        return x - y
    if op == "*":
        return x * y
    if op == "/":
        return FErr("#DIV/0!") if y == 0 else x / y
    try:
        return float(x) ** float(y)
    except (OverflowError, ZeroDivisionError, ValueError):
        return FErr("#NUM!")


def scalar(v: Value) -> Value:
    if isinstance(v, Rng):
        flat = v.flat()
        return flat[0] if len(flat) == 1 else FErr("#VALUE!")
    return v


def number(v: Value) -> float | int | FErr:
    if v is None:
        return 0
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int | float):
        return v
    if isinstance(v, FErr):
        return v
    got = parse_number(str(v))
    if got is not None:
        return got[0]
    dated = parse_date(str(v))
    return dated[0] if dated is not None else FErr("#VALUE!")


def text(v: Value) -> str:
    return "" if v is None else general(v)


def rank(v: Value) -> int:
    return 2 if isinstance(v, bool) else 0 if isinstance(v, int | float) else 1


def compare(a: Value, b: Value) -> int:
    if a is None:
        a = "" if isinstance(b, str) else False if isinstance(b, bool) else 0
    if b is None:
        b = "" if isinstance(a, str) else False if isinstance(a, bool) else 0
    ra, rb = rank(a), rank(b)
    if ra != rb:
        return -1 if ra < rb else 1
    if ra == 1:
        a, b = str(a).lower(), str(b).lower()
    return (a > b) - (a < b)


__all__ = ["FErr", "Rng", "Value", "binary", "compare", "number", "rank", "scalar", "text"]
