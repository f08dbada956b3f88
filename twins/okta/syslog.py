"""The System Log: what every operation that changes the org writes, in Okta's LogEvent shape.

Events are kept in `state.logs`, oldest first; `GET /api/v1/logs` (ops_logs.py) reads them.
Event types and display messages follow Okta's event type catalog
(https://developer.okta.com/docs/reference/api/event-types/)."""

from __future__ import annotations

import hashlib
from typing import Any

from .common import S
from .state import App, Group, OktaState, User


def user_target(u: User) -> dict[str, Any]:
    p = u.profile
    login = str(p.get("login", ""))
    name = (str(p.get("firstName") or "") + " " + str(p.get("lastName") or "")).strip() or login
    return {"id": u.id, "type": "User", "alternateId": login, "displayName": name, "detailEntry": None}


def group_target(g: Group) -> dict[str, Any]:
    return {"id": g.id, "type": "UserGroup", "alternateId": "unknown", "displayName": g.name,
            "detailEntry": None}


def app_target(a: App) -> dict[str, Any]:
    return {"id": a.id, "type": "AppInstance", "alternateId": a.label, "displayName": a.label,
            "detailEntry": {"signOnModeType": a.sign_on_mode}}


def target(id: str, type: str, name: str, alternate: str = "unknown") -> dict[str, Any]:
    return {"id": id, "type": type, "alternateId": alternate, "displayName": name, "detailEntry": None}


def _actor(s: OktaState, actor: str) -> dict[str, Any]:
    u = s.users.get(actor)
    if u is not None:
        return user_target(u)
    # the default token of a world without `me`: an org-wide service token
    return {"id": "00tdtuapitoken000000", "type": "PublicClientApp", "alternateId": "dtu API token",
            "displayName": "dtu API token", "detailEntry": None}


# The parts of a LogEvent that are the same in every event the twin writes. Every event shares
# these objects: an entry is never changed once written, and its readers copy it (GET /logs deep
# copies, hooks get a msgpack copy), so building ~25 fewer containers per event is safe.
_CLIENT = {"userAgent": {"rawUserAgent": "okta-sdk", "os": "Unknown", "browser": "UNKNOWN"}, "zone": "null",
           "device": "Unknown", "id": None, "ipAddress": "127.0.0.1", "geographicalContext": None}
_DEBUG = {"debugData": {"requestUri": "", "url": ""}}
_SECURITY = {"asNumber": None, "asOrg": None, "isp": None, "domain": None, "isProxy": None}
_REQUEST = {"ipChain": [{"ip": "127.0.0.1", "geographicalContext": None, "version": "V4", "source": None}]}
_SUCCESS = {"result": "SUCCESS", "reason": None}
_NO_DETAIL: dict[str, Any] = {}
_blake2b = hashlib.blake2b


def emit(ctx: S, event_type: str, message: str, targets: list[dict[str, Any]], *,
         result: str = "SUCCESS", reason: str | None = None, legacy: str | None = None) -> None:
    """Append one LogEvent for what the caller just did (world time, the acting user as actor)."""
    s = ctx.state
    # the event's id is derived from the event (not drawn from the world's id stream, so logging
    # never shifts the ids an operation hands out): the parts joined by NULs, as str() writes them
    h = _blake2b("\0".join([str(len(s.logs)), str(ctx.env.now), event_type, *[str(t["id"]) for t in targets]])
                 .encode(), digest_size=16).hexdigest()
    s.logs.append({
        "uuid": f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}", "published": ctx.env.iso(), "eventType": event_type, "version": "0",
        "severity": "INFO", "legacyEventType": legacy, "displayMessage": message,
        "actor": _actor(s, ctx.actor),
        "client": _CLIENT,
        "authenticationContext": {"authenticationProvider": None, "credentialProvider": None,
                                  "credentialType": None, "issuer": None, "interface": None,
                                  "authenticationStep": 0, "externalSessionId": "trs" + h[:22]},
        "outcome": _SUCCESS if result == "SUCCESS" and reason is None else {"result": result, "reason": reason},
        "target": targets,  # the caller's own fresh list
        "transaction": {"type": "WEB", "id": "Z" + h[:26], "detail": _NO_DETAIL},
        "debugContext": _DEBUG,
        "securityContext": _SECURITY,
        "request": _REQUEST,
    })
