"""Jira Software's agile API (`/rest/agile/1.0`): boards, sprints and the backlog.

A board shows one project's issues. The backlog of a scrum board is its issues that are in no
future or active sprint and not done; a kanban board has no sprints and no backlog here."""

from __future__ import annotations

from typing import Any

import msgspec

from ..core import Reply
from . import render, render_more
from .errors import JiraError, bad_request
from .jql import JqlError
from .jql_eval import compile_query
from .ops_common import S, can_browse, get_issue, get_project, ops
from .render import View
from .seed import when
from .state import Board, Change, History, Issue, Sprint

AGILE = "/rest/agile/1.0"
SPRINT_STATES = ("future", "active", "closed")


def _w(ctx: S) -> View:
    """The agile API renders issues as REST v2 does (plain-text rich fields)."""
    return View(ctx, "2")


class Page(msgspec.Struct, kw_only=True):
    startAt: int = 0
    maxResults: int = 50


def _page(p: Page, items: list[Any], cap: int = 50) -> tuple[list[Any], dict[str, Any]]:
    if p.startAt < 0:
        raise bad_request("The 'startAt' parameter must not be negative.")
    size = cap if p.maxResults <= 0 else min(p.maxResults, cap)
    chunk = items[p.startAt:p.startAt + size]
    return chunk, {"maxResults": size, "startAt": p.startAt, "total": len(items),
                   "isLast": p.startAt + size >= len(items)}


def _board(ctx: S, board_id: int) -> Board:
    s = ctx.state
    b = s.boards.get(board_id)
    if b is None or not can_browse(s, ctx.actor, s.projects[b.project]):
        raise JiraError(404, "Board does not exist or you do not have permission to see it.")
    return b


def _sprint(ctx: S, sprint_id: int) -> Sprint:
    s = ctx.state
    sp = s.sprints.get(sprint_id)
    if sp is None or sp.board not in s.boards or not can_browse(s, ctx.actor, s.projects[s.boards[sp.board].project]):
        raise JiraError(404, f"Sprint with id {sprint_id} does not exist or you do not have permission to see it.")
    return sp


# -- boards ------------------------------------------------------------------------------------------------

class BoardList(Page, kw_only=True):
    type: str = ""
    name: str = ""
    projectKeyOrId: str = ""


@ops.op("board.list", "GET", f"{AGILE}/board", mutates=False)
def board_list(ctx: S, p: BoardList) -> dict[str, Any]:
    """Boards the user may see, page by page; filter by `type` (scrum, kanban), `name` (contains) or
    `projectKeyOrId`."""
    s = ctx.state
    w = _w(ctx)
    pid = get_project(ctx, p.projectKeyOrId).id if p.projectKeyOrId else None
    types = {t.strip() for t in p.type.split(",") if t.strip()}
    hits = [b for b in s.boards.values() if can_browse(s, ctx.actor, s.projects[b.project])
            and (not types or b.type in types) and (not p.name or p.name.lower() in b.name.lower())
            and (pid is None or b.project == pid)]
    chunk, out = _page(p, hits)
    out["values"] = [render_more.board(w, b) for b in chunk]
    return out


class CreateBoard(msgspec.Struct, kw_only=True):
    name: str = ""
    type: str = ""
    filterId: int | str | None = None
    location: dict[str, Any] | None = None


@ops.op("board.create", "POST", f"{AGILE}/board", status=201)
def board_create(ctx: S, p: CreateBoard) -> dict[str, Any]:
    """Create a board: `name`, `type` (scrum or kanban), `filterId` (a saved filter whose JQL names one
    project) and optionally `location: {type: project, projectKeyOrId}`."""
    s = ctx.state
    if not p.name.strip():
        raise bad_request("The board name is required.")
    if p.type not in ("scrum", "kanban"):
        raise bad_request("The board type must be 'scrum' or 'kanban'.")
    f = s.filters.get(str(p.filterId)) if p.filterId is not None else None
    if f is None:
        raise bad_request(f"Filter with id {p.filterId} does not exist.")
    ref = (p.location or {}).get("projectKeyOrId")
    proj = get_project(ctx, str(ref)) if ref else None
    if proj is None:
        try:
            search = compile_query(f.jql, s, ctx.actor, ctx.env.now, lambda pid: True)
        except JqlError as e:
            raise bad_request(str(e)) from None
        proj = next((x for x in s.projects.values() if any(search.match(i) for i in s.issues.values()
                                                            if i.project == x.id)), None)
    if proj is None:
        raise bad_request("The board's filter must select issues of a project; give location.projectKeyOrId.")
    bid = int(s.next_id("board", 1))
    b = s.boards[bid] = Board(id=bid, name=p.name, type=p.type, project=proj.id, filter=f.id)
    return render_more.board(_w(ctx), b)


class BoardRef(msgspec.Struct, kw_only=True):
    boardId: int


@ops.op("board.get", "GET", f"{AGILE}/board/{{boardId}}", mutates=False)
def board_get(ctx: S, p: BoardRef) -> dict[str, Any]:
    """One board: id, name, type and the project it shows."""
    return render_more.board(_w(ctx), _board(ctx, p.boardId))


@ops.op("board.delete", "DELETE", f"{AGILE}/board/{{boardId}}")
def board_delete(ctx: S, p: BoardRef) -> None:
    """Delete a board (its sprints go with it; issues stay). Answers 204."""
    s = ctx.state
    b = _board(ctx, p.boardId)
    for sid in [x.id for x in s.sprints.values() if x.board == b.id]:
        _drop_sprint(ctx, sid)
    del s.boards[b.id]


class BoardSprints(Page, kw_only=True):
    boardId: int
    state: str = ""


@ops.op("board.sprints", "GET", f"{AGILE}/board/{{boardId}}/sprint", mutates=False)
def board_sprints(ctx: S, p: BoardSprints) -> dict[str, Any]:
    """A scrum board's sprints, oldest first; `state` filters (future, active, closed; comma-separated)."""
    b = _board(ctx, p.boardId)
    if b.type != "scrum":
        raise bad_request("The board does not support sprints")
    states = {x.strip() for x in p.state.split(",") if x.strip()}
    if states - set(SPRINT_STATES):
        raise bad_request(f"The value '{p.state}' is not a valid sprint state (future, active, closed).")
    hits = [x for x in ctx.state.sprints.values() if x.board == b.id and (not states or x.state in states)]
    chunk, out = _page(p, hits)
    out["values"] = [render_more.sprint(_w(ctx), x) for x in chunk]
    return out


class IssueQuery(Page, kw_only=True):
    jql: str = ""
    fields: str | list[str] | None = None
    expand: str = ""


def _issues(ctx: S, p: IssueQuery, pool: list[Issue]) -> dict[str, Any]:
    """SearchResults over `pool` narrowed by `jql`, in rank (key) order."""
    s = ctx.state
    if p.jql.strip():
        try:
            search = compile_query(p.jql, s, ctx.actor, ctx.env.now, lambda pid: True)
        except JqlError as e:
            raise bad_request(str(e)) from None
        pool = search.order([i for i in pool if search.match(i)]) if "order by" in p.jql.lower() else \
            [i for i in pool if search.match(i)]
    if p.startAt < 0:
        raise bad_request("The 'startAt' parameter must not be negative.")
    size = 50 if p.maxResults <= 0 else min(p.maxResults, 1000)
    chunk = pool[p.startAt:p.startAt + size]
    w = _w(ctx)
    return {"expand": "names,schema", "startAt": p.startAt, "maxResults": size, "total": len(pool),
            "issues": [agile_issue(w, i, ctx.actor, p.fields, p.expand) for i in chunk]}


def agile_issue(w: View, i: Issue, me: str, fields: Any, expand: str) -> dict[str, Any]:
    out = render.issue(w, i, me, fields, expand, "*navigable")
    s = w.s
    every, nav, include, _ = render.select(fields, "*navigable")
    if every or nav or "sprint" in include:
        out["fields"]["sprint"] = render_more.sprint(w, s.sprints[i.sprint]) if i.sprint in s.sprints else None
    if every or nav or "closedSprints" in include:
        out["fields"]["closedSprints"] = [render_more.sprint(w, s.sprints[x]) for x in i.closed_sprints
                                          if x in s.sprints]
    return out


def _rank(issues: list[Issue]) -> list[Issue]:
    return sorted(issues, key=lambda i: int(i.id))


class BoardIssues(IssueQuery, kw_only=True):
    boardId: int


@ops.op("board.issues", "GET", f"{AGILE}/board/{{boardId}}/issue", mutates=False)
def board_issues(ctx: S, p: BoardIssues) -> dict[str, Any]:
    """Every issue on a board, in rank order, narrowed by `jql`; each carries `sprint` and `closedSprints`."""
    b = _board(ctx, p.boardId)
    return _issues(ctx, p, _rank([i for i in ctx.state.issues.values() if i.project == b.project]))


@ops.op("board.backlog", "GET", f"{AGILE}/board/{{boardId}}/backlog", mutates=False)
def board_backlog(ctx: S, p: BoardIssues) -> dict[str, Any]:
    """A scrum board's backlog: its issues in no future or active sprint that are not done."""
    s = ctx.state
    b = _board(ctx, p.boardId)
    if b.type != "scrum":
        raise bad_request("The board does not support a backlog")
    pool = [i for i in s.issues.values() if i.project == b.project and i.sprint is None
            and s.statuses[i.status].category != "done" and not s.issue_types[i.issuetype].subtask]
    return _issues(ctx, p, _rank(pool))


# -- sprints -----------------------------------------------------------------------------------------------

class SprintBody(msgspec.Struct, kw_only=True):
    name: str | None = None
    startDate: str | None = None
    endDate: str | None = None
    goal: str | None = None
    state: str | None = None
    completeDate: str | None = None


class CreateSprint(SprintBody, kw_only=True):
    originBoardId: int | None = None


def _time(value: str | None, field: str, now: float) -> float | None:
    if value is None or value == "":
        return None
    try:
        return when(value, now)
    except ValueError:
        raise bad_request(**{field: f"Invalid date format: {value}"}) from None


@ops.op("sprint.create", "POST", f"{AGILE}/sprint", status=201)
def sprint_create(ctx: S, p: CreateSprint) -> dict[str, Any]:
    """Create a future sprint on a scrum board: `name`, `originBoardId`, optional `startDate`, `endDate`, `goal`."""
    s = ctx.state
    if not p.name or not p.name.strip():
        raise JiraError(400, errors={"name": "Sprint name is required."})
    if len(p.name) > 30:
        raise JiraError(400, errors={"name": "Sprint name must not exceed 30 characters."})
    if p.originBoardId is None:
        raise JiraError(400, errors={"originBoardId": "Board id is required."})
    b = _board(ctx, p.originBoardId)
    if b.type != "scrum":
        raise bad_request("The board does not support sprints")
    sid = int(s.next_id("sprint", 1))
    sp = s.sprints[sid] = Sprint(id=sid, board=b.id, name=p.name, goal=p.goal or "", created=ctx.env.now,
                                 start=_time(p.startDate, "startDate", ctx.env.now),
                                 end=_time(p.endDate, "endDate", ctx.env.now))
    return render_more.sprint(_w(ctx), sp)


class SprintRef(msgspec.Struct, kw_only=True):
    sprintId: int


@ops.op("sprint.get", "GET", f"{AGILE}/sprint/{{sprintId}}", mutates=False)
def sprint_get(ctx: S, p: SprintRef) -> dict[str, Any]:
    """One sprint: state (future, active, closed), dates, goal, board."""
    return render_more.sprint(_w(ctx), _sprint(ctx, p.sprintId))


class UpdateSprint(SprintBody, kw_only=True):
    sprintId: int


def _update(ctx: S, p: UpdateSprint) -> dict[str, Any]:
    s = ctx.state
    sp = _sprint(ctx, p.sprintId)
    now = ctx.env.now
    draft = msgspec.structs.replace(sp)
    if p.name is not None:
        if not p.name.strip():
            raise JiraError(400, errors={"name": "Sprint name is required."})
        draft.name = p.name
    if p.goal is not None:
        draft.goal = p.goal
    if p.startDate is not None:
        draft.start = _time(p.startDate, "startDate", now)
    if p.endDate is not None:
        draft.end = _time(p.endDate, "endDate", now)
    state = (p.state or sp.state).lower()
    if state not in SPRINT_STATES:
        raise bad_request(f"Unknown sprint state '{p.state}'.")
    if state != sp.state:
        if (sp.state, state) == ("future", "active"):
            if draft.start is None or draft.end is None:
                raise bad_request("A sprint needs a start date and an end date to be started.")
            if any(x.board == sp.board and x.state == "active" for x in s.sprints.values()):
                raise bad_request("Another sprint is already active on this board.")
        elif (sp.state, state) == ("active", "closed"):
            draft.complete = now
            for i in s.issues.values():  # done issues stay with the sprint; open ones go back to the backlog
                if i.sprint == sp.id:
                    i.sprint = None
                    if s.statuses[i.status].category == "done":
                        i.closed_sprints.append(sp.id)
        else:
            raise bad_request(f"A sprint cannot move from {sp.state} to {state}.")
        draft.state = state
    if draft.start is not None and draft.end is not None and draft.end < draft.start:
        raise bad_request("The sprint's end date must be after its start date.")
    s.sprints[sp.id] = draft
    return render_more.sprint(_w(ctx), draft)


@ops.op("sprint.update", "PUT", f"{AGILE}/sprint/{{sprintId}}")
def sprint_update(ctx: S, p: UpdateSprint) -> dict[str, Any]:
    """Update a sprint: `name`, `goal`, `startDate`, `endDate`, and `state` to start it (future → active,
    needs both dates) or complete it (active → closed: open issues go back to the backlog)."""
    return _update(ctx, p)


@ops.op("sprint.partialUpdate", "POST", f"{AGILE}/sprint/{{sprintId}}")
def sprint_partial_update(ctx: S, p: UpdateSprint) -> dict[str, Any]:
    """Update only the given fields of a sprint (same rules as sprint.update)."""
    return _update(ctx, p)


def _drop_sprint(ctx: S, sprint_id: int) -> None:
    s = ctx.state
    for i in s.issues.values():
        if i.sprint == sprint_id:
            i.sprint = None
        if sprint_id in i.closed_sprints:
            i.closed_sprints = [x for x in i.closed_sprints if x != sprint_id]
    del s.sprints[sprint_id]


@ops.op("sprint.delete", "DELETE", f"{AGILE}/sprint/{{sprintId}}")
def sprint_delete(ctx: S, p: SprintRef) -> None:
    """Delete a sprint; its open issues move to the backlog. Answers 204."""
    _drop_sprint(ctx, _sprint(ctx, p.sprintId).id)


class SprintIssues(IssueQuery, kw_only=True):
    sprintId: int


@ops.op("sprint.issues", "GET", f"{AGILE}/sprint/{{sprintId}}/issue", mutates=False)
def sprint_issues(ctx: S, p: SprintIssues) -> dict[str, Any]:
    """The issues of a sprint (for a closed sprint, those completed in it), narrowed by `jql`."""
    sp = _sprint(ctx, p.sprintId)
    s = ctx.state
    pool = [i for i in s.issues.values() if i.sprint == sp.id or sp.id in i.closed_sprints]
    return _issues(ctx, p, _rank([i for i in pool if can_browse(s, ctx.actor, s.projects[i.project])]))


class MoveIssues(msgspec.Struct, kw_only=True):
    issues: list[str] = []
    rankBeforeIssue: str | None = None
    rankAfterIssue: str | None = None
    rankCustomFieldId: int | None = None


def _movable(ctx: S, keys: list[str]) -> list[Issue]:
    if not keys:
        raise bad_request("At least one issue must be given in 'issues'.")
    if len(keys) > 50:
        raise bad_request("At most 50 issues can be moved in one request.")
    return [get_issue(ctx, str(k)) for k in keys]


class MoveToSprint(MoveIssues, kw_only=True):
    sprintId: int


@ops.op("sprint.moveIssues", "POST", f"{AGILE}/sprint/{{sprintId}}/issue", status=204)
def sprint_move_issues(ctx: S, p: MoveToSprint) -> None:
    """Move issues (keys or ids, at most 50) into a future or active sprint. Answers 204."""
    sp = _sprint(ctx, p.sprintId)
    if sp.state == "closed":
        raise bad_request("Cannot move issues to a closed sprint.")
    for i in _movable(ctx, p.issues):
        _set_sprint(ctx, i, sp)


def _set_sprint(ctx: S, i: Issue, sp: Sprint | None) -> None:
    s = ctx.state
    if i.sprint == (sp.id if sp else None):
        return
    old = s.sprints.get(i.sprint) if i.sprint is not None else None

    i.changelog.append(History(id=s.next_id("history"), author=ctx.actor, created=ctx.env.now, items=[
        Change(field="Sprint", from_id=str(old.id) if old else None, from_string=old.name if old else None,
               to_id=str(sp.id) if sp else None, to_string=sp.name if sp else None)]))
    i.sprint = sp.id if sp else None
    i.updated = ctx.env.now


@ops.op("backlog.moveIssues", "POST", f"{AGILE}/backlog/issue", status=204)
def backlog_move_issues(ctx: S, p: MoveIssues) -> Reply | None:
    """Move issues (keys or ids, at most 50) out of their sprints into the backlog. Answers 204."""
    for i in _movable(ctx, p.issues):
        _set_sprint(ctx, i, None)
    return None
