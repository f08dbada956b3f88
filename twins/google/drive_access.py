"""Who may do what to which Drive file, in Drive's own error shapes."""

from __future__ import annotations

from .errors import DriveError, file_not_found
from .registry import G
from .state import FOLDER, RANK, DriveFile, GoogleState, ensure_user, lookup, perm_matches

NO_WRITE = "The user does not have sufficient permissions for this file."


def resolve_id(ctx: G, file_id: str) -> str:
    """`root` stands for the actor's My Drive."""
    if file_id == "root":
        return ensure_user(ctx.state, ctx.env, ctx.actor).rootId
    return file_id


def get_file(ctx: G, file_id: str, need: str = "reader") -> tuple[DriveFile, str]:
    """The file and the actor's role; 404 when they cannot see it, 403 when the role is too low."""
    got = lookup(ctx.state, resolve_id(ctx, file_id), ctx.actor)
    if got is None:
        raise file_not_found(file_id)
    f, role = got
    ctx.mark(("file", f.id))  # the caller may change it: its view is rebuilt (state.view_delta)
    if RANK[role] < RANK[need]:
        raise DriveError("insufficientFilePermissions", NO_WRITE, status=403)
    return f, role


def get_folder(ctx: G, folder_id: str, location: str = "parents") -> DriveFile:
    """A folder the actor may add files to."""
    got = lookup(ctx.state, resolve_id(ctx, folder_id), ctx.actor)
    if got is None:
        raise file_not_found(folder_id)
    f, role = got
    if f.mimeType != FOLDER:
        raise DriveError("invalid",
                         "The specified parent is not a folder.", status=400, location=location)
    if RANK[role] < RANK["writer"]:
        raise DriveError("insufficientFilePermissions", NO_WRITE, status=403)
    return f


def listable(state: GoogleState, f: DriveFile, actor: str) -> bool:
    """Whether files.list shows a file to `actor`: owned, shared with them, or inside a folder they
    can see; link-only (undiscoverable) domain and anyone grants do not list."""
    seen: set[str] = set()
    cur: list[DriveFile] = [f]
    while cur:
        x = cur.pop()
        if x.id in seen:
            continue
        seen.add(x.id)
        if actor in x.owners:
            return True
        for p in x.permissions:
            if (p.type in ("user", "group") or p.allowFileDiscovery) and perm_matches(state, p, actor):
                return True
        for pid in x.parents:
            parent = state.files.get(pid)
            if parent is not None:
                cur.append(parent)
    return False


def descendants(state: GoogleState, folder_id: str) -> list[DriveFile]:
    """Every file under a folder, depth first."""
    out: list[DriveFile] = []
    children: dict[str, list[DriveFile]] = {}
    for f in state.files.values():
        for p in f.parents:
            children.setdefault(p, []).append(f)
    todo = list(children.get(folder_id, ()))
    seen: set[str] = {folder_id}
    while todo:
        f = todo.pop()
        if f.id in seen:
            continue
        seen.add(f.id)
        out.append(f)
        todo.extend(children.get(f.id, ()))
    return out
