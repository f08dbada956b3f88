"""Drive v3 push notifications: files.watch, changes.watch and channels.stop.

A watch opens a notification channel (a Channel resource: the caller's `id`, `type: "web_hook"`,
the `address` to notify, an optional `token` and `expiration`) and answers it with the
`resourceId` and `resourceUri` Drive gives the watched resource. Drive then POSTs a notification
to the address (runner/deliver_hooks.py): `sync` first, then one per change to the file (files.watch)
or per change the watcher can see (changes.watch), with the X-Goog-* headers. The address must be
on this machine (twins/core/hooks.py); Google itself requires HTTPS on a verified domain."""

from __future__ import annotations

from typing import Any

import msgspec

from ..core.hooks import loopback
from .drive_access import get_file
from .errors import DriveError
from .registry import G, ops
from .state import WatchChannel

DEFAULT_TTL = 3600  # seconds a channel lives when the request names no expiration
MAX_TTL = {"file": 86400, "changes": 604800}  # Drive's longest: a day for a file, a week for changes
API = "https://www.googleapis.com"


class FilesWatch(msgspec.Struct, kw_only=True):
    fileId: str
    resource: Any = None
    supportsAllDrives: bool = False
    supportsTeamDrives: bool = False
    acknowledgeAbuse: bool = False


class ChangesWatch(msgspec.Struct, kw_only=True):
    pageToken: str = ""
    resource: Any = None
    driveId: str = ""
    includeItemsFromAllDrives: bool = False
    supportsAllDrives: bool = False
    restrictToMyDrive: bool = False
    spaces: str = "drive"


def channel_json(ch: WatchChannel) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": "api#channel", "id": ch.id, "resourceId": ch.resource_id,
                           "resourceUri": ch.resource_uri}
    if ch.token:
        out["token"] = ch.token
    out["expiration"] = str(ch.expiration)
    return out


def _open(ctx: G, kind: str, body: Any, uri: str, file_id: str = "") -> dict[str, Any]:
    s = ctx.state
    if not isinstance(body, dict):
        raise DriveError("required", "Required", status=400, location="resource")
    cid = body.get("id")
    if not isinstance(cid, str) or not cid.strip():
        raise DriveError("required", "Required", status=400, location="resource.id")
    if body.get("type") not in ("web_hook", "webhook"):
        raise DriveError("invalid", f"Invalid value for: type: {body.get('type')!r} is not web_hook",
                         status=400, location="resource.type")
    address = body.get("address")
    if not isinstance(address, str) or not loopback(address):
        raise DriveError("push.webhookUrlUnauthorized", f"Unauthorized WebHook callback channel: {address}",
                         status=400)
    token = body.get("token") or ""
    if not isinstance(token, str) or len(token) > 256:
        raise DriveError("invalid", "Invalid value for: token", status=400, location="resource.token")
    now_ms = int(ctx.env.now * 1000)
    longest = now_ms + MAX_TTL[kind] * 1000
    try:
        wanted = int(body["expiration"]) if body.get("expiration") not in (None, "") else None
    except (TypeError, ValueError):
        raise DriveError("invalid", "Invalid value for: expiration", status=400,
                         location="resource.expiration") from None
    expiration = now_ms + DEFAULT_TTL * 1000 if wanted is None or wanted <= now_ms else min(wanted, longest)
    if any(c.id == cid and c.resource_uri == uri and c.expiration > now_ms for c in s.channels.values()):
        raise DriveError("channelIdNotUnique", f"Channel id {cid} not unique", status=400)
    rid = ctx.env.token(27, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_")
    ch = WatchChannel(id=cid, resource_id=rid, resource_uri=uri, address=address, owner=ctx.actor,
                      expiration=expiration, file_id=file_id, token=token, payload=bool(body.get("payload")))
    s.channels[f"{rid}/{cid}"] = ch
    return channel_json(ch)


@ops.op("drive.files.watch", "POST", "/drive/v3/files/{fileId}/watch", body_key="resource")
def files_watch(ctx: G, p: FilesWatch) -> dict[str, Any]:
    """Watch a file for changes: the body is a Channel {id, type: "web_hook", address, token?,
    expiration? (epoch ms)}. Answers the channel with its resourceId and resourceUri; Drive POSTs a
    `sync` notification to the address, then one per change (update, trash, untrash, remove), with
    X-Goog-Channel-ID, X-Goog-Channel-Token, X-Goog-Resource-ID, -URI, -State and -Message-Number.
    The address must be on this machine. Channels live an hour by default, a day at most."""
    f, _ = get_file(ctx, p.fileId)
    base = ctx.env.base_url or API
    uri = f"{base}/drive/v3/files/{f.id}?acknowledgeAbuse={str(p.acknowledgeAbuse).lower()}" \
          f"&supportsAllDrives={str(p.supportsAllDrives).lower()}" \
          f"&supportsTeamDrives={str(p.supportsTeamDrives).lower()}&alt=json"
    return _open(ctx, "file", p.resource, uri, f.id)


@ops.op("drive.changes.watch", "POST", "/drive/v3/changes/watch", body_key="resource")
def changes_watch(ctx: G, p: ChangesWatch) -> dict[str, Any]:
    """Watch for changes the caller can see (as changes.list would list them from `pageToken`): the
    body is a Channel {id, type: "web_hook", address, token?, expiration?}. Drive POSTs a `sync`
    notification, then a `change` notification for each change; read them with changes.list. The
    address must be on this machine. Channels live an hour by default, a week at most."""
    if not p.pageToken:
        raise DriveError("required", "Required parameter: pageToken", status=400, location="pageToken")
    try:
        start = int(p.pageToken)
    except ValueError:
        start = 0
    if not 1 <= start <= len(ctx.state.changes) + 1:
        raise DriveError("invalid", "Invalid Value", status=400, location="pageToken")
    base = ctx.env.base_url or API
    uri = f"{base}/drive/v3/changes?alt=json&pageToken={start}&spaces={p.spaces}"
    return _open(ctx, "changes", p.resource, uri)


class Stop(msgspec.Struct, kw_only=True):
    resource: Any = None


@ops.op("drive.channels.stop", "POST", "/drive/v3/channels/stop", status=204, body_key="resource")
def channels_stop(ctx: G, p: Stop) -> None:
    """Stop a watch channel: the body names its `id` and `resourceId` (as the watch answered them).
    Only who opened it may stop it. Answers 204."""
    body = p.resource if isinstance(p.resource, dict) else {}
    cid, rid = body.get("id"), body.get("resourceId")
    key = f"{rid}/{cid}"
    ch = ctx.state.channels.get(key) if isinstance(cid, str) and isinstance(rid, str) else None
    if ch is None or ch.owner != ctx.actor:
        raise DriveError("notFound", f"Channel '{cid}' not found for project 'dtu'", status=404)
    del ctx.state.channels[key]
    return None
