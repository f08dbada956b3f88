"""Okta's JSON for users, groups, apps and assignments, built fresh from state (never references)."""

from __future__ import annotations

from typing import Any

from .common import derived_id
from .state import App, AppGroup, AppUser, Group, User

POST = "POST"

# Lifecycle links a user's status offers, as Okta lists them in `_links`.
_USER_LINKS: dict[str, tuple[str, ...]] = {
    "STAGED": ("activate", "deactivate"),
    "PROVISIONED": ("activate", "resetPassword", "deactivate"),
    "ACTIVE": ("suspend", "resetPassword", "expirePassword", "forgotPassword", "changeRecoveryQuestion",
               "deactivate", "changePassword"),
    "RECOVERY": ("suspend", "resetPassword", "expirePassword", "deactivate"),
    "PASSWORD_EXPIRED": ("suspend", "resetPassword", "expirePassword", "deactivate"),
    "LOCKED_OUT": ("unlock", "resetPassword", "expirePassword", "deactivate"),
    "SUSPENDED": ("unsuspend", "deactivate"),
    "DEPROVISIONED": ("activate",),
}
_LINK_PATHS = {
    "activate": "lifecycle/activate", "deactivate": "lifecycle/deactivate",
    "suspend": "lifecycle/suspend", "unsuspend": "lifecycle/unsuspend", "unlock": "lifecycle/unlock",
    "resetPassword": "lifecycle/reset_password", "expirePassword": "lifecycle/expire_password",
    "forgotPassword": "credentials/forgot_password", "changePassword": "credentials/change_password",
    "changeRecoveryQuestion": "credentials/change_recovery_question",
}


_STATUS_LINKS = {status: tuple((name, "/" + _LINK_PATHS[name]) for name in names)
                 for status, names in _USER_LINKS.items()}


def user_json(u: User, root: str) -> dict[str, Any]:
    href = f"{root}/api/v1/users/{u.id}"
    links: dict[str, Any] = {"self": {"href": href}}
    for name, path in _STATUS_LINKS.get(u.status, ()):
        links[name] = {"href": href + path, "method": POST}
    links["schema"] = {"href": root + "/api/v1/meta/schemas/user/osc1dtuschema0000000"}
    links["type"] = {"href": f"{root}/api/v1/meta/types/user/{u.type_id}"}
    creds: dict[str, Any] = {"provider": {"type": u.provider, "name": u.provider}}
    if u.has_password:
        creds = {"password": {}, **creds}
    if u.recovery_question:
        creds["recovery_question"] = {"question": u.recovery_question}
    return {
        "id": u.id, "status": u.status, "created": u.created, "activated": u.activated,
        "statusChanged": u.status_changed, "lastLogin": u.last_login, "lastUpdated": u.last_updated,
        "passwordChanged": u.password_changed, "type": {"id": u.type_id},
        "profile": dict(u.profile), "credentials": creds, "_links": links,
    }


def group_json(g: Group, root: str) -> dict[str, Any]:
    href = f"{root}/api/v1/groups/{g.id}"
    return {
        "id": g.id, "created": g.created, "lastUpdated": g.last_updated,
        "lastMembershipUpdated": g.last_membership_updated,
        "objectClass": ["okta:user_group"], "type": g.type,
        "profile": {"name": g.name, **({"description": g.description} if g.description else {})},
        "_links": {
            "logo": [{"name": "medium", "href": f"{root}/assets/img/logos/groups/okta-medium.png",
                      "type": "image/png"}],
            "users": {"href": f"{href}/users"}, "apps": {"href": f"{href}/apps"},
        },
    }


def app_json(a: App, root: str) -> dict[str, Any]:
    href = f"{root}/api/v1/apps/{a.id}"
    settings: dict[str, Any] = {"app": {}, "notifications": {"vpn": {"network": {"connection": "DISABLED"}}}}
    if a.sign_on_mode == "BOOKMARK":
        settings["app"] = {"requestIntegration": False, "url": a.url or f"https://{a.name}.example.com"}
    out: dict[str, Any] = {
        "id": a.id, "name": a.name, "label": a.label, "status": a.status,
        "lastUpdated": a.last_updated, "created": a.created,
        "accessibility": {"selfService": False, "errorRedirectUrl": None, "loginRedirectUrl": None},
        "visibility": {"autoSubmitToolbar": False, "hide": {"iOS": False, "web": False},
                       "appLinks": {a.name + "_link": True}},
        "features": [], "signOnMode": a.sign_on_mode,
        "credentials": {"userNameTemplate": {"template": "${source.login}", "type": "BUILT_IN"}},
        "settings": settings,
        "_links": {
            "appLinks": [{"name": a.name + "_link", "href": f"{root}/home/{a.name}/{a.id}/link",
                          "type": "text/html"}],
            "users": {"href": f"{href}/users"}, "groups": {"href": f"{href}/groups"},
            "self": {"href": href},
            ("deactivate" if a.status == "ACTIVE" else "activate"):
                {"href": f"{href}/lifecycle/{'deactivate' if a.status == 'ACTIVE' else 'activate'}"},
        },
    }
    return out


def app_user_json(a: App, au: AppUser, root: str, group: str | None = None) -> dict[str, Any]:
    links: dict[str, Any] = {"app": {"href": f"{root}/api/v1/apps/{a.id}"},
                             "user": {"href": f"{root}/api/v1/users/{au.id}"}}
    if group is not None:
        links["group"] = {"href": f"{root}/api/v1/groups/{group}", "name": group}
    return {
        "id": au.id, "externalId": None, "created": au.created, "lastUpdated": au.last_updated,
        "scope": au.scope, "status": au.status, "statusChanged": au.created, "passwordChanged": None,
        "syncState": "DISABLED", "credentials": {"userName": au.user_name}, "profile": dict(au.profile),
        "_links": links,
    }


def group_assignment_json(a: App, ag: AppGroup, root: str) -> dict[str, Any]:
    return {
        "id": ag.id, "lastUpdated": ag.last_updated, "priority": ag.priority, "profile": dict(ag.profile),
        "_links": {"app": {"href": f"{root}/api/v1/apps/{a.id}"},
                   "group": {"href": f"{root}/api/v1/groups/{ag.id}"}},
    }


def app_link_json(a: App, uid: str, order: int, root: str) -> dict[str, Any]:
    return {
        "id": derived_id("00a", a.id, "link"), "label": a.label,
        "linkUrl": f"{root}/home/{a.name}/{a.id}/link", "logoUrl": f"{root}/assets/img/logos/default.png",
        "appName": a.name, "appInstanceId": a.id, "appAssignmentId": derived_id("0ua", a.id, uid),
        "credentialsSetup": False, "hidden": False, "sortOrder": order,
    }
