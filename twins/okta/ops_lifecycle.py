"""User lifecycle: Okta's status machine. A transition the status does not allow gets Okta's error.

    STAGED --activate--> ACTIVE (has a password) | PROVISIONED (must set one)
    PROVISIONED --reactivate--> PROVISIONED (activation resent)
    ACTIVE --suspend--> SUSPENDED --unsuspend--> ACTIVE
    LOCKED_OUT --unlock--> ACTIVE
    ACTIVE | PASSWORD_EXPIRED | LOCKED_OUT | RECOVERY --reset_password--> RECOVERY
    ACTIVE | PASSWORD_EXPIRED | LOCKED_OUT | RECOVERY --expire_password--> PASSWORD_EXPIRED
    anything but DEPROVISIONED --deactivate--> DEPROVISIONED --activate--> PROVISIONED
"""

from __future__ import annotations

from typing import Any

import msgspec

from ..core import Reply
from .common import S, admin, base, get_user, ops
from .errors import OktaError, not_allowed_status, validation
from .ops_users import digest, touch, truthy
from .shape import user_json
from .syslog import emit, user_target

LIFECYCLE = "/api/v1/users/{id}/lifecycle/"
RESETTABLE = ("ACTIVE", "PASSWORD_EXPIRED", "LOCKED_OUT", "RECOVERY")


class Lifecycle(msgspec.Struct, rename="camel"):
    id: str
    send_email: bool | str | None = None
    revoke_sessions: bool | str | None = None


def _activation(ctx: S, uid: str, send_email: bool) -> dict[str, Any]:
    if send_email:
        return {}
    token = ctx.env.token(20)
    return {"activationUrl": f"{base(ctx)}/tokens/{token}/activate", "activationToken": token}


@ops.op("activate_user", "POST", LIFECYCLE + "activate")
def activate_user(ctx: S, p: Lifecycle) -> Any:
    """Activate a STAGED or DEPROVISIONED user. With `sendEmail=false` the answer carries the
    activation link instead of an email being sent."""
    admin(ctx)
    u = get_user(ctx, p.id)
    if u.status == "ACTIVE":
        raise OktaError("E0000016", "Activation failed because the user is already active", status=403)
    if u.status not in ("STAGED", "DEPROVISIONED"):
        raise not_allowed_status()
    if u.status == "DEPROVISIONED":
        u.has_password = False
    touch(ctx, u, "ACTIVE" if u.has_password else "PROVISIONED")
    u.activated = ctx.env.iso()
    emit(ctx, "user.lifecycle.activate", "Activate Okta user", [user_target(u)])
    return _activation(ctx, u.id, truthy(p.send_email, True))


@ops.op("reactivate_user", "POST", LIFECYCLE + "reactivate")
def reactivate_user(ctx: S, p: Lifecycle) -> Any:
    """Resend activation to a PROVISIONED user who has not finished activating."""
    admin(ctx)
    u = get_user(ctx, p.id)
    if u.status != "PROVISIONED":
        raise not_allowed_status()
    touch(ctx, u)
    emit(ctx, "user.lifecycle.reactivate", "Reactivate Okta user", [user_target(u)])
    return _activation(ctx, u.id, truthy(p.send_email, False))


@ops.op("deactivate_user", "POST", LIFECYCLE + "deactivate")
def deactivate_user(ctx: S, p: Lifecycle) -> Any:
    """Deactivate a user (DEPROVISIONED): they can no longer sign in. Groups and apps are kept."""
    admin(ctx)
    u = get_user(ctx, p.id)
    if u.status == "DEPROVISIONED":
        raise not_allowed_status()
    touch(ctx, u, "DEPROVISIONED")
    emit(ctx, "user.lifecycle.deactivate", "Deactivate Okta user", [user_target(u)])
    return Reply(200, None)  # Okta's spec and docs: 200, no content


@ops.op("suspend_user", "POST", LIFECYCLE + "suspend")
def suspend_user(ctx: S, p: Lifecycle) -> Any:
    """Suspend an ACTIVE user (SUSPENDED): sign-in blocked, assignments kept; undo with unsuspend."""
    admin(ctx)
    u = get_user(ctx, p.id)
    if u.status != "ACTIVE":
        raise validation("Cannot suspend a user that is not active", field="user")
    touch(ctx, u, "SUSPENDED")
    emit(ctx, "user.lifecycle.suspend", "Suspend Okta user", [user_target(u)])
    return Reply(200, None)  # Okta's spec and docs: 200, no content


@ops.op("unsuspend_user", "POST", LIFECYCLE + "unsuspend")
def unsuspend_user(ctx: S, p: Lifecycle) -> Any:
    """Return a SUSPENDED user to ACTIVE."""
    admin(ctx)
    u = get_user(ctx, p.id)
    if u.status != "SUSPENDED":
        raise validation("Cannot unsuspend a user that is not suspended", field="user")
    touch(ctx, u, "ACTIVE")
    emit(ctx, "user.lifecycle.unsuspend", "Unsuspend Okta user", [user_target(u)])
    return Reply(200, None)  # Okta's spec and docs: 200, no content


@ops.op("unlock_user", "POST", LIFECYCLE + "unlock")
def unlock_user(ctx: S, p: Lifecycle) -> Any:
    """Unlock a LOCKED_OUT user (back to ACTIVE)."""
    admin(ctx)
    u = get_user(ctx, p.id)
    if u.status != "LOCKED_OUT":
        raise OktaError("E0000032", "Unlock is not allowed for this user.", status=403)
    touch(ctx, u, "ACTIVE")
    emit(ctx, "user.account.unlock", "Unlock user account", [user_target(u)])
    return Reply(200, None)  # Okta's spec and docs: 200, no content


@ops.op("reset_password", "POST", LIFECYCLE + "reset_password")
def reset_password(ctx: S, p: Lifecycle) -> Any:
    """Start a password reset: the user goes to RECOVERY until they set a new password. With
    `sendEmail=false` the answer carries the reset link instead of an email being sent."""
    admin(ctx)
    u = get_user(ctx, p.id)
    if u.status not in RESETTABLE:
        raise not_allowed_status()
    touch(ctx, u, "RECOVERY")
    emit(ctx, "user.account.reset_password", "Reset password for Okta user", [user_target(u)])
    if truthy(p.send_email, True):
        return {}
    return {"resetPasswordUrl": f"{base(ctx)}/reset_password/{ctx.env.token(20)}"}


@ops.op("expire_password", "POST", LIFECYCLE + "expire_password")
def expire_password(ctx: S, p: Lifecycle) -> Any:
    """Expire a user's password: they must change it at next sign-in (PASSWORD_EXPIRED)."""
    admin(ctx)
    u = get_user(ctx, p.id)
    if u.status not in RESETTABLE or not u.has_password:
        raise not_allowed_status()
    touch(ctx, u, "PASSWORD_EXPIRED")
    emit(ctx, "user.account.expire_password", "Expire password for Okta user", [user_target(u)])
    return user_json(u, base(ctx))


# -- credentials ------------------------------------------------------------------------------------

class ChangePassword(msgspec.Struct, rename="camel"):
    user_id: str
    old_password: dict[str, Any] | None = None
    new_password: dict[str, Any] | None = None
    strict: bool | str | None = None
    revoke_sessions: bool | str | None = None


@ops.op("change_password", "POST", "/api/v1/users/{userId}/credentials/change_password")
def change_password(ctx: S, p: ChangePassword) -> Any:
    """Change a user's password: `oldPassword.value` must be the current one, `newPassword.value`
    must meet the password policy (8+ characters, not the current one). A PASSWORD_EXPIRED user
    becomes ACTIVE. Answers the user's credentials."""
    admin(ctx)
    u = get_user(ctx, p.user_id)
    if u.status not in ("ACTIVE", "PASSWORD_EXPIRED", "RECOVERY") or not u.has_password:
        raise not_allowed_status()
    old = (p.old_password or {}).get("value")
    new = (p.new_password or {}).get("value")
    if not isinstance(old, str) or not old:
        raise validation("oldPassword: The field cannot be left blank", field="oldPassword")
    if not isinstance(new, str) or not new:
        raise validation("newPassword: The field cannot be left blank", field="newPassword")
    if u.password_digest is not None and digest(old) != u.password_digest:
        raise OktaError("E0000014", "Update of credentials failed", status=403,
                        causes=["oldPassword: The credentials provided were incorrect."])
    if len(new) < 8 or new == old:
        raise OktaError("E0000080", "The password does not meet the complexity requirements of the "
                        "current password policy.", status=403,
                        causes=["password: Password requirements were not met. Password requirements: "
                                "at least 8 characters. Your password cannot be any of your last 4 passwords."])
    u.password_digest = digest(new)
    u.password_changed = ctx.env.iso()
    touch(ctx, u, "ACTIVE" if u.status == "PASSWORD_EXPIRED" else None)
    emit(ctx, "user.account.update_password", "Update password for user", [user_target(u)])
    creds: dict[str, Any] = {"password": {}}
    if u.recovery_question:
        creds["recovery_question"] = {"question": u.recovery_question}
    creds["provider"] = {"type": u.provider, "name": u.provider}
    return creds
