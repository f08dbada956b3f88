"""Jira events: what a successful REST call causes, as the webhook body Jira Cloud POSTs.

https://developer.atlassian.com/cloud/jira/platform/webhooks/ : every callback carries
`timestamp` (epoch milliseconds), `webhookEvent` and, for issue events, `issue_event_type_name`,
the `user` who did it (a REST user without emailAddress) and the `issue` as the REST API answers
GET issue without expand (REST v2 rendering); `jira:issue_updated` adds the `changelog` of the
change ({id, items: [{field, fieldtype, fieldId, from, fromString, to, toString}]}), and
`comment_created` carries the `comment` (the REST comment) with the issue it is on.
runner/deliver_hooks.py POSTs them to the dynamic webhooks that match (ops_webhooks.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..core.events import Event
from ..core.hooks import added
from ..core.ops import Ctx, Reply
from . import render
from .render import View
from .state import Comment, History, Issue, JiraState

ISSUE_OPS = frozenset(("issue.edit", "issue.assign", "issue.transition"))
SLIM_FIELDS = ("summary", "issuetype", "project", "assignee", "priority", "status")


def _user(w: View, aid: str) -> dict[str, Any] | None:
    """A user as webhooks show it: the REST user without emailAddress."""
    u = render.user(w, aid)
    if u is not None:
        u.pop("emailAddress", None)
    return u


def _issue(s: JiraState, ref: Any) -> Issue | None:
    ref = str(ref or "")
    iid = s.keys.get(ref.upper()) if not ref.isdigit() else ref
    return s.issues.get(iid) if iid is not None else None


def _to(*aids: str | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(a for a in aids if a))


def _base(ctx: Ctx[JiraState], kind: str) -> dict[str, Any]:
    return {"timestamp": round(ctx.env.now * 1000), "webhookEvent": kind}


def issue_event(ctx: Ctx[JiraState], kind: str, type_name: str, iss: Issue,
                history: History | None = None) -> Event:
    w = View(ctx, "2")
    data = _base(ctx, kind)
    data["issue_event_type_name"] = type_name
    data["user"] = _user(w, ctx.actor)
    data["issue"] = render.issue(w, iss, ctx.actor)
    if history is not None:
        data["changelog"] = {"id": int(history.id) if history.id.isdigit() else history.id,
                             "items": [render.change_item(c) for c in history.items]}
    return Event("jira", kind, ctx.env.now, ctx.actor, data, to=_to(iss.assignee))


def comment_event(ctx: Ctx[JiraState], iss: Issue, c: Comment) -> Event:
    w = View(ctx, "2")
    data = _base(ctx, "comment_created")
    data["comment"] = render.comment(w, iss, c)
    data["issue"] = {"id": iss.id, "self": f"{w.api}/issue/{iss.id}", "key": iss.key,
                     "fields": {k: render.FIELDS[k](w, iss, ctx.actor) for k in SLIM_FIELDS}}
    return Event("jira", "comment_created", ctx.env.now, ctx.actor, data, to=_to(iss.assignee, iss.reporter))


def _type_name(op: str, history: History | None) -> str:
    if op == "issue.assign":
        return "issue_assigned"
    if op == "issue.transition" and history is not None:
        for c in history.items:
            if c.field == "resolution":
                return "issue_resolved" if c.to_string else "issue_reopened"
        return "issue_generic"
    return "issue_updated"


def events(ctx: Ctx[JiraState], op: str, args: Mapping[str, Any], reply: Reply) -> list[Event]:
    s, now = ctx.state, ctx.env.now
    body = reply.body
    if op == "issue.create" and isinstance(body, dict):
        iss = s.issues.get(str(body.get("id", "")))
        return [issue_event(ctx, "jira:issue_created", "issue_created", iss)] if iss is not None else []
    if op == "issue.bulkCreate" and isinstance(body, dict):
        made = [s.issues.get(str(x.get("id", ""))) for x in body.get("issues") or () if isinstance(x, dict)]
        return [issue_event(ctx, "jira:issue_created", "issue_created", i) for i in made if i is not None]
    if op in ISSUE_OPS:
        iss = _issue(s, args.get("issueIdOrKey"))
        if iss is None:
            return []
        iid = iss.id
        new = added(ctx, iss.changelog, now, lambda h: h.created, lambda h: ("history", iid, h.id))
        history = new[-1] if new else None
        comments = added(ctx, iss.comments, now, lambda c: c.created, lambda c: ("comment", iid, c.id))
        name = "issue_commented" if history is None and comments else _type_name(op, history)
        out = [issue_event(ctx, "jira:issue_updated", name, iss, history)]
        return out + [comment_event(ctx, iss, c) for c in comments]
    if op == "comment.add":
        iss = _issue(s, args.get("issueIdOrKey"))
        if iss is None:
            return []
        return [comment_event(ctx, iss, c) for c in added(ctx, iss.comments, now, lambda c: c.created,
                                                                  lambda c: ("comment", iss.id, c.id))]
    return []
