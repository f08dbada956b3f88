"""The methods added for issue 16, through slack_sdk's WebClient (and SCIMClient) against `dtu serve`."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.scim import SCIMClient

from .data import BOB, CAROL, ERIN, GENERAL, OLD, PARENT_TS, RANDOM, SEED, error_of

pytestmark = pytest.mark.sdk("python", "slack_sdk")


def state(server: Any, world: dict[str, Any]) -> Any:
    return server.state(world["id"])["slack"]


def test_files_info_list_delete(client: WebClient, server: Any, world: dict[str, Any]) -> None:
    up = client.files_upload_v2(channel=GENERAL, content="hello", filename="hi.txt", title="Hi")
    fid = up["file"]["id"]
    info = client.files_info(file=fid)["file"]
    assert (info["name"], info["title"], info["size"], info["channels"]) == ("hi.txt", "Hi", 5, [GENERAL])
    listed = client.files_list(channel=GENERAL)
    assert [f["id"] for f in listed["files"]] == [fid] and listed["paging"]["total"] == 1
    assert client.files_list(user=BOB)["files"] == []
    assert error_of(client.files_info, file="F0NOPE0000") == "file_not_found"
    client.files_delete(file=fid)
    assert fid not in state(server, world)["files"]
    assert error_of(client.files_delete, file=fid) == "file_not_found"


def test_upload_url_takes_a_multipart_form(client: WebClient, server: Any, world: dict[str, Any]) -> None:
    up = client.files_getUploadURLExternal(filename="notes.txt", length=11)
    r = httpx.post(up["upload_url"], files={"file": ("notes.txt", b"hello world", "text/plain")})
    assert r.status_code == 200 and r.text == "OK - 11"
    client.files_completeUploadExternal(files=[{"id": up["file_id"], "title": "Notes"}], channel_id=GENERAL)
    f = state(server, world)["files"][up["file_id"]]
    assert f["size"] == 11 and f["mimetype"] == "text/plain"


def test_profile_presence_dnd_team_emoji(client: WebClient, client_as: Callable[[str], WebClient],
                                         server: Any, world: dict[str, Any]) -> None:
    p = client.users_profile_get()["profile"]
    assert p["real_name"] == "Dana Scully" and p["email"] == "dana@acme.test"
    client.users_profile_set(profile={"status_text": "In a meeting", "status_emoji": ":calendar:"})
    me = client.users_profile_get()["profile"]
    assert (me["status_text"], me["status_emoji"]) == ("In a meeting", ":calendar:")
    assert state(server, world)["users"]["U0DANA0001"]["status_text"] == "In a meeting"
    assert error_of(client.users_profile_set, profile={"status_text": "x" * 101}) == "too_long"
    assert error_of(client_as(BOB).users_profile_set, user=CAROL, profile={"title": "x"}) == "not_admin"
    assert client.users_getPresence(user=BOB)["presence"] == "active"
    client.users_setPresence(presence="away")
    assert client.users_getPresence(user="U0DANA0001")["presence"] == "away"
    dnd = client.dnd_info()  # the default schedule is on; nothing snoozed
    assert dnd["dnd_enabled"] is True and dnd["snooze_enabled"] is False
    team = client.team_info()["team"]
    assert (team["id"], team["domain"], team["email_domain"]) == ("T0DTUTEAM1", "acme", "acme.test")
    assert client.emoji_list()["emoji"] == {}


def test_usergroups(client: WebClient, server: Any, world: dict[str, Any]) -> None:
    g = client.usergroups_create(name="Oncall", handle="oncall")["usergroup"]
    gid = g["id"]
    assert gid.startswith("S") and g["handle"] == "oncall"
    assert error_of(client.usergroups_create, name="Oncall") == "name_already_exists"
    client.usergroups_users_update(usergroup=gid, users=[BOB, CAROL])
    assert client.usergroups_users_list(usergroup=gid)["users"] == [BOB, CAROL]
    assert error_of(client.usergroups_users_update, usergroup=gid, users=[ERIN]) == "invalid_users"
    client.usergroups_update(usergroup=gid, description="pager duty", channels=GENERAL)
    client.usergroups_disable(usergroup=gid)
    assert client.usergroups_list()["usergroups"] == []
    assert [x["id"] for x in client.usergroups_list(include_disabled=True)["usergroups"]] == [gid]
    client.usergroups_enable(usergroup=gid)
    st = state(server, world)["usergroups"][gid]
    assert (st["users"], st["channels"], st["description"], st["date_delete"]) == ([BOB, CAROL], [GENERAL], "pager duty", 0)
    assert error_of(client.usergroups_users_list, usergroup="S0NOPE0000") == "no_such_subteam"


def test_bookmarks(client: WebClient, server: Any, world: dict[str, Any]) -> None:
    b = client.bookmarks_add(channel_id=GENERAL, title="Runbook", type="link", link="https://acme.test/rb")["bookmark"]
    client.bookmarks_edit(channel_id=GENERAL, bookmark_id=b["id"], title="The runbook")
    assert [x["title"] for x in client.bookmarks_list(channel_id=GENERAL)["bookmarks"]] == ["The runbook"]
    assert state(server, world)["channels"][GENERAL]["bookmarks"][0]["link"] == "https://acme.test/rb"
    assert error_of(client.bookmarks_add, channel_id=RANDOM, title="x", type="link", link="https://x.test") == "not_in_channel"
    client.bookmarks_remove(channel_id=GENERAL, bookmark_id=b["id"])
    assert client.bookmarks_list(channel_id=GENERAL)["bookmarks"] == []
    assert error_of(client.bookmarks_remove, channel_id=GENERAL, bookmark_id=b["id"]) == "not_found"


def test_reminders(client: WebClient, server: Any, world: dict[str, Any]) -> None:
    r = client.reminders_add(text="water the plants", time="in 15 minutes")["reminder"]
    assert r["id"].startswith("Rm") and r["user"] == "U0DANA0001"
    assert [x["id"] for x in client.reminders_list()["reminders"]] == [r["id"]]
    assert client.reminders_info(reminder=r["id"])["reminder"]["text"] == "water the plants"
    client.reminders_complete(reminder=r["id"])
    assert state(server, world)["reminders"][r["id"]]["complete_ts"] > 0
    assert error_of(client.reminders_add, text="x", time="whenever") == "cannot_parse"
    client.reminders_delete(reminder=r["id"])
    assert error_of(client.reminders_info, reminder=r["id"]) == "not_found"


def test_scheduled_and_me_messages(client: WebClient, server: Any, world: dict[str, Any]) -> None:
    now = int(float(client.chat_postMessage(channel=GENERAL, text="now")["ts"]))
    q = client.chat_scheduleMessage(channel=GENERAL, text="later", post_at=now + 3600)
    assert q["scheduled_message_id"].startswith("Q")
    listed = client.chat_scheduledMessages_list(channel=GENERAL)["scheduled_messages"]
    assert [m["id"] for m in listed] == [q["scheduled_message_id"]]
    q2 = client.chat_scheduleMessage(channel=GENERAL, text="cancel me", post_at=now + 7200)
    client.chat_deleteScheduledMessage(channel=GENERAL, scheduled_message_id=q2["scheduled_message_id"])
    assert list(state(server, world)["scheduled"]) == [q["scheduled_message_id"]]
    assert error_of(client.chat_scheduleMessage, channel=GENERAL, text="x", post_at=now - 60) == "time_in_past"
    me = client.chat_meMessage(channel=GENERAL, text="waves")
    msgs = state(server, world)["channels"][GENERAL]["messages"]
    assert [m["subtype"] for m in msgs if m["ts"] == me["ts"]] == ["me_message"]
    assert error_of(client.chat_meMessage, channel=OLD, text="x") == "is_archived"


def test_mark_and_reactions_list(client: WebClient, server: Any, world: dict[str, Any]) -> None:
    client.conversations_mark(channel=GENERAL, ts=PARENT_TS)
    assert state(server, world)["channels"][GENERAL]["last_read"] == {"U0DANA0001": PARENT_TS}
    assert error_of(client.conversations_mark, channel=RANDOM, ts=PARENT_TS) == "not_in_channel"
    items = client.reactions_list(user=CAROL)["items"]
    assert [(i["channel"], i["message"]["ts"]) for i in items] == [(GENERAL, PARENT_TS)]
    assert error_of(client.reactions_list, user="U0NOPE0000") == "user_not_found"


def test_scim_deactivates_a_user(client: WebClient, client_as: Callable[[str], WebClient],
                                 server: Any, world: dict[str, Any]) -> None:
    base = world["env"]["SLACK_API_URL"].removesuffix("/api/")
    scim = SCIMClient(token=world["token"], base_url=f"{base}/scim/v1/")
    assert scim.delete_user(BOB).status_code == 204
    assert client.users_info(user=BOB)["user"]["deleted"] is True
    assert state(server, world)["users"][BOB]["deleted"] is True
    missing = scim.delete_user("U0NOPE0000")
    assert missing.status_code == 404
    assert missing.errors is not None and missing.errors.to_dict() == {"code": 404, "description": "no_such_user"}
    bob_tok = server.admin("POST", f"/_dtu/worlds/{world['id']}/tokens", {"actors": {"slack": CAROL}})["token"]
    carol = SCIMClient(token=bob_tok, base_url=f"{base}/scim/v1/")
    refused = carol.delete_user("U0DANA0001")
    assert refused.status_code == 403
    assert refused.errors is not None and refused.errors.description == "permission_denied"


def test_documented_error_codes(client: WebClient) -> None:
    """Codes as the method pages (docs.slack.dev/reference/methods/<method>) name them."""
    me = client.team_info()["team"]["id"]
    assert client.team_info(team=me)["team"]["id"] == me
    assert error_of(client.team_info, team="T0NOPE0000") == "team_not_found"
    assert error_of(client.team_info, domain="elsewhere") == "team_not_on_enterprise"
    assert error_of(client.usergroups_create, name="Pager", handle="Bad Handle!") == "bad_handle"
    assert error_of(client.usergroups_create, name="Pager", handle="everyone") == "forbidden_handle"
    assert error_of(client.usergroups_create, name="Pager", channels="C0NOPE") == "invalid_channel_provided"
    assert error_of(client.files_list, types="movies") == "unknown_type"
    assert client.files_list(types="spaces,gdocs")["files"] == []
    assert error_of(client.reminders_add, text=" ", time="in 5 minutes") == "missing_argument"


def test_dnd_info_follows_the_schedule_and_the_clock(make_world: Callable[..., dict[str, Any]]) -> None:
    """dnd_enabled is the user's DND schedule; next_dnd_start_ts/end_ts its current or next window
    in their time zone (America/Los_Angeles here, 22:00-08:00 by default); snooze is apart."""
    seed = copy.deepcopy(SEED)
    seed["slack"]["users"][1] |= {"dnd_enabled": False}  # bob
    seed["slack"]["users"].append({"name": "lena", "tz": "Europe/London", "dnd_start": "09:00", "dnd_end": "17:30"})
    night = make_world(seed, now="2024-01-15T12:00:00Z")  # 04:00 in Los Angeles: inside last night's window
    client = WebClient(token=night["token"], base_url=night["env"]["SLACK_API_URL"])
    me = client.dnd_info()
    assert (me["dnd_enabled"], me["next_dnd_start_ts"], me["next_dnd_end_ts"]) == (True, 1705298400, 1705334400)
    assert me["snooze_enabled"] is False and "snooze_endtime" not in me
    uid = next(u["id"] for u in client.users_list()["members"] if u["name"] == "lena")
    other = client.dnd_info(user=uid)  # 12:00 in London: today's 09:00-17:30 window
    assert (other["next_dnd_start_ts"], other["next_dnd_end_ts"]) == (1705309200, 1705339800)
    assert "snooze_enabled" not in other
    off = client.dnd_info(user=BOB)
    assert (off["dnd_enabled"], off["next_dnd_start_ts"], off["next_dnd_end_ts"]) == (False, 1, 1)
    day = make_world(seed, now="2024-01-15T18:00:00Z")  # 10:00 in Los Angeles: tonight's window is next
    later = WebClient(token=day["token"], base_url=day["env"]["SLACK_API_URL"]).dnd_info()
    assert (later["next_dnd_start_ts"], later["next_dnd_end_ts"]) == (1705384800, 1705420800)
