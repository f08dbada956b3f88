"""The state as scenario checks read it: issues keyed by issue key, names instead of catalog ids."""

from __future__ import annotations

import dataclasses
import functools
import itertools
from typing import Any

from ..core import Ctx, Registry
from ..core.lazy import peek_items
from ..core.ops import Handler
from .render import ts
from .state import Issue, JiraState

ALL = "*"
"""The mark of a change beyond single issues (a catalog, a sprint, a board, a user): the next view is built whole."""

PRECISE = frozenset({
    "issue.create", "issue.bulkCreate", "issue.edit", "issue.assign", "issue.transition",
    "issueLink.create", "issueLink.delete", "attachment.add", "attachment.delete",
    "comment.add", "comment.update", "comment.delete", "watchers.add", "watchers.remove", "worklog.add",
    "remotelink.create", "remotelink.update", "remotelink.delete", "votes.add", "votes.remove",
    "webhook.register", "webhook.delete", "webhook.refresh",
})
"""Mutating operations whose only effects on the view are on issues they resolve through `get_issue` (which
marks them), on new issues, links and sprint membership (which `view_delta` finds by itself), or none
(webhooks). Every other mutating operation marks ALL before it runs (`guard`): a new operation is correct
before it is made precise."""


def _issue(s: JiraState, i: Issue, links: list[dict[str, str]], children: list[str]) -> dict[str, Any]:
    st = s.statuses[i.status]
    # Most lists of an issue are empty: each comprehension below runs only when there is something to list.
    return {
        "id": i.id, "key": i.key, "project": s.projects[i.project].key, "type": s.issue_types[i.issuetype].name,
        "summary": i.summary, "description": i.description, "status": st.name, "status_category": st.category,
        "priority": s.priorities[i.priority].name, "assignee": i.assignee, "reporter": i.reporter,
        "labels": list(i.labels), "duedate": i.duedate,
        "parent": s.issues[i.parent].key if i.parent in s.issues else None,
        "children": children,
        "resolution": i.resolution, "created": ts(i.created), "updated": ts(i.updated),
        "comments": [{"id": c.id, "author": c.author, "body": c.body, "created": ts(c.created)}
                     for c in i.comments] if i.comments else [],
        "worklogs": [{"author": w.author, "seconds": w.seconds, "comment": w.comment}
                     for w in i.worklogs] if i.worklogs else [],
        "watchers": list(i.watchers),
        "attachments": [s.attachments[a].filename for a in i.attachments
                        if a in s.attachments] if i.attachments else [],
        "links": links,
        "history": [{"author": h.author, "field": c.field, "from": c.from_string, "to": c.to_string}
                    for h in i.changelog for c in h.items] if i.changelog else [],
        "fix_versions": [s.versions[v].name for v in i.fix_versions if v in s.versions] if i.fix_versions else [],
        "versions": [s.versions[v].name for v in i.versions if v in s.versions] if i.versions else [],
        "components": [s.components[c].name for c in i.components
                       if c in s.components] if i.components else [],
        "sprint": s.sprints[i.sprint].name if i.sprint in s.sprints else None,
        "closed_sprints": [s.sprints[x].name for x in i.closed_sprints
                           if x in s.sprints] if i.closed_sprints else [],
        "votes": list(i.votes),
        "remote_links": [{"id": r.id, "url": r.url, "title": r.title, "global_id": r.global_id}
                         for r in i.remote_links] if i.remote_links else [],
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
    for _, x in peek_items(s.issues):  # read only
        if x.parent is not None:
            children.setdefault(x.parent, []).append(x.key)
    return links, children


def _links(s: JiraState) -> list[dict[str, Any]]:
    return [{"id": lk.id, "type": s.link_types[lk.type].name, "inward": s.issues[lk.inward].key,
             "outward": s.issues[lk.outward].key} for lk in s.links.values()
            if lk.inward in s.issues and lk.outward in s.issues]


def _sprints(s: JiraState) -> dict[str, Any]:
    if not s.sprints:
        return {}
    sprint_issues: dict[int, list[str]] = {}
    for i in s.issues.values():
        for x in [i.sprint, *i.closed_sprints] if i.sprint is not None else i.closed_sprints:
            sprint_issues.setdefault(x, []).append(i.key)
    return {str(x.id): {"id": x.id, "board": x.board, "name": x.name, "state": x.state, "goal": x.goal,
                        "start": ts(x.start), "end": ts(x.end), "complete": ts(x.complete),
                        "issues": sprint_issues.get(x.id, [])} for x in s.sprints.values()}


def view(s: JiraState) -> dict[str, Any]:
    """`{site, me, users: {accountId: ...}, projects: {KEY: ...}, issues: {KEY: ...}, links: [...],
    versions: [...], components: [...], boards: {id: ...}, sprints: {id: ...}, filters: {id: ...}}`."""
    links, children = _relations(s)
    return {
        "site": s.site, "me": s.me,
        "users": {u.account_id: {"account_id": u.account_id, "name": u.display_name, "email": u.email,
                                 "active": u.active, "admin": u.admin} for u in s.users.values()},
        "projects": {p.key: {"id": p.id, "key": p.key, "name": p.name, "lead": p.lead, "workflow": p.workflow,
                             "statuses": [s.statuses[x].name for x in s.workflows[p.workflow].statuses],
                             "members": list(p.members)} for p in s.projects.values()},
        "issues": {i.key: _issue(s, i, links.get(i.id, []), children.get(i.id, [])) for i in s.issues.values()},
        "links": _links(s),
        "versions": [{"id": v.id, "project": s.projects[v.project].key, "name": v.name, "description": v.description,
                      "released": v.released, "archived": v.archived, "release_date": v.release_date,
                      "start_date": v.start_date} for v in s.versions.values() if v.project in s.projects],
        "components": [{"id": c.id, "project": s.projects[c.project].key, "name": c.name,
                        "description": c.description, "lead": c.lead} for c in s.components.values()
                       if c.project in s.projects],
        "boards": {str(b.id): {"id": b.id, "name": b.name, "type": b.type, "project": s.projects[b.project].key}
                   for b in s.boards.values() if b.project in s.projects},
        "sprints": _sprints(s),
        "filters": {f.id: {"id": f.id, "name": f.name, "jql": f.jql, "owner": f.owner, "description": f.description,
                           "favourite_of": list(f.favourite_of)} for f in s.filters.values()},
    }


def guard(ops: Registry) -> None:
    """Make every mutating operation outside PRECISE mark ALL before its handler runs."""
    for name, op in list(ops.ops.items()):
        if op.mutates and name not in PRECISE:
            ops.ops[name] = dataclasses.replace(op, handler=_marking_all(op.handler))


def _marking_all(fn: Handler) -> Handler:
    @functools.wraps(fn)
    def run(ctx: Ctx[Any], p: Any) -> Any:
        ctx.mark(ALL)
        return fn(ctx, p)

    return run


def view_delta(ctx: Ctx[JiraState], seed: dict[str, Any]) -> dict[str, Any]:
    """`view(ctx.state)` from the seed's view, rebuilding only the issues that may differ from it: those
    marked, the new ones, the parents a marked issue left or joined, and, when the links changed, those whose
    links did; links and sprints are rebuilt. Issues are never removed without ALL, so the state holds the
    seed's issues in the seed's order, then the new ones."""
    changed = ctx.changed
    s = ctx.state
    old = seed["issues"]
    if ALL in changed or len(s.issues) < len(old):
        return view(s)
    links = _links(s)
    new = list(itertools.islice(dict.values(s.issues), len(old), None))  # new: never still encoded
    redo = [i for k in changed if k[0] == "issue" and (i := s.issues[k[1]]).key in old]
    out = dict(seed)
    out["links"] = links
    out["sprints"] = _sprints(s)
    if not redo and not new and links == seed["links"]:
        return out
    link_map, children = _relations(s)
    ids = {i.id for i in redo} | {i.id for i in new}
    for i in [*redo, *new]:  # a new sub-task, or one that moved, changes its old and new parents' children
        was = old.get(i.key)
        before = s.keys.get(was["parent"]) if was is not None and was["parent"] is not None else None
        if was is not None and before == i.parent:
            continue
        for pid in (before, i.parent):
            if pid is not None and pid not in ids and pid in s.issues:
                ids.add(pid)
                redo.append(s.issues[pid])
    if links != seed["links"]:
        redo.extend(i for i in s.issues.values() if i.id not in ids and i.key in old
                    and old[i.key]["links"] != link_map.get(i.id, []))
    issues = out["issues"] = dict(old)
    for i in [*redo, *new]:  # the seed's in place, then the new ones in the state's order
        issues[i.key] = _issue(s, i, link_map.get(i.id, []), children.get(i.id, []))
    return out
