"""The Jira view: a project's board (a column per status, a card per issue) and, when an issue is
selected, its detail panel with description, details, links, comments, work log and history.
`sel` is a project key (its board) or an issue key (its project's board, with the issue open)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .common import Links, parse_iso, person, render, safe_url, when

CATEGORY_ORDER = {"new": 0, "indeterminate": 1, "done": 2}
TYPE_ICON = {"bug": "bug", "story": "story", "epic": "epic", "subtask": "subtask", "sub-task": "subtask",
             "task": "task"}
PRIORITY_ICON = {"Highest": "⇈", "High": "↑", "Medium": "=", "Low": "↓", "Lowest": "⇊"}


def _num(key: str) -> tuple[str, int]:
    head, _, tail = key.rpartition("-")
    return (head, int(tail)) if tail.isdigit() else (key, 0)


class Jira:
    def __init__(self, state: Mapping[str, Any], base: str) -> None:
        self.users: Mapping[str, Any] = state.get("users") or {}
        self.projects: Mapping[str, Any] = state.get("projects") or {}
        self.issues: Mapping[str, Any] = state.get("issues") or {}
        self.link = Links(base)

    def who(self, account: Any) -> dict[str, str] | None:
        if not account:
            return None
        u = self.users.get(str(account))
        if not isinstance(u, Mapping):
            return person(str(account), str(account))
        return person(str(account), str(u.get("name") or u.get("email") or account), str(u.get("email") or ""))

    def project_of(self, sel: str | None) -> tuple[str | None, str | None]:
        """(project key, issue key) that `sel` names; the first project when it names neither."""
        if sel is not None and sel in self.issues and isinstance(self.issues[sel], Mapping):
            return str(self.issues[sel].get("project") or ""), sel
        if sel is not None and sel in self.projects:
            return sel, None
        keys = sorted(self.projects)
        if keys:
            return keys[0], None
        projects = sorted({str(i.get("project")) for i in self.issues.values() if isinstance(i, Mapping)})
        return (projects[0] if projects else None), None

    def card(self, i: Mapping[str, Any]) -> dict[str, Any]:
        key = str(i.get("key") or "")
        kind = str(i.get("type") or "Task")
        return {
            "key": key, "summary": str(i.get("summary") or ""), "type": kind,
            "type_icon": TYPE_ICON.get(kind.lower(), "task"), "priority": str(i.get("priority") or ""),
            "priority_icon": PRIORITY_ICON.get(str(i.get("priority") or ""), "="),
            "assignee": self.who(i.get("assignee")), "labels": [str(x) for x in i.get("labels") or []],
            "status": str(i.get("status") or ""), "category": str(i.get("status_category") or "new"),
            "href": self.link("jira", key), "children": len(i.get("children") or []),
            "done": i.get("status_category") == "done",
        }

    def columns(self, project: Mapping[str, Any] | None, issues: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """A column per status of the project's workflow, in its order (empty ones too), then any
        other status an issue is in, placed by its category (to do, in progress, done)."""
        order = [str(x) for x in (project or {}).get("statuses") or []]
        category: dict[str, str] = {}
        for i in issues:
            category.setdefault(str(i.get("status") or ""), str(i.get("status_category") or "new"))
        extra = sorted((s for s in dict.fromkeys(str(i.get("status") or "") for i in issues) if s not in order),
                       key=lambda s: CATEGORY_ORDER.get(category[s], 1))
        for s in extra:  # after the last column of its category
            at = max((n + 1 for n, o in enumerate(order)
                      if CATEGORY_ORDER.get(category.get(o, ""), 1) <= CATEGORY_ORDER.get(category[s], 1)), default=0)
            order.insert(at, s)
        cards: dict[str, list[dict[str, Any]]] = {s: [] for s in order}
        for i in issues:
            cards[str(i.get("status") or "")].append(self.card(i))
        return [{"status": s, "category": category.get(s, _guess(s)), "cards": cards[s]} for s in order]

    def detail(self, key: str) -> dict[str, Any]:
        i = self.issues[key]
        comments = [{"who": self.who(c.get("author")), "when": when(parse_iso(c.get("created"))),
                     "body": _text(c.get("body"))} for c in i.get("comments") or [] if isinstance(c, Mapping)]
        history = [{"who": self.who(h.get("author")), "field": str(h.get("field") or ""),
                    "from": _text(h.get("from")), "to": _text(h.get("to"))}
                   for h in i.get("history") or [] if isinstance(h, Mapping)]
        worklogs = [{"who": self.who(w.get("author")), "time": _duration(w.get("seconds")),
                     "comment": _text(w.get("comment"))} for w in i.get("worklogs") or [] if isinstance(w, Mapping)]
        links: dict[str, list[dict[str, Any]]] = {}
        for lk in i.get("links") or []:
            if isinstance(lk, Mapping):
                other = str(lk.get("issue") or "")
                target = self.issues.get(other)
                links.setdefault(str(lk.get("phrase") or lk.get("type") or "relates to"), []).append(
                    self.card(target) if isinstance(target, Mapping) else {"key": other, "summary": "(not found)", "href": None,
                                                                        "type": "", "type_icon": "task"})
        parent = i.get("parent")
        parent_card = self.card(self.issues[parent]) if parent in self.issues else None
        return {
            **self.card(i),
            "description": _text(i.get("description")),
            "reporter": self.who(i.get("reporter")),
            "resolution": str(i.get("resolution") or ""), "duedate": str(i.get("duedate") or ""),
            "created": when(parse_iso(i.get("created"))), "updated": when(parse_iso(i.get("updated"))),
            "watchers": [self.who(w) for w in i.get("watchers") or []],
            "attachments": [str(a) for a in i.get("attachments") or []],
            "parent": parent_card, "parent_key": str(parent or ""),
            "subtasks": [self.card(self.issues[c]) for c in i.get("children") or [] if c in self.issues],
            "links": [{"phrase": p, "issues": v} for p, v in links.items()],
            "comments": comments, "history": history, "worklogs": worklogs,
            "sprint": str(i.get("sprint") or ""), "fix_versions": [str(v) for v in i.get("fix_versions") or []],
            "affects": [str(v) for v in i.get("versions") or []],
            "components": [str(c) for c in i.get("components") or []], "votes": len(i.get("votes") or []),
            "web_links": [{"title": str(r.get("title") or r.get("url") or ""), "url": safe_url(r.get("url"))}
                          for r in i.get("remote_links") or [] if isinstance(r, Mapping)],
        }


def _guess(status: str) -> str:
    """The category of a status no issue is in yet (the view names a workflow's statuses only)."""
    low = status.lower()
    if low in ("to do", "open", "backlog", "new", "selected for development"):
        return "new"
    return "done" if low in ("done", "closed", "resolved", "won't do") else "indeterminate"


def _text(v: Any) -> str:
    if v is None:
        return ""
    return v if isinstance(v, str) else str(v)


def _duration(seconds: Any) -> str:
    try:
        s = int(seconds)
    except (TypeError, ValueError):
        return ""
    parts = []
    for unit, size in (("w", 5 * 8 * 3600), ("d", 8 * 3600), ("h", 3600), ("m", 60)):
        if s >= size:
            parts.append(f"{s // size}{unit}")
            s %= size
    return " ".join(parts) or "0m"


def page(state: Mapping[str, Any], sel: str | None, base: str) -> str:
    """The Jira view's content."""
    jr = Jira(state, base)
    pkey, ikey = jr.project_of(sel)
    project = jr.projects.get(pkey) if pkey is not None else None
    issues = sorted((i for i in jr.issues.values() if isinstance(i, Mapping) and i.get("project") == pkey),
                    key=lambda i: _num(str(i.get("key") or "")))
    projects = [{"key": k, "name": str(p.get("name") or k) if isinstance(p, Mapping) else k,
                 "href": jr.link("jira", k), "current": k == pkey, "colour": person(k, k)["colour"]}
                for k, p in sorted(jr.projects.items())]
    lead = jr.who(project.get("lead")) if isinstance(project, Mapping) else None
    boards = {str(b.get("id")) for b in (state.get("boards") or {}).values()
              if isinstance(b, Mapping) and b.get("project") == pkey}
    sprints = [str(x.get("name") or "") for x in (state.get("sprints") or {}).values()
               if isinstance(x, Mapping) and str(x.get("board")) in boards and x.get("state") == "active"]
    return render("jira.html", site=str(state.get("site") or ""), projects=projects,
                  project={"key": pkey or "", "name": str(project.get("name") or pkey)
                           if isinstance(project, Mapping) else (pkey or ""), "lead": lead, "sprints": sprints},
                  columns=jr.columns(project if isinstance(project, Mapping) else None, issues) if pkey else [],
                  detail=jr.detail(ikey) if ikey is not None else None,
                  close=jr.link("jira", pkey) if pkey else jr.link("jira"))
