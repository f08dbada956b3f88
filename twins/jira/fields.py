"""Setting issue fields from a request's `fields` and `update` objects, with Jira's validation errors."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from ..core import Ctx
from . import adf
from .errors import JiraError, bad_request
from .ops_common import account_of, assignable
from .render import View
from .seed import RESOLUTIONS
from .state import Change, Comment, History, Issue, JiraState, Project

SETTABLE = frozenset({"summary", "description", "priority", "assignee", "reporter", "labels", "duedate", "parent",
                      "issuetype", "fixVersions", "versions", "components", "customfield_10020"})
MULTI = frozenset({"labels", "fixVersions", "versions", "components"})  # fields `update` can add to / remove from
ADF_ERROR = "Operation value must be an Atlassian Document (see the Atlassian Document Format)"


def cannot_set(name: str) -> str:
    return f"Field '{name}' cannot be set. It is not on the appropriate screen, or unknown."


def rich(value: Any, v3: bool, field: str) -> tuple[str | None, Any]:
    """(plain text, ADF or None) from a description/comment value as a version sends it."""
    if value is None:
        return None, None
    if v3:
        if not adf.is_doc(value):
            raise bad_request(**{field: ADF_ERROR})
        return adf.to_text(value), value
    if not isinstance(value, str):
        raise bad_request(**{field: "Operation value must be a string"})
    return value, None


def ref_of(value: Any) -> tuple[str | None, str | None]:
    """(id, name-or-key) from `{"id": ...}`, `{"name": ...}` or `{"key": ...}`."""
    if isinstance(value, dict):
        ident = value.get("id")
        name = value.get("name", value.get("key"))
        return (str(ident) if ident is not None else None), (str(name) if name is not None else None)
    if isinstance(value, str | int):
        return str(value), str(value)
    return None, None


class Editor:
    """Applies field values to one issue, collecting Jira's per-field errors and the changelog."""

    def __init__(self, ctx: Ctx[JiraState], w: View, iss: Issue, project: Project) -> None:
        self.ctx = ctx
        self.s = ctx.state
        self.w = w
        self.iss = iss
        self.project = project
        self.errors: dict[str, str] = {}
        self.changes: list[Change] = []
        self.comments: list[Any] = []

    def fail(self) -> None:
        if self.errors:
            raise bad_request(**self.errors)

    def change(self, field: str, old: str | None, new: str | None, old_id: str | None = None,
               new_id: str | None = None) -> None:
        if old != new or old_id != new_id:
            self.changes.append(Change(field=field, from_id=old_id, from_string=old, to_id=new_id, to_string=new))

    def set_field(self, name: str, value: Any) -> None:
        try:
            getattr(self, "f_" + name)(value)
        except JiraError as e:
            self.errors.update(e.errors or {name: e.message})

    def apply(self, fields: dict[str, Any], update: dict[str, Any], allowed: frozenset[str] = SETTABLE) -> None:
        if not isinstance(fields, dict) or not isinstance(update, dict):
            raise bad_request("Invalid request payload. 'fields' and 'update' must be objects.")
        for name, value in fields.items():
            if name not in allowed:
                self.errors[name] = cannot_set(name)
                continue
            self.set_field(name, value)
        for name, verbs in update.items():
            if name == "comment":
                for verb in verbs if isinstance(verbs, list) else []:
                    if isinstance(verb, dict) and isinstance(verb.get("add"), dict):
                        try:
                            self.comments.append(rich(verb["add"].get("body"), self.w.v3, "comment"))
                        except JiraError as e:
                            self.errors.update(e.errors)
                continue
            if name not in allowed:
                self.errors[name] = cannot_set(name)
                continue
            for verb in verbs if isinstance(verbs, list) else []:
                for op, value in (verb.items() if isinstance(verb, dict) else ()):
                    if name == "labels" and op in ("add", "remove"):
                        self.label(op, value)
                    elif name in MULTI and op in ("add", "remove"):
                        self.multi(name, op, value)
                    elif op == "set":
                        self.set_field(name, value)
                    else:
                        self.errors[name] = f"Operation '{op}' is not supported for field '{name}'."
        self.fail()

    def commit(self, now: float) -> None:
        iss = self.iss
        for text, doc in self.comments:
            if text is None or not text.strip():
                continue
            iss.comments.append(Comment(id=self.s.next_id("comment"), author=self.ctx.actor, body=text,
                                        body_adf=doc, created=now, updated=now))
        if self.changes:
            iss.changelog.append(History(id=self.s.next_id("history"), author=self.ctx.actor, created=now,
                                         items=self.changes))
            self.changes = []
        iss.updated = now

    # -- fields ---------------------------------------------------------------------------------------
    def f_summary(self, value: Any) -> None:
        if not isinstance(value, str) or not value.strip():
            raise bad_request(summary="You must specify a summary of the issue.")
        if "\n" in value or "\r" in value:
            raise bad_request(summary="The summary is invalid because it contains newline characters.")
        if len(value) > 255:
            raise bad_request(summary="Summary must be less than 255 characters.")
        self.change("summary", self.iss.summary, value)
        self.iss.summary = value

    def f_description(self, value: Any) -> None:
        text, doc = rich(value, self.w.v3, "description")
        self.change("description", self.iss.description, text)
        self.iss.description, self.iss.description_adf = text, doc

    def f_priority(self, value: Any) -> None:
        ident, name = ref_of(value)
        hit = next((x for x in self.s.priorities.values()
                    if x.id == ident or (name and x.name.lower() == name.lower())), None)
        if hit is None:
            raise bad_request(priority="Specify a valid 'id' or 'name' for Priority")
        old = self.s.priorities[self.iss.priority]
        self.change("priority", old.name, hit.name, old.id, hit.id)
        self.iss.priority = hit.id

    def _user(self, field: str, value: Any) -> str | None:
        given, aid = account_of(value)
        if not given:
            raise bad_request(**{field: f"Specify a valid value for {field} (an accountId)."})
        if aid is None:
            return None
        if aid == "-1" and field == "assignee":
            return self.project.lead if self.project.lead in self.s.users else None
        return assignable(self.s, aid, self.project, field)

    def f_assignee(self, value: Any) -> None:
        aid = self._user("assignee", value)
        old, new = self.iss.assignee, aid
        self.change("assignee", self._name(old), self._name(new), old, new)
        self.iss.assignee = aid

    def f_reporter(self, value: Any) -> None:
        aid = self._user("reporter", value)
        if aid is None:
            raise bad_request(reporter="Reporter is required.")
        self.change("reporter", self._name(self.iss.reporter), self._name(aid), self.iss.reporter, aid)
        self.iss.reporter = aid

    def _name(self, aid: str | None) -> str | None:
        return self.s.users[aid].display_name if aid in self.s.users else aid

    def f_labels(self, value: Any) -> None:
        if value is None:
            value = []
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
            raise bad_request(labels="Labels must be a list of strings.")
        for label in value:
            self._check_label(label)
        new = list(dict.fromkeys(value))
        self.change("labels", " ".join(self.iss.labels) or None, " ".join(new) or None)
        self.iss.labels = new

    def _check_label(self, label: Any) -> None:
        if not isinstance(label, str) or not label:
            raise bad_request(labels="Labels must be non-empty strings.")
        if any(c.isspace() for c in label):
            raise bad_request(labels=f"The label '{label}' contains spaces which is invalid.")
        if len(label) > 255:
            raise bad_request(labels="The label must not exceed 255 characters.")

    def label(self, op: str, value: Any) -> None:
        try:
            self._check_label(value)
        except JiraError as e:
            self.errors.update(e.errors)
            return
        labels = list(self.iss.labels)
        if op == "add" and value not in labels:
            labels.append(value)
        elif op == "remove" and value in labels:
            labels.remove(value)
        self.change("labels", " ".join(self.iss.labels) or None, " ".join(labels) or None)
        self.iss.labels = labels

    def f_duedate(self, value: Any) -> None:
        if value is not None:
            try:
                _dt.date.fromisoformat(str(value)[:10])
            except ValueError:
                raise bad_request(duedate=f"Error parsing date string: {value}") from None
            value = str(value)[:10]
        self.change("duedate", self.iss.duedate, value)
        self.iss.duedate = value

    def f_parent(self, value: Any) -> None:
        ident, key = ref_of(value)
        if value is None:
            self.iss.parent = None
            return
        ref = (key or ident or "").upper()
        pid = self.s.keys.get(ref) or (ident if ident in self.s.issues else None)
        if pid is None or pid == self.iss.id:
            raise bad_request(parent="Could not find issue by id or key.")
        self.change("parent", None, self.s.issues[pid].key)
        self.iss.parent = pid

    def f_issuetype(self, value: Any) -> None:
        ident, name = ref_of(value)
        hit = next((self.s.issue_types[t] for t in self.project.issue_types
                    if t == ident or (name and self.s.issue_types[t].name.lower() == name.lower())), None)
        if hit is None:
            raise bad_request(issuetype="Specify a valid issue type")
        old = self.s.issue_types[self.iss.issuetype]
        self.change("issuetype", old.name, hit.name, old.id, hit.id)
        self.iss.issuetype = hit.id

    def f_resolution(self, value: Any) -> None:
        ident, name = ref_of(value)
        hit = next((n for n, rid in RESOLUTIONS.items() if rid == ident or (name and n.lower() == name.lower())),
                   None)
        if hit is None and value is not None:
            raise bad_request(resolution="Specify a valid resolution (Done, Won't Do, Duplicate, Cannot Reproduce).")
        self.change("resolution", self.iss.resolution, hit)
        self.iss.resolution = hit

    # -- versions, components, sprint ------------------------------------------------------------------
    def _catalog(self, name: str) -> tuple[dict[str, Any], list[str]]:
        table: dict[str, Any] = self.s.components if name == "components" else self.s.versions
        current: list[str] = getattr(self.iss, "fix_versions" if name == "fixVersions" else name)
        return table, current

    def _resolve(self, name: str, value: Any) -> str:
        table, _ = self._catalog(name)
        ident, label = ref_of(value)
        hit = next((x.id for x in table.values() if x.project == self.project.id
                    and (x.id == ident or (label is not None and x.name.lower() == label.lower()))), None)
        if hit is None:
            what = "Component" if name == "components" else "Version"
            raise bad_request(**{name: f"{what} name '{label or ident}' is not valid"
                                 if label and not (ident and ident.isdigit()) else
                                 f"{what} id '{ident}' is not valid"})
        return hit

    def _store(self, name: str, ids: list[str]) -> None:
        table, current = self._catalog(name)
        names = [table[x].name for x in current if x in table]
        self.change(name, ", ".join(names) or None, ", ".join(table[x].name for x in ids) or None)
        setattr(self.iss, "fix_versions" if name == "fixVersions" else name, ids)

    def _set_many(self, name: str, value: Any) -> None:
        if value is None:
            value = []
        if not isinstance(value, list):
            raise bad_request(**{name: f"Field '{name}' takes a list of objects with an 'id' or 'name'."})
        self._store(name, list(dict.fromkeys(self._resolve(name, v) for v in value)))

    def f_fixVersions(self, value: Any) -> None:
        self._set_many("fixVersions", value)

    def f_versions(self, value: Any) -> None:
        self._set_many("versions", value)

    def f_components(self, value: Any) -> None:
        self._set_many("components", value)

    def multi(self, name: str, op: str, value: Any) -> None:
        try:
            ident = self._resolve(name, value)
        except JiraError as e:
            self.errors.update(e.errors)
            return
        _, current = self._catalog(name)
        ids = [x for x in current if x != ident] + ([ident] if op == "add" else [])
        self._store(name, ids)

    def f_customfield_10020(self, value: Any) -> None:
        """The Sprint field: a sprint id (a future or active sprint of a board of the project), or null."""
        if value is None:
            self.iss.sprint = None
            return
        sid = value.get("id") if isinstance(value, dict) else value
        sp = self.s.sprints.get(int(sid)) if isinstance(sid, int | str) and str(sid).isdigit() else None
        if sp is None or sp.state == "closed":
            raise bad_request(customfield_10020=f"Sprint with id {sid} does not exist or is closed." if sp is None
                              else "Issue can be assigned only active or future sprints.")
        old = self.s.sprints.get(self.iss.sprint) if self.iss.sprint is not None else None
        self.change("Sprint", old.name if old else None, sp.name, str(old.id) if old else None, str(sp.id))
        self.iss.sprint = sp.id
