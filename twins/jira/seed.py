"""Builds Jira state from a scenario's `seed.jira` data, on top of Jira Cloud's default catalogs.

A seed that names something it does not hold (an assignee, a status, an issue type, a parent or
linked issue) raises ValueError whose message starts with the field, e.g.
`seed.jira.issues[2].assignee: unknown user 'ghost'`, so the scenario loader can point at the line."""

from __future__ import annotations

import re
from typing import Any

import msgspec

from ..core.env import HEX, Env, parse_time
from .state import (
    Board,
    Comment,
    Component,
    Filter,
    IssueType,
    JiraState,
    Link,
    LinkType,
    Priority,
    Project,
    Sprint,
    StatusDef,
    Transition,
    User,
    Version,
    Workflow,
)
from .state import Issue as IssueRec

DEFAULT_WORKFLOW = "Software Simplified Workflow"
CLASSIC_WORKFLOW = "Software Development Workflow"
WORKFLOW_ALIASES = {"simplified": DEFAULT_WORKFLOW, "classic": CLASSIC_WORKFLOW}
STATUSES = (("10000", "To Do", "new"), ("3", "In Progress", "indeterminate"),
            ("10002", "In Review", "indeterminate"), ("10001", "Done", "done"))
ISSUE_TYPES = (("10001", "Task", 0, False), ("10002", "Bug", 0, False), ("10003", "Story", 0, False),
               ("10004", "Epic", 1, False), ("10005", "Subtask", -1, True))
PRIORITIES = (("1", "Highest"), ("2", "High"), ("3", "Medium"), ("4", "Low"), ("5", "Lowest"))
LINK_TYPES = (("10000", "Blocks", "is blocked by", "blocks"), ("10001", "Cloners", "is cloned by", "clones"),
              ("10002", "Duplicate", "is duplicated by", "duplicates"),
              ("10003", "Relates", "relates to", "relates to"))
RESOLUTIONS = {"Done": "10000", "Won't Do": "10001", "Duplicate": "10002", "Cannot Reproduce": "10003"}
# A new company-managed software project in Jira Cloud: To Do -> In Progress -> Done, each
# transition named after its target status and allowed from any status (global).
# (id, name, from statuses (empty: any), to status)
SIMPLIFIED = (("11", "To Do", (), "To Do"), ("21", "In Progress", (), "In Progress"), ("31", "Done", (), "Done"))
# The classic Jira Software workflow, with In Review; a seed picks it with `workflow: classic`.
CLASSIC = (("11", "Start Progress", ("To Do",), "In Progress"),
           ("21", "Stop Progress", ("In Progress",), "To Do"),
           ("31", "Request Review", ("In Progress",), "In Review"),
           ("41", "Done", ("In Progress", "In Review"), "Done"),
           ("51", "Back to In Progress", ("In Review",), "In Progress"),
           ("61", "Reopen", ("Done",), "To Do"))
RELATIVE = re.compile(r"^([-+]?)(\d+)([wdhm])$")
UNITS = {"w": 604800, "d": 86400, "h": 3600, "m": 60}


class SeedUser(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    email: str = ""
    account_id: str | None = None
    active: bool = True
    admin: bool = False
    time_zone: str = "UTC"
    app: bool = False


class SeedTransition(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    to: str
    id: str | None = None
    sources: list[str] = msgspec.field(default_factory=list, name="from")


class SeedWorkflow(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    statuses: list[str]
    transitions: list[SeedTransition]


class SeedStatus(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    category: str = "indeterminate"
    id: str | None = None


class SeedProject(msgspec.Struct, forbid_unknown_fields=True):
    key: str
    name: str = ""
    lead: str | None = None
    id: str | None = None
    workflow: str = DEFAULT_WORKFLOW
    issue_types: list[str] = []
    description: str = ""
    members: list[str] = []
    archived: bool = False


class SeedComment(msgspec.Struct, forbid_unknown_fields=True):
    body: str
    author: str | None = None
    created: str | None = None


class SeedIssue(msgspec.Struct, forbid_unknown_fields=True):
    summary: str
    project: str | None = None
    key: str | None = None
    type: str = "Task"
    description: str | None = None
    status: str | None = None
    priority: str | None = None
    assignee: str | None = None
    reporter: str | None = None
    labels: list[str] = []
    duedate: str | None = None
    parent: str | None = None
    resolution: str | None = None
    created: str | None = None
    updated: str | None = None
    comments: list[SeedComment] = []
    watchers: list[str] = []
    fix_versions: list[str] = []  # version names of the issue's project
    components: list[str] = []  # component names of the issue's project
    sprint: str | None = None  # a sprint name of seed.jira.sprints
    votes: list[str] = []


class SeedVersion(msgspec.Struct, forbid_unknown_fields=True):
    project: str
    name: str
    description: str = ""
    released: bool = False
    archived: bool = False
    release_date: str | None = None
    start_date: str | None = None


class SeedComponent(msgspec.Struct, forbid_unknown_fields=True):
    project: str
    name: str
    description: str = ""
    lead: str | None = None


class SeedBoard(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    project: str
    type: str = "scrum"


class SeedSprint(msgspec.Struct, forbid_unknown_fields=True):
    board: str  # a board name
    name: str
    state: str = "future"
    start: str | None = None
    end: str | None = None
    goal: str = ""
    issues: list[str] = []  # issue keys


class SeedFilter(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    jql: str
    owner: str | None = None
    description: str = ""
    favourite: bool = True


class SeedLink(msgspec.Struct, forbid_unknown_fields=True):
    type: str
    inward: str
    outward: str


class JiraSeed(msgspec.Struct, forbid_unknown_fields=True):
    """`seed.jira` of a scenario. Users are named by accountId, email or display name."""

    site: str = "acme"
    me: str | None = None
    users: list[SeedUser] = []
    statuses: list[SeedStatus] = []
    workflows: list[SeedWorkflow] = []
    projects: list[SeedProject] = []
    versions: list[SeedVersion] = []
    components: list[SeedComponent] = []
    boards: list[SeedBoard] = []  # none: one scrum board per project, "<KEY> board"
    sprints: list[SeedSprint] = []
    issues: list[SeedIssue] = []
    links: list[SeedLink] = []
    filters: list[SeedFilter] = []


def when(value: str | None, now: float) -> float:
    """Epoch seconds from an ISO time or a relative one like `-3d` (from the world's clock)."""
    if value is None:
        return now
    m = RELATIVE.match(value.strip())
    if m:
        delta = int(m.group(2)) * UNITS[m.group(3)]
        return now - delta if m.group(1) == "-" else now + delta
    return parse_time(value, now)


def catalogs(state: JiraState) -> None:
    for sid, name, cat in STATUSES:
        state.statuses[sid] = StatusDef(id=sid, name=name, category=cat)
    for tid, name, level, sub in ISSUE_TYPES:
        state.issue_types[tid] = IssueType(id=tid, name=name, subtask=sub, hierarchy_level=level,
                                           description=f"A {name.lower()} of work." if not sub else
                                           "A small piece of work that's part of a larger task.")
    for rank, (pid, name) in enumerate(PRIORITIES, 1):
        state.priorities[pid] = Priority(id=pid, name=name, rank=rank)
    for lid, name, inward, outward in LINK_TYPES:
        state.link_types[lid] = LinkType(id=lid, name=name, inward=inward, outward=outward)
    by_name = {s.name: s.id for s in state.statuses.values()}
    for name, table, statuses in ((DEFAULT_WORKFLOW, SIMPLIFIED, ("To Do", "In Progress", "Done")),
                                  (CLASSIC_WORKFLOW, CLASSIC, ("To Do", "In Progress", "In Review", "Done"))):
        state.workflows[name] = Workflow(
            name=name, statuses=[by_name[x] for x in statuses],
            transitions=[Transition(id=tid, name=tname, to=by_name[to], sources=[by_name[x] for x in src])
                         for tid, tname, src, to in table])


def build(data: Any, env: Env) -> JiraState:
    seed = msgspec.convert(data or {}, JiraSeed)
    state = JiraState(site=f"https://{seed.site}.atlassian.net", me="")
    catalogs(state)
    refs: dict[str, str] = {}
    for su in seed.users or [SeedUser(name="Site Admin", email="admin@acme.test", admin=True)]:
        aid = su.account_id or env.id("", 24, HEX)
        state.users[aid] = User(account_id=aid, display_name=su.name, email=su.email, active=su.active,
                                admin=su.admin, time_zone=su.time_zone,
                                account_type="app" if su.app else "atlassian")
        for ref in (aid, su.name, su.email):
            if ref:
                refs.setdefault(ref.lower(), aid)

    def uid(ref: str, field: str) -> str:
        aid = refs.get(ref.lower())
        if aid is None:
            raise ValueError(f"seed.jira.{field}: unknown user {ref!r}; "
                             "name a user of seed.jira.users by accountId, email or name")
        return aid

    state.me = uid(seed.me, "me") if seed.me else next(iter(state.users))
    status_ids = {s.name.lower(): s.id for s in state.statuses.values()}
    for ss in seed.statuses:
        sid = ss.id or state.next_id("status", 10100)
        state.statuses[sid] = StatusDef(id=sid, name=ss.name, category=ss.category)
        status_ids[ss.name.lower()] = sid

    def status_id(name: str, field: str) -> str:
        sid = status_ids.get(name.lower())
        if sid is None:
            raise ValueError(f"seed.jira.{field}: unknown status {name!r}; use one of "
                             f"{', '.join(s.name for s in state.statuses.values())} or add it to seed.jira.statuses")
        return sid

    for w, sw in enumerate(seed.workflows):
        at = f"workflows[{w}]"
        trs = [Transition(id=st.id or str(11 + 10 * i), name=st.name, to=status_id(st.to, f"{at}.transitions[{i}].to"),
                          sources=[status_id(s, f"{at}.transitions[{i}].from[{j}]") for j, s in enumerate(st.sources)])
               for i, st in enumerate(sw.transitions)]
        state.workflows[sw.name] = Workflow(name=sw.name, transitions=trs,
                                            statuses=[status_id(s, f"{at}.statuses[{j}]")
                                                      for j, s in enumerate(sw.statuses)])
    type_ids = {t.name.lower(): t.id for t in state.issue_types.values()}

    def type_id(name: str, field: str) -> str:
        tid = type_ids.get(name.lower())
        if tid is None:
            raise ValueError(f"seed.jira.{field}: unknown issue type {name!r}; use one of "
                             f"{', '.join(t.name for t in state.issue_types.values())}")
        return tid

    projects: dict[str, Project] = {}
    for k, sp in enumerate(seed.projects or [SeedProject(key="PROJ", name="Project")]):
        at = f"projects[{k}]"
        workflow = WORKFLOW_ALIASES.get(sp.workflow.lower(), sp.workflow)
        if workflow not in state.workflows:
            raise ValueError(f"seed.jira.{at}.workflow: unknown workflow {sp.workflow!r}; use simplified "
                             f"(the default), classic (with In Review) or one of seed.jira.workflows")
        if sp.key.upper() in projects:
            raise ValueError(f"seed.jira.{at}.key: two projects have the key {sp.key!r}")
        pid = sp.id or state.next_id("project")
        types = ([type_id(t, f"{at}.issue_types[{j}]") for j, t in enumerate(sp.issue_types)] if sp.issue_types
                 else list(state.issue_types))
        p = Project(id=pid, key=sp.key, name=sp.name or sp.key.title(),
                    lead=uid(sp.lead, f"{at}.lead") if sp.lead else state.me,
                    workflow=workflow, issue_types=types, description=sp.description,
                    members=[uid(m, f"{at}.members[{j}]") for j, m in enumerate(sp.members)], archived=sp.archived)
        state.projects[pid] = p
        projects[sp.key.upper()] = p
    _agile(state, env, seed, projects, uid)
    prio_ids = {p.name.lower(): p.id for p in state.priorities.values()}
    for k, si in enumerate(seed.issues):
        _issue(state, env, si, projects, uid, status_id, type_id, prio_ids, f"issues[{k}]")
    for k, sp2 in enumerate(seed.sprints):
        sprint_id = next(x.id for x in state.sprints.values() if x.name == sp2.name)
        for j, key in enumerate(sp2.issues):
            _sprint_issue(state, state.issues[_key(state, key, f"sprints[{k}].issues[{j}]")], sprint_id)
    for k, sf in enumerate(seed.filters):
        fid = state.next_id("filter")
        owner = uid(sf.owner, f"filters[{k}].owner") if sf.owner else state.me
        state.filters[fid] = Filter(id=fid, name=sf.name, jql=sf.jql, owner=owner, description=sf.description,
                                    favourite_of=[owner] if sf.favourite else [])
    for k, sl in enumerate(seed.links):
        at = f"links[{k}]"
        lt = next((t for t in state.link_types.values() if t.name.lower() == sl.type.lower()), None)
        if lt is None:
            raise ValueError(f"seed.jira.{at}.type: unknown link type {sl.type!r}; use one of "
                             f"{', '.join(t.name for t in state.link_types.values())}")
        lid = state.next_id("link")
        state.links[lid] = Link(id=lid, type=lt.id, inward=_key(state, sl.inward, f"{at}.inward"),
                                outward=_key(state, sl.outward, f"{at}.outward"))
    return state


def _sprint_issue(state: JiraState, iss: IssueRec, sprint_id: int) -> None:
    if state.sprints[sprint_id].state == "closed":
        if sprint_id not in iss.closed_sprints:
            iss.closed_sprints.append(sprint_id)
    else:
        iss.sprint = sprint_id


def _agile(state: JiraState, env: Env, seed: JiraSeed, projects: dict[str, Project], uid: Any) -> None:
    """Versions, components, boards and sprints (before issues, which name them)."""

    def project_of(key: str, field: str) -> Project:
        p = projects.get(key.upper())
        if p is None:
            raise ValueError(f"seed.jira.{field}: unknown project {key!r}; use one of {', '.join(projects)}")
        return p

    for k, sv in enumerate(seed.versions):
        p = project_of(sv.project, f"versions[{k}].project")
        vid = state.next_id("version")
        state.versions[vid] = Version(id=vid, project=p.id, name=sv.name, description=sv.description,
                                      released=sv.released, archived=sv.archived, release_date=sv.release_date,
                                      start_date=sv.start_date)
    for k, sc in enumerate(seed.components):
        p = project_of(sc.project, f"components[{k}].project")
        cid = state.next_id("component")
        state.components[cid] = Component(id=cid, project=p.id, name=sc.name, description=sc.description,
                                          lead=uid(sc.lead, f"components[{k}].lead") if sc.lead else None)
    boards = seed.boards or [SeedBoard(name=f"{p.key} board", project=p.key) for p in projects.values()]
    for k, sb in enumerate(boards):
        if sb.type not in ("scrum", "kanban"):
            raise ValueError(f"seed.jira.boards[{k}].type: {sb.type!r} is not scrum or kanban")
        p = project_of(sb.project, f"boards[{k}].project")
        bid = int(state.next_id("board", 1))
        state.boards[bid] = Board(id=bid, name=sb.name, type=sb.type, project=p.id)
    for k, ss in enumerate(seed.sprints):
        at = f"sprints[{k}]"
        board = next((b for b in state.boards.values() if b.name == ss.board), None)
        if board is None:
            raise ValueError(f"seed.jira.{at}.board: unknown board {ss.board!r}; use one of "
                             f"{', '.join(b.name for b in state.boards.values())}")
        if ss.state not in ("future", "active", "closed"):
            raise ValueError(f"seed.jira.{at}.state: {ss.state!r} is not future, active or closed")
        try:
            start = when(ss.start, env.now) if ss.start else None
            end = when(ss.end, env.now) if ss.end else None
        except ValueError:
            raise ValueError(f"seed.jira.{at}: start and end are ISO times or relative ones like -7d") from None
        sid = int(state.next_id("sprint", 1))
        state.sprints[sid] = Sprint(id=sid, board=board.id, name=ss.name, state=ss.state, start=start, end=end,
                                    goal=ss.goal, created=env.now,
                                    complete=end if ss.state == "closed" else None)


def _key(state: JiraState, key: str, field: str) -> str:
    iid = state.keys.get(key.upper())
    if iid is None:
        raise ValueError(f"seed.jira.{field}: unknown issue {key!r}; name an issue seeded above it by its key")
    return iid


def _issue(state: JiraState, env: Env, si: SeedIssue, projects: dict[str, Project], uid: Any,
           status_id: Any, type_id: Any, prio_ids: dict[str, str], at: str) -> None:
    pkey = (si.project or (si.key or "").rpartition("-")[0]).upper()
    p = projects.get(pkey)
    if p is None:
        raise ValueError(f"seed.jira.{at}.{'project' if si.project else 'key'}: unknown project {pkey!r}; "
                         f"use one of {', '.join(projects)}")
    if si.key:
        digits = si.key.rpartition("-")[2]
        if not digits.isdigit():
            raise ValueError(f"seed.jira.{at}.key: {si.key!r} is not an issue key like {p.key}-12")
        num = int(digits)
        if f"{p.key}-{num}" in state.keys:
            raise ValueError(f"seed.jira.{at}.key: two issues have the key {si.key!r}")
        p.next_num = max(p.next_num, num + 1)
    else:
        num = p.next_num
        p.next_num += 1
    wf = state.workflows[p.workflow]
    status = status_id(si.status, f"{at}.status") if si.status else wf.statuses[0]
    if si.priority and si.priority.lower() not in prio_ids:
        raise ValueError(f"seed.jira.{at}.priority: unknown priority {si.priority!r}; use one of "
                         f"{', '.join(p.name for p in state.priorities.values())}")
    try:
        created = when(si.created, env.now)
        updated = when(si.updated, created) if si.updated else created
    except ValueError:
        raise ValueError(f"seed.jira.{at}.{'updated' if si.updated else 'created'}: not a time; "
                         "write an ISO time or a relative one like -3d") from None
    iid = state.next_id("issue")
    resolution = si.resolution
    if resolution is None and state.statuses[status].category == "done":
        resolution = "Done"
    reporter = uid(si.reporter, f"{at}.reporter") if si.reporter else state.me
    iss = IssueRec(
        id=iid, key=f"{p.key}-{num}", project=p.id, issuetype=type_id(si.type, f"{at}.type"), summary=si.summary,
        status=status, priority=prio_ids[si.priority.lower()] if si.priority else state.default_priority,
        reporter=reporter, creator=reporter,
        created=created, updated=updated, description=si.description,
        assignee=uid(si.assignee, f"{at}.assignee") if si.assignee else None, labels=list(si.labels),
        duedate=si.duedate, parent=_key(state, si.parent, f"{at}.parent") if si.parent else None,
        resolution=resolution, resolved=updated if resolution else None, status_changed=updated,
        watchers=[uid(w, f"{at}.watchers[{j}]") for j, w in enumerate(si.watchers)],
        votes=[uid(v, f"{at}.votes[{j}]") for j, v in enumerate(si.votes)],
    )

    def named(table: dict[str, Any], name: str, field: str) -> str:
        hit = next((x.id for x in table.values() if x.project == p.id and x.name.lower() == name.lower()), None)
        if hit is None:
            raise ValueError(f"seed.jira.{at}.{field}: {p.key} has no {field.rstrip('s').replace('_', ' ')} "
                             f"{name!r}; add it to seed.jira.{'versions' if 'version' in field else 'components'}")
        return hit

    iss.fix_versions = [named(state.versions, v, "fix_versions") for v in si.fix_versions]
    iss.components = [named(state.components, c, "components") for c in si.components]
    if si.sprint:
        sp = next((x for x in state.sprints.values() if x.name == si.sprint), None)
        if sp is None:
            raise ValueError(f"seed.jira.{at}.sprint: unknown sprint {si.sprint!r}; add it to seed.jira.sprints")
        _sprint_issue(state, iss, sp.id)
    for j, sc in enumerate(si.comments):
        try:
            t = when(sc.created, updated)
        except ValueError:
            raise ValueError(f"seed.jira.{at}.comments[{j}].created: not a time; "
                             "write an ISO time or a relative one like -3d") from None
        author = uid(sc.author, f"{at}.comments[{j}].author") if sc.author else state.me
        iss.comments.append(Comment(id=state.next_id("comment"), author=author, body=sc.body, created=t, updated=t))
    state.issues[iid] = iss
    state.keys[iss.key] = iid


__all__ = ["CLASSIC_WORKFLOW", "DEFAULT_WORKFLOW", "RESOLUTIONS", "JiraSeed", "build", "when"]
