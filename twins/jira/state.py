"""Jira Cloud state: users, projects and their workflows, issues and what hangs off them.

Synchronous, no I/O, no HTTP. Ids are numeric strings from per-kind counters (`seq`); times are
epoch seconds (rendered as `2024-01-01T12:00:00.000+0000` on the wire). Rich text is stored once:
`description`/`body` hold the plain text, `*_adf` the Atlassian Document a v3 client sent (if any).

Every struct is `gc=False`: a state is a tree (decoded from a snapshot, changed in place by handlers, never
pointing back at itself), so the cycle collector need not track its issues, comments and histories in each
of the worlds in flight."""

from __future__ import annotations

from typing import Any

import msgspec


class User(msgspec.Struct, omit_defaults=True, gc=False):
    account_id: str
    display_name: str
    email: str = ""
    active: bool = True
    admin: bool = False
    time_zone: str = "UTC"
    account_type: str = "atlassian"  # atlassian | app


class StatusDef(msgspec.Struct, omit_defaults=True, gc=False):
    id: str
    name: str
    category: str  # new | indeterminate | done
    description: str = ""


class IssueType(msgspec.Struct, omit_defaults=True, gc=False):
    id: str
    name: str
    description: str = ""
    subtask: bool = False
    hierarchy_level: int = 0


class Priority(msgspec.Struct, omit_defaults=True, gc=False):
    id: str
    name: str
    rank: int = 0  # 1 is the highest


class Transition(msgspec.Struct, omit_defaults=True, gc=False):
    id: str
    name: str
    to: str  # status id
    sources: list[str] = []  # status ids it leaves from; empty: from any status (global)


class Workflow(msgspec.Struct, omit_defaults=True, gc=False):
    name: str
    statuses: list[str]  # status ids, the first is the initial one
    transitions: list[Transition]


class LinkType(msgspec.Struct, omit_defaults=True, gc=False):
    id: str
    name: str
    inward: str
    outward: str


class Project(msgspec.Struct, omit_defaults=True, gc=False):
    id: str
    key: str
    name: str
    lead: str  # accountId
    workflow: str  # workflow name
    issue_types: list[str] = []  # issue type ids
    description: str = ""
    project_type: str = "software"
    members: list[str] = []  # accountIds allowed to browse; empty: everyone
    archived: bool = False
    next_num: int = 1


class Comment(msgspec.Struct, omit_defaults=True, gc=False):
    id: str
    author: str
    body: str
    created: float
    updated: float
    body_adf: Any = None
    update_author: str = ""


class Worklog(msgspec.Struct, omit_defaults=True, gc=False):
    id: str
    author: str
    seconds: int
    started: float
    created: float
    comment: str = ""
    comment_adf: Any = None


class Attachment(msgspec.Struct, omit_defaults=True, gc=False):
    id: str
    issue: str  # issue id
    filename: str
    author: str
    created: float
    size: int
    mime_type: str = "application/octet-stream"
    content: bytes = b""


class Change(msgspec.Struct, omit_defaults=True, gc=False):
    field: str
    from_id: str | None = None
    from_string: str | None = None
    to_id: str | None = None
    to_string: str | None = None


class History(msgspec.Struct, omit_defaults=True, gc=False):
    id: str
    author: str
    created: float
    items: list[Change] = []


class Issue(msgspec.Struct, omit_defaults=True, gc=False):
    id: str
    key: str
    project: str  # project id
    issuetype: str  # issue type id
    summary: str
    status: str  # status id
    priority: str  # priority id
    reporter: str
    creator: str
    created: float
    updated: float
    description: str | None = None
    description_adf: Any = None
    assignee: str | None = None
    labels: list[str] = []
    duedate: str | None = None  # YYYY-MM-DD
    parent: str | None = None  # issue id
    resolution: str | None = None  # resolution name
    resolved: float | None = None
    status_changed: float | None = None
    comments: list[Comment] = []
    worklogs: list[Worklog] = []
    watchers: list[str] = []
    attachments: list[str] = []  # attachment ids
    changelog: list[History] = []
    fix_versions: list[str] = []  # version ids
    versions: list[str] = []  # affects versions (ids)
    components: list[str] = []  # component ids
    sprint: int | None = None  # the sprint it is in (future or active; closed ones keep their issues' history)
    closed_sprints: list[int] = []
    votes: list[str] = []  # accountIds
    remote_links: list[RemoteLink] = []


class RemoteLink(msgspec.Struct, omit_defaults=True, gc=False):
    """A link from an issue to something outside Jira (a web page, a Confluence page, a PR)."""

    id: str
    url: str
    title: str
    global_id: str | None = None
    summary: str | None = None
    relationship: str | None = None
    icon: dict[str, Any] | None = None
    status: dict[str, Any] | None = None
    application: dict[str, Any] | None = None


class Version(msgspec.Struct, omit_defaults=True, gc=False):
    id: str
    project: str  # project id
    name: str
    description: str = ""
    released: bool = False
    archived: bool = False
    release_date: str | None = None  # YYYY-MM-DD
    start_date: str | None = None


class Component(msgspec.Struct, omit_defaults=True, gc=False):
    id: str
    project: str  # project id
    name: str
    description: str = ""
    lead: str | None = None  # accountId
    assignee_type: str = "PROJECT_DEFAULT"


class Board(msgspec.Struct, omit_defaults=True, gc=False):
    id: int
    name: str
    type: str  # scrum | kanban
    project: str  # project id the board's filter selects
    filter: str | None = None  # filter id


class Sprint(msgspec.Struct, omit_defaults=True, gc=False):
    id: int
    board: int  # origin board id
    name: str
    state: str = "future"  # future | active | closed
    start: float | None = None
    end: float | None = None
    complete: float | None = None
    created: float | None = None
    goal: str = ""


class Filter(msgspec.Struct, omit_defaults=True, gc=False):
    id: str
    name: str
    jql: str
    owner: str  # accountId
    description: str = ""
    favourite_of: list[str] = []  # accountIds that starred it


class Link(msgspec.Struct, omit_defaults=True, gc=False):
    """`inward` <type.outward> `outward`: for Blocks, the inward issue blocks the outward one."""

    id: str
    type: str  # link type id
    inward: str  # issue id
    outward: str  # issue id


class Webhook(msgspec.Struct, omit_defaults=True, gc=False):
    """A dynamic webhook an app registered (POST /rest/api/3/webhook): `events` for issues matching
    `jql`, POSTed to `url` until `expires` (world time)."""

    id: int
    url: str
    events: list[str]
    jql: str
    expires: float
    owner: str = ""  # the accountId that registered it
    field_ids: list[str] | None = None
    property_keys: list[str] | None = None


class JiraState(msgspec.Struct, omit_defaults=True, gc=False):
    site: str  # https://<site>.atlassian.net, used when the door has no base URL
    me: str  # the accountId a world's default token acts as
    users: dict[str, User] = {}
    statuses: dict[str, StatusDef] = {}
    issue_types: dict[str, IssueType] = {}
    priorities: dict[str, Priority] = {}
    default_priority: str = "3"
    workflows: dict[str, Workflow] = {}
    link_types: dict[str, LinkType] = {}
    projects: dict[str, Project] = {}
    issues: dict[str, Issue] = {}  # by id
    keys: dict[str, str] = {}  # issue key (current and moved) -> id
    links: dict[str, Link] = {}
    attachments: dict[str, Attachment] = {}
    versions: dict[str, Version] = {}
    components: dict[str, Component] = {}
    boards: dict[int, Board] = {}
    sprints: dict[int, Sprint] = {}
    filters: dict[str, Filter] = {}
    webhooks: dict[int, Webhook] = {}  # dynamic webhooks, by id (ops_webhooks.py)
    seq: dict[str, int] = {}  # next numeric id per kind

    def next_id(self, kind: str, start: int = 10000) -> str:
        n = self.seq.get(kind, start)
        self.seq[kind] = n + 1
        return str(n)
