"""What every Jira operation module shares: the registry, the versioned route prefix, lookups."""

from __future__ import annotations

from typing import Any

import msgspec

from ..core import Ctx, Registry
from .errors import ISSUE_NOT_FOUND, JiraError, bad_request, not_found
from .render import View
from .state import Issue, JiraState, Project, Transition, User

ops = Registry("jira")
S = Ctx[JiraState]
API = "/rest/api/{v:2|3|latest}"


class V(msgspec.Struct, kw_only=True):
    """The REST version of a request: "2" (plain-text bodies) or "3" (Atlassian Document Format)."""

    v: str = "2"


class IssueRef(V, kw_only=True):
    issueIdOrKey: str


def view(ctx: S, p: V) -> View:
    return View(ctx, p.v)


def is_admin(s: JiraState, aid: str) -> bool:
    u = s.users.get(aid)
    return u is not None and u.admin


def can_browse(s: JiraState, aid: str, p: Project) -> bool:
    return not p.members or aid in p.members or aid == p.lead or is_admin(s, aid)


def get_issue(ctx: S, ref: str) -> Issue:
    """An issue by id or key that the actor may see, or Jira's 404.

    Every operation on one issue finds it here, so this is where it is marked as changed (for
    `view_delta`): a read marks it too, which costs a world that changed anything one rebuilt issue view."""
    s = ctx.state
    iid = s.keys.get(ref.upper()) if not ref.isdigit() else ref
    iss = s.issues.get(iid) if iid is not None else None
    if iss is None or not can_browse(s, ctx.actor, s.projects[iss.project]):
        raise not_found(ISSUE_NOT_FOUND)
    ctx.mark(("issue", iss.id))
    return iss


def get_project(ctx: S, ref: str) -> Project:
    s = ctx.state
    for p in s.projects.values():
        if ref in (p.id, p.key) or ref.upper() == p.key:
            if can_browse(s, ctx.actor, p):
                return p
            break
    raise JiraError(404, f"No project could be found with key '{ref}'.")


def find_project(ctx: S, value: Any) -> Project | None:
    """A project from `{"key": ...}`, `{"id": ...}` or a bare key/id, if the actor may see it."""
    ref = value.get("key") or value.get("id") if isinstance(value, dict) else value
    if not isinstance(ref, str | int) or not str(ref):
        return None
    try:
        return get_project(ctx, str(ref))
    except JiraError:
        return None


def get_user(s: JiraState, aid: str) -> User:
    u = s.users.get(aid)
    if u is None:
        raise JiraError(404, "Specified user does not exist or you do not have required permissions")
    return u


def account_of(value: Any) -> tuple[bool, str | None]:
    """(given, accountId) from `{"accountId": ...}`, `{"id": ...}`, a bare id or None."""
    if value is None:
        return True, None
    if isinstance(value, str):
        return True, value
    if isinstance(value, dict):
        aid = value.get("accountId", value.get("id"))
        if aid is None and not value:
            return True, None
        if isinstance(aid, str) or aid is None:
            return aid is not None or "accountId" in value, aid
    return False, None


def assignable(s: JiraState, aid: str, p: Project, field: str = "assignee") -> str:
    u = s.users.get(aid)
    if u is None:
        raise bad_request(**{field: f"User '{aid}' does not exist."})
    if not u.active or not can_browse(s, aid, p):
        raise bad_request(**{field: f"User '{u.display_name}' cannot be assigned issues."})
    return aid


def available(s: JiraState, iss: Issue) -> list[Transition]:
    """The transitions of the issue's workflow that leave its current status."""
    wf = s.workflows[s.projects[iss.project].workflow]
    return [t for t in wf.transitions if (iss.status in t.sources) or (not t.sources and t.to != iss.status)]


def page_args(start: int, limit: int, default: int = 50, cap: int = 1000) -> tuple[int, int]:
    if start < 0:
        raise bad_request("'startAt' must be a positive integer.")
    size = default if limit <= 0 else min(limit, cap)
    return start, size
