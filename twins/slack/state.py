"""Slack state: a team, its users, conversations and messages. Knows nothing of HTTP."""

from __future__ import annotations

import msgspec


class Reaction(msgspec.Struct, omit_defaults=True):
    name: str
    users: list[str] = []
    count: int = 0


class Message(msgspec.Struct, omit_defaults=True):
    ts: str
    user: str
    text: str
    type: str = "message"
    thread_ts: str | None = None
    reply_count: int = 0
    reply_users: list[str] = []
    latest_reply: str | None = None
    reactions: list[Reaction] = []
    edited: dict[str, str] | None = None
    files: list[str] = []
    pinned_to: list[str] = []
    bot_id: str | None = None
    subtype: str | None = None


class Channel(msgspec.Struct, omit_defaults=True):
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
    purpose: str = ""
    members: list[str] = []
    user: str | None = None  # the other party of an IM
    messages: list[Message] = []  # oldest first
    pins: list[str] = []
    last_ts: str = ""


class User(msgspec.Struct, omit_defaults=True):
    id: str
    name: str
    real_name: str = ""
    email: str = ""
    title: str = ""
    is_admin: bool = False
    is_owner: bool = False
    is_bot: bool = False
    deleted: bool = False
    tz: str = "America/Los_Angeles"
    scopes: list[str] | None = None  # None: every scope


class File(msgspec.Struct, omit_defaults=True):
    id: str
    name: str
    title: str
    user: str
    created: int
    size: int = 0
    mimetype: str = "application/octet-stream"
    content: bytes = b""
    channels: list[str] = []
    uploaded: bool = False


class SlackState(msgspec.Struct, omit_defaults=True):
    team_id: str
    team: str
    domain: str
    me: str  # the user id a world's default token acts as
    users: dict[str, User] = {}
    channels: dict[str, Channel] = {}
    files: dict[str, File] = {}
