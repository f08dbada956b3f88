"""Generated organisations: `seed: {generate: {org: acme, users: 500}}` builds one deterministic
company across every twin (people with managers and departments in Okta groups, matching Slack
members and channels, Jira projects with issues in several states, Drive folders with docs and
sheets owned by the people) from the run seed. It is built once per run and snapshotted.

Scenarios refer to generated people by role through `vars:` (see `resolve_vars`), so each trial
can draw different actors from the same template."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any

import msgspec

from dtu.twins.core.env import ALNUM, ALNUM_UPPER, Env

from .errors import DtuError

MAX_USERS = 10_000

FIRST = ("Ada", "Ben", "Cleo", "Dana", "Eli", "Fay", "Gus", "Hana", "Ivan", "Jade", "Kai", "Lena", "Milo", "Nora",
         "Omar", "Pia", "Quinn", "Rosa", "Sam", "Tara", "Uma", "Vik", "Wren", "Xia", "Yuri", "Zoe", "Alan", "Bea",
         "Cruz", "Dev", "Emma", "Finn", "Gia", "Hugo", "Iris", "Joel", "Kira", "Leo", "Maya", "Nico")
LAST = ("Abbott", "Baker", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Hughes", "Ito", "Jones", "Khan", "Lopez",
        "Moreau", "Nakamura", "Okafor", "Patel", "Quist", "Rossi", "Silva", "Tanaka", "Ueda", "Varga", "Weber",
        "Xu", "Young", "Zimmer", "Adler", "Brooks", "Costa", "Dubois", "Ekström", "Fox")
DEPARTMENTS = ("Engineering", "Sales", "Marketing", "Finance", "People", "Support", "Design", "Product")
TITLES = {"Engineering": ("Software Engineer", "Senior Engineer", "Staff Engineer", "SRE"),
          "Sales": ("Account Executive", "Sales Engineer"), "Marketing": ("Marketing Manager", "Content Lead"),
          "Finance": ("Accountant", "Financial Analyst"), "People": ("Recruiter", "People Partner"),
          "Support": ("Support Engineer", "Support Specialist"), "Design": ("Product Designer",),
          "Product": ("Product Manager",)}
APPS = ("Slack", "Jira", "Google Workspace", "GitHub", "Salesforce", "Zoom")
ISSUE_STATES = ("To Do", "To Do", "In Progress", "In Review", "Done")


class Generate(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """`seed.generate`: the size and shape of the organisation (bounded: at most MAX_USERS people)."""

    org: Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{0,39}$")] = "acme"
    users: Annotated[int, msgspec.Meta(ge=2, le=MAX_USERS)] = 50
    departments: Annotated[int, msgspec.Meta(ge=1, le=len(DEPARTMENTS))] = 6
    channels_per_department: Annotated[int, msgspec.Meta(ge=1, le=20)] = 1
    issues_per_project: Annotated[int, msgspec.Meta(ge=0, le=1000)] = 20
    docs_per_department: Annotated[int, msgspec.Meta(ge=0, le=100)] = 3
    twins: tuple[str, ...] = ("okta", "slack", "jira", "google")


class Person(msgspec.Struct, frozen=True):
    """One generated person, as scenarios see them through `vars` (`${leaver.email}`)."""

    index: int
    first: str
    last: str
    name: str
    handle: str
    email: str
    login: str
    department: str
    title: str
    manager: str  # handle of the manager, "" for the CEO
    okta_id: str
    slack_id: str
    jira_id: str
    is_manager: bool = False


def _id(env: Env, prefix: str, length: int, alphabet: str = ALNUM) -> str:
    return prefix + env.token(length - len(prefix), alphabet)


def people(spec: Generate, env: Env) -> list[Person]:
    """The staff: a CEO, a head per department reporting to the CEO, everyone else reporting to
    their department's head."""
    depts = DEPARTMENTS[: max(1, min(spec.departments, len(DEPARTMENTS)))]
    domain = f"{spec.org}.test"
    out: list[Person] = []
    taken: set[str] = set()
    heads: dict[str, str] = {}
    for i in range(max(2, spec.users)):
        first = FIRST[env.randint(0, len(FIRST) - 1)]
        last = LAST[env.randint(0, len(LAST) - 1)]
        handle = f"{first}.{last}".lower()
        n = 2
        while handle in taken:
            handle = f"{first}.{last}{n}".lower()
            n += 1
        taken.add(handle)
        if i == 0:
            dept, title, manager, is_mgr = "Executive", "CEO", "", True
        elif i <= len(depts):
            dept = depts[i - 1]
            title, manager, is_mgr = f"Head of {dept}", out[0].handle, True
            heads[dept] = handle
        else:
            dept = depts[env.randint(0, len(depts) - 1)]
            title = TITLES[dept][env.randint(0, len(TITLES[dept]) - 1)]
            manager, is_mgr = heads[dept], False
        email = f"{handle}@{domain}"
        out.append(Person(index=i, first=first, last=last, name=f"{first} {last}", handle=handle, email=email,
                          login=email, department=dept, title=title, manager=manager,
                          okta_id=_id(env, "00u", 20), slack_id=_id(env, "U", 11, ALNUM_UPPER),
                          jira_id=f"712020:{env.token(8, '0123456789abcdef')}-{env.token(4, '0123456789abcdef')}",
                          is_manager=is_mgr))
    return out


def _okta(staff: list[Person], spec: Generate) -> dict[str, Any]:
    depts = sorted({p.department for p in staff})
    by_handle = {p.handle: p for p in staff}
    users = [{"id": p.okta_id, "login": p.login, "email": p.email, "firstName": p.first, "lastName": p.last,
              "title": p.title, "department": p.department,
              "manager": by_handle[p.manager].login if p.manager else None,
              "groups": [p.department] + (["Managers"] if p.is_manager else []),
              "admin": p.index == 0} for p in staff]
    # Okta's built-in Everyone group already holds every user
    groups = [{"name": "Managers"}] + [{"name": d, "description": f"{d} department"} for d in depts]
    wanted = {"Jira": ["Engineering", "Product"], "GitHub": ["Engineering"], "Salesforce": ["Sales"]}
    apps = [{"label": a, "groups": [g for g in wanted.get(a, ["Everyone"]) if g in depts] or ["Managers"]}
            for a in APPS]
    return {"org": spec.org, "me": staff[0].login, "users": users, "groups": groups, "apps": apps}


def _slack(staff: list[Person], spec: Generate) -> dict[str, Any]:
    depts = sorted({p.department for p in staff})
    users = [{"id": p.slack_id, "name": p.handle, "real_name": p.name, "email": p.email, "title": p.title,
              "is_admin": p.index == 0} for p in staff]
    channels: list[dict[str, Any]] = [{"name": "general", "general": True, "members": [p.handle for p in staff],
                                       "messages": [{"user": staff[0].handle, "text": f"Welcome to {spec.org}!"}]},
                                      {"name": "random", "members": [p.handle for p in staff[::2]]}]
    for d in depts:
        members = [p.handle for p in staff if p.department == d] + [staff[0].handle]
        slug = d.lower()
        channels.append({"name": f"team-{slug}", "members": sorted(set(members))})
        for k in range(1, spec.channels_per_department):
            channels.append({"name": f"{slug}-project-{k}", "members": sorted(set(members[: 1 + len(members) // 2]))})
    channels.append({"name": "old-announcements", "archived": True, "members": [staff[0].handle]})
    return {"team": {"name": spec.org.title(), "domain": spec.org}, "me": staff[0].handle, "users": users,
            "channels": channels}


def _jira(staff: list[Person], spec: Generate, env: Env) -> dict[str, Any]:
    users = [{"name": p.name, "email": p.email, "account_id": p.jira_id, "admin": p.index == 0} for p in staff]
    teams = [("ENG", "Engineering"), ("SUP", "Support"), ("OPS", "Product")]
    projects, issues = [], []
    for key, dept in teams:
        crew = [p for p in staff if p.department == dept] or staff[:3]
        lead = crew[0]
        projects.append({"key": key, "name": f"{dept} Work", "lead": lead.jira_id})
        for n in range(spec.issues_per_project):
            who = crew[env.randint(0, len(crew) - 1)]
            issues.append({"project": key, "summary": f"{dept} task {n + 1}: {('fix', 'ship', 'review', 'plan')[n % 4]} "
                           f"{('login', 'billing', 'search', 'onboarding', 'reports')[n % 5]}",
                           "type": ("Task", "Bug", "Story")[n % 3], "status": ISSUE_STATES[env.randint(0, 4)],
                           "assignee": who.jira_id, "reporter": lead.jira_id,
                           "priority": ("High", "Medium", "Low")[n % 3]})
    return {"site": spec.org, "me": staff[0].jira_id, "users": users, "projects": projects, "issues": issues}


def _google(staff: list[Person], spec: Generate) -> dict[str, Any]:
    depts = sorted({p.department for p in staff})
    users = [{"email": p.email, "name": p.name} for p in staff]
    files: list[dict[str, Any]] = []
    for d in depts:
        crew = [p for p in staff if p.department == d]
        owner = crew[0]
        folder = f"{d} Shared"
        files.append({"name": folder, "kind": "folder", "owner": owner.email,
                      "permissions": [{"role": "writer", "email": p.email} for p in crew[1:6]]})
        for k in range(spec.docs_per_department):
            author = crew[k % len(crew)]
            files.append({"name": f"{d} notes {k + 1}", "kind": "doc", "owner": author.email, "parents": [folder],
                          "text": f"{d} notes {k + 1}\nOwner: {author.name}\n"})
        files.append({"name": f"{d} budget", "kind": "sheet", "owner": owner.email, "parents": [folder],
                      "sheets": {"Sheet1": [["Item", "Amount"], ["Tools", 1200], ["Travel", 800]]}})
    return {"domain": f"{spec.org}.test", "me": staff[0].email, "users": users, "files": files}


def generate(spec: Generate, seed: int) -> tuple[dict[str, Any], list[Person]]:
    """Seed data for each twin, and the staff it was built from."""
    env = Env(seed, 0.0)
    staff = people(spec, env)
    out: dict[str, Any] = {}
    if "okta" in spec.twins:
        out["okta"] = _okta(staff, spec)
    if "slack" in spec.twins:
        out["slack"] = _slack(staff, spec)
    if "jira" in spec.twins:
        out["jira"] = _jira(staff, spec, env)
    if "google" in spec.twins:
        out["google"] = _google(staff, spec)
    return out, staff


def merge_seed(generated: Mapping[str, Any], explicit: Mapping[str, Any]) -> dict[str, Any]:
    """The scenario's own seed data added to the generated one (lists appended, scalars replaced)."""
    out = {k: dict(v) for k, v in generated.items()}
    for twin, data in explicit.items():
        if twin == "generate":
            continue
        base = out.setdefault(twin, {})
        for key, value in (data or {}).items():
            if isinstance(value, list) and isinstance(base.get(key), list):
                base[key] = [*base[key], *value]
            else:
                base[key] = value
    return out


_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)\}")


def substitute_vars(x: Any, bound: Mapping[str, Any]) -> Any:
    """Replace `${var.field}` with the bound value; other `${...}` (a plan's saved values) stay."""
    if isinstance(x, str):
        if "${" not in x:
            return x

        def one(m: re.Match[str]) -> str:
            v = bound.get(m.group(1))
            if isinstance(v, dict) and m.group(2) in v:
                return str(v[m.group(2)])
            return m.group(0)

        return _VAR.sub(one, x)
    if isinstance(x, dict):
        return {k: substitute_vars(v, bound) for k, v in x.items()}
    if isinstance(x, list):
        return [substitute_vars(v, bound) for v in x]
    return x


# -- roles --------------------------------------------------------------------------------------------

class NoMatch(DtuError):
    """A var's draw found nobody (possible for a `where` that only non-head people match)."""

    def __init__(self, var: str, message: str) -> None:
        self.var = var
        self.message = message
        self.fix = "widen the var's `where`, or generate more users"
        super().__init__(f"vars.{var}: {message} (fix: {self.fix})")


class Pick(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """A var drawn per trial: `{pick: person, where: {department: Engineering}}`,
    `{manager_of: leaver}`, or `{pick: person, not: [leaver]}`."""

    pick: str = "person"
    where: dict[str, Any] = {}
    manager_of: str | None = None
    not_: list[str] = msgspec.field(default_factory=list, name="not")


class Roster:
    """A generated organisation's people, with what every trial's draw reuses: each `where`'s
    pool (in staff order), each person as plain data, each var's parsed spec. The plain data is
    shared by every trial's binding: read it, never change it."""

    __slots__ = ("_dicts", "_picks", "_pools", "by_handle", "staff")

    def __init__(self, staff: list[Person]) -> None:
        self.staff = staff
        self.by_handle = {p.handle: p for p in staff}
        self._pools: dict[str, list[Person]] = {}
        self._dicts: dict[str, dict[str, Any]] = {}
        self._picks: dict[str, tuple[Mapping[str, Any], Pick]] = {}

    def pick(self, name: str, raw: Mapping[str, Any]) -> Pick:
        kept = self._picks.get(name)
        if kept is not None and kept[0] is raw:
            return kept[1]
        pick = msgspec.convert(raw, Pick)  # checked at load time (pick_problem)
        self._picks[name] = (raw, pick)
        return pick

    def pool(self, where: Mapping[str, Any]) -> list[Person]:
        """Everyone but the organisation's head who matches `where`, in staff order."""
        key = msgspec.json.encode(sorted(where.items())).decode() if where else ""
        pool = self._pools.get(key)
        if pool is None:
            pool = self._pools[key] = [p for p in self.staff if p.index > 0
                                       and all(getattr(p, k, None) == v for k, v in where.items())]
        return pool

    def plain(self, person: Person) -> dict[str, Any]:
        d = self._dicts.get(person.handle)
        if d is None:
            d = self._dicts[person.handle] = msgspec.to_builtins(person)
        return d


def resolve_vars(spec: Mapping[str, Any], staff: list[Person] | Roster, seed: int) -> dict[str, Any]:
    """Bind each var (in order) to a person or a literal, drawing with the trial's seed."""
    roster = staff if isinstance(staff, Roster) else Roster(staff)
    env = Env(seed ^ 0x5EED, 0.0)
    bound: dict[str, Any] = {}
    for name, raw in spec.items():
        if not isinstance(raw, dict):
            bound[name] = raw
            continue
        pick = roster.pick(name, raw)
        if pick.manager_of is not None:
            of = bound[pick.manager_of]
            bound[name] = roster.plain(roster.by_handle[of["manager"]]) if of["manager"] else of
            continue
        pool = roster.pool(pick.where)
        taken = {bound[n]["handle"] for n in pick.not_ if isinstance(bound.get(n), dict)}
        if taken:
            pool = [p for p in pool if p.handle not in taken]
        if not pool:
            raise NoMatch(name, f"nobody in this run's generated organisation matches {raw}")
        bound[name] = roster.plain(pool[env.randint(0, len(pool) - 1)])
    return bound


STABLE = ("department", "title", "is_manager", "index", "first", "last")
"""Fields of a generated person a `where` can rely on; the others (names, handles, ids) are drawn
from the run seed."""


def pick_problem(name: str, raw: Mapping[str, Any], spec: Generate,
                 defined: Mapping[str, bool]) -> tuple[str, str, str] | None:
    """Why the var `name` (`raw`, a mapping) can never be drawn from an organisation `spec`
    generates, as (sub-field, message, fix); None when it can. `defined` maps the vars above it
    to whether each is a person."""
    try:
        pick = msgspec.convert(raw, Pick)
    except msgspec.ValidationError as e:
        msg, _, where = str(e).partition(" - at `$")
        return (where.rstrip("`"), msg,
                "write {pick: person, where: {...}, not: [...]} or {manager_of: <an earlier var>}")
    if pick.pick != "person":
        return ".pick", f"unknown pick {pick.pick!r}", "use `pick: person`"
    for key, ref in [("manager_of", pick.manager_of)] + [("not", n) for n in pick.not_]:
        if ref is None:
            continue
        if ref not in defined:
            return (f".{key}", f"names {ref!r}, which is not a var defined above {name!r}",
                    "define that var earlier in `vars:`")
        if not defined[ref]:
            return f".{key}", f"names {ref!r}, which is a plain value, not a person", "name a var that picks a person"
    if pick.manager_of is not None:
        return None
    fields = set(Person.__struct_fields__)
    for key in pick.where:
        if key not in fields:
            return (f".where.{key}", f"a generated person has no field {key!r}",
                    f"use one of: {', '.join(STABLE)}")
        if key not in STABLE:
            return (f".where.{key}", f"`{key}` is drawn from the run seed, so no value of it can be relied on",
                    f"select by {', '.join(STABLE)}")
    depts = DEPARTMENTS[: max(1, min(spec.departments, len(DEPARTMENTS)))]
    n = max(2, spec.users)
    heads = depts[: n - 1]
    others = range(1 + len(heads), n)
    w = pick.where

    def ok(dept: str, title: str, manager: bool, indexes: range) -> bool:
        return (w.get("department", dept) == dept and w.get("title", title) == title
                and w.get("is_manager", manager) == manager
                and ("index" not in w or w["index"] in indexes)
                and w.get("first", FIRST[0]) in FIRST and w.get("last", LAST[0]) in LAST)

    if any(ok(d, f"Head of {d}", True, range(i, i + 1)) for i, d in enumerate(heads, 1)):
        return None
    if others and any(ok(d, t, False, others) for d in depts for t in TITLES[d]):
        return None
    return (".where", f"nobody in a generated organisation of {n} users matches {dict(w)} "
            f"(departments: {', '.join(depts)}; the CEO is never drawn)",
            "pick a generated department and one of its titles, or generate more users")
