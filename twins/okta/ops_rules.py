"""Group rules: create (INACTIVE), list, get, replace (INACTIVE only), activate (members join),
deactivate, delete (`removeUsers=true` takes out the users the rule added). See rules.py."""

from __future__ import annotations

from typing import Any

import msgspec

from ..core import Reply
from .common import S, admin, new_id, ops, page_after, paged
from .errors import OktaError, found, validation
from .rules import apply_rule, compile_rule, remove_added
from .state import GroupRule, OktaState
from .syslog import emit, target

RULES = "/api/v1/groups/rules"
RULE = RULES + "/{groupRuleId}"
EXPRESSION_TYPE = "urn:okta:expression:1.0"


def rule_json(r: GroupRule) -> dict[str, Any]:
    return {
        "type": "group_rule", "id": r.id, "status": r.status, "name": r.name,
        "created": r.created, "lastUpdated": r.last_updated,
        "conditions": {
            "people": {"users": {"exclude": list(r.exclude_users)}, "groups": {"exclude": []}},
            "expression": {"value": r.expression, "type": EXPRESSION_TYPE},
        },
        "actions": {"assignUserToGroups": {"groupIds": list(r.assign_groups)}},
    }


def get_rule(s: OktaState, rid: str) -> GroupRule:
    return found(s.group_rules, rid, "GroupRule")


class RuleBody(msgspec.Struct, rename="camel"):
    group_rule_id: str = ""
    type: str = "group_rule"
    name: str = ""
    conditions: dict[str, Any] | None = None
    actions: dict[str, Any] | None = None
    status: str = ""


def _parse(s: OktaState, p: RuleBody) -> tuple[str, str, list[str], list[str]]:
    """name, expression, group ids, excluded user ids; E0000001 with Okta's causes when invalid."""
    causes = []
    name = p.name.strip()
    if not name:
        causes.append("name: The field cannot be left blank")
    elif len(name) > 50:
        causes.append("name: The field must be at most 50 characters")
    cond = p.conditions or {}
    expr = (cond.get("expression") or {}).get("value") if isinstance(cond.get("expression"), dict) else None
    if not isinstance(expr, str) or not expr.strip():
        causes.append("conditions.expression.value: The field cannot be left blank")
    gids = ((p.actions or {}).get("assignUserToGroups") or {}).get("groupIds") or []
    if not gids:
        causes.append("actions.assignUserToGroups.groupIds: The field cannot be left blank")
    for gid in gids:
        g = s.groups.get(gid)
        if g is None:
            causes.append(f"actions.assignUserToGroups.groupIds: Group {gid} not found")
        elif g.type != "OKTA_GROUP":
            causes.append(f"actions.assignUserToGroups.groupIds: Group {gid} is not an OKTA_GROUP")
    people = cond.get("people") or {}
    excluded = ((people.get("users") or {}).get("exclude") or []) if isinstance(people, dict) else []
    if causes:
        raise validation(*causes, field=causes[0].split(":")[0])
    assert isinstance(expr, str)
    compile_rule(expr)
    for other in s.group_rules.values():
        if other.name == name and other.id != p.group_rule_id:
            raise validation("name: A group rule with this name already exists", field="name")
    return name, expr, [str(g) for g in gids], [str(u) for u in excluded]


def _target(r: GroupRule) -> dict[str, Any]:
    return target(r.id, "PolicyRule", r.name)


@ops.op("create_group_rule", "POST", RULES)
def create_group_rule(ctx: S, p: RuleBody) -> Any:
    """Create a group rule: users matching `conditions.expression.value` (Okta Expression Language,
    e.g. `user.department=="Sales"`) will join `actions.assignUserToGroups.groupIds`. A new rule
    is INACTIVE: activate it to apply it."""
    s = admin(ctx)
    name, expr, gids, excluded = _parse(s, p)
    now = ctx.env.iso()
    r = GroupRule(id=new_id(ctx, "0pr"), name=name, status="INACTIVE", expression=expr,
                  assign_groups=gids, exclude_users=excluded, created=now, last_updated=now)
    s.group_rules[r.id] = r
    emit(ctx, "group.rule.create", "Create group rule", [_target(r)])  # wording: see README
    return rule_json(r)


class ListRules(msgspec.Struct, rename="camel"):
    limit: int | None = None
    after: str = ""
    search: str = ""
    expand: str = ""


@ops.op("list_group_rules", "GET", RULES)
def list_group_rules(ctx: S, p: ListRules) -> Any:
    """List group rules; `search` matches names containing it; `limit` (max 200) and `after`."""
    s = admin(ctx)
    rules = [r for r in s.group_rules.values() if p.search.lower() in r.name.lower()]
    chunk, nxt = page_after(rules, p.after, p.limit, lambda r: r.id, 50)
    return paged(ctx, RULES, {"search": p.search, "limit": p.limit, "after": p.after},
                 [rule_json(r) for r in chunk], nxt)


class RuleRef(msgspec.Struct, rename="camel"):
    group_rule_id: str
    remove_users: bool | str | None = None
    expand: str = ""


@ops.op("get_group_rule", "GET", RULE)
def get_group_rule(ctx: S, p: RuleRef) -> Any:
    """Get a group rule by id."""
    s = admin(ctx)
    return rule_json(get_rule(s, p.group_rule_id))


@ops.op("replace_group_rule", "PUT", RULE)
def replace_group_rule(ctx: S, p: RuleBody) -> Any:
    """Replace an INACTIVE group rule (name, expression, groups, exclusions); an ACTIVE one must be
    deactivated first."""
    s = admin(ctx)
    r = get_rule(s, p.group_rule_id)
    if r.status == "ACTIVE":
        raise validation("status: Cannot update rule in ACTIVE status; deactivate it first", field="status")
    r.name, r.expression, r.assign_groups, r.exclude_users = _parse(s, p)
    r.last_updated = ctx.env.iso()
    emit(ctx, "group.rule.update", "Update group rule", [_target(r)])
    return rule_json(r)


@ops.op("activate_group_rule", "POST", RULE + "/lifecycle/activate")
def activate_group_rule(ctx: S, p: RuleRef) -> None:
    """Activate a rule: every user who matches joins its groups now, and later as users change."""
    s = admin(ctx)
    r = get_rule(s, p.group_rule_id)
    if r.status != "ACTIVE":
        r.status = "ACTIVE"
        r.last_updated = ctx.env.iso()
        emit(ctx, "group.rule.activate", "Activate group rule", [_target(r)])
        for u in list(s.users.values()):
            apply_rule(ctx, r, u)
    return None


@ops.op("deactivate_group_rule", "POST", RULE + "/lifecycle/deactivate")
def deactivate_group_rule(ctx: S, p: RuleRef) -> None:
    """Deactivate a rule: it stops adding users; users it added stay in its groups."""
    s = admin(ctx)
    r = get_rule(s, p.group_rule_id)
    if r.status == "ACTIVE":
        r.status = "INACTIVE"
        r.last_updated = ctx.env.iso()
        emit(ctx, "group.rule.deactivate", "Deactivate group rule", [_target(r)])
    return None


@ops.op("delete_group_rule", "DELETE", RULE)
def delete_group_rule(ctx: S, p: RuleRef) -> Any:
    """Delete a rule (202). An ACTIVE rule must be deactivated first. `removeUsers=true` also takes
    the users it added out of its groups."""
    s = admin(ctx)
    r = get_rule(s, p.group_rule_id)
    if r.status == "ACTIVE":
        raise OktaError("E0000001", "Api validation failed: status", status=400,
                        causes=["status: Cannot delete rule in ACTIVE status; deactivate it first"])
    if p.remove_users is True or str(p.remove_users).lower() == "true":
        remove_added(ctx, r)
    del s.group_rules[r.id]
    emit(ctx, "group.rule.delete", "Delete group rule", [_target(r)])
    return Reply(202, None)
