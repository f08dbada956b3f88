"""Group rules' expressions (a subset of the Okta Expression Language) and their effect on membership.

    user.department == "Engineering" && !(user.title == "Intern")
    String.startsWith(user.email, "ops") OR isMemberOfAnyGroup("00g...")

Supported: `user.<profile attribute>`, string, number, true/false/null literals, `== != > >= < <=`,
`&& || !` (and `AND OR`), parentheses, `String.stringContains/startsWith/endsWith/toLowerCase/
toUpperCase/len`, `Arrays.contains`, `isMemberOfGroup`, `isMemberOfAnyGroup`, `isMemberOfGroupName`.
An ACTIVE rule adds every matching user (not excluded) to its groups, when it is activated and when
a user is created or their profile changes; a user who no longer matches leaves the groups the rule
put them in."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .common import S
from .errors import validation
from .state import GroupRule, OktaState, User
from .syslog import emit, group_target, user_target

Env = tuple[dict[str, Any], set[str], dict[str, str]]  # profile, group ids, group name -> id
Expr = Callable[[Env], Any]
_TOKEN = re.compile(r'\s*(?:("(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\')|(-?\d+(?:\.\d+)?)|'
                    r'(&&|\|\||==|!=|>=|<=|[()!,<>])|([A-Za-z_][A-Za-z0-9_.]*))')


class BadExpression(ValueError):
    pass


def _tokens(text: str) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise BadExpression(f"unexpected {text[pos:pos + 10]!r}")
        pos = m.end()
        s, num, op, word = m.groups()
        if s is not None:
            out.append(("lit", re.sub(r"\\(.)", r"\1", s[1:-1])))
        elif num is not None:
            out.append(("lit", float(num)))
        elif op is not None:
            out.append((op, op))
        elif word in ("AND", "and"):
            out.append(("&&", "&&"))
        elif word in ("OR", "or"):
            out.append(("||", "||"))
        elif word in ("true", "false"):
            out.append(("lit", word == "true"))
        elif word == "null":
            out.append(("lit", None))
        else:
            out.append(("name", word))
    return out


def _fn(name: str, args: list[Any], env: Env) -> Any:
    _, groups, names = env
    text = [("" if a is None else str(a)) for a in args]
    if name == "String.stringContains" and len(args) == 2:
        return text[1] in text[0]
    if name == "String.startsWith" and len(args) == 2:
        return text[0].startswith(text[1])
    if name == "String.endsWith" and len(args) == 2:
        return text[0].endswith(text[1])
    if name == "String.toLowerCase" and len(args) == 1:
        return text[0].lower()
    if name == "String.toUpperCase" and len(args) == 1:
        return text[0].upper()
    if name == "String.len" and len(args) == 1:
        return float(len(text[0]))
    if name == "Arrays.contains" and len(args) == 2:
        return isinstance(args[0], list) and args[1] in args[0]
    if name in ("isMemberOfGroup", "isMemberOfAnyGroup"):
        return any(a in groups for a in text)
    if name == "isMemberOfGroupName" and len(args) == 1:
        return names.get(text[0]) in groups
    raise BadExpression(f"unknown function {name}")


FUNCTIONS = ("String.stringContains", "String.startsWith", "String.endsWith", "String.toLowerCase",
             "String.toUpperCase", "String.len", "Arrays.contains", "isMemberOfGroup",
             "isMemberOfAnyGroup", "isMemberOfGroupName")


def _or(a: Expr, b: Expr) -> Expr:
    return lambda e: bool(a(e)) or bool(b(e))


def _and(a: Expr, b: Expr) -> Expr:
    return lambda e: bool(a(e)) and bool(b(e))


class _Parser:
    def __init__(self, toks: list[tuple[str, Any]]) -> None:
        self.toks = toks
        self.i = 0

    def peek(self) -> str:
        return self.toks[self.i][0] if self.i < len(self.toks) else ""

    def take(self, kind: str | None = None) -> Any:
        if self.i >= len(self.toks) or (kind is not None and self.toks[self.i][0] != kind):
            raise BadExpression(f"expected {kind or 'more'}")
        self.i += 1
        return self.toks[self.i - 1][1]

    def either(self) -> Expr:
        left = self.both()
        while self.peek() == "||":
            self.take()
            left = _or(left, self.both())
        return left

    def both(self) -> Expr:
        left = self.compare()
        while self.peek() == "&&":
            self.take()
            left = _and(left, self.compare())
        return left

    def compare(self) -> Expr:
        left = self.unary()
        op = self.peek()
        if op in ("==", "!=", ">", ">=", "<", "<="):
            self.take()
            right = self.unary()
            return lambda e: _cmp(op, left(e), right(e))
        return left

    def unary(self) -> Expr:
        if self.peek() == "!":
            self.take()
            inner = self.unary()
            return lambda e: not inner(e)
        if self.peek() == "(":
            self.take()
            inner = self.either()
            self.take(")")
            return inner
        kind = self.peek()
        if kind == "lit":
            value = self.take()
            return lambda e: value
        name = self.take("name")
        if self.peek() == "(":
            if name not in FUNCTIONS:
                raise BadExpression(f"unknown function {name}")
            self.take()
            args: list[Expr] = []
            while self.peek() != ")":
                args.append(self.either())
                if self.peek() == ",":
                    self.take()
            self.take(")")
            return lambda e: _fn(name, [a(e) for a in args], e)
        if not name.startswith("user."):
            raise BadExpression(f"unknown name {name}")
        attr = name[5:]
        return lambda e: e[0].get(attr)


def _cmp(op: str, a: Any, b: Any) -> bool:
    if op == "==":
        return bool(a == b)
    if op == "!=":
        return bool(a != b)
    x: Any
    y: Any
    try:
        x, y = (float(a), float(b)) if not (isinstance(a, str) and isinstance(b, str)) else (a, b)
    except (TypeError, ValueError):
        return False
    return bool({">": x > y, ">=": x >= y, "<": x < y, "<=": x <= y}[op])


def compile_rule(text: str) -> Expr:
    """The expression as a predicate; E0000001 when Okta would refuse it."""
    try:
        p = _Parser(_tokens(text))
        out = p.either()
        if p.i != len(p.toks):
            raise BadExpression("unexpected text after the expression")
        return out
    except BadExpression as e:
        raise validation(f"conditions.expression.value: Invalid expression: {e}",
                         field="conditions.expression.value") from None


def _env(s: OktaState, u: User) -> Env:
    return (u.profile, {g.id for g in s.groups.values() if u.id in g.members},
            {g.name: g.id for g in s.groups.values()})


def matches(s: OktaState, rule: GroupRule, u: User) -> bool:
    if u.id in rule.exclude_users or u.status == "DEPROVISIONED":
        return False
    try:
        return bool(compile_rule(rule.expression)(_env(s, u)))
    except Exception:  # an expression that fails on this user's data matches nobody
        return False


def apply_rule(ctx: S, rule: GroupRule, u: User) -> None:
    """Bring `u`'s memberships in line with one ACTIVE rule."""
    s = ctx.state
    hit = matches(s, rule, u)
    now = ctx.env.iso()
    for gid in rule.assign_groups:
        g = s.groups.get(gid)
        if g is None:
            continue
        added = rule.added.setdefault(gid, [])
        if hit and u.id not in g.members:
            g.members.append(u.id)
            g.last_membership_updated = now
            added.append(u.id)
            emit(ctx, "group.user_membership.add", "Add user to group membership", [user_target(u), group_target(g)])
        elif not hit and u.id in added:
            added.remove(u.id)
            if u.id in g.members:
                g.members.remove(u.id)
                g.last_membership_updated = now
                emit(ctx, "group.user_membership.remove", "Remove user from group membership",
                     [user_target(u), group_target(g)])


def apply_rules(ctx: S, u: User) -> None:
    """Every ACTIVE rule, for one user (after they were created or their profile changed)."""
    for rule in ctx.state.group_rules.values():
        if rule.status == "ACTIVE":
            apply_rule(ctx, rule, u)


def remove_added(ctx: S, rule: GroupRule) -> None:
    """Take out of the rule's groups the users it put there (delete with `removeUsers=true`)."""
    s = ctx.state
    now = ctx.env.iso()
    for gid, uids in rule.added.items():
        g = s.groups.get(gid)
        if g is None:
            continue
        for uid in uids:
            if uid in g.members:
                g.members.remove(uid)
                g.last_membership_updated = now
                u = s.users.get(uid)
                if u is not None:
                    emit(ctx, "group.user_membership.remove", "Remove user from group membership",
                         [user_target(u), group_target(g)])
    rule.added = {}
