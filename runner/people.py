"""People: one identity across twins. A scenario's `people:` names each person once (name, email,
title, manager, department, timezone, admin) and dtu creates them consistently in every twin the
scenario seeds: an Okta user, a Slack member, a Jira account, a Google user.

    people:
      - {name: Tom Reed, email: tom.reed@acme.test, title: Engineer, manager: marcus.chen@acme.test}
      - {name: Marcus Chen, email: marcus.chen@acme.test, title: Engineering Manager, me: true}
    seed:
      slack: {channels: [{name: eng, members: [tom.reed, marcus.chen]}]}
      okta: {}

A person's Slack handle is `handle` (default: the email's local part). `me: true` makes them the
acting user in each twin whose seed names none. `ids:` pins a twin's id for them (`{okta: 00u...,
slack: U..., jira: <accountId>}`) when checks or the reference plan name it. A twin's own seed may
still list a user the people also name (same email, or the same Slack handle or Jira name): that
twin then takes its own entry and not the person's, for edge cases.

The people come first in each twin's user list, the scenario's own users after them, the way a
generated organisation (`seed.generate`) comes first."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any

import msgspec

from .life_spec import Act
from .life_spec import problems as act_problems

TWINS = ("okta", "slack", "jira", "google")


class PersonSpec(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """One entry of `people:`."""

    name: Annotated[str, msgspec.Meta(min_length=1)]
    email: Annotated[str, msgspec.Meta(pattern=r"^([^@\s]+@[^@\s]+|\$\{[A-Za-z_][\w.]*\})$")]
    """An email, or a generated person's (`${boss.email}`, a `vars:` draw from `seed.generate`)."""
    title: str = ""
    manager: str = ""  # another person's email
    department: str = ""
    timezone: str = "UTC"
    handle: str = ""  # the Slack handle (default: the email's local part)
    me: bool = False
    admin: bool = False  # an administrator in every twin that has them (Okta, Slack, Jira)
    ids: dict[str, str] = {}  # twin -> the id this person has there (okta, slack, jira)
    acts: list[Act] = []  # what they do: scheduled actions and reactive rules (runner/life_spec.py)
    persona: str = ""  # a short description; a model writes their replies (runner/persona.py)

    @property
    def generated(self) -> bool:
        """Someone of the generated organisation (`email: ${var.email}`): already in every twin."""
        return self.email.startswith("${")

    @property
    def slack_handle(self) -> str:
        return self.handle or self.email.split("@", 1)[0]

    @property
    def first_last(self) -> tuple[str, str]:
        first, _, last = self.name.rpartition(" ")
        return (first, last) if first else (self.name, "")


def problems(people: Sequence[PersonSpec], seeded: Sequence[str]) -> list[tuple[str, str]]:
    """(field, message) for each mistake in `people:` (empty: none)."""
    out: list[tuple[str, str]] = []
    if people and not any(t in TWINS or t == "generate" for t in seeded):
        out.append(("people", f"no twin the people can live in is seeded; seed one of {', '.join(TWINS)} "
                              "(an empty `seed: {slack: {}}` will do) or generate an organisation"))
    for i, p in enumerate(people):
        if p.generated and "generate" not in seeded:
            out.append((f"people[{i}].email", f"{p.email} names a generated person, but the scenario has no "
                                              "`seed.generate`"))
        if p.generated and p.me:
            out.append((f"people[{i}].me", "a generated person cannot be me (the agent acts as the org's admin)"))
    emails = [p.email.lower() for p in people]
    handles = [p.slack_handle for p in people]
    for i, p in enumerate(people):
        if emails.index(p.email.lower()) != i:
            out.append((f"people[{i}].email", f"{p.email} is already people[{emails.index(p.email.lower())}]"))
        if handles.index(p.slack_handle) != i:
            out.append((f"people[{i}].handle", f"the Slack handle {p.slack_handle} is already "
                                               f"people[{handles.index(p.slack_handle)}]'s"))
        if p.manager and p.manager.lower() not in emails:
            out.append((f"people[{i}].manager", f"{p.manager} is not the email of anyone in people"))
        if p.manager and p.manager.lower() == p.email.lower():
            out.append((f"people[{i}].manager", "a person cannot be their own manager"))
        for twin in p.ids:
            if twin not in ("okta", "slack", "jira"):
                out.append((f"people[{i}].ids.{twin}", "ids can be pinned for okta, slack and jira"))
        out += [(f"people[{i}].{field}", msg) for field, msg in act_problems(p.acts, p.persona)]
    mes = [i for i, p in enumerate(people) if p.me]
    if len(mes) > 1:
        out.append((f"people[{mes[1]}].me", f"only one person can be me (people[{mes[0]}] is)"))
    return out


def _own(twin: str, explicit: Mapping[str, Any], p: PersonSpec) -> bool:
    """Whether the twin's own seed lists this person already (then it keeps its own entry)."""
    for u in (explicit.get(twin) or {}).get("users") or []:
        if not isinstance(u, Mapping):
            continue
        email = str(u.get("email") or u.get("login") or "").lower()
        if email and email == p.email.lower():
            return True
        if twin == "slack" and u.get("name") == p.slack_handle:
            return True
        if twin == "jira" and u.get("name") == p.name:
            return True
    return False


def _user(twin: str, p: PersonSpec) -> dict[str, Any]:
    first, last = p.first_last
    if twin == "okta":
        u: dict[str, Any] = {"login": p.email, "email": p.email, "firstName": first, "lastName": last,
                             "profile": {"timezone": p.timezone}}
        u.update({k: v for k, v in (("title", p.title), ("department", p.department),
                                    ("manager", p.manager), ("admin", p.admin)) if v})
    elif twin == "slack":
        u = {"name": p.slack_handle, "real_name": p.name, "email": p.email, "title": p.title, "tz": p.timezone,
             "is_admin": p.admin}
    elif twin == "jira":
        u = {"name": p.name, "email": p.email, "time_zone": p.timezone, "admin": p.admin}
    else:
        u = {"email": p.email, "name": p.name}
    if twin in p.ids:
        u["account_id" if twin == "jira" else "id"] = p.ids[twin]
    return u


def _me(twin: str, p: PersonSpec) -> str:
    return p.slack_handle if twin == "slack" else p.email


def seed(people: Sequence[PersonSpec], explicit: Mapping[str, Any]) -> dict[str, Any]:
    """The people as seed data for every twin the scenario seeds (to go before its own seed)."""
    out: dict[str, Any] = {}
    for twin in TWINS:
        if twin not in explicit:
            continue
        users = [_user(twin, p) for p in people if not p.generated and not _own(twin, explicit, p)]
        data: dict[str, Any] = {"users": users}
        me = next((p for p in people if p.me), None)
        if me is not None and not (explicit.get(twin) or {}).get("me"):
            data["me"] = _me(twin, me)
        out[twin] = data
    return out
