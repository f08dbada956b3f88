"""What a user types into a cell (valueInputOption USER_ENTERED), and formulas, evaluated.

`parse_input` turns a typed value into (value, formula, number format): numbers, booleans,
dates, percentages, currency, a leading apostrophe (text), `=` formulas. `evaluate` computes a
formula against a `Book` (arithmetic, comparison, `&`, cell and range references across sheets,
and the functions in `FUNCTIONS`). Errors are `FErr` values (`#DIV/0!`, `#REF!`, ...)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Protocol

from ..core.memo import text_cache
from .a1 import A1Error, parse_cells
from .sheets_coerce import FErr, Rng, Value, binary, number, scalar
from .sheets_format import ERRORS, num, parse_date, parse_number
from .sheets_functions import FUNCTIONS as BASE_FUNCTIONS
from .sheets_functions import LAZY
from .sheets_lookup import LOOKUP_FUNCTIONS

Node = tuple[Any, ...]
FUNCTIONS = {**BASE_FUNCTIONS, **LOOKUP_FUNCTIONS}


class Book(Protocol):
    """The cells a formula can see."""

    def cell(self, sheet: str | None, r: int, c: int) -> Value:
        """A cell's effective value (its formula evaluated); FErr("#REF!") for a missing sheet."""
        ...

    def extent(self, sheet: str | None) -> tuple[int, int] | None:
        """(rows, columns) holding data in a sheet, or None when there is no such sheet."""
        ...

    def block(self, sheet: str | None, r0: int, r1: int, c0: int, c1: int) -> list[list[Value]]:
        """The cells of rows [r0, r1) x columns [c0, c1) of an existing sheet, as `cell` reads
        them, formula cells evaluated in reading order."""
        ...


class FormulaSyntaxError(ValueError):
    pass


# -- user-entered input ---------------------------------------------------------------------------

def parse_input(v: Any, user_entered: bool) -> tuple[Value, str | None, dict[str, str] | None]:
    """(effective value or None for blank, formula or None, implied number format or None: shared,
    callers copy it)."""
    if v is None or isinstance(v, bool):
        return v, None, None
    if isinstance(v, int | float):
        return num(v), None, None
    s = str(v)
    if not s:
        return None, None, None
    if not user_entered:
        return s, None, None
    return _typed(s)


@text_cache(4096)
def _typed(s: str) -> tuple[Value, str | None, dict[str, str] | None]:
    """A non-empty text as USER_ENTERED reads it (a pure function of the text, so remembered)."""
    if s[0] == "'":
        return s[1:], None, None
    if s[0] == "=" and len(s) > 1:
        return None, normalize(s), None
    up = s.strip().upper()
    if up in ("TRUE", "FALSE"):
        return up == "TRUE", None, None
    got = parse_number(s)
    if got is not None:
        return got[0], None, got[1]
    dated = parse_date(s)
    if dated is not None:
        return dated[0], None, dated[1]
    return s, None, None


# -- tokens and parsing ---------------------------------------------------------------------------

_SHEET = r"(?:'(?:[^']|'')+'|[A-Za-z_][A-Za-z0-9_.]*)!"
_CELL = r"\$?[A-Za-z]{1,3}\$?[0-9]+"
_COL = r"\$?[A-Za-z]{1,3}"
_ROW = r"\$?[0-9]+"
TOKEN = re.compile(
    r"(?P<ws>\s+)"
    r"|(?P<err>#REF!|#N/A|#DIV/0!|#VALUE!|#NAME\?|#NUM!|#NULL!)"
    r'|(?P<str>"(?:[^"]|"")*")'
    rf"|(?P<ref>(?:{_SHEET})?(?:{_CELL}:{_CELL}|{_CELL}:{_COL}|{_COL}:{_CELL}|{_CELL}|{_COL}:{_COL}|{_ROW}:{_ROW})"
    r"(?![A-Za-z0-9_(.!:]))"
    r"|(?P<num>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_.]*)"
    r"|(?P<op><=|>=|<>|[-+*/^&=<>%(),;{}])"
)


def tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if m is None:
            raise FormulaSyntaxError(text[pos:])
        kind = m.lastgroup or ""
        if kind != "ws":
            out.append((kind, m.group()))
        pos = m.end()
    return out


@text_cache(4096)
def normalize(formula: str) -> str:
    """A formula as Sheets stores it: function names and references upper-cased."""
    out: list[str] = []
    pos = 0
    text = formula
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if m is None:
            return formula
        tok = m.group()
        if (m.lastgroup == "name" and text[m.end():m.end() + 1] == "(") or (m.lastgroup == "name" \
                and tok.upper() in ("TRUE", "FALSE")):
            tok = tok.upper()
        elif m.lastgroup == "ref":
            sheet, bang, cells = tok.rpartition("!")
            tok = sheet + bang + cells.upper()
        out.append(tok)
        pos = m.end()
    return "".join(out)


class _Parser:
    def __init__(self, toks: list[tuple[str, str]]) -> None:
        self.toks = toks
        self.i = 0

    def peek(self) -> tuple[str, str]:
        return self.toks[self.i] if self.i < len(self.toks) else ("end", "")

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        self.i += 1
        return tok

    def expect(self, op: str) -> None:
        if self.take() != ("op", op):
            raise FormulaSyntaxError(op)

    def binary(self, ops: tuple[str, ...], sub: Callable[[], Node]) -> Node:
        left = sub()
        while self.peek()[0] == "op" and self.peek()[1] in ops:
            op = self.take()[1]
            left = ("bin", op, left, sub())
        return left

    def expr(self) -> Node:
        return self.binary(("=", "<>", "<", ">", "<=", ">="), self.concat)

    def concat(self) -> Node:
        return self.binary(("&",), self.additive)

    def additive(self) -> Node:
        return self.binary(("+", "-"), self.term)

    def term(self) -> Node:
        return self.binary(("*", "/"), self.power)

    def power(self) -> Node:
        return self.binary(("^",), self.unary)

    def unary(self) -> Node:
        kind, val = self.peek()
        if kind == "op" and val in ("-", "+"):
            self.take()
            inner = self.unary()
            return ("neg", inner) if val == "-" else ("pos", inner)
        node = self.primary()
        while self.peek() == ("op", "%"):
            self.take()
            node = ("pct", node)
        return node

    def primary(self) -> Node:
        kind, val = self.take()
        if kind == "num":
            return ("lit", num(float(val)))
        if kind == "str":
            return ("lit", val[1:-1].replace('""', '"'))
        if kind == "err":
            return ("lit", FErr(val))
        if kind == "ref":
            return _ref(val)
        if kind == "name":
            up = val.upper()
            if self.peek() == ("op", "("):
                self.take()
                args: list[Node] = []
                if self.peek() != ("op", ")"):
                    while True:
                        if self.peek()[0] == "op" and self.peek()[1] in (",", ";", ")"):
                            args.append(("lit", None))
                        else:
                            args.append(self.expr())
                        if self.peek()[0] == "op" and self.peek()[1] in (",", ";"):
                            self.take()
                            continue
                        break
                self.expect(")")
                return ("fn", up, tuple(args))
            if up in ("TRUE", "FALSE"):
                return ("lit", up == "TRUE")
            return ("lit", FErr("#NAME?"))
        if (kind, val) == ("op", "("):
            node = self.expr()
            self.expect(")")
            return node
        raise FormulaSyntaxError(val)


def _ref(text: str) -> Node:
    sheet_part, bang, cells = text.rpartition("!")
    sheet: str | None = None
    if bang:
        sheet = sheet_part[1:-1].replace("''", "'") if sheet_part.startswith("'") else sheet_part
    try:
        r0, r1, c0, c1 = parse_cells(cells.replace("$", ""))
    except A1Error:
        raise FormulaSyntaxError(text) from None
    return ("ref", sheet, r0, r1, c0, c1, ":" in cells)


@text_cache(4096)
def parse(formula: str) -> Node:
    """The syntax tree of a formula (`=...`); raises FormulaSyntaxError."""
    p = _Parser(tokens(formula[1:] if formula.startswith("=") else formula))
    node = p.expr()
    if p.peek()[0] != "end":
        raise FormulaSyntaxError(p.peek()[1])
    return node


def references(formula: str) -> list[Node]:
    """The ref nodes of a formula, in order (for inheriting number formats)."""
    try:
        root = parse(formula)
    except FormulaSyntaxError:
        return []
    out: list[Node] = []

    def walk(n: Node) -> None:
        if n[0] == "ref":
            out.append(n)
        elif n[0] == "fn":
            for a in n[2]:
                walk(a)
        elif n[0] == "bin":
            walk(n[2])
            walk(n[3])
        elif n[0] in ("neg", "pos", "pct"):
            walk(n[1])

    walk(root)
    return out


# -- evaluation -----------------------------------------------------------------------------------

def evaluate(formula: str, book: Book, sheet: str | None) -> Value:
    """The value of a formula in `sheet`: a scalar or an FErr."""
    try:
        node = parse(formula)
    except (FormulaSyntaxError, RecursionError):
        return FErr("#ERROR!")
    try:
        v = _eval(node, book, sheet)
    except RecursionError:
        return FErr("#REF!")
    if isinstance(v, Rng):
        v = scalar(v)
    if v is None:
        return 0 if node[0] == "ref" else None
    if isinstance(v, float):
        if v != v or v in (float("inf"), float("-inf")):
            return FErr("#NUM!")
        return num(round(v, 12) if abs(v) < 1e15 else v)
    return v


def _eval(n: Node, book: Book, sheet: str | None) -> Value:
    kind = n[0]
    if kind == "lit":
        return n[1]
    if kind == "ref":
        _, sh, r0, r1, c0, c1, is_range = n
        target = sh if sh is not None else sheet
        if not is_range:
            return book.cell(target, r0, c0)
        ext = book.extent(target)
        if ext is None:
            return FErr("#REF!")
        r_end = min(r1 if r1 is not None else ext[0], max(ext[0], r0))
        c_end = min(c1 if c1 is not None else ext[1], max(ext[1], c0))
        return Rng(book.block(target, r0, r_end, c0, c_end))
    if kind == "fn":
        fn = FUNCTIONS.get(n[1])
        if fn is None:
            return FErr("#NAME?")
        if n[1] in LAZY:
            return fn(n[2], lambda x: _eval(x, book, sheet))
        return fn([_eval(a, book, sheet) for a in n[2]])
    if kind in ("neg", "pos", "pct"):
        x = number(scalar(_eval(n[1], book, sheet)))
        if isinstance(x, FErr):
            return x
        return -x if kind == "neg" else x / 100 if kind == "pct" else x
    a = scalar(_eval(n[2], book, sheet))
    b = scalar(_eval(n[3], book, sheet))
    return binary(n[1], a, b)


# -- functions ------------------------------------------------------------------------------------

def error_value(v: Value) -> Value:
    """A value as stored in a cell: an FErr becomes its code (`#DIV/0!`)."""
    return v.code if isinstance(v, FErr) else v


def is_error_text(v: Value) -> bool:
    return isinstance(v, str) and v in ERRORS


__all__ = ["FUNCTIONS", "TOKEN", "Book", "FErr", "FormulaSyntaxError", "Rng", "error_value", "evaluate", "is_error_text",
           "normalize", "parse", "parse_input", "references"]
