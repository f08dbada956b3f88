"""Drive's `q` search language, compiled to a predicate over files.

    name contains 'plan' and mimeType != 'application/vnd.google-apps.folder'
    and not trashed and ('alice@acme.test' in writers or sharedWithMe)
    and modifiedTime > '2024-01-01T00:00:00' and properties has { key='dept' and value='hr' }

Strings are single-quoted with backslash escapes; gspread's double quotes work too. A query that
does not parse raises QueryError, which Drive answers with 400 "Invalid Value"."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from ..core.env import parse_time
from ..core.memo import text_cache
from .docs_model import document_text
from .sheets_model import spreadsheet_csv
from .state import DriveFile, GoogleState, direct_role


class QueryError(ValueError):
    """A `q` that does not parse."""


class Scope(NamedTuple):
    state: GoogleState
    actor: str


Pred = Callable[[Scope, DriveFile], bool]
Tok = tuple[str, str]  # (kind, text): kind is str | word | op | punct

_OPS = ("!=", "<=", ">=", "=", "<", ">")
_TIMES = ("createdTime", "modifiedTime", "viewedByMeTime", "sharedWithMeTime", "trashedTime")


def tokens(q: str) -> list[Tok]:
    out: list[Tok] = []
    i, n = 0, len(q)
    while i < n:
        c = q[i]
        if c.isspace():
            i += 1
        elif c in "'\"":
            buf: list[str] = []
            i += 1
            while True:
                if i >= n:
                    raise QueryError("unterminated string")
                ch = q[i]
                if ch == "\\" and i + 1 < n:
                    buf.append(q[i + 1])
                    i += 2
                elif ch == c:
                    i += 1
                    break
                else:
                    buf.append(ch)
                    i += 1
            out.append(("str", "".join(buf)))
        elif c in "(){}":
            out.append(("punct", c))
            i += 1
        elif c in "!<>=":
            for op in _OPS:
                if q.startswith(op, i):
                    out.append(("op", op))
                    i += len(op)
                    break
            else:
                raise QueryError(f"bad operator at {i}")
        elif c.isalnum() or c in "_.-:":
            j = i
            while j < n and (q[j].isalnum() or q[j] in "_.-:"):
                j += 1
            out.append(("word", q[i:j]))
            i = j
        else:
            raise QueryError(f"unexpected {c!r} at {i}")
    return out


class _Parser:
    def __init__(self, toks: list[Tok]) -> None:
        self.t = toks
        self.i = 0

    def peek(self) -> Tok | None:
        return self.t[self.i] if self.i < len(self.t) else None

    def next(self) -> Tok:
        tok = self.peek()
        if tok is None:
            raise QueryError("unexpected end of query")
        self.i += 1
        return tok

    def kw(self, word: str) -> bool:
        tok = self.peek()
        if tok is not None and tok[0] == "word" and tok[1].lower() == word:
            self.i += 1
            return True
        return False

    def expect(self, kind: str, text: str | None = None) -> str:
        k, v = self.next()
        if k != kind or (text is not None and v.lower() != text):
            raise QueryError(f"expected {text or kind}, got {v!r}")
        return v

    def expr(self) -> Pred:
        left = self.conj()
        while self.kw("or"):
            right = self.conj()
            left = _or(left, right)
        return left

    def conj(self) -> Pred:
        left = self.unary()
        while self.kw("and"):
            right = self.unary()
            left = _and(left, right)
        return left

    def unary(self) -> Pred:
        if self.kw("not"):
            inner = self.unary()
            return lambda s, f: not inner(s, f)
        tok = self.peek()
        if tok == ("punct", "("):
            self.i += 1
            e = self.expr()
            self.expect("punct", ")")
            return e
        return self.term()

    def term(self) -> Pred:
        kind, text = self.next()
        if kind == "str":
            self.expect("word", "in")
            return _membership(text, self.expect("word"))
        if kind != "word":
            raise QueryError(f"unexpected {text!r}")
        field = text
        if field == "sharedWithMe":
            if self.peek() == ("op", "="):
                self.i += 1
                want = _bool(self.next())
                return lambda s, f: _shared_with_me(s, f) == want
            return _shared_with_me
        if field in ("properties", "appProperties"):
            self.expect("word", "has")
            self.expect("punct", "{")
            self.expect("word", "key")
            self.expect("op", "=")
            key = self.expect("str")
            self.expect("word", "and")
            self.expect("word", "value")
            self.expect("op", "=")
            value = self.expect("str")
            self.expect("punct", "}")
            return _has(field, key, value)
        if field == "parents" and self.kw("in"):  # gspread: parents in "ID"
            return _membership(self.expect("str"), "parents")
        kind, op = self.next()
        if kind == "word" and op.lower() == "contains":
            op = "contains"
        elif kind != "op":
            raise QueryError(f"expected an operator after {field}")
        return _compare(field, op, self.next())


def _and(a: Pred, b: Pred) -> Pred:
    return lambda s, f: a(s, f) and b(s, f)


def _or(a: Pred, b: Pred) -> Pred:
    return lambda s, f: a(s, f) or b(s, f)


def _bool(tok: Tok) -> bool:
    if tok[0] == "word" and tok[1].lower() in ("true", "false"):
        return tok[1].lower() == "true"
    raise QueryError("expected true or false")


def _word_prefix(hay: str, needle: str) -> bool:
    """Drive's name `contains`: the term starts a word of the name (case-insensitive)."""
    hay, needle = hay.lower(), needle.lower()
    start = hay.find(needle)
    while start >= 0:
        if start == 0 or not hay[start - 1].isalnum():
            return True
        start = hay.find(needle, start + 1)
    return False


def full_text(f: DriveFile) -> str:
    parts = [f.name, f.description]
    if f.doc is not None:
        parts.append(document_text(f.doc))
    elif f.sheet is not None:
        parts.append(spreadsheet_csv(f.sheet))
    elif f.content and (f.mimeType.startswith("text/") or f.mimeType in ("application/json", "text/csv")):
        parts.append(f.content.decode("utf-8", "replace"))
    return "\n".join(parts).lower()


def _compare(field: str, op: str, tok: Tok) -> Pred:
    kind, value = tok
    if field in ("trashed", "starred"):
        if op not in ("=", "!="):
            raise QueryError(f"{op} not allowed on {field}")
        want = _bool(tok) == (op == "=")
        if field == "trashed":
            return lambda s, f: f.trashed == want
        return lambda s, f: f.starred == want
    if kind != "str":
        raise QueryError(f"{field} takes a quoted string")
    if field in ("name", "description", "mimeType"):
        attr = field
        if op == "contains":
            if field == "name":
                return lambda s, f: _word_prefix(f.name, value)
            low = value.lower()
            return lambda s, f: low in getattr(f, attr).lower()
        if op == "=":
            return lambda s, f: getattr(f, attr) == value
        if op == "!=":
            return lambda s, f: getattr(f, attr) != value
        raise QueryError(f"{op} not allowed on {field}")
    if field == "fullText":
        if op != "contains":
            raise QueryError("fullText takes contains")
        low = value.lower()
        return lambda s, f: low in full_text(f)
    if field in _TIMES:
        if op == "contains":
            raise QueryError(f"contains not allowed on {field}")
        try:
            t = parse_time(value, 0.0)
        except ValueError:
            raise QueryError(f"bad time {value!r}") from None
        cmp = _CMP[op]
        if field == "createdTime":
            return lambda s, f: cmp(parse_time(f.createdTime, 0.0), t)
        if field == "modifiedTime":
            return lambda s, f: cmp(parse_time(f.modifiedTime, 0.0), t)
        if field == "trashedTime":
            return lambda s, f: bool(f.trashedTime) and cmp(parse_time(f.trashedTime, 0.0), t)
        if field == "sharedWithMeTime":
            return lambda s, f: s.actor in f.sharedWith and cmp(parse_time(f.sharedWith[s.actor], 0.0), t)
        return lambda s, f: cmp(parse_time(f.modifiedTime, 0.0), t)
    if field == "visibility":
        if op not in ("=", "!="):
            raise QueryError("visibility takes = or !=")
        want_eq = op == "="
        return lambda s, f: (_visibility(f) == value) == want_eq
    raise QueryError(f"unknown field {field}")


_CMP: dict[str, Callable[[float, float], bool]] = {
    "=": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
}


def _visibility(f: DriveFile) -> str:
    vis = "limited"
    for p in f.permissions:
        if p.type == "anyone":
            return "anyoneCanFind" if p.allowFileDiscovery else "anyoneWithLink"
        if p.type == "domain":
            vis = "domainCanFind" if p.allowFileDiscovery else "domainWithLink"
    return vis


def _membership(value: str, coll: str) -> Pred:
    if coll == "parents":
        return lambda s, f: value in f.parents or (value == "root" and _in_root(s, f))
    if coll == "owners":
        return lambda s, f: (s.actor if value == "me" else value) in f.owners
    if coll in ("writers", "readers"):
        roles = ("writer", "fileOrganizer", "organizer") if coll == "writers" else ("reader", "commenter")

        def pred(s: Scope, f: DriveFile) -> bool:
            who = s.actor if value == "me" else value
            return any(p.emailAddress == who and p.role in roles and p.type in ("user", "group")
                       for p in f.permissions)
        return pred
    raise QueryError(f"unknown collection {coll}")


def _in_root(s: Scope, f: DriveFile) -> bool:
    u = s.state.users.get(s.actor)
    return u is not None and u.rootId in f.parents


def _shared_with_me(s: Scope, f: DriveFile) -> bool:
    if s.actor in f.owners:
        return False
    return direct_role(s.state, f, s.actor) is not None and any(
        p.type in ("user", "group") and p.emailAddress is not None and p.role != "owner"
        and (p.emailAddress == s.actor or p.emailAddress in _groups(s)) for p in f.permissions)


def _groups(s: Scope) -> list[str]:
    u = s.state.users.get(s.actor)
    return u.groups if u is not None else []


def _has(field: str, key: str, value: str) -> Pred:
    if field == "properties":
        return lambda s, f: f.properties.get(key) == value
    return lambda s, f: f.appProperties.get(key) == value


@text_cache(4096)
def compile_query(q: str) -> Pred:
    """The predicate of a `q` string, memoised (a predicate is a pure function of the query: it
    reads the state and actor from its `Scope`, so worlds can share it); raises QueryError when
    it does not parse."""
    return _compile(q)


def _compile(q: str) -> Pred:
    p = _Parser(tokens(q))
    if p.peek() is None:
        raise QueryError("empty query")
    pred = p.expr()
    if p.peek() is not None:
        raise QueryError(f"unexpected {p.peek()!r}")
    return pred
