"""Slack state: a team, its users, conversations, messages and files. Knows nothing of HTTP.

Every struct is `gc=False`: a state is a tree (decoded from a snapshot, changed in place by handlers,
never pointing back at itself), so the cycle collector need not track it, and with a thousand worlds
in flight it no longer walks every message and user of each of them."""

from __future__ import annotations

from typing import Any

import msgspec


class Reaction(msgspec.Struct, gc=False):
    name: str
    users: list[str] = []
    count: int = 0


class Message(msgspec.Struct, gc=False):
    ts: str
    user: str
    text: str
    type: str = "message"
    subtype: str | None = None
    thread_ts: str | None = None
    reply_count: int = 0
    reply_users: list[str] = []
    latest_reply: str | None = None
    reactions: list[Reaction] = []
    edited: dict[str, str] | None = None
    files: list[str] = []  # file ids
    pinned_to: list[str] = []
    bot_id: str | None = None
    blocks: list[Any] | None = None
    parent_user_id: str | None = None  # a thread reply: the author of its parent


class Pin(msgspec.Struct, gc=False):
    ts: str  # the pinned message
    by: str
    at: int


class Ephemeral(msgspec.Struct, gc=False):
    """A message only `to` saw; it never enters the history."""

    ts: str
    user: str
    to: str
    text: str


class Bookmark(msgspec.Struct, gc=False):
    id: str  # Bk…
    title: str
    link: str
    type: str = "link"
    emoji: str = ""
    created: int = 0
    updated: int = 0
    created_by: str = ""
    updated_by: str = ""


class Channel(msgspec.Struct, gc=False):
    id: str
    name: str
    created: int
    creator: str
    is_private: bool = False
    is_archived: bool = False
    is_im: bool = False
    is_mpim: bool = False
    is_general: bool = False
    topic: str = ""
    topic_by: str = ""
    topic_at: int = 0
    purpose: str = ""
    purpose_by: str = ""
    purpose_at: int = 0
    previous_names: list[str] = []
    members: list[str] = []
    user: str | None = None  # the other party of an IM
    messages: list[Message] = []  # oldest first
    pins: list[Pin] = []
    ephemeral: list[Ephemeral] = []
    last_ts: str = ""
    last_read: dict[str, str] = {}  # user id -> ts (conversations.mark)
    bookmarks: list[Bookmark] = []


class User(msgspec.Struct, gc=False):
    id: str
    name: str
    real_name: str = ""
    display_name: str = ""
    email: str = ""
    title: str = ""
    is_admin: bool = False
    is_owner: bool = False
    is_bot: bool = False
    bot_id: str | None = None
    deleted: bool = False
    tz: str = "America/Los_Angeles"
    scopes: list[str] | None = None  # None: every scope
    updated: int = 0  # when the profile last changed (users.profile.set, deactivation)
    phone: str = ""
    status_text: str = ""
    status_emoji: str = ""
    status_expiration: int = 0
    presence: str = "active"  # users.getPresence: active | away
    snooze_until: int = 0  # dnd.info: Do Not Disturb snoozed until this time (0: not snoozed)
    # dnd.info: the user's Do Not Disturb schedule, daily, "HH:MM" in their own `tz`
    dnd_enabled: bool = True
    dnd_start: str = "22:00"
    dnd_end: str = "08:00"


class File(msgspec.Struct, gc=False):
    id: str
    name: str
    title: str
    user: str
    created: int
    size: int = 0
    mimetype: str = "application/octet-stream"
    filetype: str = "binary"
    alt_txt: str = ""
    content: bytes = b""
    key: str = ""  # the secret part of its upload URL
    uploaded: bool = False  # the bytes arrived through the upload URL
    completed: bool = False  # files.completeUploadExternal ran
    channels: list[str] = []
    shares: dict[str, list[str]] = {}  # channel id -> message ts


class Usergroup(msgspec.Struct, gc=False):
    id: str  # S…
    name: str
    handle: str
    description: str = ""
    users: list[str] = []
    channels: list[str] = []  # default channels
    created_by: str = ""
    updated_by: str = ""
    deleted_by: str | None = None
    date_create: int = 0
    date_update: int = 0
    date_delete: int = 0  # disabled at (0: enabled)


class Reminder(msgspec.Struct, gc=False):
    id: str  # Rm…
    creator: str
    user: str  # whom it reminds
    text: str
    time: int
    recurring: bool = False
    complete_ts: int = 0


class Scheduled(msgspec.Struct, gc=False):
    """A chat.scheduleMessage message: posted into `channel` once the world clock passes post_at."""

    id: str  # Q…
    channel: str
    user: str
    text: str
    post_at: int
    date_created: int
    thread_ts: str | None = None
    blocks: list[Any] | None = None


class SlackState(msgspec.Struct, gc=False):
    team_id: str
    team: str
    domain: str
    me: str  # the user id a world's default token acts as
    users: dict[str, User] = {}
    channels: dict[str, Channel] = {}
    files: dict[str, File] = {}
    usergroups: dict[str, Usergroup] = {}
    reminders: dict[str, Reminder] = {}
    scheduled: dict[str, Scheduled] = {}
    emoji: dict[str, str] = {}  # custom emoji: name -> URL, or "alias:<name>"
