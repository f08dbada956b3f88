"""Wire shapes of Jira Cloud resources, per REST version (v2 plain text, v3 Atlassian Document)."""

from __future__ import annotations

import datetime as _dt
import functools
from collections.abc import Callable
from typing import Any

from ..core import Ctx
from ..core.memo import text_cache
from . import adf
from .seed import RESOLUTIONS
from .state import (
    Attachment,
    Change,
    Comment,
    Issue,
    IssueType,
    JiraState,
    LinkType,
    Priority,
    Project,
    StatusDef,
    Worklog,
)

CATEGORIES = {"new": ("2", "To Do", "blue-gray"), "indeterminate": ("4", "In Progress", "yellow"),
              "done": ("3", "Done", "green"), "undefined": ("1", "No Category", "medium-gray")}
SPRINT_FIELD = "customfield_10020"  # Jira Cloud's Sprint field
NOT_NAVIGABLE = frozenset({"comment", "worklog"})
ID_KEY = frozenset({"id", "key"})
ISSUE_EXPAND = "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations"


class View:
    """What one request renders with: the state, its base URL and REST version."""

    __slots__ = ("api", "base", "now", "s", "v3")

    def __init__(self, ctx: Ctx[JiraState], v: str) -> None:
        self.s = ctx.state
        self.now = ctx.env.now
        self.base = ctx.env.base_url or ctx.state.site
        self.v3 = v == "3"
        self.api = f"{self.base}/rest/api/{v}"


def ts(t: float | None) -> str | None:
    """Jira's timestamp format: `2024-01-01T12:00:00.000+0000`."""
    if t is None:
        return None
    return _ts(t)


@functools.lru_cache(maxsize=1 << 16)
def _ts(t: float) -> str:
    # Seeded timestamps repeat across every world and response: format each once.
    d = _dt.datetime.fromtimestamp(t, _dt.UTC)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond // 1000:03d}+0000"


def avatars(kind: str, ident: str) -> dict[str, str]:
    return dict(_avatars(kind, ident))  # a fresh dict: callers own what they are handed


@functools.lru_cache(maxsize=1 << 12)
def _avatars(kind: str, ident: str) -> tuple[tuple[str, str], ...]:
    url = f"https://avatar-management.services.atlassian.com/{kind}/{ident}"
    return tuple((f"{n}x{n}", f"{url}/{n}") for n in (48, 24, 16, 32))


def user(w: View, aid: str | None) -> dict[str, Any] | None:
    if aid is None:
        return None
    u = w.s.users.get(aid)
    if u is None:
        return {"accountId": aid, "active": False, "displayName": "Former user", "accountType": "unknown"}
    return {"self": f"{w.api}/user?accountId={u.account_id}", "accountId": u.account_id,
            "emailAddress": u.email, "avatarUrls": avatars("user", u.account_id), "displayName": u.display_name,
            "active": u.active, "timeZone": u.time_zone, "accountType": u.account_type}


def category(w: View, key: str) -> dict[str, Any]:
    cid, name, color = CATEGORIES.get(key, CATEGORIES["undefined"])
    return {"self": f"{w.api}/statuscategory/{cid}", "id": int(cid), "key": key, "colorName": color, "name": name}


def status(w: View, st: StatusDef) -> dict[str, Any]:
    return {"self": f"{w.api}/status/{st.id}", "description": st.description,
            "iconUrl": f"{w.base}/images/icons/statuses/generic.png", "name": st.name, "id": st.id,
            "statusCategory": category(w, st.category)}


def issuetype(w: View, it: IssueType) -> dict[str, Any]:
    return {"self": f"{w.api}/issuetype/{it.id}", "id": it.id, "description": it.description,
            "iconUrl": f"{w.base}/rest/api/2/universal_avatar/view/type/issuetype/avatar/{it.id}",
            "name": it.name, "subtask": it.subtask, "avatarId": 10300 + int(it.id) % 100,
            "hierarchyLevel": it.hierarchy_level}


def priority(w: View, p: Priority) -> dict[str, Any]:
    return {"self": f"{w.api}/priority/{p.id}", "iconUrl": f"{w.base}/images/icons/priorities/{p.name.lower()}.svg",
            "name": p.name, "id": p.id}


def project(w: View, p: Project, full: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"self": f"{w.api}/project/{p.id}", "id": p.id, "key": p.key, "name": p.name,
                           "projectTypeKey": p.project_type, "simplified": False,
                           "avatarUrls": avatars("project", p.id)}
    if full:
        out.update({
            "expand": "description,lead,issueTypes,url,projectKeys,permissions,insight",
            "description": p.description, "lead": user(w, p.lead), "components": [], "versions": [],
            "issueTypes": [issuetype(w, w.s.issue_types[t]) for t in p.issue_types],
            "assigneeType": "UNASSIGNED", "roles": {}, "archived": p.archived, "style": "classic",
            "isPrivate": bool(p.members), "properties": {},
        })
    return out


def link_type(w: View, lt: LinkType) -> dict[str, Any]:
    return {"id": lt.id, "name": lt.name, "inward": lt.inward, "outward": lt.outward,
            "self": f"{w.api}/issueLinkType/{lt.id}"}


def resolution(w: View, name: str | None) -> dict[str, Any] | None:
    if name is None:
        return None
    rid = RESOLUTIONS.get(name, "10000")
    return {"self": f"{w.api}/resolution/{rid}", "id": rid, "description": f"{name}.", "name": name}


def comment(w: View, iss: Issue, c: Comment) -> dict[str, Any]:
    return {"self": f"{w.api}/issue/{iss.id}/comment/{c.id}", "id": c.id, "author": user(w, c.author),
            "body": adf.render(c.body, c.body_adf, w.v3), "updateAuthor": user(w, c.update_author or c.author),
            "created": ts(c.created), "updated": ts(c.updated), "jsdPublic": True}


def comments_page(w: View, iss: Issue, start: int = 0, limit: int = 5000) -> dict[str, Any]:
    chunk = iss.comments[start:start + limit]
    return {"comments": [comment(w, iss, c) for c in chunk], "self": f"{w.api}/issue/{iss.id}/comment",
            "maxResults": limit if limit < 5000 else len(chunk), "total": len(iss.comments), "startAt": start}


def duration(seconds: int) -> str:
    """Jira's `timeSpent` text: 8-hour days, 5-day weeks (`1w 2d 3h 30m`)."""
    out: list[str] = []
    for unit, size in (("w", 144000), ("d", 28800), ("h", 3600), ("m", 60)):
        if seconds >= size:
            out.append(f"{seconds // size}{unit}")
            seconds %= size
    return " ".join(out) or "0m"


def worklog(w: View, iss: Issue, wl: Worklog) -> dict[str, Any]:
    out: dict[str, Any] = {
        "self": f"{w.api}/issue/{iss.id}/worklog/{wl.id}", "author": user(w, wl.author),
        "updateAuthor": user(w, wl.author), "created": ts(wl.created), "updated": ts(wl.created),
        "started": ts(wl.started), "timeSpent": duration(wl.seconds), "timeSpentSeconds": wl.seconds,
        "id": wl.id, "issueId": iss.id}
    if wl.comment or wl.comment_adf is not None:
        out["comment"] = adf.render(wl.comment, wl.comment_adf, w.v3)
    return out


def worklogs_page(w: View, iss: Issue) -> dict[str, Any]:
    return {"startAt": 0, "maxResults": max(len(iss.worklogs), 20), "total": len(iss.worklogs),
            "worklogs": [worklog(w, iss, wl) for wl in iss.worklogs]}


def attachment(w: View, a: Attachment) -> dict[str, Any]:
    return {"self": f"{w.api}/attachment/{a.id}", "id": a.id, "filename": a.filename, "author": user(w, a.author),
            "created": ts(a.created), "size": a.size, "mimeType": a.mime_type,
            "content": f"{w.api}/attachment/content/{a.id}"}


def watchers(w: View, iss: Issue, me: str) -> dict[str, Any]:
    return {"self": f"{w.api}/issue/{iss.key}/watchers", "isWatching": me in iss.watchers,
            "watchCount": len(iss.watchers), "watchers": [user(w, a) for a in iss.watchers]}


def issue_ref(w: View, iss: Issue) -> dict[str, Any]:
    """The short form of an issue inside links, subtasks and parent."""
    s = w.s
    return {"id": iss.id, "key": iss.key, "self": f"{w.api}/issue/{iss.id}",
            "fields": {"summary": iss.summary, "status": status(w, s.statuses[iss.status]),
                       "priority": priority(w, s.priorities[iss.priority]),
                       "issuetype": issuetype(w, s.issue_types[iss.issuetype])}}


def issue_links(w: View, iss: Issue) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    s = w.s
    for link in s.links.values():
        if iss.id not in (link.inward, link.outward):
            continue
        lt = s.link_types[link.type]
        entry: dict[str, Any] = {"id": link.id, "self": f"{w.api}/issueLink/{link.id}", "type": link_type(w, lt)}
        if link.inward == iss.id and link.outward in s.issues:
            entry["outwardIssue"] = issue_ref(w, s.issues[link.outward])
        elif link.outward == iss.id and link.inward in s.issues:
            entry["inwardIssue"] = issue_ref(w, s.issues[link.inward])
        else:
            continue
        out.append(entry)
    return out


def _spent(iss: Issue) -> int | None:
    return sum(wl.seconds for wl in iss.worklogs) or None


def _sprints(w: View, iss: Issue) -> list[dict[str, Any]] | None:
    return [render_more.sprint(w, w.s.sprints[x]) for x in [*iss.closed_sprints, iss.sprint] if x in w.s.sprints] or None


def _refs(kind: str) -> Callable[[View, Issue, str], list[dict[str, Any]]]:
    def refs(w: View, iss: Issue, me: str) -> list[dict[str, Any]]:
        s = w.s
        if kind == "components":
            return [render_more.component_ref(w, s.components[c]) for c in iss.components if c in s.components]
        ids = iss.fix_versions if kind == "fixVersions" else iss.versions
        return [render_more.version_ref(w, s.versions[v]) for v in ids if v in s.versions]

    return refs


FieldFn = Callable[[View, Issue, str], Any]
FIELDS: dict[str, FieldFn] = {
    "summary": lambda w, iss, me: iss.summary,
    "description": lambda w, iss, me: adf.render(iss.description, iss.description_adf, w.v3),
    "issuetype": lambda w, iss, me: issuetype(w, w.s.issue_types[iss.issuetype]),
    "project": lambda w, iss, me: project(w, w.s.projects[iss.project]),
    "status": lambda w, iss, me: status(w, w.s.statuses[iss.status]),
    "statuscategorychangedate": lambda w, iss, me: ts(iss.status_changed or iss.created),
    "priority": lambda w, iss, me: priority(w, w.s.priorities[iss.priority]),
    "assignee": lambda w, iss, me: user(w, iss.assignee),
    "reporter": lambda w, iss, me: user(w, iss.reporter),
    "creator": lambda w, iss, me: user(w, iss.creator),
    "labels": lambda w, iss, me: list(iss.labels),
    "created": lambda w, iss, me: ts(iss.created),
    "updated": lambda w, iss, me: ts(iss.updated),
    "resolution": lambda w, iss, me: resolution(w, iss.resolution),
    "resolutiondate": lambda w, iss, me: ts(iss.resolved),
    "duedate": lambda w, iss, me: iss.duedate,
    "issuelinks": lambda w, iss, me: issue_links(w, iss),
    "subtasks": lambda w, iss, me: [issue_ref(w, x) for x in w.s.issues.values() if x.parent == iss.id],
    "attachment": lambda w, iss, me: [attachment(w, w.s.attachments[a]) for a in iss.attachments
                                      if a in w.s.attachments],
    "comment": lambda w, iss, me: comments_page(w, iss),
    "worklog": lambda w, iss, me: worklogs_page(w, iss),
    "watches": lambda w, iss, me: {"self": f"{w.api}/issue/{iss.key}/watchers", "watchCount": len(iss.watchers),
                                   "isWatching": me in iss.watchers},
    "votes": lambda w, iss, me: {"self": f"{w.api}/issue/{iss.key}/votes", "votes": len(iss.votes),
                                 "hasVoted": me in iss.votes},
    "components": _refs("components"),
    "fixVersions": _refs("fixVersions"),
    "versions": _refs("versions"),
    SPRINT_FIELD: lambda w, iss, me: _sprints(w, iss),
    "environment": lambda w, iss, me: None,
    "security": lambda w, iss, me: None,
    "timetracking": lambda w, iss, me: {"timeSpent": duration(x), "timeSpentSeconds": x} if (x := _spent(iss)) else {},
    "timespent": lambda w, iss, me: _spent(iss),
    "aggregatetimespent": lambda w, iss, me: _spent(iss),
    "timeestimate": lambda w, iss, me: None,
    "timeoriginalestimate": lambda w, iss, me: None,
    "lastViewed": lambda w, iss, me: None,
    "progress": lambda w, iss, me: {"progress": _spent(iss) or 0, "total": _spent(iss) or 0},
}
"""Every field of an issue, in the order Jira lists them, each rendered only when a request asks for it
(`parent`, last, only when the issue has one)."""


_ORDER = {name: i for i, name in enumerate(FIELDS)}


def _has(w: View, iss: Issue, name: str) -> bool:
    return name in FIELDS or (name == "parent" and iss.parent is not None and iss.parent in w.s.issues)


def _field(w: View, iss: Issue, me: str, name: str) -> Any:
    if name == "parent":
        return issue_ref(w, w.s.issues[iss.parent])  # type: ignore[index]
    return FIELDS[name](w, iss, me)


def all_fields(w: View, iss: Issue, me: str, skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    out = {name: fn(w, iss, me) for name, fn in FIELDS.items() if name not in skip}
    if _has(w, iss, "parent") and "parent" not in skip:
        out["parent"] = _field(w, iss, me, "parent")
    return out


def select(spec: str | list[str] | None, default: str) -> tuple[bool, bool, tuple[str, ...], frozenset[str]]:
    """(all, navigable, include, exclude) from a `fields` parameter such as `*all,-comment`."""
    return _select(spec if not isinstance(spec, list) else tuple(spec), default)


@text_cache(1 << 10)
def _select(spec: str | tuple[str, ...] | None, default: str) -> tuple[bool, bool, tuple[str, ...], frozenset[str]]:
    # A search renders every issue it finds with the same `fields`: parse them once.
    return _parse_fields(spec, default)


def _parse_fields(spec: str | tuple[str, ...] | None,
                  default: str) -> tuple[bool, bool, tuple[str, ...], frozenset[str]]:
    items: list[str] = []
    for part in ([spec] if isinstance(spec, str) else spec or [default]):
        items.extend(x.strip() for x in str(part).split(",") if x.strip())
    if not items:
        items = [default]
    every = "*all" in items
    nav = "*navigable" in items
    # In Jira's listing order (then as asked): a set's order would change with the hash seed, and
    # with it the bytes of every answer that names its fields (a replay in another process differed)
    named = dict.fromkeys(x for x in items if not x.startswith(("*", "-")))
    include = tuple(sorted(named, key=lambda k: _ORDER.get(k, len(_ORDER))))
    exclude = frozenset(x[1:] for x in items if x.startswith("-"))
    return every, nav, include, exclude


def issue(w: View, iss: Issue, me: str, fields: str | list[str] | None = None, expand: str = "",
          default: str = "*all", transitions: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    every, nav, include, exclude = select(fields, default)
    out: dict[str, Any] = {"expand": ISSUE_EXPAND, "id": iss.id, "self": f"{w.api}/issue/{iss.id}", "key": iss.key}
    if every or nav or not ID_KEY.issuperset(include):
        if every:
            chosen = all_fields(w, iss, me, exclude)
        elif nav:
            chosen = all_fields(w, iss, me, NOT_NAVIGABLE | exclude)
            chosen.update((k, _field(w, iss, me, k)) for k in include if k not in chosen and _has(w, iss, k))
        else:
            chosen = {k: _field(w, iss, me, k) for k in include if _has(w, iss, k)}
        out["fields"] = {k: v for k, v in chosen.items() if k not in exclude} if exclude else chosen
    else:
        out["fields"] = {}
    if not expand:
        return out
    wants = {x.strip() for x in expand.split(",") if x.strip()}
    if "renderedFields" in wants:
        out["renderedFields"] = {"description": adf.to_html(iss.description),
                                 "created": ts(iss.created), "updated": ts(iss.updated)}
    if "names" in wants:
        out["names"] = {k: k.capitalize() for k in out["fields"]}
    if "changelog" in wants:
        out["changelog"] = changelog(w, iss)
    if "transitions" in wants and transitions is not None:
        out["transitions"] = transitions
    return out


def change_item(c: Change) -> dict[str, Any]:
    """One changed field of a history entry. An empty side is null, as Jira answers it (the
    published ChangeDetails schema forgets `nullable`: a listed schema deviation)."""
    return {"field": c.field, "fieldtype": "jira", "fieldId": c.field, "from": c.from_id,
            "fromString": c.from_string, "to": c.to_id, "toString": c.to_string}


def changelog(w: View, iss: Issue) -> dict[str, Any]:
    hist = [{"id": h.id, "author": user(w, h.author), "created": ts(h.created),
             "items": [change_item(c) for c in h.items]}
            for h in iss.changelog]
    return {"startAt": 0, "maxResults": len(hist), "total": len(hist), "histories": hist}


# Last: render_more builds on this module's shapes (it imports them), and FIELDS call it per request.
from . import render_more  # noqa: E402
