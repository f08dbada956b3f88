"""Atlassian Connect for service agents: a Jira site installs the app (the `installed` lifecycle
callback with a shared secret) and the app signs each REST call with a JWT (`Authorization: JWT
<token>`, HS256 over the shared secret, `iss` = the install's clientKey, `qsh` = the hash of the
canonical request). https://developer.atlassian.com/cloud/jira/platform/understanding-jwt-for-connect-apps/

The door verifies the signature, the expiry (wall time, as Atlassian does) and the qsh with
atlassian-jwt's own canonicalisation, and the call then acts as the app's user in that world only.
Atlassian signs the `installed` callback itself with an asymmetric key from its CDN; dtu sends it
unsigned (there is no CDN here), which an app that verifies installs must allow in tests."""

from __future__ import annotations

import secrets
from typing import Any

import jwt
import msgspec
from atlassian_jwt.url_utils import hash_url

from dtu.twins.core import World


class Tenant(msgspec.Struct, frozen=True):
    """One install: the world it is, its shared secret, the app's user there."""

    world: World
    secret: str
    actor: str


class Installs:
    """The Connect installs a door knows, by clientKey."""

    def __init__(self) -> None:
        self.by_key: dict[str, Tenant] = {}
        self._by_world: dict[str, list[str]] = {}

    def add(self, world: World, actor: str) -> tuple[str, str]:
        """A new install of the app in `world`: (clientKey, sharedSecret), both from a CSPRNG."""
        key, secret = f"dtu-{secrets.token_hex(12)}", secrets.token_urlsafe(32)
        self.by_key[key] = Tenant(world, secret, actor)
        self._by_world.setdefault(world.id, []).append(key)
        return key, secret

    def remove(self, world_id: str) -> None:
        for key in self._by_world.pop(world_id, []):
            self.by_key.pop(key, None)

    def verify(self, token: str, method: str, path_qs: str) -> Tenant | None:
        """The install a signed request acts for, or None (unknown issuer, bad signature, expired,
        or signed for another request)."""
        try:
            claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
            tenant = self.by_key.get(str(claims.get("iss", "")))
            if tenant is None:
                return None
            claims = jwt.decode(token, tenant.secret, algorithms=["HS256"], options={"verify_aud": False,
                                                                                     "require": ["exp", "iss"]})
        except jwt.PyJWTError:
            return None
        if claims.get("qsh") not in (hash_url(method, _without_jwt(path_qs)), "context-qsh"):
            return None
        return tenant


def _without_jwt(path_qs: str) -> str:
    """The request as signed: Connect leaves a `jwt` query parameter out of the qsh."""
    path, sep, query = path_qs.partition("?")
    if not sep:
        return path
    kept = [p for p in query.split("&") if p and not p.startswith("jwt=")]
    return path + ("?" + "&".join(kept) if kept else "")


def installed_payload(key: str, secret: str, base_url: str, world: World) -> dict[str, Any]:
    """The `installed` lifecycle callback's body, as Jira Cloud sends it."""
    return {"key": "dtu-service", "clientKey": key, "sharedSecret": secret, "baseUrl": base_url,
            "displayUrl": base_url, "productType": "jira", "description": f"dtu world {world.id}",
            "eventType": "installed", "serverVersion": "100000", "pluginsVersion": "1001.0.0.SNAPSHOT",
            "cloudId": world.id}
