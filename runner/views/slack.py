"""The Slack view: the workspace sidebar (channels, direct messages), one conversation with its
messages, reactions, files and pins, and a thread pane. `sel` is a conversation id, or
`<conversation id>/<thread ts>` with the thread open."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from markupsafe import Markup, escape

from .common import Links, clock, day, from_epoch, iso_title, person, render, safe_url, size, when
from .mrkdwn import emoji, mrkdwn

SYSTEM = {"channel_join", "channel_leave", "channel_archive", "channel_unarchive", "channel_name",
          "channel_topic", "channel_purpose", "tombstone"}


class Slack:
    def __init__(self, state: Mapping[str, Any], base: str) -> None:
        self.s = state
        self.link = Links(base)
        self.users: Mapping[str, Any] = state.get("users") or {}
        self.channels: Mapping[str, Any] = state.get("channels") or {}
        self.files: Mapping[str, Any] = state.get("files") or {}
        self.me = str(state.get("me") or "")

    # -- names --------------------------------------------------------------------------------
    def name(self, uid: str) -> str:
        u = self.users.get(uid)
        if not isinstance(u, Mapping):
            return uid or "unknown"
        return str(u.get("display_name") or u.get("real_name") or u.get("name") or uid)

    def who(self, uid: str) -> dict[str, Any]:
        u = self.users.get(uid)
        p: dict[str, Any] = person(uid, self.name(uid), str(u.get("email") or "") if isinstance(u, Mapping) else "")
        p["bot"] = bool(isinstance(u, Mapping) and u.get("is_bot"))
        p["title"] = str(u.get("title") or "") if isinstance(u, Mapping) else ""
        p["deleted"] = bool(isinstance(u, Mapping) and u.get("deleted"))
        return p

    def channel_name(self, cid: str) -> str:
        c = self.channels.get(cid)
        return str(c.get("name") or cid) if isinstance(c, Mapping) else cid

    def text(self, text: Any) -> Markup:
        return mrkdwn(str(text or ""), self.name, self.channel_name)

    # -- sidebar ------------------------------------------------------------------------------
    def label(self, c: Mapping[str, Any]) -> str:
        if c.get("is_im"):
            other = c.get("user") or next((m for m in c.get("members") or [] if m != self.me), self.me)
            return self.name(str(other))
        if c.get("is_mpim"):
            return ", ".join(self.name(m) for m in c.get("members") or [] if m != self.me) or str(c.get("name"))
        return str(c.get("name") or c.get("id"))

    def sidebar(self, selected: str | None) -> dict[str, list[dict[str, Any]]]:
        chans: list[dict[str, Any]] = []
        dms: list[dict[str, Any]] = []
        for cid, c in self.channels.items():
            if not isinstance(c, Mapping):
                continue
            item = {"id": cid, "label": self.label(c), "href": self.link("slack", cid), "current": cid == selected,
                    "private": bool(c.get("is_private")), "archived": bool(c.get("is_archived")),
                    "count": len(c.get("messages") or [])}
            if c.get("is_im") or c.get("is_mpim"):
                other = c.get("user") or next((m for m in c.get("members") or [] if m != self.me), self.me)
                item["who"] = self.who(str(other))
                item["group"] = bool(c.get("is_mpim"))
                dms.append(item)
            else:
                chans.append(item)
        chans.sort(key=lambda i: (i["archived"], i["label"].lower()))
        dms.sort(key=lambda i: i["label"].lower())
        return {"channels": chans, "dms": dms}

    def default(self) -> str | None:
        for cid, c in self.channels.items():
            if isinstance(c, Mapping) and c.get("is_general"):
                return cid
        named = sorted((str(c.get("name") or ""), cid) for cid, c in self.channels.items()
                       if isinstance(c, Mapping) and not c.get("is_im") and not c.get("is_mpim"))
        if named:
            return named[0][1]
        return next(iter(self.channels), None)

    # -- messages -----------------------------------------------------------------------------
    def file(self, fid: str) -> dict[str, Any]:
        f = self.files.get(fid)
        if not isinstance(f, Mapping):
            return {"id": fid, "name": fid, "title": fid, "kind": "file", "size": "", "preview": "", "missing": True}
        preview = ""
        mime = str(f.get("mimetype") or "")
        raw = f.get("content")
        if isinstance(raw, str) and raw and (mime.startswith("text/") or f.get("filetype") in ("text", "markdown")):
            try:
                preview = base64.b64decode(raw, validate=False)[:600].decode("utf-8", "replace")
            except (binascii.Error, ValueError):
                preview = ""
        ftype = str(f.get("filetype") or "").lower() or "file"
        return {"id": fid, "name": str(f.get("name") or fid), "title": str(f.get("title") or f.get("name") or fid),
                "kind": ftype, "size": size(f.get("size")), "preview": preview, "missing": False,
                "pending": not f.get("completed", True)}

    def message(self, m: Mapping[str, Any], cid: str, in_thread: bool) -> dict[str, Any]:
        ts = str(m.get("ts") or "")
        d = from_epoch(ts)
        uid = str(m.get("user") or "")
        subtype = m.get("subtype")
        body = self.blocks(m.get("blocks")) if m.get("blocks") else None
        thread_ts = m.get("thread_ts")
        replies = int(m.get("reply_count") or 0)
        return {
            "ts": ts, "who": self.who(uid), "time": clock(d), "title": iso_title(d), "day": day(d),
            "text": self.text(m.get("text")), "blocks": body, "subtype": subtype,
            "system": subtype in SYSTEM, "bot": bool(m.get("bot_id")) or self.who(uid)["bot"],
            "edited": bool(m.get("edited")),
            "reactions": [{"emoji": emoji(str(r.get("name") or "")), "name": str(r.get("name") or ""),
                           "count": int(r.get("count") or len(r.get("users") or [])),
                           "users": ", ".join(self.name(u) for u in r.get("users") or []),
                           "mine": self.me in (r.get("users") or [])}
                          for r in m.get("reactions") or [] if isinstance(r, Mapping)],
            "files": [self.file(str(f)) for f in m.get("files") or []],
            "pinned": cid in (m.get("pinned_to") or []), "pinned_by": "",
            "replies": replies if not in_thread else 0,
            "reply_people": [self.who(u) for u in (m.get("reply_users") or [])[:5]],
            "latest_reply": when(from_epoch(m.get("latest_reply"))) if m.get("latest_reply") else "",
            "thread_href": self.link("slack", f"{cid}/{ts}") if replies and not in_thread else None,
            "broadcast": subtype == "thread_broadcast", "divider": None, "ephemeral": None,
            "reply": bool(thread_ts and thread_ts != ts),
        }

    def blocks(self, blocks: Any) -> list[dict[str, Any]]:
        """Block Kit as Slack draws it, read-only: headers, sections (text and fields), dividers,
        context lines, buttons; images by their alt text (no remote loads)."""
        out: list[dict[str, Any]] = []
        for b in blocks if isinstance(blocks, list) else []:
            if not isinstance(b, Mapping):
                continue
            kind = str(b.get("type") or "")
            if kind == "header":
                out.append({"type": "header", "text": escape(_plain(b.get("text")))})
            elif kind == "section":
                out.append({"type": "section", "text": self._rich(b.get("text")),
                            "fields": [self._rich(f) for f in b.get("fields") or []],
                            "button": _plain((b.get("accessory") or {}).get("text"))
                            if isinstance(b.get("accessory"), Mapping) else ""})
            elif kind == "divider":
                out.append({"type": "divider"})
            elif kind == "context":
                out.append({"type": "context", "items": [self._rich(e) for e in b.get("elements") or []
                                                         if isinstance(e, Mapping) and "text" in e]})
            elif kind == "actions":
                out.append({"type": "actions", "buttons": [
                    {"text": _plain(e.get("text")) or str(e.get("action_id") or "button"),
                     "style": str(e.get("style") or "")}
                    for e in b.get("elements") or [] if isinstance(e, Mapping)]})
            elif kind == "image":
                out.append({"type": "image", "alt": str(b.get("alt_text") or "image")})
            elif kind == "rich_text":
                out.append({"type": "section", "text": escape(_rich_text(b)), "fields": [], "button": ""})
        return out

    def _rich(self, obj: Any) -> Markup:
        if isinstance(obj, Mapping):
            if obj.get("type") == "mrkdwn":
                return self.text(obj.get("text"))
            return escape(str(obj.get("text") or ""))
        return escape(str(obj or ""))

    def conversation(self, cid: str, thread: str | None) -> dict[str, Any] | None:
        c = self.channels.get(cid)
        if not isinstance(c, Mapping):
            return None
        raw: list[Mapping[str, Any]] = [m for m in c.get("messages") or [] if isinstance(m, Mapping)]
        shown: list[dict[str, Any]] = []
        for m in raw:
            t = m.get("thread_ts")
            if t and t != m.get("ts") and m.get("subtype") != "thread_broadcast":
                continue  # a reply lives in its thread
            shown.append(self.message(m, cid, False))
        for e in c.get("ephemeral") or []:
            if isinstance(e, Mapping):
                item = self.message({"ts": e.get("ts"), "user": e.get("user"), "text": e.get("text")}, cid, False)
                item["ephemeral"] = self.name(str(e.get("to") or ""))
                shown.append(item)
        shown.sort(key=lambda x: _ts_key(x["ts"]))
        last_day = None
        for item in shown:
            item["divider"] = item["day"] if item["day"] != last_day else None
            last_day = item["day"]
        by_ts = {str(m.get("ts")): m for m in raw}
        pins = []
        for p in c.get("pins") or []:
            if isinstance(p, Mapping) and str(p.get("ts")) in by_ts:
                m = by_ts[str(p.get("ts"))]
                pins.append({"who": self.who(str(m.get("user") or "")), "text": self.text(m.get("text")),
                             "by": self.name(str(p.get("by") or "")), "ts": str(p.get("ts"))})
        pinned_by = {p["ts"]: p["by"] for p in pins}
        for item in shown:
            item["pinned"] = item["pinned"] or item["ts"] in pinned_by
            item["pinned_by"] = pinned_by.get(item["ts"], "")
        pane = None
        if thread is not None and thread in by_ts:
            parent = by_ts[thread]
            replies = [self.message(m, cid, True) for m in raw
                       if m.get("thread_ts") == thread and m.get("ts") != thread]
            pane = {"parent": self.message(parent, cid, True), "replies": replies,
                    "close": self.link("slack", cid)}
        topic = str(c.get("topic") or "")
        bookmarks = [{"title": str(b.get("title") or b.get("link") or ""), "url": safe_url(b.get("link")),
                      "emoji": emoji(str(b.get("emoji") or "").strip(":")) if b.get("emoji") else ""}
                     for b in c.get("bookmarks") or [] if isinstance(b, Mapping)]
        pending = sorted((q for q in (self.s.get("scheduled") or {}).values()
                          if isinstance(q, Mapping) and q.get("channel") == cid),
                         key=lambda q: _ts_key(str(q.get("post_at") or 0)))
        scheduled = [{"who": self.who(str(q.get("user") or "")), "text": self.text(q.get("text")),
                      "when": when(from_epoch(q.get("post_at")))} for q in pending]
        return {
            "id": cid, "label": self.label(c), "im": bool(c.get("is_im") or c.get("is_mpim")),
            "private": bool(c.get("is_private")), "archived": bool(c.get("is_archived")),
            "topic": self.text(topic) if topic else None, "purpose": str(c.get("purpose") or ""),
            "members": [self.who(str(u)) for u in c.get("members") or []],
            "messages": shown, "pins": pins, "thread": pane, "bookmarks": bookmarks, "scheduled": scheduled,
            "previous_names": list(c.get("previous_names") or []),
        }


def _plain(obj: Any) -> str:
    return str(obj.get("text") or "") if isinstance(obj, Mapping) else str(obj or "")


def _rich_text(block: Mapping[str, Any]) -> str:
    parts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, Mapping):
            if isinstance(node.get("text"), str):
                parts.append(node["text"])
            for e in node.get("elements") or []:
                walk(e)
        elif isinstance(node, list):
            for e in node:
                walk(e)

    walk(block)
    return "".join(parts)


def _ts_key(ts: str) -> tuple[float, str]:
    try:
        return (float(ts), ts)
    except ValueError:
        return (0.0, ts)


def page(state: Mapping[str, Any], sel: str | None, base: str) -> str:
    """The Slack view's content."""
    sk = Slack(state, base)
    cid, thread = sel, None
    if sel is not None and sel not in sk.channels and "/" in sel:
        cid, thread = sel.split("/", 1)
    if cid is None or cid not in sk.channels:
        cid, thread = sk.default(), None
    convo = sk.conversation(cid, thread) if cid is not None else None
    return render("slack.html", team=str(state.get("team") or "Slack"), domain=str(state.get("domain") or ""),
                  me=sk.who(sk.me), side=sk.sidebar(cid), convo=convo)
