"""Builds the Google store from a scenario's `seed.google` data.

```yaml
google:
  domain: acme.test
  me: alice@acme.test                 # the acting user (default: the first user)
  users: [{email: alice@acme.test, name: Alice Chen, groups: [eng@acme.test]}]
  files:
    - {name: Reports, kind: folder}
    - {name: notes.txt, text: "hello", parents: [Reports], owner: bob@acme.test}
    - {name: Plan, kind: doc, text: "Q3 plan"}
    - {name: Budget, kind: sheet, sheets: {Sheet1: [[Item, Cost], [Laptop, 1200]]}}
    - name: Salaries
      kind: sheet
      permissions: [{email: eve@acme.test, role: reader}, {type: anyone, role: reader}]
```
`parents` name earlier files by id or by name; `kind` is folder, file (default), doc or sheet
(or give `mimeType`). A file's `owner` must be one of `users` (permissions may name anyone).

A seed that names something it does not hold raises ValueError whose message starts with the
field, e.g. `seed.google.files[2].owner: unknown user 'bob@acme.test'`, so the scenario loader
can point at the line."""

from __future__ import annotations

from typing import Any

import msgspec

from ..core.env import Env, parse_time
from .docs_model import build_document
from .drive_json import domain_permission_id, permission_id_of
from .sheets_model import build_spreadsheet
from .state import DOC, FOLDER, RANK, SHEET, DriveFile, GoogleState, Permission, ensure_user, new_id

KINDS = {"folder": FOLDER, "doc": DOC, "document": DOC, "sheet": SHEET, "spreadsheet": SHEET}


class SeedUser(msgspec.Struct, forbid_unknown_fields=True):
    email: str
    name: str = ""
    groups: list[str] = []


class SeedPermission(msgspec.Struct, forbid_unknown_fields=True):
    role: str = "reader"
    type: str | None = None  # user (default with email) | group | domain | anyone
    email: str | None = None
    domain: str | None = None
    id: str | None = None
    discoverable: bool = False
    pending_owner: bool = False


class SeedFile(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    id: str | None = None
    kind: str = "file"
    mimeType: str | None = None
    owner: str | None = None
    parents: list[str] = []
    text: str | None = None
    sheets: dict[str, list[list[Any]]] | None = None
    permissions: list[SeedPermission] = []
    trashed: bool = False
    starred: bool = False
    description: str = ""
    properties: dict[str, str] = {}
    appProperties: dict[str, str] = {}
    createdTime: str | None = None
    modifiedTime: str | None = None
    modifiedBy: str | None = None


class GoogleSeed(msgspec.Struct, forbid_unknown_fields=True):
    """`seed.google` of a scenario."""

    domain: str = "acme.test"
    me: str | None = None
    users: list[SeedUser] = []
    files: list[SeedFile] = []


def build(data: Any, env: Env) -> GoogleState:
    seed = msgspec.convert(data or {}, GoogleSeed)
    state = GoogleState(me="", domain=seed.domain)
    for su in seed.users:
        u = ensure_user(state, env, su.email, su.name)
        u.groups = list(su.groups)
    if seed.me and seed.users and seed.me not in state.users:
        raise ValueError(f"seed.google.me: unknown user {seed.me!r}; name one of seed.google.users by email")
    if not state.users:
        ensure_user(state, env, f"admin@{seed.domain}", "Admin")
    state.me = seed.me or next(iter(state.users))
    ensure_user(state, env, state.me)
    by_name: dict[str, str] = {}
    for i, sf in enumerate(seed.files):
        f = _file(state, env, sf, by_name, f"files[{i}]")
        state.files[f.id] = f
        by_name.setdefault(sf.name, f.id)
    return state


def _file(state: GoogleState, env: Env, sf: SeedFile, by_name: dict[str, str], at: str) -> DriveFile:
    mime = sf.mimeType or KINDS.get(sf.kind)
    if mime is None:
        mime = "text/plain" if sf.text is not None else "application/octet-stream"
    if sf.kind not in KINDS and sf.kind != "file":
        raise ValueError(f"seed.google.{at}.kind: unknown kind {sf.kind!r}; use file, folder, doc or sheet")
    if sf.owner is not None and sf.owner not in state.users:
        raise ValueError(f"seed.google.{at}.owner: unknown user {sf.owner!r}; "
                         "name one of seed.google.users by email (or add the owner there)")
    owner = ensure_user(state, env, sf.owner or state.me)
    parents: list[str] = []
    for j, ref in enumerate(sf.parents):
        pid = ref if ref in state.files else by_name.get(ref)
        if pid is None:
            raise ValueError(f"seed.google.{at}.parents[{j}]: unknown parent {ref!r}; "
                             "name an earlier file by id or name")
        parents.append(pid)
    env.tick(60)
    try:
        created = env.iso(parse_time(sf.createdTime, env.now))
        modified = env.iso(parse_time(sf.modifiedTime, parse_time(sf.createdTime, env.now)))
    except ValueError:
        bad = "modifiedTime" if sf.modifiedTime and sf.createdTime is None else "createdTime"
        raise ValueError(f"seed.google.{at}.{bad}: not an ISO 8601 time") from None
    fid = sf.id or new_id(env)
    if fid in state.files:
        raise ValueError(f"seed.google.{at}.id: file id {fid!r} used twice")
    f = DriveFile(id=fid, name=sf.name, mimeType=mime, createdTime=created, modifiedTime=modified,
                  owners=[owner.email], parents=parents or [owner.rootId], trashed=sf.trashed,
                  explicitlyTrashed=sf.trashed, trashedTime=modified if sf.trashed else "",
                  starred=sf.starred, description=sf.description, properties=dict(sf.properties),
                  appProperties=dict(sf.appProperties), lastModifyingUser=sf.modifiedBy or owner.email,
                  permissions=[Permission(id=owner.permissionId, type="user", role="owner",
                                          emailAddress=owner.email, displayName=owner.name)])
    if mime == DOC:
        f.doc = build_document(sf.text or "")
    elif mime == SHEET:
        f.sheet = build_spreadsheet(sf.sheets or {"Sheet1": []})
    elif sf.text is not None:
        f.content = sf.text.encode()
    for j, sp in enumerate(sf.permissions):
        f.permissions.append(_permission(state, env, f"{at}.permissions[{j}]", sp))
        if sp.email and not sp.pending_owner:
            f.sharedWith[sp.email] = modified
    return f


def _permission(state: GoogleState, env: Env, at: str, sp: SeedPermission) -> Permission:
    if sp.role not in RANK:
        raise ValueError(f"seed.google.{at}.role: unknown role {sp.role!r}; use one of {', '.join(RANK)}")
    kind = sp.type or ("user" if sp.email else "domain" if sp.domain else "anyone")
    if kind in ("user", "group"):
        if not sp.email:
            raise ValueError(f"seed.google.{at}: a {kind} permission needs `email`")
        u = state.users.get(sp.email)
        return Permission(id=sp.id or permission_id_of(state, sp.email), type=kind, role=sp.role,
                          emailAddress=sp.email, displayName=u.name if u is not None else None,
                          pendingOwner=sp.pending_owner)
    if kind == "domain":
        d = sp.domain or state.domain
        return Permission(id=sp.id or domain_permission_id(d), type="domain", role=sp.role,
                          domain=d, displayName=d, allowFileDiscovery=sp.discoverable)
    if kind == "anyone":
        return Permission(id=sp.id or ("anyoneWithLink" if not sp.discoverable else "anyone"),
                          type="anyone", role=sp.role, allowFileDiscovery=sp.discoverable)
    raise ValueError(f"seed.google.{at}.type: unknown permission type {kind!r}; use user, group, domain or anyone")
