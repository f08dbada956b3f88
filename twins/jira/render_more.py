"""Wire shapes of what hangs around issues: versions, components, filters, remote links, votes,
boards and sprints (the agile API), per REST version."""

from __future__ import annotations

from typing import Any

from .render import View, avatars, ts, user
from .state import Board, Component, Filter, Issue, RemoteLink, Sprint, Version


def version(w: View, v: Version) -> dict[str, Any]:
    out: dict[str, Any] = {"self": f"{w.api}/version/{v.id}", "id": v.id, "description": v.description,
                           "name": v.name, "archived": v.archived, "released": v.released,
                           "projectId": int(v.project)}
    if v.release_date:
        out["releaseDate"] = v.release_date
        out["overdue"] = not v.released and v.release_date < _today(w)
        out["userReleaseDate"] = v.release_date
    if v.start_date:
        out["startDate"] = v.start_date
        out["userStartDate"] = v.start_date
    return out


def _today(w: View) -> str:
    return (ts(w.now) or "")[:10]


def version_ref(w: View, v: Version) -> dict[str, Any]:
    """A version inside an issue's fixVersions/versions."""
    out = {"self": f"{w.api}/version/{v.id}", "id": v.id, "description": v.description, "name": v.name,
           "archived": v.archived, "released": v.released}
    if v.release_date:
        out["releaseDate"] = v.release_date
    return out


def component(w: View, c: Component) -> dict[str, Any]:
    p = w.s.projects[c.project]
    out: dict[str, Any] = {"self": f"{w.api}/component/{c.id}", "id": c.id, "name": c.name,
                           "description": c.description, "assigneeType": c.assignee_type,
                           "realAssigneeType": c.assignee_type, "isAssigneeTypeValid": True,
                           "project": p.key, "projectId": int(p.id)}
    if c.lead is not None:
        out["lead"] = user(w, c.lead)
        out["leadAccountId"] = c.lead
    lead = c.lead if c.assignee_type == "COMPONENT_LEAD" and c.lead else p.lead
    out["realAssignee"] = user(w, lead)
    return out


def component_ref(w: View, c: Component) -> dict[str, Any]:
    return {"self": f"{w.api}/component/{c.id}", "id": c.id, "name": c.name, "description": c.description}


def filter_(w: View, f: Filter, me: str) -> dict[str, Any]:
    return {"self": f"{w.api}/filter/{f.id}", "id": f.id, "name": f.name, "description": f.description,
            "owner": user(w, f.owner), "jql": f.jql, "viewUrl": f"{w.base}/issues/?filter={f.id}",
            "searchUrl": f"{w.api}/search/jql?jql={_quote(f.jql)}", "favourite": me in f.favourite_of,
            "favouritedCount": len(f.favourite_of), "sharePermissions": [], "editPermissions": []}


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


def remote_link(w: View, iss: Issue, r: RemoteLink) -> dict[str, Any]:
    obj: dict[str, Any] = {"url": r.url, "title": r.title}
    if r.summary is not None:
        obj["summary"] = r.summary
    obj["icon"] = dict(r.icon or {})
    obj["status"] = dict(r.status or {"resolved": False, "icon": {}})
    out: dict[str, Any] = {"id": int(r.id), "self": f"{w.api}/issue/{iss.key}/remotelink/{r.id}",
                           "application": dict(r.application or {}), "object": obj}
    if r.global_id is not None:
        out["globalId"] = r.global_id
    if r.relationship is not None:
        out["relationship"] = r.relationship
    return out


def votes(w: View, iss: Issue, me: str, voters: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {"self": f"{w.api}/issue/{iss.key}/votes", "votes": len(iss.votes),
                           "hasVoted": me in iss.votes}
    if voters:
        out["voters"] = [user(w, a) for a in iss.votes]
    return out


def agile(w: View) -> str:
    return f"{w.base}/rest/agile/1.0"


def sprint(w: View, sp: Sprint) -> dict[str, Any]:
    out: dict[str, Any] = {"id": sp.id, "self": f"{agile(w)}/sprint/{sp.id}", "state": sp.state, "name": sp.name}
    if sp.start is not None:
        out["startDate"] = ts(sp.start)
    if sp.end is not None:
        out["endDate"] = ts(sp.end)
    if sp.complete is not None:
        out["completeDate"] = ts(sp.complete)
    if sp.created is not None:
        out["createdDate"] = ts(sp.created)
    out["originBoardId"] = sp.board
    out["goal"] = sp.goal
    return out


def board(w: View, b: Board) -> dict[str, Any]:
    p = w.s.projects[b.project]
    return {"id": b.id, "self": f"{agile(w)}/board/{b.id}", "name": b.name, "type": b.type,
            "location": {"projectId": int(p.id), "displayName": f"{p.name} ({p.key})", "projectName": p.name,
                         "projectKey": p.key, "projectTypeKey": p.project_type,
                         "avatarURI": avatars("project", p.id)["48x48"], "name": f"{p.name} ({p.key})"},
            "isPrivate": False}
