"""The state as scenario checks read it: issues keyed by issue key, names instead of catalog ids."""

from __future__ import annotations

from typing import Any

from .render import ts
from .state import Issue, JiraState


def _issue(s: JiraState, i: Issue, links: list[dict[str, str]], children: list[str]) -> dict[str, Any]:
    st = s.statuses[i.status]
    return {
        "id": i.id, "key": i.key, "project": s.projects[i.project].key, "type": s.issue_types[i.issuetype].name,
        "summary": i.summary, "description": i.description, "status": st.name, "status_category": st.category,
        "priority": s.priorities[i.priority].name, "assignee": i.assignee, "reporter": i.reporter,
        "labels": list(i.labels), "duedate": i.duedate,
        "parent": s.issues[i.parent].key if i.parent in s.issues else None,
        "children": children,
        "resolution": i.resolution, "created": ts(i.created), "updated": ts(i.updated),
        "comments": [{"id": c.id, "author": c.author, "body": c.body, "created": ts(c.created)} for c in i.comments],
        "worklogs": [{"author": w.author, "seconds": w.seconds, "comment": w.comment} for w in i.worklogs],
        "watchers": list(i.watchers),
        "attachments": [s.attachments[a].filename for a in i.attachments if a in s.attachments],
        "links": links,
        "history": [{"author": h.author, "field": c.field, "from": c.from_string, "to": c.to_string}
                    for h in i.changelog for c in h.items],
    }


def _relations(s: JiraState) -> tuple[dict[str, list[dict[str, str]]], dict[str, list[str]]]:
    """Each issue's links and children, gathered in one pass over links and issues."""
    links: dict[str, list[dict[str, str]]] = {}
    for link in s.links.values():
        if link.inward not in s.issues or link.outward not in s.issues:
            continue
        lt = s.link_types[link.type]
        links.setdefault(link.inward, []).append(
            {"type": lt.name, "phrase": lt.outward, "issue": s.issues[link.outward].key})
        links.setdefault(link.outward, []).append(
            {"type": lt.name, "phrase": lt.inward, "issue": s.issues[link.inward].key})
    children: dict[str, list[str]] = {}
    for x in s.issues.values():
        if x.parent is not None:
            children.setdefault(x.parent, []).append(x.key)
    return links, children


def view(s: JiraState) -> dict[str, Any]:
    """`{site, me, users: {accountId: ...}, projects: {KEY: ...}, issues: {KEY: ...}, links: [...]}`."""
    links, children = _relations(s)
    return {
        "site": s.site, "me": s.me,
        "users": {u.account_id: {"account_id": u.account_id, "name": u.display_name, "email": u.email,
                                 "active": u.active, "admin": u.admin} for u in s.users.values()},
        "projects": {p.key: {"id": p.id, "key": p.key, "name": p.name, "lead": p.lead, "workflow": p.workflow,
                             "statuses": [s.statuses[x].name for x in s.workflows[p.workflow].statuses],
                             "members": list(p.members)} for p in s.projects.values()},
        "issues": {i.key: _issue(s, i, links.get(i.id, []), children.get(i.id, [])) for i in s.issues.values()},
        "links": [{"id": lk.id, "type": s.link_types[lk.type].name, "inward": s.issues[lk.inward].key,
                   "outward": s.issues[lk.outward].key} for lk in s.links.values()
                  if lk.inward in s.issues and lk.outward in s.issues],
    }
