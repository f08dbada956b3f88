"""What a person can do, as calls on the twins made in their own name (runner/life.py).

Each action is one key: `post`, `reply`, `react`, `click`, `jira_create`, `jira_transition`,
`jira_comment`, `jira_assign`, `share`, `okta_status`. Every call is logged with the person's
email as its actor; a click, which no Web API call makes, is logged as `slack click`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dtu.twins.core import Call, Event, World
from dtu.twins.core.lazy import peek_items

from .people import PersonSpec

if TYPE_CHECKING:
    from .life import Life

_OKTA = {"suspended": "suspend_user", "suspend": "suspend_user", "active": "unsuspend_user",
         "unsuspended": "unsuspend_user", "unsuspend": "unsuspend_user", "deactivated": "deactivate_user",
         "deprovisioned": "deactivate_user", "deactivate": "deactivate_user", "activate": "activate_user",
         "activated": "activate_user", "reactivate": "reactivate_user"}


# -- looking things up ------------------------------------------------------------------------------
def find_user(world: World, twin: str, person: PersonSpec) -> str:
    """The person's id in a twin, from its state ("" when the twin does not hold them)."""
    if twin not in world.twins:
        return ""
    if twin in ("slack", "okta", "jira") and twin in person.ids:
        return person.ids[twin]
    state: Any = world.ctx(twin).state
    email = person.email.lower()
    # read-only scans: a user this world has not read is the seed's, decoded once for every world
    if twin == "slack":
        for _, u in peek_items(state.users):
            if u.email.lower() == email or u.name == person.slack_handle:
                return str(u.id)
    elif twin == "okta":
        for _, u in peek_items(state.users):
            if str(u.profile.get("login", "")).lower() == email or str(u.profile.get("email", "")).lower() == email:
                return str(u.id)
    elif twin == "jira":
        for _, u in peek_items(state.users):
            if u.email.lower() == email:
                return str(u.account_id)
    elif twin == "google":
        return email if email in state.users else ""
    return ""


def channel_name(world: World, channel: str) -> str:
    ch = world.ctx("slack").state.channels.get(channel)
    return str(ch.name) if ch is not None else ""


def member(world: World, channel: str, user: str) -> bool:
    ch = world.ctx("slack").state.channels.get(channel)
    return ch is not None and user in ch.members


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    """The buttons of a message's blocks (in `actions` and `section` accessories)."""
    out: list[dict[str, Any]] = []
    for block in message.get("blocks") or []:
        if not isinstance(block, dict):
            continue
        elements = list(block.get("elements") or []) if block.get("type") == "actions" else []
        if isinstance(block.get("accessory"), dict):
            elements.append(block["accessory"])
        out += [dict(e, block_id=block.get("block_id", "")) for e in elements
                if isinstance(e, dict) and e.get("type") == "button"]
    return out


def text_in(ev: Event) -> str:
    """The text an event carries, for `contains:`."""
    d = ev.data
    if ev.twin == "slack":
        if ev.type == "reaction_added":
            return str(d.get("reaction") or "")  # `contains:` on a reaction matches its emoji name
        return str(d.get("text") or "")
    if ev.twin == "jira":
        comment = d.get("comment") or {}
        issue = (d.get("issue") or {}).get("fields") or {}
        return " ".join(_plain(x) for x in (comment.get("body"), issue.get("summary"), issue.get("description")))
    return str(d)


def _plain(x: Any) -> str:
    """Text of a string or an Atlassian document."""
    if x is None:
        return ""
    if isinstance(x, str):
        return x
    if isinstance(x, dict):
        return (x.get("text") or "") + " ".join(_plain(c) for c in x.get("content") or [])
    if isinstance(x, list):
        return " ".join(_plain(c) for c in x)
    return ""


def text_of(action: dict[str, Any]) -> str:
    """The literal text of a `post` or `reply` (empty: a persona writes it)."""
    (_, spec), = action.items()
    if isinstance(spec, str):
        return spec
    return str(spec.get("text") or "") if isinstance(spec, dict) else ""


def instruction_of(action: dict[str, Any]) -> str:
    """What a persona is asked to write (`reply: {say: "agree, but ask for a date"}`)."""
    (_, spec), = action.items()
    return str(spec.get("say") or "") if isinstance(spec, dict) else ""


# -- acting -----------------------------------------------------------------------------------------
def perform(world: World, life: Life, person: PersonSpec, action: dict[str, Any], trigger: Event | None,
            at: float, text: str | None = None) -> None:
    (name, spec), = action.items()
    spec = spec if isinstance(spec, dict) else {"text": spec} if name in ("post", "reply") else \
        {"name": spec} if name == "react" else {"text": spec} if name == "click" else \
        {"to": spec} if name == "okta_status" else {}
    if text is not None and name in ("post", "reply"):
        spec = dict(spec, text=text)
    handler = _HANDLERS[name]
    handler(world, life, person, spec, trigger, at)


def _act(world: World, life: Life, person: PersonSpec, twin: str, op: str, args: dict[str, Any],
         at: float) -> Any:
    me = life.id_in(world, person, twin)
    if not me:
        world.calls.append(Call(twin, op, args, 403, {"error": f"{person.email} is not in {twin}"}, at,
                                "no_such_person", person.email))
        return None
    reply = world.act(person.email, twin, op, args, me, at)
    return reply.body if reply.status < 400 else None


def _slack_channel(world: World, life: Life, person: PersonSpec, where: str, at: float) -> str:
    """A channel id from `#name`, a channel id, or a DM with `@handle` or an email."""
    if where.startswith("#"):
        return where
    if where.startswith("@") or "@" in where:
        handle = where.lstrip("@").lower()
        for u in world.ctx("slack").state.users.values():
            if u.name.lower() == handle or u.email.lower() == handle:
                body = _act(world, life, person, "slack", "conversations.open", {"users": u.id}, at)
                return str(body["channel"]["id"]) if body else ""
        return ""
    return where


def _post(world: World, life: Life, person: PersonSpec, spec: dict[str, Any], trigger: Event | None,
          at: float) -> None:
    channel = _slack_channel(world, life, person, str(spec.get("channel") or spec.get("to") or ""), at)
    args: dict[str, Any] = {"channel": channel, "text": str(spec.get("text") or "")}
    if spec.get("thread") and trigger is not None and trigger.twin == "slack":
        item = trigger.data.get("item") or {}
        args["thread_ts"] = trigger.data.get("thread_ts") or trigger.data.get("ts") or item.get("ts")
        if not args["channel"]:
            args["channel"] = trigger.data.get("channel") or item.get("channel") or ""
    _act(world, life, person, "slack", "chat.postMessage", args, at)


def _reply(world: World, life: Life, person: PersonSpec, spec: dict[str, Any], trigger: Event | None,
           at: float) -> None:
    if trigger is not None and trigger.twin == "slack" and trigger.type == "reaction_added":
        item = trigger.data.get("item") or {}  # a reply to a reaction goes in the reacted message's thread
        _act(world, life, person, "slack", "chat.postMessage",
             {"channel": item.get("channel"), "thread_ts": item.get("ts"), "text": str(spec.get("text") or "")}, at)
        return
    if trigger is None or trigger.twin != "slack" or trigger.type != "message":
        if trigger is not None and trigger.twin == "jira":
            return _comment(world, life, person, spec, trigger, at)
        return _post(world, life, person, spec, trigger, at)
    d = trigger.data
    args: dict[str, Any] = {"channel": d.get("channel"), "text": str(spec.get("text") or "")}
    if d.get("channel_type") not in ("im", "mpim") or d.get("thread_ts") or spec.get("thread"):
        args["thread_ts"] = d.get("thread_ts") or d.get("ts")
    _act(world, life, person, "slack", "chat.postMessage", args, at)


def _react(world: World, life: Life, person: PersonSpec, spec: dict[str, Any], trigger: Event | None,
           at: float) -> None:
    if trigger is None or trigger.twin != "slack" or trigger.type != "message":
        return
    _act(world, life, person, "slack", "reactions.add",
         {"channel": trigger.data.get("channel"), "timestamp": trigger.data.get("ts"),
          "name": str(spec.get("name") or "+1").strip(":")}, at)


def _click(world: World, life: Life, person: PersonSpec, spec: dict[str, Any], trigger: Event | None,
           at: float) -> None:
    """Click a button of the message that triggered the rule: a `block_actions` event (the
    agent's app receives it at its interactivity URL)."""
    if trigger is None or trigger.twin != "slack" or trigger.type != "message":
        return
    want = str(spec.get("text") or spec.get("action_id") or spec.get("value") or "")
    chosen = None
    for b in buttons(trigger.data):
        label = (b.get("text") or {}).get("text", "") if isinstance(b.get("text"), dict) else str(b.get("text", ""))
        if not want or want in (label, b.get("action_id"), b.get("value")):
            chosen = dict(b, label=label)
            break
    me = life.id_in(world, person, "slack")
    world.env.now = max(world.env.now, at)
    args = {"channel": trigger.data.get("channel"), "ts": trigger.data.get("ts"), "button": want}
    if chosen is None or not me:
        world.calls.append(Call("slack", "click", args, 404, {"ok": False, "error": "no_such_button"},
                                world.env.now, None, person.email))
        return
    action = {"action_id": chosen.get("action_id", ""), "block_id": chosen.get("block_id", ""),
              "text": chosen.get("text") if isinstance(chosen.get("text"), dict)
              else {"type": "plain_text", "text": chosen["label"]},
              "value": chosen.get("value", ""), "type": "button", "action_ts": f"{world.env.now:.6f}"}
    data = {"type": "block_actions", "user": me, "channel": trigger.data.get("channel"),
            "message": {k: v for k, v in trigger.data.items() if k not in ("channel", "event_ts", "channel_type")},
            "actions": [action]}
    world.calls.append(Call("slack", "click", args, 200, {"ok": True, "action": action}, world.env.now, None,
                            person.email))
    world.emit([Event("slack", "block_actions", world.env.now, me, data, to=(str(trigger.actor),))], person.email)


def _jira_issue(spec: dict[str, Any], trigger: Event | None) -> str:
    if spec.get("issue"):
        return str(spec["issue"])
    if trigger is not None and trigger.twin == "jira":
        return str((trigger.data.get("issue") or {}).get("key", ""))
    return ""


def _jira_create(world: World, life: Life, person: PersonSpec, spec: dict[str, Any], trigger: Event | None,
                 at: float) -> None:
    fields: dict[str, Any] = {"project": {"key": spec.get("project", "")}, "summary": spec.get("summary", ""),
                              "issuetype": {"name": spec.get("type", "Task")}}
    if spec.get("description"):
        fields["description"] = spec["description"]
    if spec.get("assignee"):
        who = _person(life, spec["assignee"])
        if who is not None:
            fields["assignee"] = {"accountId": life.id_in(world, who, "jira")}
    _act(world, life, person, "jira", "issue.create", {"fields": fields}, at)


def _jira_transition(world: World, life: Life, person: PersonSpec, spec: dict[str, Any], trigger: Event | None,
                     at: float) -> None:
    key = _jira_issue(spec, trigger)
    body = _act(world, life, person, "jira", "issue.transitions", {"issueIdOrKey": key}, at)
    target = str(spec.get("to", "")).lower()
    for t in (body or {}).get("transitions", []):
        if target in (str(t.get("name", "")).lower(), str((t.get("to") or {}).get("name", "")).lower()):
            _act(world, life, person, "jira", "issue.transition", {"issueIdOrKey": key, "transition": {"id": t["id"]}}, at)
            return


def _comment(world: World, life: Life, person: PersonSpec, spec: dict[str, Any], trigger: Event | None,
             at: float) -> None:
    _act(world, life, person, "jira", "comment.add",
         {"issueIdOrKey": _jira_issue(spec, trigger), "body": str(spec.get("text") or "")}, at)


def _jira_assign(world: World, life: Life, person: PersonSpec, spec: dict[str, Any], trigger: Event | None,
                 at: float) -> None:
    who = _person(life, spec.get("to"))
    account = life.id_in(world, who, "jira") if who is not None else str(spec.get("to", ""))
    _act(world, life, person, "jira", "issue.assign", {"issueIdOrKey": _jira_issue(spec, trigger),
                                                        "accountId": account}, at)


def _share(world: World, life: Life, person: PersonSpec, spec: dict[str, Any], trigger: Event | None,
           at: float) -> None:
    name = str(spec.get("file", "")).replace("'", "\\'")
    found = _act(world, life, person, "google", "drive.files.list", {"q": f"name = '{name}' and trashed = false"}, at)
    files = (found or {}).get("files") or []
    if not files:
        return
    _act(world, life, person, "google", "drive.permissions.create",
         {"fileId": files[0]["id"], "type": "user", "role": spec.get("role", "reader"),
          "emailAddress": spec.get("with", "")}, at)


def _okta_status(world: World, life: Life, person: PersonSpec, spec: dict[str, Any], trigger: Event | None,
                 at: float) -> None:
    op = _OKTA.get(str(spec.get("to", "")).lower())
    who = _person(life, spec.get("user"))
    if op is None or who is None:
        return
    _act(world, life, person, "okta", op, {"id": life.id_in(world, who, "okta")}, at)


def _person(life: Life, email: Any) -> PersonSpec | None:
    """One of the scenario's people, by email (any case)."""
    email = str(email or "").lower()
    return next((p for p in life.everyone if p.email.lower() == email), None)


_HANDLERS = {"post": _post, "reply": _reply, "react": _react, "click": _click, "jira_create": _jira_create,
             "jira_transition": _jira_transition, "jira_comment": _comment, "jira_assign": _jira_assign,
             "share": _share, "okta_status": _okta_status}
