"""Dynamic webhooks (`/rest/api/3/webhook`): an app registers webhooks for issue and comment
events, filtered by JQL, and Jira POSTs them to its URL (runner/deliver_hooks.py) until they expire.

Jira allows this API to Connect and OAuth 2.0 apps only; the twin lets any caller use it (an agent
under test holds one token). A webhook's URL must be on this machine (twins/core/hooks.py)."""

from __future__ import annotations

from typing import Any

import msgspec

from ..core import Reply
from ..core.hooks import LOOPBACK_HINT, loopback
from .errors import bad_request
from .jql import And, Clause, JqlError, Node, Not, Or, parse
from .jql_eval import compile_query
from .ops_common import API, S, V, ops, page_args, view
from .state import Webhook

EVENTS = ("jira:issue_created", "jira:issue_updated", "jira:issue_deleted", "comment_created", "comment_updated",
          "comment_deleted", "issue_property_set", "issue_property_deleted")
"""The events a dynamic webhook may ask for (the spec's WebhookDetails.events enum)."""
JQL_FIELDS = frozenset(("issuekey", "key", "project", "issuetype", "type", "status", "assignee", "reporter"))
"""The subset of JQL a webhook filter may use (Atlassian: issueKey, project, issuetype, status,
assignee, reporter, issue.property, cf[id]; operators =, !=, IN, NOT IN)."""
JQL_OPS = frozenset(("=", "!=", "in", "not in"))
LIFETIME = 30 * 86400.0  # a dynamic webhook expires 30 days after it is registered or refreshed
MAX_WEBHOOKS = 100


class WebhookSpec(msgspec.Struct, kw_only=True):
    events: Any = None
    jqlFilter: Any = None
    fieldIdsFilter: Any = None
    issuePropertyKeysFilter: Any = None


class Register(V, kw_only=True):
    url: Any = None
    webhooks: Any = None


def _clauses(node: Node | None) -> list[Clause]:
    if node is None:
        return []
    if isinstance(node, Clause):
        return [node]
    if isinstance(node, Not):
        return _clauses(node.part)
    if isinstance(node, And | Or):
        return [c for part in node.parts for c in _clauses(part)]
    return []


def _check_jql(ctx: S, text: Any) -> str | None:
    """Why a webhook's JQL filter is refused, or None."""
    if not isinstance(text, str) or not text.strip():
        return "The JQL filter is required."
    try:
        q = parse(text)
        compile_query(text, ctx.state, ctx.actor, ctx.env.now)
    except JqlError as e:
        return f"The JQL query is invalid: {e}"
    if q.order:
        return "The JQL filter cannot have an ORDER BY clause."
    for c in _clauses(q.where):
        name = c.field.lower()
        if not (name in JQL_FIELDS or name.startswith(("issue.property", "cf["))):
            return f"The JQL filter uses the field '{c.field}', which webhooks do not support."
        if c.op.lower() not in JQL_OPS:
            return f"The JQL filter uses the operator '{c.op}', which webhooks do not support."
    return None


def _strings(value: Any) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise ValueError
    return list(value)


@ops.op("webhook.register", "POST", f"{API}/webhook")
def webhook_register(ctx: S, p: Register) -> dict[str, Any]:
    """Register webhooks for an app: `{url, webhooks: [{events: ["jira:issue_created", ...],
    jqlFilter: "project = PROJ", fieldIdsFilter?, issuePropertyKeysFilter?}]}`. Each gets an id, or
    `errors` (bad JQL, unknown event) in `webhookRegistrationResult`, in request order. The URL
    must be on this machine. Webhooks expire after 30 days (webhook.refresh extends them)."""
    s = ctx.state
    if not isinstance(p.url, str) or not p.url.strip():
        raise bad_request(url="The webhook URL is required.")
    if not loopback(p.url):
        raise bad_request(url=f"The webhook URL must be on this machine ({LOOPBACK_HINT}).")
    if not isinstance(p.webhooks, list) or not p.webhooks:
        raise bad_request(webhooks="At least one webhook is required.")
    results: list[dict[str, Any]] = []
    for item in p.webhooks:
        try:
            spec = msgspec.convert(item, WebhookSpec)
            events = _strings(spec.events) or []
            field_ids = _strings(spec.fieldIdsFilter)
            keys = _strings(spec.issuePropertyKeysFilter)
        except (msgspec.ValidationError, ValueError):
            results.append({"errors": ["The webhook details are not valid."]})
            continue
        errors = [f"The event '{e}' is not supported for dynamic webhooks." for e in events if e not in EVENTS]
        if not events:
            errors.append("At least one event is required.")
        why = _check_jql(ctx, spec.jqlFilter)
        if why is not None:
            errors.append(why)
        if len(s.webhooks) >= MAX_WEBHOOKS:
            errors.append(f"An app can register at most {MAX_WEBHOOKS} webhooks.")
        if errors:
            results.append({"errors": errors})
            continue
        hid = int(s.next_id("webhook", 1))
        s.webhooks[hid] = Webhook(id=hid, url=p.url, events=list(dict.fromkeys(events)), jql=str(spec.jqlFilter),
                                  expires=ctx.env.now + LIFETIME, owner=ctx.actor, field_ids=field_ids,
                                  property_keys=keys)
        results.append({"createdWebhookId": hid})
    return {"webhookRegistrationResult": results}


class ListWebhooks(V, kw_only=True):
    startAt: int = 0
    maxResults: int = 100


def webhook_json(h: Webhook) -> dict[str, Any]:
    out: dict[str, Any] = {"id": h.id, "jqlFilter": h.jql, "events": list(h.events),
                           "expirationDate": int(h.expires * 1000), "url": h.url}
    if h.field_ids is not None:
        out["fieldIdsFilter"] = list(h.field_ids)
    if h.property_keys is not None:
        out["issuePropertyKeysFilter"] = list(h.property_keys)
    return out


@ops.op("webhook.list", "GET", f"{API}/webhook")
def webhook_list(ctx: S, p: ListWebhooks) -> dict[str, Any]:
    """The webhooks registered (a page: startAt, maxResults up to 100, total, isLast, values with
    id, events, jqlFilter, expirationDate in epoch milliseconds)."""
    start, size = page_args(p.startAt, p.maxResults, 100, 100)
    if p.maxResults < 0:
        raise bad_request("'maxResults' must be a positive integer.")
    hooks = sorted(ctx.state.webhooks.values(), key=lambda h: h.id)
    chunk = hooks[start:start + size]
    w = view(ctx, p)
    out: dict[str, Any] = {"self": f"{w.api}/webhook?startAt={start}&maxResults={size}", "maxResults": size,
                           "startAt": start, "total": len(hooks), "isLast": start + size >= len(hooks),
                           "values": [webhook_json(h) for h in chunk]}
    if start + size < len(hooks):
        out["nextPage"] = f"{w.api}/webhook?startAt={start + size}&maxResults={size}"
    return out


class WebhookIds(V, kw_only=True):
    webhookIds: Any = None


def _ids(value: Any) -> list[int]:
    if not isinstance(value, list) or not value:
        raise bad_request(webhookIds="The list of webhook IDs must not be empty.")
    try:
        return [int(x) for x in value if not isinstance(x, bool)]
    except (TypeError, ValueError):
        raise bad_request(webhookIds="Webhook IDs must be numbers.") from None


@ops.op("webhook.delete", "DELETE", f"{API}/webhook", status=202)
def webhook_delete(ctx: S, p: WebhookIds) -> Reply:
    """Remove webhooks by id (`{webhookIds: [...]}` in the body). Ids of webhooks the app did not
    register are ignored. Answers 202."""
    for hid in _ids(p.webhookIds):
        ctx.state.webhooks.pop(hid, None)
    return Reply(202, None)


@ops.op("webhook.refresh", "PUT", f"{API}/webhook/refresh")
def webhook_refresh(ctx: S, p: WebhookIds) -> dict[str, Any]:
    """Extend webhooks' life by 30 days from now (`{webhookIds: [...]}`); answers the new
    expirationDate (epoch milliseconds)."""
    expires = ctx.env.now + LIFETIME
    for hid in _ids(p.webhookIds):
        h = ctx.state.webhooks.get(hid)
        if h is not None:
            h.expires = expires
    return {"expirationDate": int(expires * 1000)}
