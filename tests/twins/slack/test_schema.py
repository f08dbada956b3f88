"""Every Slack answer against Slack's published Web API spec (twins/slack/schema/, see its
PROVENANCE.md): the bundled library's calls plus a sweep of every registered method, success and
error cases alike, each validated against the spec's response schema for that method (`200` for
`ok: true`, `default` for errors).

The spec is Swagger 2.0 (JSON Schema draft 4) and is read as written, with the errata listed in
twins/slack/README.md ("Schema deviations") and in `ERRATA` below, each with its reason. Methods
Slack added after the spec (bookmarks.*, files.getUploadURLExternal, files.completeUploadExternal)
are checked against schemas written from their docs.slack.dev pages (`LATER_METHODS`)."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from dtu.twins.core import SeedImage, World, parse_time
from dtu.twins.registry import TWINS
from tests.schemas import Tally, check_library, check_sweep

from .data import BOB, CAROL, DANA, ERIN, GENERAL, OLD, PARENT_TS, PROJ, RANDOM, SECRET, SEED

SPEC = Path(__file__).resolve().parents[3] / "twins" / "slack" / "schema" / "slack_web_openapi_v2.json"
NOW = "2024-01-15T09:00:00Z"

# Not Web API methods: their answers are not checked.
NOT_IN_SPEC = {
    "files.uploadToURL",  # the upload_url files.getUploadURLExternal hands out: plain text "OK - <size>"
    "scim.users.delete",  # Slack's SCIM API, not a Web API method (tested in test_more_methods.py)
    "actions.respond",  # an interaction's response_url (tested in tests/runner/test_events_slack.py)
}

# Methods the 2020 spec does not have (Slack added them later): each success schema written from
# its method page (the URL beside it), in the spec's draft 4 and against its `definitions`.
_TS = {"type": "integer"}
_BOOKMARK: dict[str, Any] = {
    "type": "object", "additionalProperties": False,
    "required": ["id", "channel_id", "title", "link", "type", "date_created", "date_updated", "rank"],
    "properties": {
        "id": {"type": "string", "pattern": "^Bk"}, "channel_id": {"type": "string"},
        "title": {"type": "string"}, "link": {"type": "string"}, "emoji": {"type": ["string", "null"]},
        "icon_url": {"type": ["string", "null"]}, "type": {"type": "string"},
        "entity_id": {"type": ["string", "null"]}, "date_created": _TS, "date_updated": _TS,
        "rank": {"type": "string"}, "last_updated_by_user_id": {"type": "string"},
        "last_updated_by_team_id": {"type": "string"}, "shortcut_id": {"type": ["string", "null"]},
        "app_id": {"type": ["string", "null"]}}}


def _ok(**props: Any) -> dict[str, Any]:
    """A success envelope: `ok: true`, exactly `props` (all required) and the fields every answer may carry."""
    return {"type": "object", "additionalProperties": False, "required": ["ok", *props],
            "properties": {"ok": {"enum": [True]}, "warning": {"type": "string"},
                           "response_metadata": {"type": "object"}, **props}}


LATER_METHODS: dict[str, dict[str, Any]] = {
    # https://docs.slack.dev/reference/methods/bookmarks.add (Response: {"ok": true, "bookmark": {...}})
    "bookmarks.add": _ok(bookmark=_BOOKMARK),
    # https://docs.slack.dev/reference/methods/bookmarks.edit (the edited bookmark, same shape)
    "bookmarks.edit": _ok(bookmark=_BOOKMARK),
    # https://docs.slack.dev/reference/methods/bookmarks.list ({"ok": true, "bookmarks": [...]})
    "bookmarks.list": _ok(bookmarks={"type": "array", "items": _BOOKMARK}),
    # https://docs.slack.dev/reference/methods/bookmarks.remove ({"ok": true})
    "bookmarks.remove": _ok(),
    # https://docs.slack.dev/reference/methods/files.getUploadURLExternal
    # ({"ok": true, "upload_url": "https://files.slack.com/upload/v1/...", "file_id": "F..."})
    # (in process, with no server, the twin's base URL is empty: the URL is the path `dtu serve`
    # prefixes with its own origin, so a bare path is accepted too)
    "files.getUploadURLExternal": _ok(upload_url={"type": "string", "pattern": "^(https?://|/upload/)"},
                                      file_id={"type": "string", "pattern": "^F"}),
    # https://docs.slack.dev/reference/methods/files.completeUploadExternal
    # ({"ok": true, "files": [{"id": "F...", "title": "..."}]}; the twin answers whole file objects)
    "files.completeUploadExternal": _ok(files={"type": "array", "minItems": 1, "items": {
        "allOf": [{"type": "object", "required": ["id"], "properties": {"id": {"type": "string"},
                                                                        "title": {"type": "string"}}},
                  {"$ref": "#/definitions/objs_file"}]}}),
}
# An error of those methods: Slack's error envelope (https://docs.slack.dev/apis/web-api/#errors),
# its code one of the method page's "Errors" or the common ones.
LATER_ERROR: dict[str, Any] = {
    "type": "object", "additionalProperties": False, "required": ["ok", "error"],
    "properties": {"ok": {"enum": [False]}, "error": {"type": "string", "minLength": 1},
                   "warning": {"type": "string"}, "needed": {"type": "string"}, "provided": {"type": "string"},
                   "response_metadata": {"type": "object"}}}

# Errors Slack documents for every Web API method ("Errors" common to all methods at
# https://api.slack.com/web#errors and each method page) that the spec's per-method enums omit.
COMMON_ERRORS = ["missing_scope", "ratelimited", "internal_error", "fatal_error", "service_unavailable",
                 "invalid_arguments", "not_authed", "invalid_auth", "account_inactive",
                 "unknown_method", "request_too_large", "invalid_form_data"]

# E1: errors a method's own page documents (https://docs.slack.dev/reference/methods/<method>,
# "Errors") that the spec's enum for it lacks.
_UG_NAMES = ["name_already_exists", "handle_already_exists", "bad_handle", "forbidden_handle",
             "invalid_channel_provided"]  # all five on the usergroups.create page
METHOD_ERRORS: dict[str, list[str]] = {
    "pins.remove": ["no_pin"],  # docs.slack.dev/reference/methods/pins.remove: its typical error
    "pins.add": ["not_in_channel"],  # docs.slack.dev/reference/methods/pins.add
    # the cursor-paging error (api.slack.com/docs/pagination), and invalid_types, which the spec
    # lists for users.conversations and Slack answers alike for conversations.list
    "conversations.list": ["invalid_cursor", "invalid_types"],
    "usergroups.create": _UG_NAMES,
    # usergroups.update applies create's name, handle and channel rules (its page lists no codes
    # for them, so create's are used)
    "usergroups.update": [*_UG_NAMES, "no_such_subteam"],
    # no_such_subteam ("No usergroup found with the given ID") is on usergroups.users.list's page;
    # the other usergroups pages list no code for an unknown id, so the twin answers the same one
    **{f"usergroups.{m}": ["no_such_subteam"] for m in ("disable", "enable", "users.list")},
    # invalid_users, no_users_provided: on usergroups.users.update's page
    "usergroups.users.update": ["no_such_subteam", "invalid_users", "no_users_provided"],
    "chat.postMessage": ["invalid_blocks_format"],  # docs.slack.dev/reference/methods/chat.postMessage
    # "You attempted to set a custom status but it was longer than the maximum allowed, 100."
    "users.profile.set": ["too_long"],
    # "The `team` was not found.", "Cannot query team by domain because team is not on an enterprise."
    "team.info": ["team_not_found", "team_not_on_enterprise"],
}


def _items_to_any_of(node: Any) -> Any:
    """The spec writes "one of these" as a list under `items`: on a non-array schema (objs_user,
    tz), where draft 4 would ignore it, and on arrays (pins.list items), where draft 4 would read
    a tuple. Read it as `anyOf`, as its authors meant (the item's schema, for an array)."""
    if isinstance(node, dict):
        out = {k: _items_to_any_of(v) for k, v in node.items()}
        if isinstance(out.get("items"), list):
            if out.get("type") == "array":
                out["items"] = {"anyOf": out["items"]}
            else:
                out["anyOf"] = out.pop("items")
        return out
    if isinstance(node, list):
        return [_items_to_any_of(v) for v in node]
    return node


def _errata(spec: dict[str, Any]) -> None:
    """The spec's own mistakes, corrected (each is listed in twins/slack/README.md, "Schema
    deviations", with its reason)."""
    defs = spec["definitions"]
    # E3: Slack puts thread state (`is_locked`) and edits (`edited`) on messages; the spec's
    # message object, closed with additionalProperties: false, has neither.
    defs["objs_message"]["properties"].update(
        is_locked={"type": "boolean"}, edited={"type": "object"})
    # E4: files.* shares are channel id -> [share]; the spec closes shares.public/.private empty
    shares = defs["objs_file"]["properties"]["shares"]["properties"]
    for kind in ("public", "private"):
        shares[kind] = {"type": "object", "additionalProperties": {"type": "array"}}
    # E5: fields Slack added after 2020: a file's alt_txt, a user's is_email_confirmed
    defs["objs_file"]["properties"]["alt_txt"] = {"type": "string"}
    for variant in defs["objs_user"]["anyOf"]:
        variant["properties"]["is_email_confirmed"] = {"type": "boolean"}
    for path, item in spec["paths"].items():
        for op in item.values():
            responses = op.get("responses", {})
            ok = responses.get("200", {}).get("schema")
            # E2: cursor paging adds response_metadata.next_cursor (and Slack may add `warning`)
            # to every answer; several success schemas are closed without it
            for variant in [ok, *(ok or {}).get("anyOf", [])]:
                if variant and variant.get("additionalProperties") is False:
                    variant.setdefault("properties", {}).setdefault("response_metadata", {"type": "object"})
                    variant["properties"].setdefault("warning", {"type": "string"})
            err = responses.get("default", {}).get("schema")
            if not err:
                continue
            # E1: the errors every method can answer, and their extra fields (missing_scope:
            # needed/provided; invalid_arguments: response_metadata.messages)
            props = err.setdefault("properties", {})
            enum = props.get("error", {}).get("enum")
            if enum is not None:
                enum.extend(e for e in COMMON_ERRORS + METHOD_ERRORS.get(path[1:], []) if e not in enum)
            for name, schema in (("needed", {"type": "string"}), ("provided", {"type": "string"}),
                                 ("warning", {"type": "string"}), ("response_metadata", {"type": "object"}),
                                 ("errors", {"type": "array"})):
                props.setdefault(name, schema)
    # E6: conversations.replies: the parent and the replies are whole messages (reactions,
    # files, blocks, edits, broadcasts), which the spec's two closed variants leave out
    replies = spec["paths"]["/conversations.replies"]["get"]["responses"]["200"]["schema"]
    replies["properties"]["messages"]["items"]["anyOf"].append({"$ref": "#/definitions/objs_message"})


@cache
def _spec() -> dict[str, Any]:
    spec = _items_to_any_of(json.loads(SPEC.read_text()))
    _errata(spec)
    return spec


@cache
def _validator(op: str, ok: bool) -> jsonschema.Draft4Validator | None:
    spec = _spec()
    if op in LATER_METHODS:
        later = LATER_METHODS[op] if ok else LATER_ERROR
        return jsonschema.Draft4Validator(dict(copy.deepcopy(later), definitions=spec["definitions"]))
    item = spec["paths"].get(f"/{op}")
    if item is None:
        return None
    method = item.get("post") or item.get("get")
    schema = method["responses"]["200" if ok else "default"]["schema"]
    full = dict(copy.deepcopy(schema), definitions=spec["definitions"])
    return jsonschema.Draft4Validator(full)


def problems(op: str, body: Any) -> list[str] | None:
    """Why `body` does not match the spec for `op` (empty: it does); None when the spec has no
    such method."""
    if op in NOT_IN_SPEC:
        return None
    ok = isinstance(body, dict) and body.get("ok") is True
    v = _validator(op, ok)
    if v is None:
        return [f"{op} is not in the spec"]
    return [f"{'/'.join(map(str, e.absolute_path)) or '.'}: {e.message[:200]}"
            for e in sorted(v.iter_errors(body), key=lambda e: list(map(str, e.absolute_path)))]


# -- the sweep ------------------------------------------------------------------------------------

SWEEP_SEED: dict[str, Any] = copy.deepcopy(SEED)
SWEEP_SEED["slack"]["files"] = [{"name": "notes.md", "title": "Notes", "user": "dana", "content": "# notes",
                                 "channels": ["general"]}]


def script() -> list[tuple[str, dict[str, Any], str | None]]:
    """(method, args, acting user) for every method: successes first, then errors."""
    calls: list[tuple[str, dict[str, Any], str | None]] = []

    def do(op: str, actor: str | None = None, **args: Any) -> None:
        calls.append((op, args, actor))

    do("auth.test")
    do("auth.test", actor=BOB)
    do("users.list", limit=2)
    do("users.list")
    do("users.info", user=BOB)
    do("users.info", user=ERIN)
    do("users.info", user="U0BOT00001")
    do("users.lookupByEmail", email="bob@acme.test")
    do("users.conversations", user=BOB)
    do("users.conversations")
    do("chat.postMessage", channel=GENERAL, text="hello schema")
    do("chat.postMessage", channel=GENERAL, text="in thread", thread_ts=PARENT_TS)
    do("chat.postMessage", channel=GENERAL, text="broadcast", thread_ts=PARENT_TS, reply_broadcast=True)
    do("chat.postMessage", channel=GENERAL, text="blocks",
       blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}])
    do("chat.postMessage", channel=BOB, text="a dm")
    do("chat.postMessage", channel=GENERAL, text="from the bot", actor="U0BOT00001")
    do("conversations.history", channel=GENERAL)
    do("conversations.history", channel=GENERAL, limit=1)
    do("conversations.history", channel=SECRET)
    do("conversations.replies", channel=GENERAL, ts=PARENT_TS)
    do("conversations.info", channel=GENERAL)
    do("conversations.info", channel=SECRET)
    do("conversations.list")
    do("conversations.list", types="public_channel,private_channel,im,mpim", limit=2)
    do("conversations.members", channel=GENERAL)
    do("conversations.members", channel=GENERAL, limit=1)
    do("reactions.add", channel=GENERAL, timestamp=PARENT_TS, name="eyes")
    do("reactions.get", channel=GENERAL, timestamp=PARENT_TS)
    do("reactions.remove", channel=GENERAL, timestamp=PARENT_TS, name="eyes")
    do("pins.add", channel=GENERAL, timestamp=PARENT_TS)
    do("pins.list", channel=GENERAL)
    do("pins.remove", channel=GENERAL, timestamp=PARENT_TS)
    do("pins.list", channel=PROJ)
    do("chat.getPermalink", channel=GENERAL, message_ts=PARENT_TS)
    do("chat.postEphemeral", channel=GENERAL, user=BOB, text="psst")
    do("conversations.create", name="schema-room")
    do("conversations.create", name="schema-secret", is_private=True)
    do("conversations.join", channel=RANDOM)
    do("conversations.join", channel=RANDOM)
    do("conversations.invite", channel=RANDOM, users=DANA, actor=BOB)
    do("conversations.invite", channel=PROJ, users=CAROL)
    do("conversations.kick", channel=PROJ, user=CAROL)
    do("conversations.setTopic", channel=PROJ, topic="the topic")
    do("conversations.setPurpose", channel=PROJ, purpose="the purpose")
    do("conversations.rename", channel=PROJ, name="project-y")
    do("conversations.leave", channel=RANDOM)
    do("conversations.leave", channel=RANDOM)
    do("conversations.archive", channel=PROJ)
    do("conversations.unarchive", channel=PROJ)
    do("conversations.open", users=BOB)
    do("conversations.open", users=CAROL, return_im=True)
    do("conversations.open", users=f"{BOB},{CAROL}")
    do("files.getUploadURLExternal", filename="notes.txt", length=5)
    do("search.messages", query="deploy")
    do("search.messages", query="hello", count=1)
    do("search.messages", query="nothing-matches-this")
    # errors
    do("auth.test", actor="U0NOBODY00")
    do("auth.test", actor=ERIN)
    do("users.info", user="U0NOPE0000")
    do("users.info")
    do("users.lookupByEmail", email="nobody@acme.test")
    do("users.list", cursor="zzz")
    do("users.conversations", user="U0NOPE0000")
    do("chat.postMessage", channel="C0NOPE", text="x")
    do("chat.postMessage", channel=GENERAL)
    do("chat.postMessage", channel=OLD, text="x")
    do("chat.postMessage", channel=RANDOM, text="x", actor=DANA)
    do("chat.postMessage", channel=GENERAL, text="x" * 40_001)
    do("chat.postMessage", channel=GENERAL, text="x", blocks="{not json")
    do("chat.postMessage", text="no channel")
    do("chat.update", channel=GENERAL, ts=PARENT_TS, text="mine now")
    do("chat.update", channel=GENERAL, ts="1.000000", text="x")
    do("chat.delete", channel=GENERAL, ts=PARENT_TS, actor=CAROL)
    do("chat.delete", channel=GENERAL, ts="1.000000")
    do("chat.postEphemeral", channel=GENERAL, user="U0ERIN0001", text="x")
    do("chat.getPermalink", channel=GENERAL, message_ts="1.000000")
    do("conversations.history", channel="C0NOPE")
    do("conversations.history", channel=GENERAL, oldest="abc")
    do("conversations.replies", channel=GENERAL, ts="1.000000")
    do("conversations.info", channel="C0NOPE")
    do("conversations.list", cursor="zzz")
    do("conversations.list", types="nonsense")
    do("conversations.members", channel="C0NOPE")
    do("conversations.create", name="general")
    do("conversations.create", name="Bad Name")
    do("conversations.create", name="x" * 81)
    do("conversations.create", name="")
    do("conversations.invite", channel=GENERAL, users=BOB)
    do("conversations.invite", channel=GENERAL, users="U0NOPE0000")
    do("conversations.invite", channel=GENERAL, users=DANA)
    do("conversations.kick", channel=GENERAL, user=DANA)
    do("conversations.kick", channel=GENERAL, user=BOB)
    do("conversations.join", channel=SECRET, actor=BOB)
    do("conversations.leave", channel=GENERAL)
    do("conversations.archive", channel=GENERAL)
    do("conversations.archive", channel=OLD)
    do("conversations.unarchive", channel=GENERAL)
    do("conversations.rename", channel=GENERAL, name="random")
    do("conversations.setTopic", channel=GENERAL, topic="x" * 251)
    do("conversations.setPurpose", channel=OLD, purpose="x")
    do("conversations.open", users="U0NOPE0000")
    do("conversations.open")
    do("reactions.add", channel=GENERAL, timestamp=PARENT_TS, name="tada", actor=CAROL)
    do("reactions.add", channel=GENERAL, timestamp=PARENT_TS, name="bad name!")
    do("reactions.add", channel=GENERAL, name="x")
    do("reactions.remove", channel=GENERAL, timestamp=PARENT_TS, name="nope")
    do("reactions.get", channel=GENERAL, timestamp="1.000000")
    do("pins.add", channel=GENERAL)
    do("pins.add", channel=RANDOM, timestamp=PARENT_TS)
    do("pins.remove", channel=GENERAL, timestamp=PARENT_TS)
    do("pins.list", channel="C0NOPE")
    do("search.messages", query="")
    do("files.getUploadURLExternal", filename="x.txt", length=0)
    do("files.completeUploadExternal", files=[{"id": "F0NOPE0000"}])
    do("chat.postMessage", channel=GENERAL, text="x", actor="U0NOBODY00")
    return calls


async def sweep() -> list[tuple[str, Any]]:
    image = SeedImage(TWINS, SWEEP_SEED, 1, parse_time(NOW, 0.0))
    world = World(image, 2, "local")
    out = []
    for op, args, actor in script():
        out.append((op, await world.call("slack", op, args, actor=actor)))
    # a second world for methods whose success needs earlier answers
    world = World(image, 3, "local")
    up = await world.call("slack", "files.getUploadURLExternal", {"filename": "a.txt", "length": 3})
    done = await world.call("slack", "files.completeUploadExternal",
                            {"files": [{"id": up["file_id"], "title": "A"}], "channel_id": GENERAL})
    out.append(("files.completeUploadExternal", done))
    out.append(("conversations.history", await world.call("slack", "conversations.history", {"channel": GENERAL})))
    posted = await world.call("slack", "chat.postMessage", {"channel": GENERAL, "text": "to edit"})
    for op, args in (("chat.update", {"channel": GENERAL, "ts": posted["ts"], "text": "edited"}),
                     ("conversations.history", {"channel": GENERAL, "limit": 1}),
                     ("chat.delete", {"channel": GENERAL, "ts": posted["ts"]})):
        out.append((op, await world.call("slack", op, args)))
    out += await sweep_new(World(image, 4, "local"))
    # an app's install (agents/service.py): the code's capability carries the bot and the app
    bot = next(u for u, user in world.ctx("slack").state.users.items() if not user.deleted)
    out.append(("oauth.v2.access", await world.call("slack", "oauth.v2.access",
                                                    {"code": "x", "_bot": bot, "_app": "A0DTUAPP01"})))
    out.append(("oauth.v2.access", await world.call("slack", "oauth.v2.access", {"code": "x"})))
    return out


async def sweep_new(world: World) -> list[tuple[str, Any]]:
    """The methods added for issue 16, successes then errors, each call built from earlier answers."""
    out: list[tuple[str, Any]] = []

    async def do(op: str, actor: str | None = None, **args: Any) -> Any:
        body = await world.call("slack", op, args, actor=actor)
        out.append((op, body))
        return body

    fid = next(iter(world.view(("slack",))["slack"]["files"]))
    await do("files.info", file=fid)
    await do("files.list")
    await do("files.list", channel=GENERAL, types="snippets", count=1)
    await do("users.profile.get")
    await do("users.profile.get", user=BOB)
    await do("users.profile.set", profile={"status_text": "In a meeting", "status_emoji": ":calendar:"})
    await do("users.profile.set", name="title", value="SRE")
    await do("users.getPresence")
    await do("users.getPresence", user=BOB)
    await do("users.setPresence", presence="away")
    await do("dnd.info")
    await do("dnd.info", user=BOB)
    await do("team.info")
    await do("emoji.list")
    g = await do("usergroups.create", name="Oncall", handle="oncall", description="who is on call")
    gid = g["usergroup"]["id"]
    await do("usergroups.users.update", usergroup=gid, users=f"{BOB},{CAROL}")
    await do("usergroups.users.list", usergroup=gid)
    await do("usergroups.update", usergroup=gid, description="pager", channels=GENERAL)
    await do("usergroups.list", include_users=True)
    await do("usergroups.disable", usergroup=gid)
    await do("usergroups.enable", usergroup=gid)
    b = await do("bookmarks.add", channel_id=GENERAL, title="Runbook", type="link", link="https://acme.test/runbook")
    await do("bookmarks.list", channel_id=GENERAL)
    await do("bookmarks.edit", channel_id=GENERAL, bookmark_id=b["bookmark"]["id"], title="The runbook")
    await do("bookmarks.remove", channel_id=GENERAL, bookmark_id=b["bookmark"]["id"])
    r = await do("reminders.add", text="water the plants", time="in 15 minutes")
    await do("reminders.add", text="review", time=3600, user=BOB)
    await do("reminders.list")
    await do("reminders.info", reminder=r["reminder"]["id"])
    await do("reminders.complete", reminder=r["reminder"]["id"])
    await do("reminders.delete", reminder=r["reminder"]["id"])
    now = int(world.env.now)
    q = await do("chat.scheduleMessage", channel=GENERAL, text="later", post_at=now + 3600)
    await do("chat.scheduledMessages.list")
    await do("chat.scheduledMessages.list", channel=GENERAL, limit=1)
    await do("chat.deleteScheduledMessage", channel=GENERAL, scheduled_message_id=q["scheduled_message_id"])
    await do("chat.meMessage", channel=GENERAL, text="waves")
    await do("conversations.mark", channel=GENERAL, ts=PARENT_TS)
    await do("reactions.list", user=CAROL)
    await do("reactions.list", limit=1)
    # errors
    await do("files.info", file="F0NOPE0000")
    await do("files.list", user="U0NOPE0000")
    await do("files.delete", file=fid, actor=BOB)
    await do("files.delete", file="F0NOPE0000")
    await do("users.profile.get", user="U0NOPE0000")
    await do("users.profile.set", profile={"status_text": "x" * 101})
    await do("users.profile.set")
    await do("users.getPresence", user="U0NOPE0000")
    await do("users.setPresence", presence="busy")
    await do("dnd.info", user="U0NOPE0000")
    await do("team.info", actor=ERIN)
    await do("emoji.list", actor="U0NOBODY00")
    await do("usergroups.create", name="Oncall")
    await do("usergroups.create", name="Pager", handle="Bad Handle!")
    await do("usergroups.create", name="Pager", handle="here")
    await do("usergroups.create", name="Pager", channels="C0NOPE")
    await do("team.info", team="T0NOPE0000")
    await do("files.list", types="bogus")
    await do("usergroups.list", actor=ERIN)
    await do("usergroups.update", usergroup="S0NOPE0000", name="x")
    await do("usergroups.users.list", usergroup="S0NOPE0000")
    await do("usergroups.users.update", usergroup=gid, users="U0NOPE0000")
    await do("usergroups.enable", usergroup="S0NOPE0000")
    await do("usergroups.disable", usergroup="S0NOPE0000")
    await do("bookmarks.add", channel_id=GENERAL, title="x", type="link", link="ftp://nope")
    await do("bookmarks.list", channel_id=SECRET, actor=BOB)
    await do("bookmarks.edit", channel_id=GENERAL, bookmark_id="Bk0NOPE", title="x")
    await do("bookmarks.remove", channel_id=RANDOM, bookmark_id="Bk0NOPE")
    await do("reminders.add", text="x", time="whenever")
    await do("reminders.list", actor="U0NOBODY00")
    await do("reminders.info", reminder="Rm0NOPE")
    await do("reminders.complete", reminder="Rm0NOPE")
    await do("reminders.delete", reminder="Rm0NOPE")
    await do("chat.scheduleMessage", channel=GENERAL, text="x", post_at=now - 60)
    await do("chat.scheduledMessages.list", channel="C0NOPE")
    await do("chat.deleteScheduledMessage", channel=GENERAL, scheduled_message_id="Q0NOPE0000")
    await do("chat.meMessage", channel=OLD, text="x")
    await do("conversations.mark", channel=RANDOM, ts=PARENT_TS)
    await do("reactions.list", user="U0NOPE0000")
    await do("files.delete", file=fid)
    return out


@pytest.fixture(scope="module")
def tally() -> Tally:
    return Tally("slack")


def check(op: str, status: int, body: Any) -> list[str] | None:
    return problems(op, body)  # a Slack answer says itself whether it failed (`ok`), whatever its status


def test_library_answers_match_the_spec(tally: Tally) -> None:
    check_library(tally, check)


async def test_every_method_answers_match_the_spec(tally: Tally) -> None:
    methods = (o.name for o in TWINS["slack"].ops
               if o.name not in ("files.uploadToURL", "scim.users.delete", "actions.respond"))
    check_sweep(tally, [(op, 200, body) for op, body in await sweep()], check, methods,
                ok=lambda body: bool(body.get("ok")))


@pytest.mark.parametrize(("op", "body"), [
    ("bookmarks.list", {"ok": True, "bookmarks": 42}),
    ("bookmarks.add", {"ok": True, "bookmark": {"id": "Bk1", "title": "x"}}),
    ("bookmarks.edit", {"ok": True}),
    ("bookmarks.remove", {"ok": True, "bookmark": {}}),
    ("files.getUploadURLExternal", {"ok": True, "upload_url": 5, "file_id": "F1"}),
    ("files.completeUploadExternal", {"ok": True, "files": [{"title": "no id"}]}),
    ("bookmarks.list", {"ok": False}),
])
def test_later_methods_refuse_wrong_answers(op: str, body: dict[str, Any]) -> None:
    """The schemas written for methods newer than the spec do refuse a wrong answer."""
    assert problems(op, body)
