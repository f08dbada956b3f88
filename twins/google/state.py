"""The one Google store a world has: Drive files, some of which are Docs or Sheets.

Synchronous, no I/O. Helpers here are shared by Drive, Docs and Sheets: access (`role_of`,
`lookup`), file creation (`new_file`) and modification stamps (`touch`)."""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec

from ..core.env import Env, derive
from ..core.lazy import is_raw, loaded
from ..core.memo import Bounded
from ..core.ops import Ctx
from .docs_model import Document
from .sheets_model import Spreadsheet

FOLDER = "application/vnd.google-apps.folder"
DOC = "application/vnd.google-apps.document"
SHEET = "application/vnd.google-apps.spreadsheet"
GOOGLE_APPS = "application/vnd.google-apps."

ROLES = ("reader", "commenter", "writer", "fileOrganizer", "organizer", "owner")
RANK = {r: i for i, r in enumerate(ROLES)}


class Permission(msgspec.Struct):
    id: str
    type: str  # user | group | domain | anyone
    role: str  # owner | organizer | fileOrganizer | writer | commenter | reader
    emailAddress: str | None = None
    domain: str | None = None
    displayName: str | None = None
    allowFileDiscovery: bool | None = None
    pendingOwner: bool = False


class CommentReply(msgspec.Struct, omit_defaults=True):
    id: str
    author: str  # email
    content: str
    createdTime: str
    modifiedTime: str
    action: str = ""  # resolve | reopen


class Comment(msgspec.Struct, omit_defaults=True):
    id: str
    author: str  # email
    content: str
    createdTime: str
    modifiedTime: str
    resolved: bool = False
    anchor: str = ""
    quoted: str = ""
    replies: list[CommentReply] = []


class Revision(msgspec.Struct, omit_defaults=True):
    """One version of a file's content (Drive keeps one per content change)."""

    id: str
    modifiedTime: str
    lastModifyingUser: str  # email
    mimeType: str
    size: int = 0
    md5: str = ""
    content: bytes = b""  # blob files only; Docs and Sheets keep no bytes per revision
    keepForever: bool = False
    published: bool = False
    publishAuto: bool = False
    publishedOutsideDomain: bool = False


class DriveFile(msgspec.Struct):
    id: str
    name: str
    mimeType: str
    createdTime: str
    modifiedTime: str
    owners: list[str] = []  # owner emails
    parents: list[str] = []
    permissions: list[Permission] = []
    trashed: bool = False
    explicitlyTrashed: bool = False
    trashedTime: str = ""
    starred: bool = False
    description: str = ""
    properties: dict[str, str] = {}
    appProperties: dict[str, str] = {}
    content: bytes = b""  # blob files
    version: int = 1
    lastModifyingUser: str = ""
    sharedWith: dict[str, str] = {}  # email -> sharedWithMeTime, for sharedWithMe
    comments: list[Comment] = []
    revisions: list[Revision] = []  # oldest first; empty until the content first changes
    driveId: str = ""  # the shared drive holding the file ("" for My Drive)
    doc: Document | None = None  # set when mimeType is DOC
    sheet: Spreadsheet | None = None  # set when mimeType is SHEET


class GoogleUser(msgspec.Struct, omit_defaults=True):
    email: str
    name: str = ""
    permissionId: str = ""
    rootId: str = ""  # the id of the user's My Drive folder
    groups: list[str] = []  # group emails the user belongs to


class Upload(msgspec.Struct, omit_defaults=True):
    """A resumable upload session."""

    id: str
    actor: str
    metadata: dict[str, Any] = {}
    file_id: str = ""  # set for a media update
    content_type: str = ""
    params: dict[str, str] = {}
    data: bytes = b""


class SharedDrive(msgspec.Struct, omit_defaults=True):
    """A shared drive; its root folder (the same id) is in `files`, its members are that folder's
    permissions."""

    id: str
    name: str
    createdTime: str
    requestId: str = ""
    hidden: bool = False
    colorRgb: str = "#4986e7"
    themeId: str = ""
    restrictions: dict[str, bool] = {}


class Change(msgspec.Struct, omit_defaults=True):
    """One entry of Drive's change log: a file (or shared drive) created, changed, trashed,
    shared or removed. `seq` is the change's page token."""

    seq: int
    fileId: str
    time: str
    changeType: str = "file"  # file | drive
    removed: bool = False
    driveId: str = ""
    seenBy: list[str] = []  # for a removal: who could see the file before it went


class WatchChannel(msgspec.Struct, omit_defaults=True):
    """A push notification channel (files.watch, changes.watch; drive_watch.py): Drive POSTs a
    notification to `address` for each change to the watched file, or each change `owner` can see,
    until `expiration` (epoch milliseconds, world time) or channels.stop."""

    id: str  # the caller's channel id
    resource_id: str  # the opaque id Drive gives the watched resource
    resource_uri: str
    address: str
    owner: str  # the email of who opened it
    expiration: int
    file_id: str = ""  # files.watch: the file; "" for changes.watch
    token: str = ""
    payload: bool = False


class GoogleState(msgspec.Struct, omit_defaults=True):
    me: str  # the acting user's email
    domain: str = "acme.test"
    users: dict[str, GoogleUser] = {}  # by email
    files: dict[str, DriveFile] = {}
    uploads: dict[str, Upload] = {}
    drives: dict[str, SharedDrive] = {}
    changes: list[Change] = []
    channels: dict[str, WatchChannel] = {}  # watch channels by resource_id + "/" + id


# -- users ----------------------------------------------------------------------------------------

def ensure_user(state: GoogleState, env: Env, email: str, name: str = "") -> GoogleUser:
    """The user with this email, created (with a My Drive root) when unknown."""
    u = state.users.get(email)
    if u is None:
        u = state.users[email] = GoogleUser(email=email, name=name or email.split("@")[0].title(),
                                            permissionId=user_permission_id(email))
    if not u.rootId:
        root = env.id("0A", 19, _ID)
        u.rootId = root
        t = env.iso()
        state.files[root] = DriveFile(id=root, name="My Drive", mimeType=FOLDER, createdTime=t,
                                      modifiedTime=t, owners=[email], permissions=[
                                          Permission(id=u.permissionId, type="user", role="owner",
                                                     emailAddress=email, displayName=u.name)])
    return u


def user_permission_id(email: str) -> str:
    """A user's or group's permission id: the same for an email in every file and every world."""
    return f"{derive(7, email.lower()) % 10**20:020d}"


def is_root(state: GoogleState, file_id: str) -> bool:
    """Whether a file is some user's My Drive folder."""
    return any(u.rootId == file_id for u in state.users.values())


_ID = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_"


def new_id(env: Env, length: int = 33) -> str:
    """A Drive-like file id: `1` and 32 url-safe characters."""
    return env.id("1", length, _ID)


# -- access ---------------------------------------------------------------------------------------

def perm_matches(state: GoogleState, p: Permission, email: str) -> bool:
    """Whether a permission grants something to this user (pending ownership grants nothing yet)."""
    if p.type == "user":
        return p.emailAddress == email
    if p.type == "group":
        u = state.users.get(email)
        return u is not None and p.emailAddress in u.groups
    if p.type == "domain":
        return p.domain == email.rpartition("@")[2]
    return p.type == "anyone"


def direct_role(state: GoogleState, f: DriveFile, email: str) -> str | None:
    """The best role a user has on a file from its own permissions."""
    if email in f.owners:
        return "owner"
    best: str | None = None
    for p in f.permissions:
        if perm_matches(state, p, email) and (best is None or RANK[p.role] > RANK[best]):
            best = p.role
    if best == "owner":  # a pending or stale owner entry: owners are listed in `owners`
        best = "writer"
    return best


def role_of(state: GoogleState, f: DriveFile, email: str) -> str | None:
    """The best role a user has on a file, its own or inherited from its folders."""
    best: str | None = None
    seen: set[str] = set()
    todo = [f]
    while todo:
        cur = todo.pop()
        if cur.id in seen:
            continue
        seen.add(cur.id)
        r = direct_role(state, cur, email)
        if r is not None and (best is None or RANK[r] > RANK[best]):
            best = r
            if r == "owner":
                break
        for pid in cur.parents:
            parent = state.files.get(pid)
            if parent is not None:
                todo.append(parent)
    if best == "owner" and email not in f.owners:
        best = "writer"  # a folder's owner may edit what is in it, but ownership does not inherit
    return best


def lookup(state: GoogleState, file_id: str, email: str) -> tuple[DriveFile, str] | None:
    """The file and the user's role on it, or None when it does not exist for them."""
    f = state.files.get(file_id)
    if f is None:
        return None
    r = role_of(state, f, email)
    if r is None:
        return None
    return f, r


def can_write(role: str) -> bool:
    return RANK[role] >= RANK["writer"]


def new_file(state: GoogleState, env: Env, actor: str, name: str, mime: str,
             parents: list[str] | None = None) -> DriveFile:
    """A new file owned by `actor` in `parents` (their My Drive when none), stored and returned."""
    owner = ensure_user(state, env, actor)
    fid = new_id(env)
    t = env.iso()
    f = DriveFile(id=fid, name=name, mimeType=mime, createdTime=t, modifiedTime=t, owners=[actor],
                  parents=list(parents) if parents else [owner.rootId], lastModifyingUser=actor,
                  permissions=[Permission(id=owner.permissionId, type="user", role="owner",
                                          emailAddress=actor, displayName=owner.name)])
    state.files[fid] = f
    note_change(state, env, f)
    return f


def touch(f: DriveFile, env: Env, actor: str, state: GoogleState | None = None) -> None:
    """Mark a file modified now by `actor` (call after changing a Doc's or Sheet's content); with
    `state`, a new revision and a change are recorded too."""
    if state is not None:
        first_revision(f)  # the version before this edit
    f.modifiedTime = env.iso()
    f.version += 1
    f.lastModifyingUser = actor
    if state is not None:
        new_revision(f, env, actor)
        note_change(state, env, f)


def note_change(state: GoogleState, env: Env, f: DriveFile, removed: bool = False) -> None:
    """Record a change of `f` in the change log (changes.list)."""
    seen: list[str] = []
    if removed:
        seen = sorted(e for e in state.users if role_of(state, f, e) is not None)
    state.changes.append(Change(seq=len(state.changes) + 1, fileId=f.id, time=env.iso(),
                                removed=removed, driveId=f.driveId, seenBy=seen))


def note_drive_change(state: GoogleState, env: Env, drive_id: str, removed: bool = False) -> None:
    state.changes.append(Change(seq=len(state.changes) + 1, fileId="", time=env.iso(), changeType="drive",
                                removed=removed, driveId=drive_id))


def first_revision(f: DriveFile) -> None:
    """Give a file that has none its first revision (its content as it is now)."""
    if f.revisions or f.mimeType == FOLDER:
        return
    f.revisions.append(_revision("1", f, f.modifiedTime, f.lastModifyingUser or (f.owners[0] if f.owners else "")))


def new_revision(f: DriveFile, env: Env, actor: str) -> None:
    """A revision for the file's current content (call after the content changed)."""
    if f.mimeType == FOLDER:
        return
    if not f.revisions:
        f.revisions.append(_revision("1", f, f.modifiedTime, actor))
        return
    last = f.revisions[-1]
    if f.mimeType.startswith(GOOGLE_APPS) and last.lastModifyingUser == actor and not last.keepForever \
            and len(f.revisions) > 1:
        f.revisions[-1] = _revision(last.id, f, env.iso(), actor)  # Docs merge one editor's edits
        return
    f.revisions.append(_revision(str(int(last.id) + 1), f, env.iso(), actor))


def _revision(rid: str, f: DriveFile, t: str, actor: str) -> Revision:
    blob = not f.mimeType.startswith(GOOGLE_APPS)
    return Revision(id=rid, modifiedTime=t, lastModifyingUser=actor, mimeType=f.mimeType,
                    size=len(f.content) if blob else 0,
                    md5=hashlib.md5(f.content, usedforsecurity=False).hexdigest() if blob else "",
                    content=f.content if blob else b"")


def path_of(fid: str, files: dict[str, DriveFile], paths: dict[str, str], depth: int = 0) -> str:
    """A file's path through its first parents (a plain function: a recursive closure would be a
    reference cycle in every view)."""
    got = paths.get(fid)
    if got is not None:
        return got
    f = files.get(fid)
    if f is None:
        return "?"
    p = f.name if not f.parents or depth > 64 else path_of(f.parents[0], files, paths, depth + 1) + "/" + f.name
    paths[fid] = p
    return p


_ENC = msgspec.msgpack.Encoder()
_FILE_VIEWS: Bounded[tuple[bytes, str], dict[str, Any]] = Bounded(1024)
"""Files' views by the file's own encoding and its path: worlds at the same point of a scenario
hold the same files, and encoding one is cheaper than converting it. Keyed on the content itself,
so no world sees another's state; like the seed image's view, which every world shares, nobody
mutates a view."""
_FILE_LONGEST = 1 << 16  # bytes of encoding: a longer file is converted, not kept


def file_view(f: DriveFile, path: str) -> dict[str, Any]:
    """One file as checks see it: every field (defaults kept), content as text, its `path`."""
    data = _ENC.encode(f)
    key = (data, path) if len(data) <= _FILE_LONGEST else None
    if key is not None:
        got = _FILE_VIEWS.get(key)
        if got is not None:
            return got
    out: dict[str, Any] = msgspec.to_builtins(f, builtin_types=(bytes,))
    out["content"] = f.content.decode("utf-8", "replace")
    for r in out["revisions"]:
        c = r.get("content")
        if isinstance(c, bytes):
            r["content"] = c.decode("utf-8", "replace")
    out["path"] = path
    if key is not None:
        _FILE_VIEWS.keep(key, out)
    return out


def assemble(state: GoogleState, files: dict[str, Any], seed_changes: list[Any] | None = None,
             seed_users: dict[str, Any] | None = None, users: dict[str, Any] | None = None,
             roots: dict[str, Any] | None = None) -> dict[str, Any]:
    """The view around its files' views (`files` is the caller's own dict: roots are popped from it).
    `seed_changes` is the seed's view of the change log, which a world only appends to; `seed_users`
    the seed's view of the users, whose views a user still encoded reuses. `users` and `roots`, when
    given, are the users' views and the My Drive folders' views (`roots` then is not in `files`)."""
    # msgspec decides whether `domain` is left out (its rule for omitted defaults); the containers
    # are left out when empty, in the order of the fields
    out: dict[str, Any] = msgspec.to_builtins(msgspec.structs.replace(
        state, users={}, files={}, uploads={}, drives={}, changes=[], channels={}))
    if state.users:
        out["users"] = (users if users is not None else
                        {k: seed_users[k] if is_raw(u) else msgspec.to_builtins(u) for k, u in dict.items(state.users)}
                        if seed_users is not None else msgspec.to_builtins(loaded(state.users)))
    if state.files:
        out["files"] = files
    if state.drives:
        out["drives"] = msgspec.to_builtins(loaded(state.drives))
    if state.changes:
        if seed_changes:
            out["changes"] = seed_changes + msgspec.to_builtins(state.changes[len(seed_changes):])
        else:
            out["changes"] = msgspec.to_builtins(state.changes)
    if state.channels:
        out["channels"] = msgspec.to_builtins(loaded(state.channels))
    out["roots"] = roots if roots is not None else {
        root: files.pop(root) for root in (u.get("rootId", "") for u in out.get("users", {}).values()) if root in files}
    drives: dict[str, Any] = out.setdefault("drives", {})
    for did, d in drives.items():  # a shared drive's root folder: its members, not a file
        root = files.pop(did, None)
        d["members"] = root["permissions"] if root else []
    out.setdefault("changes", [])
    return out


def view(state: GoogleState) -> dict[str, Any]:
    """The state as plain data for checks: file content as text, each file's `path`
    ("My Drive/Reports/2024/q1.txt", through its first parent), users' My Drive folders under
    `roots` rather than `files`, upload sessions left out."""
    paths: dict[str, str] = {}
    return assemble(state, {fid: file_view(f, path_of(fid, state.files, paths)) for fid, f in state.files.items()})


def view_delta(ctx: Ctx[GoogleState], seed: dict[str, Any]) -> dict[str, Any]:
    """`view(ctx.state)` from the seed's view: a file's view is rebuilt when it is new, when a
    mutating call named it (registry.py marks ("file", id) for its id parameters), when the change
    log records it, or when a handler marked it; otherwise the seed's. Other files' paths are
    computed again only when a seeded file is gone, or when some file's parent is a rebuilt file
    that is new or whose name or first parent changed (a path runs through those only); then an
    unchanged file whose path moved gets a fresh copy of its view. Users, drives and channels are
    small and rebuilt; the change log only grows, so the seed's entries are kept."""
    state = ctx.state
    now = state.files
    marked = ctx.changed
    seed_changes: list[Any] = seed["changes"]
    logged = {c.fileId for c in state.changes[len(seed_changes):]}
    old: dict[str, Any] = seed.get("files", {})
    roots: dict[str, Any] = seed["roots"]
    files: dict[str, Any] = {}
    rebuilt: list[str] = []
    shifted: list[str] = []  # rebuilt files a path through them would differ for
    kept = 0
    for fid, f in dict.items(now):  # a file still encoded is the seed's: so is its view
        v = old.get(fid) or roots.get(fid)
        if v is None:
            shifted.append(fid)
        else:
            kept += 1
            if (fid in logged or ("file", fid) in marked) and not is_raw(f):
                if v["name"] != f.name or v["parents"][:1] != f.parents[:1]:
                    shifted.append(fid)
                v = None
        if v is None:
            rebuilt.append(fid)
        files[fid] = v
    moved = kept < len(old) + len(roots) or (
        bool(shifted) and not {p for fid, f in dict.items(now)
                               for p in (files[fid]["parents"] if is_raw(f) else f.parents)}.isdisjoint(shifted))
    paths: dict[str, str] = {}
    for fid in rebuilt:
        files[fid] = file_view(now[fid], path_of(fid, now, paths))
    if moved:
        for fid, v in files.items():
            path = path_of(fid, now, paths)
            if v["path"] != path:
                files[fid] = {**v, "path": path}
    return assemble(state, files, seed_changes, seed.get("users"))
