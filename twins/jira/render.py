"""Wire shapes of Jira Cloud resources, per REST version (v2 plain text, v3 Atlassian Document)."""

from __future__ import annotations

import datetime as _dt
import functools
from collections.abc import Callable
from typing import Any, NamedTuple

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
    Link,
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
    """What one request renders with: the state, its base URL and REST version, and indexes of the
    state built on first use (a search renders many issues with one view)."""

    __slots__ = ("_children", "_links", "_plan", "_spec", "api", "base", "now", "s", "v3")

    def __init__(self, ctx: Ctx[JiraState], v: str) -> None:
        self.s = ctx.state
        self.now = ctx.env.now
        self.base = ctx.env.base_url or ctx.state.site
        self.v3 = v == "3"
        self.api = f"{self.base}/rest/api/{v}"
        self._children: dict[str, list[Issue]] | None = None
        self._links: dict[str, list[Link]] | None = None
        self._spec: tuple[Any, str] | None = None
        self._plan: Plan | None = None

    def plan(self, spec: str | list[str] | None, default: str) -> Plan:
        """`plan(spec, default)`, remembered for the next issue this request renders with the same `fields`."""
        last = self._spec
        if last is not None and last[0] is spec and last[1] == default and self._plan is not None:
            return self._plan
        out = self._plan = plan(spec, default)
        self._spec = (spec, default)
        return out

    def children(self, iid: str) -> list[Issue]:
        """The issues whose parent is `iid`, in the state's order."""
        index = self._children
        if index is None:
            index = self._children = {}
            for x in self.s.issues.values():
                if x.parent is not None:
                    index.setdefault(x.parent, []).append(x)
        return index.get(iid, [])

    def links(self, iid: str) -> list[Link]:
        """The links with `iid` on either side, in the state's order."""
        index = self._links
        if index is None:
            index = self._links = {}
            for link in self.s.links.values():
                index.setdefault(link.inward, []).append(link)
                if link.outward != link.inward:
                    index.setdefault(link.outward, []).append(link)
        return index.get(iid, [])


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


# Catalog shapes (users, statuses, issue types, priorities, projects, link types) are pure functions of a
# few short texts that every world of a scenario shares: each is built once and the same dict is handed to
# every answer that embeds it. They are SHARED: nothing may change them (a caller that adds to a user or a
# project gets a copy: `user`, `project`). Each cache is bounded; a text longer than SHORT is not kept.
SHORT = 256
_shared = functools.lru_cache(maxsize=1 << 10)


def user(w: View, aid: str | None) -> dict[str, Any] | None:
    """A user, as a fresh dict the caller may change (`user_ref` inside larger shapes)."""
    u = user_ref(w, aid)
    return dict(u) if u is not None else None


def user_ref(w: View, aid: str | None) -> dict[str, Any] | None:
    """A user inside a larger shape: shared, never to be changed."""
    if aid is None:
        return None
    u = w.s.users.get(aid)
    if u is None:
        return {"accountId": aid, "active": False, "displayName": "Former user", "accountType": "unknown"}
    if len(u.display_name) + len(u.email) > SHORT:
        return _user(w.api, u.account_id, u.email, u.display_name, u.active, u.time_zone, u.account_type)
    return _user_shared(w.api, u.account_id, u.email, u.display_name, u.active, u.time_zone, u.account_type)


def _user(api: str, aid: str, email: str, name: str, active: bool, tz: str, kind: str) -> dict[str, Any]:
    return {"self": f"{api}/user?accountId={aid}", "accountId": aid, "emailAddress": email,
            "avatarUrls": avatars("user", aid), "displayName": name, "active": active, "timeZone": tz,
            "accountType": kind}


_user_shared = _shared(_user)


def category(w: View, key: str) -> dict[str, Any]:
    """Shared, never to be changed."""
    return _category(w.api, key)


def _category(api: str, key: str) -> dict[str, Any]:
    return _category_shared(api, key) if len(key) <= SHORT else _category_new(api, key)


def _category_new(api: str, key: str) -> dict[str, Any]:
    cid, name, color = CATEGORIES.get(key, CATEGORIES["undefined"])
    return {"self": f"{api}/statuscategory/{cid}", "id": int(cid), "key": key, "colorName": color, "name": name}


_category_shared = _shared(_category_new)


def status(w: View, st: StatusDef) -> dict[str, Any]:
    """Shared, never to be changed."""
    args = (w.api, w.base, st.id, st.description, st.name, st.category)
    return _status(*args) if len(st.description) + len(st.name) > SHORT else _status_shared(*args)


def _status(api: str, base: str, sid: str, description: str, name: str, cat: str) -> dict[str, Any]:
    return {"self": f"{api}/status/{sid}", "description": description,
            "iconUrl": f"{base}/images/icons/statuses/generic.png", "name": name, "id": sid,
            "statusCategory": _category(api, cat)}


_status_shared = _shared(_status)


def issuetype(w: View, it: IssueType) -> dict[str, Any]:
    """Shared, never to be changed."""
    args = (w.api, w.base, it.id, it.description, it.name, it.subtask, it.hierarchy_level)
    return _issuetype(*args) if len(it.description) + len(it.name) > SHORT else _issuetype_shared(*args)


def _issuetype(api: str, base: str, tid: str, description: str, name: str, subtask: bool,
               level: int) -> dict[str, Any]:
    return {"self": f"{api}/issuetype/{tid}", "id": tid, "description": description,
            "iconUrl": f"{base}/rest/api/2/universal_avatar/view/type/issuetype/avatar/{tid}",
            "name": name, "subtask": subtask, "avatarId": 10300 + int(tid) % 100, "hierarchyLevel": level}


_issuetype_shared = _shared(_issuetype)


def priority(w: View, p: Priority) -> dict[str, Any]:
    """Shared, never to be changed."""
    args = (w.api, w.base, p.id, p.name)
    return _priority(*args) if len(p.name) > SHORT else _priority_shared(*args)


def _priority(api: str, base: str, pid: str, name: str) -> dict[str, Any]:
    return {"self": f"{api}/priority/{pid}", "iconUrl": f"{base}/images/icons/priorities/{name.lower()}.svg",
            "name": name, "id": pid}


_priority_shared = _shared(_priority)


def project_ref(w: View, p: Project) -> dict[str, Any]:
    """A project inside an issue: shared, never to be changed."""
    args = (w.api, p.id, p.key, p.name, p.project_type)
    return _project(*args) if len(p.name) + len(p.key) > SHORT else _project_shared(*args)


def _project(api: str, pid: str, key: str, name: str, kind: str) -> dict[str, Any]:
    return {"self": f"{api}/project/{pid}", "id": pid, "key": key, "name": name, "projectTypeKey": kind,
            "simplified": False, "avatarUrls": avatars("project", pid)}


_project_shared = _shared(_project)


def project(w: View, p: Project, full: bool = False) -> dict[str, Any]:
    """A project, as a fresh dict the caller may change."""
    out = dict(project_ref(w, p))
    if full:
        out.update({
            "expand": "description,lead,issueTypes,url,projectKeys,permissions,insight",
            "description": p.description, "lead": user_ref(w, p.lead), "components": [], "versions": [],
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
    return {"self": f"{w.api}/issue/{iss.id}/comment/{c.id}", "id": c.id, "author": user_ref(w, c.author),
            "body": adf.render(c.body, c.body_adf, w.v3), "updateAuthor": user_ref(w, c.update_author or c.author),
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
        "self": f"{w.api}/issue/{iss.id}/worklog/{wl.id}", "author": (author := user_ref(w, wl.author)),
        "updateAuthor": author, "created": ts(wl.created), "updated": ts(wl.created),
        "started": ts(wl.started), "timeSpent": duration(wl.seconds), "timeSpentSeconds": wl.seconds,
        "id": wl.id, "issueId": iss.id}
    if wl.comment or wl.comment_adf is not None:
        out["comment"] = adf.render(wl.comment, wl.comment_adf, w.v3)
    return out


def worklogs_page(w: View, iss: Issue) -> dict[str, Any]:
    return {"startAt": 0, "maxResults": max(len(iss.worklogs), 20), "total": len(iss.worklogs),
            "worklogs": [worklog(w, iss, wl) for wl in iss.worklogs]}


def attachment(w: View, a: Attachment) -> dict[str, Any]:
    return {"self": f"{w.api}/attachment/{a.id}", "id": a.id, "filename": a.filename, "author": user_ref(w, a.author),
            "created": ts(a.created), "size": a.size, "mimeType": a.mime_type,
            "content": f"{w.api}/attachment/content/{a.id}"}


def watchers(w: View, iss: Issue, me: str) -> dict[str, Any]:
    return {"self": f"{w.api}/issue/{iss.key}/watchers", "isWatching": me in iss.watchers,
            "watchCount": len(iss.watchers), "watchers": [user_ref(w, a) for a in iss.watchers]}


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
    for link in w.links(iss.id):
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
    return sum([wl.seconds for wl in iss.worklogs]) or None if iss.worklogs else None


def _sprints(w: View, iss: Issue) -> list[dict[str, Any]] | None:
    if iss.sprint is None and not iss.closed_sprints:
        return None
    return [render_more.sprint(w, w.s.sprints[x]) for x in [*iss.closed_sprints, iss.sprint] if x in w.s.sprints] or None


def _components(w: View, iss: Issue, me: str) -> list[dict[str, Any]]:
    if not iss.components:
        return []
    s = w.s
    return [render_more.component_ref(w, s.components[c]) for c in iss.components if c in s.components]


def _version_refs(w: View, ids: list[str]) -> list[dict[str, Any]]:
    if not ids:
        return []
    s = w.s
    return [render_more.version_ref(w, s.versions[v]) for v in ids if v in s.versions]


def _timetracking(w: View, iss: Issue, me: str) -> dict[str, Any]:
    x = _spent(iss)
    return {"timeSpent": duration(x), "timeSpentSeconds": x} if x else {}


def _progress(w: View, iss: Issue, me: str) -> dict[str, Any]:
    x = _spent(iss) or 0
    return {"progress": x, "total": x}


FieldFn = Callable[[View, Issue, str], Any]
FIELDS: dict[str, FieldFn] = {
    "summary": lambda w, iss, me: iss.summary,
    "description": lambda w, iss, me: adf.render(iss.description, iss.description_adf, w.v3),
    "issuetype": lambda w, iss, me: issuetype(w, w.s.issue_types[iss.issuetype]),
    "project": lambda w, iss, me: project_ref(w, w.s.projects[iss.project]),
    "status": lambda w, iss, me: status(w, w.s.statuses[iss.status]),
    "statuscategorychangedate": lambda w, iss, me: ts(iss.status_changed or iss.created),
    "priority": lambda w, iss, me: priority(w, w.s.priorities[iss.priority]),
    "assignee": lambda w, iss, me: user_ref(w, iss.assignee),
    "reporter": lambda w, iss, me: user_ref(w, iss.reporter),
    "creator": lambda w, iss, me: user_ref(w, iss.creator),
    "labels": lambda w, iss, me: list(iss.labels),
    "created": lambda w, iss, me: ts(iss.created),
    "updated": lambda w, iss, me: ts(iss.updated),
    "resolution": lambda w, iss, me: resolution(w, iss.resolution),
    "resolutiondate": lambda w, iss, me: ts(iss.resolved),
    "duedate": lambda w, iss, me: iss.duedate,
    "issuelinks": lambda w, iss, me: issue_links(w, iss),
    "subtasks": lambda w, iss, me: [issue_ref(w, x) for x in w.children(iss.id)],
    "attachment": lambda w, iss, me: [attachment(w, w.s.attachments[a]) for a in iss.attachments
                                      if a in w.s.attachments],
    "comment": lambda w, iss, me: comments_page(w, iss),
    "worklog": lambda w, iss, me: worklogs_page(w, iss),
    "watches": lambda w, iss, me: {"self": f"{w.api}/issue/{iss.key}/watchers", "watchCount": len(iss.watchers),
                                   "isWatching": me in iss.watchers},
    "votes": lambda w, iss, me: {"self": f"{w.api}/issue/{iss.key}/votes", "votes": len(iss.votes),
                                 "hasVoted": me in iss.votes},
    "components": _components,
    "fixVersions": lambda w, iss, me: _version_refs(w, iss.fix_versions),
    "versions": lambda w, iss, me: _version_refs(w, iss.versions),
    SPRINT_FIELD: lambda w, iss, me: _sprints(w, iss),
    "environment": lambda w, iss, me: None,
    "security": lambda w, iss, me: None,
    "timetracking": _timetracking,
    "timespent": lambda w, iss, me: _spent(iss),
    "aggregatetimespent": lambda w, iss, me: _spent(iss),
    "timeestimate": lambda w, iss, me: None,
    "timeoriginalestimate": lambda w, iss, me: None,
    "lastViewed": lambda w, iss, me: None,
    "progress": _progress,
}
"""Every field of an issue, in the order Jira lists them, each rendered only when a request asks for it
(`parent`, last, only when the issue has one)."""


_ORDER = {name: i for i, name in enumerate(FIELDS)}


def all_fields(w: View, iss: Issue, me: str, skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    if skip:
        out = {name: fn(w, iss, me) for name, fn in FIELDS.items() if name not in skip}
    else:
        out = {name: fn(w, iss, me) for name, fn in FIELDS.items()}
    if iss.parent is not None and iss.parent in w.s.issues and "parent" not in skip:
        out["parent"] = issue_ref(w, w.s.issues[iss.parent])
    return out


def select(spec: str | list[str] | None, default: str) -> tuple[bool, bool, tuple[str, ...], frozenset[str]]:
    """(all, navigable, include, exclude) from a `fields` parameter such as `*all,-comment`."""
    return plan(spec, default).selection


class Plan(NamedTuple):
    """How to render an issue's fields for one `fields` parameter."""

    selection: tuple[bool, bool, tuple[str, ...], frozenset[str]]
    bare: bool
    """No field at all (only ids and keys were asked for)."""
    picked: tuple[tuple[str, FieldFn | None], ...]
    """The named fields an issue can have, in `include` order, with their renderers (None: `parent`)."""


def plan(spec: str | list[str] | None, default: str) -> Plan:
    return _plan(spec if not isinstance(spec, list) else tuple(spec), default)


@text_cache(1 << 10)
def _plan(spec: str | tuple[str, ...] | None, default: str) -> Plan:
    # A search renders every issue it finds with the same `fields`: parse them once.
    every, nav, include, _ = sel = _parse_fields(spec, default)
    picked = tuple((k, FIELDS.get(k)) for k in include if k in FIELDS or k == "parent")
    return Plan(sel, not every and not nav and ID_KEY.issuperset(include), picked)


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
    pl = w.plan(fields, default)
    every, nav, _, exclude = pl.selection
    out: dict[str, Any] = {"expand": ISSUE_EXPAND, "id": iss.id, "self": f"{w.api}/issue/{iss.id}", "key": iss.key}
    if pl.bare:
        out["fields"] = {}
    else:
        if every:
            chosen = all_fields(w, iss, me, exclude)
        elif nav:
            chosen = all_fields(w, iss, me, NOT_NAVIGABLE | exclude)
            _pick(w, iss, me, pl.picked, chosen)
        else:
            chosen = _pick(w, iss, me, pl.picked, {})
        out["fields"] = {k: v for k, v in chosen.items() if k not in exclude} if exclude else chosen
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


def _pick(w: View, iss: Issue, me: str, picked: tuple[tuple[str, FieldFn | None], ...],
          out: dict[str, Any]) -> dict[str, Any]:
    """`out` with the picked fields it lacks (`parent` only when the issue has one)."""
    for k, fn in picked:
        if k in out:
            continue
        if fn is not None:
            out[k] = fn(w, iss, me)
        elif iss.parent is not None and iss.parent in w.s.issues:
            out[k] = issue_ref(w, w.s.issues[iss.parent])
    return out


def change_item(c: Change) -> dict[str, Any]:
    """One changed field of a history entry. An empty side is null, as Jira answers it (the
    published ChangeDetails schema forgets `nullable`: a listed schema deviation)."""
    return {"field": c.field, "fieldtype": "jira", "fieldId": c.field, "from": c.from_id,
            "fromString": c.from_string, "to": c.to_id, "toString": c.to_string}


def changelog(w: View, iss: Issue) -> dict[str, Any]:
    hist = [{"id": h.id, "author": user_ref(w, h.author), "created": ts(h.created),
             "items": [change_item(c) for c in h.items]}
            for h in iss.changelog]
    return {"startAt": 0, "maxResults": len(hist), "total": len(hist), "histories": hist}


# Last: render_more builds on this module's shapes (it imports them), and FIELDS call it per request.
from . import render_more  # noqa: E402
