"""The Okta view: the admin console's directory of people with their status, groups and app
assignments, the groups and applications, and the System Log when the state holds one.
`sel` is a user, group or app id (its detail panel)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .common import Links, parse_iso, person, render, safe_url, when

STATUS = {"ACTIVE": "Active", "STAGED": "Staged", "PROVISIONED": "Pending user action", "RECOVERY": "Password reset",
          "PASSWORD_EXPIRED": "Password expired", "LOCKED_OUT": "Locked out", "SUSPENDED": "Suspended",
          "DEPROVISIONED": "Deactivated", "INACTIVE": "Inactive"}
SIGN_ON = {"SAML_2_0": "SAML 2.0", "OPENID_CONNECT": "OpenID Connect", "BOOKMARK": "Bookmark",
           "BROWSER_PLUGIN": "SWA", "AUTO_LOGIN": "SWA", "BASIC_AUTH": "Basic auth", "WS_FEDERATION": "WS-Fed"}
LOG_KEYS = ("logs", "system_log", "systemLog")
"""Where an Okta state view holds System Log events (LogEvent shape, oldest first)."""
MAX_LOG = 500  # the newest events shown


def _m(x: Any) -> Mapping[str, Any]:
    return x if isinstance(x, Mapping) else {}


def badge(status: Any) -> dict[str, str]:
    code = str(status or "UNKNOWN")
    return {"code": code, "label": STATUS.get(code, code.replace("_", " ").title()), "cls": code.lower()}


class Okta:
    def __init__(self, state: Mapping[str, Any], base: str) -> None:
        self.users: Mapping[str, Any] = state.get("users") or {}
        self.groups: Mapping[str, Any] = state.get("groups") or {}
        self.apps: Mapping[str, Any] = state.get("apps") or {}
        self.link = Links(base)

    def name(self, u: Mapping[str, Any]) -> str:
        p = _m(u.get("profile"))
        full = " ".join(str(p.get(k) or "") for k in ("firstName", "lastName")).strip()
        return full or str(p.get("displayName") or p.get("login") or u.get("id") or "")

    def user_row(self, uid: str, u: Mapping[str, Any]) -> dict[str, Any]:
        p = _m(u.get("profile"))
        return {"id": uid, "who": person(uid, self.name(u), str(p.get("email") or p.get("login") or "")), "login": str(p.get("login") or ""),
                "email": str(p.get("email") or ""), "status": badge(u.get("status")),
                "groups": [str(g) for g in u.get("groups") or []], "apps": [str(a) for a in u.get("apps") or []],
                "admin": bool(u.get("admin")), "href": self.link("okta", uid),
                "title": str(p.get("title") or ""), "department": str(p.get("department") or "")}

    def user_detail(self, uid: str) -> dict[str, Any]:
        u = self.users[uid]
        row = self.user_row(uid, u)
        p = _m(u.get("profile"))
        profile = [(str(k), "" if v is None else str(v)) for k, v in p.items()]
        dates = [(label, when(parse_iso(u.get(key)))) for label, key in (
            ("Created", "created"), ("Activated", "activated"), ("Status changed", "status_changed"),
            ("Last login", "last_login"), ("Password changed", "password_changed"), ("Last updated", "last_updated"))]
        group_links = [{"name": str(g.get("name") or gid), "href": self.link("okta", gid)}
                       for gid, g in self.groups.items() if isinstance(g, Mapping) and uid in (g.get("members") or [])]
        roles = [str(r.get("label") or r.get("type") or "") for r in u.get("roles") or [] if isinstance(r, Mapping)]
        factors = [{"type": str(f.get("factor_type") or ""), "provider": str(f.get("provider") or ""),
                    "status": badge(f.get("status"))} for f in u.get("factors") or [] if isinstance(f, Mapping)]
        return {**row, "profile": profile, "dates": [(k, v or "Never") for k, v in dates],
                "provider": str(u.get("provider") or ""), "has_password": bool(u.get("has_password")),
                "group_links": group_links, "roles": roles, "factors": factors}

    def group_row(self, gid: str, g: Mapping[str, Any]) -> dict[str, Any]:
        members = [str(m) for m in g.get("members") or []]
        apps = [str(a.get("label") or aid) for aid, a in self.apps.items()
                if isinstance(a, Mapping) and gid in (a.get("groups") or {})]
        return {"id": gid, "name": str(g.get("name") or gid), "description": str(g.get("description") or ""),
                "type": str(g.get("type") or ""), "count": len(members), "apps": apps,
                "href": self.link("okta", gid),
                "members": [self.user_row(m, self.users[m]) for m in members if isinstance(self.users.get(m), Mapping)]}

    def app_row(self, aid: str, a: Mapping[str, Any]) -> dict[str, Any]:
        users = _m(a.get("users"))
        groups = _m(a.get("groups"))
        mode = str(a.get("sign_on_mode") or "")
        return {"id": aid, "label": str(a.get("label") or a.get("name") or aid), "name": str(a.get("name") or ""),
                "status": badge(a.get("status")), "mode": SIGN_ON.get(mode, mode), "url": safe_url(a.get("url")),
                "href": self.link("okta", aid), "who": person(aid, str(a.get("label") or aid)),
                "users": [self.user_row(u, self.users[u]) for u in users if isinstance(self.users.get(u), Mapping)],
                "groups": [{"name": str(self.groups[g].get("name") or g), "href": self.link("okta", g)}
                           for g in groups if isinstance(self.groups.get(g), Mapping)]}


def _log(state: Mapping[str, Any]) -> tuple[list[dict[str, Any]], int] | None:
    """The newest System Log events the state holds, newest first, and how many more there are;
    None when the state keeps no log at all."""
    for key in LOG_KEYS:
        events = state.get(key)
        if isinstance(events, list):
            out = []
            for e in events[-MAX_LOG:]:
                if not isinstance(e, Mapping):
                    continue
                actor = _m(e.get("actor"))
                targets = [t for t in e.get("target") or [] if isinstance(t, Mapping)]
                outcome = _m(e.get("outcome"))
                out.append({"when": when(parse_iso(e.get("published"))), "type": str(e.get("eventType") or ""),
                            "message": str(e.get("displayMessage") or e.get("message") or ""),
                            "actor": str(actor.get("displayName") or actor.get("alternateId") or ""),
                            "targets": ", ".join(str(t.get("displayName") or t.get("alternateId") or "")
                                                 for t in targets),
                            "outcome": str(outcome.get("result") or "")})
            return out[::-1], max(0, len(events) - MAX_LOG)
    return None


def page(state: Mapping[str, Any], sel: str | None, base: str) -> str:
    """The Okta view's content."""
    ok = Okta(state, base)
    users = sorted((ok.user_row(uid, u) for uid, u in ok.users.items() if isinstance(u, Mapping)),
                   key=lambda r: (r["who"]["name"].lower(), r["login"]))
    counts: dict[str, int] = {}
    for r in users:
        counts[r["status"]["code"]] = counts.get(r["status"]["code"], 0) + 1
    groups = sorted((ok.group_row(gid, g) for gid, g in ok.groups.items() if isinstance(g, Mapping)),
                    key=lambda r: r["name"].lower())
    apps = sorted((ok.app_row(aid, a) for aid, a in ok.apps.items() if isinstance(a, Mapping)),
                  key=lambda r: r["label"].lower())
    detail: dict[str, Any] | None = None
    if sel is not None and isinstance(ok.users.get(sel), Mapping):
        detail = {"kind": "user", **ok.user_detail(sel)}
    elif sel is not None and isinstance(ok.groups.get(sel), Mapping):
        detail = {"kind": "group", **ok.group_row(sel, ok.groups[sel])}
    elif sel is not None and isinstance(ok.apps.get(sel), Mapping):
        detail = {"kind": "app", **ok.app_row(sel, ok.apps[sel])}
    log = _log(state)
    rules = [{"name": str(r.get("name") or rid), "status": badge(r.get("status")),
              "expression": str(r.get("expression") or ""),
              "groups": [str(_m(ok.groups.get(g)).get("name") or g) for g in r.get("assign_groups") or []]}
             for rid, r in _m(state.get("group_rules")).items() if isinstance(r, Mapping)]
    return render("okta.html", org=str(state.get("org") or "okta"), users=users, groups=groups, apps=apps,
                  counts=[{"status": badge(k), "n": n} for k, n in sorted(counts.items())],
                  detail=detail, kept=log is not None, log=log[0] if log else [], older=log[1] if log else 0,
                  rules=sorted(rules, key=lambda r: r["name"].lower()), close=ok.link("okta"), selected=sel)
