"""A JQL parser for the subset agents use: clauses, AND/OR/NOT, parentheses, lists, functions, ORDER BY.

`parse(text) -> Query`. Syntax errors raise `JqlError` with Jira's own wording and position
(`... (line 1, character 12)`). Meaning (fields, values, evaluation) lives in jql_eval."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..core.memo import text_cache

OPERATORS = ("=", "!=", "~", "!~", ">", ">=", "<", "<=", "IN", "NOT IN", "IS", "IS NOT")
VALID_OPS = ("'=', '!=', '<', '>', '<=', '>=', '~', '!~', 'IN', 'NOT IN', 'IS', 'IS NOT', "
             "'WAS', 'WAS IN', 'WAS NOT', 'WAS NOT IN' and 'CHANGED'")
KEYWORDS = frozenset({"AND", "OR", "NOT", "IN", "IS", "EMPTY", "NULL", "ORDER", "BY", "ASC", "DESC", "WAS",
                      "CHANGED"})
SPECIAL = set(' \t\r\n()=!<>~,"\'')


class JqlError(ValueError):
    """A JQL query Jira would refuse, with Jira's message."""


@dataclass(frozen=True, slots=True)
class Tok:
    kind: str  # word | str | op | ( | ) | , | eof
    text: str
    pos: int  # 1-based character

    def shown(self) -> str:
        return "EOF" if self.kind == "eof" else self.text


@dataclass(frozen=True, slots=True)
class Value:
    text: str
    quoted: bool = False


@dataclass(frozen=True, slots=True)
class Func:
    name: str
    args: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Empty:
    pass


Operand = Value | Func | Empty | tuple  # a tuple is a list of Value | Func


@dataclass(frozen=True, slots=True)
class Clause:
    field: str
    op: str
    operand: Operand
    pos: int = 0


@dataclass(frozen=True, slots=True)
class And:
    parts: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    parts: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    part: Node


Node = Clause | And | Or | Not


@dataclass(frozen=True, slots=True)
class Sort:
    field: str
    desc: bool = False


@dataclass(slots=True)
class Query:
    where: Node | None = None
    order: list[Sort] = field(default_factory=list)


def _err(msg: str, pos: int) -> JqlError:
    return JqlError(f"Error in the JQL Query: {msg} (line 1, character {pos})")


def tokenize(text: str) -> list[Tok]:
    toks: list[Tok] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in " \t\r\n":
            i += 1
            continue
        start = i + 1
        if c in "\"'":
            j, buf = i + 1, []
            while j < n and text[j] != c:
                if text[j] == "\\" and j + 1 < n:
                    j += 1
                    buf.append({"n": "\n", "t": "\t"}.get(text[j], text[j]))
                else:
                    buf.append(text[j])
                j += 1
            if j >= n:
                raise _err(f"The quoted string '{''.join(buf)}' has not been completed.", start)
            toks.append(Tok("str", "".join(buf), start))
            i = j + 1
        elif c in "()," :
            toks.append(Tok(c, c, start))
            i += 1
        elif c in "=~":
            toks.append(Tok("op", c, start))
            i += 1
        elif c in "!<>":
            if i + 1 < n and text[i + 1] in "=~" and not (c != "!" and text[i + 1] == "~"):
                toks.append(Tok("op", c + text[i + 1], start))
                i += 2
            elif c == "!":
                toks.append(Tok("word", "NOT", start))
                i += 1
            else:
                toks.append(Tok("op", c, start))
                i += 1
        else:
            j = i
            while j < n and text[j] not in SPECIAL:
                j += 1
            word = text[i:j]
            if word in ("&&", "&"):
                word = "AND"
            elif word in ("||", "|"):
                word = "OR"
            else:
                bad = next((ch for ch in word if ch in "%^$#@[]" and not _inner_ok(word, ch)), None)
                if bad is not None:
                    raise _err(f"The character '{bad}' is a reserved JQL character. You must enclose it in "
                               f"a string or use the escape '\\u{ord(bad):04x}' instead.", start + word.index(bad))
            toks.append(Tok("word", word, start))
            i = j
    toks.append(Tok("eof", "", n + 1))
    return toks


def _inner_ok(word: str, ch: str) -> bool:
    """Emails (`a@b.c`) and custom field ids (`cf[10010]`) are fine unquoted."""
    return (ch == "@" and 0 < word.index("@") < len(word) - 1) or (ch in "[]" and word.lower().startswith("cf["))


class Parser:
    def __init__(self, text: str) -> None:
        self.toks = tokenize(text)
        self.i = 0

    def peek(self) -> Tok:
        return self.toks[self.i]

    def next(self) -> Tok:
        t = self.toks[self.i]
        self.i += 1
        return t

    def kw(self, *words: str) -> bool:
        t = self.peek()
        return t.kind == "word" and t.text.upper() in words

    def parse(self) -> Query:
        q = Query()
        if not self.kw("ORDER") and self.peek().kind != "eof":
            q.where = self.or_()
        if self.kw("ORDER"):
            self.next()
            if not self.kw("BY"):
                t = self.peek()
                raise _err(f"Expecting 'by' but got '{t.shown()}'.", t.pos)
            self.next()
            q.order.append(self.sort())
            while self.peek().kind == ",":
                self.next()
                q.order.append(self.sort())
        t = self.peek()
        if t.kind != "eof":
            if t.kind == "word" and t.text.upper() not in KEYWORDS:
                raise _err(f"Expecting either 'OR' or 'AND' but got '{t.text}'.", t.pos)
            raise _err(f"Expecting either 'OR' or 'AND' but got '{t.shown()}'.", t.pos)
        return q

    def sort(self) -> Sort:
        t = self.next()
        if t.kind not in ("word", "str") or (t.kind == "word" and t.text.upper() in KEYWORDS):
            raise _err(f"Expecting a field name but got '{t.shown()}'.", t.pos)
        desc = False
        if self.kw("ASC", "DESC"):
            desc = self.next().text.upper() == "DESC"
        return Sort(t.text, desc)

    def or_(self) -> Node:
        parts = [self.and_()]
        while self.kw("OR"):
            self.next()
            parts.append(self.and_())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def and_(self) -> Node:
        parts = [self.not_()]
        while self.kw("AND"):
            self.next()
            parts.append(self.not_())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def not_(self) -> Node:
        if self.kw("NOT"):
            self.next()
            return Not(self.not_())
        if self.peek().kind == "(":
            self.next()
            node = self.or_()
            t = self.next()
            if t.kind != ")":
                raise _err(f"Expecting ')' but got '{t.shown()}'.", t.pos)
            return node
        return self.clause()

    def clause(self) -> Clause:
        t = self.next()
        if t.kind not in ("word", "str") or (t.kind == "word" and t.text.upper() in KEYWORDS):
            raise _err(f"Expecting a field name but got '{t.shown()}'. You must surround '{t.shown()}' in "
                       "quotation marks to use it as a field name." if t.kind == "word" else
                       f"Expecting a field name but got '{t.shown()}'.", t.pos)
        op = self.operator()
        operand = self.operand(op)
        return Clause(t.text, op, operand, t.pos)

    def operator(self) -> str:
        t = self.next()
        if t.kind == "op":
            return t.text
        if t.kind == "word":
            up = t.text.upper()
            if up == "IN":
                return "IN"
            if up == "NOT" and self.kw("IN"):
                self.next()
                return "NOT IN"
            if up == "IS":
                if self.kw("NOT"):
                    self.next()
                    return "IS NOT"
                return "IS"
            if up in ("WAS", "CHANGED"):
                raise _err(f"The operator '{up}' is not supported by this JQL engine.", t.pos)
        raise _err(f"Expecting operator but got '{t.shown()}'. The valid operators are {VALID_OPS}.", t.pos)

    def operand(self, op: str) -> Operand:
        t = self.peek()
        if op in ("IN", "NOT IN"):
            if t.kind != "(":
                if t.kind == "word" and self.toks[self.i + 1].kind == "(":
                    return self.value()
                raise _err(f"Expecting '(' but got '{t.shown()}'.", t.pos)
            self.next()
            items = [self.value()]
            while self.peek().kind == ",":
                self.next()
                items.append(self.value())
            end = self.next()
            if end.kind != ")":
                raise _err(f"Expecting ')' but got '{end.shown()}'.", end.pos)
            return tuple(items)
        if op in ("IS", "IS NOT"):
            if self.kw("EMPTY", "NULL"):
                self.next()
                return Empty()
            raise _err(f"Expecting 'EMPTY' but got '{t.shown()}'.", t.pos)
        return self.value()

    def value(self) -> Operand:
        t = self.next()
        if t.kind == "str":
            return Value(t.text, True)
        if t.kind == "word":
            up = t.text.upper()
            if up in ("EMPTY", "NULL"):
                return Empty()
            if up in KEYWORDS:
                raise _err(f"Expecting either a value, list or function but got '{t.text}'. You must surround "
                           f"'{t.text}' in quotation marks to use it as a value.", t.pos)
            if self.peek().kind == "(":
                self.next()
                args: list[str] = []
                while self.peek().kind not in (")", "eof"):
                    a = self.next()
                    if a.kind != ",":
                        args.append(a.text)
                end = self.next()
                if end.kind != ")":
                    raise _err(f"Expecting ')' but got '{end.shown()}'.", end.pos)
                return Func(t.text, tuple(args))
            return Value(t.text)
        raise _err(f"Expecting either a value, list or function but got '{t.shown()}'.", t.pos)


def parse(text: str) -> Query:
    """Parse a JQL query; raise JqlError with Jira's message when it is not valid.

    The same queries come back in every world (a scenario's reference, an agent's retries): each text
    (up to 2,048 characters, so an agent's huge queries cannot fill the memory) is parsed once and its
    Query shared, so callers only read it. A query depends on its text alone."""
    return _parse(text)


@text_cache(4096)
def _parse(text: str) -> Query:
    return Parser(text).parse()


__all__ = ["OPERATORS", "And", "Clause", "Empty", "Func", "JqlError", "Not", "Or", "Query", "Sort", "Value",
           "parse"]
