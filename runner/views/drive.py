"""The Drive view: a file browser (My Drive, shared with me, starred, trash, and every other
person's My Drive), folders and files with owner, modification and sharing, and a details panel
with who has access. `sel` is a folder id (its contents), a file id (its folder, with the file's
details open), or one of `:shared`, `:starred`, `:trash`, `:orphans`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .common import Links, parse_iso, person, render, size, when

FOLDER = "application/vnd.google-apps.folder"
DOC = "application/vnd.google-apps.document"
SHEET = "application/vnd.google-apps.spreadsheet"
ROLE = {"owner": "Owner", "organizer": "Manager", "fileOrganizer": "Content manager", "writer": "Editor",
        "commenter": "Commenter", "reader": "Viewer"}
ROLE_RANK = {"owner": 0, "organizer": 1, "fileOrganizer": 2, "writer": 3, "commenter": 4, "reader": 5}
ICONS = {":shared": "people", ":starred": "star", ":trash": "trash", ":orphans": "file"}
PLACES = {":shared": "Shared with me", ":starred": "Starred", ":trash": "Trash", ":orphans": "Files without a folder"}


def icon(mime: str) -> tuple[str, str]:
    """(css class, short type name) of a file's icon."""
    if mime == FOLDER:
        return "folder", "Folder"
    if mime == DOC:
        return "doc", "Google Docs"
    if mime == SHEET:
        return "sheet", "Google Sheets"
    if mime == "application/vnd.google-apps.presentation":
        return "slides", "Google Slides"
    if mime == "application/pdf":
        return "pdf", "PDF"
    if mime.startswith("image/"):
        return "image", "Image"
    if mime.startswith("text/") or mime in ("application/json", "application/xml"):
        return "text", "Text"
    return "file", mime or "File"


def _m(x: Any) -> Mapping[str, Any]:
    return x if isinstance(x, Mapping) else {}


class Drive:
    def __init__(self, state: Mapping[str, Any], base: str) -> None:
        self.me = str(state.get("me") or "")
        self.domain = str(state.get("domain") or "")
        self.users: Mapping[str, Any] = _m(state.get("users"))
        self.files: dict[str, Mapping[str, Any]] = {k: v for k, v in _m(state.get("files")).items()
                                                    if isinstance(v, Mapping)}
        self.roots: dict[str, Mapping[str, Any]] = {k: v for k, v in _m(state.get("roots")).items()
                                                    if isinstance(v, Mapping)}
        self.drives: dict[str, Mapping[str, Any]] = {k: v for k, v in _m(state.get("drives")).items()
                                                     if isinstance(v, Mapping)}
        self.link = Links(base)
        self.my_root = str(_m(self.users.get(self.me)).get("rootId") or "")

    def name_of(self, email: str) -> str:
        return str(_m(self.users.get(email)).get("name") or email)

    def owner(self, email: str) -> dict[str, str]:
        p = person(email, self.name_of(email))
        return {**p, "name": "me"} if email == self.me else p

    def root_label(self, rid: str) -> str:
        if rid in self.drives:
            return str(self.drives[rid].get("name") or "Shared drive")
        if rid == self.my_root:
            return "My Drive"
        owners = self.roots[rid].get("owners") or []
        return f"{self.name_of(str(owners[0]))}'s Drive" if owners else "My Drive"

    def open_href(self, fid: str, mime: str) -> str | None:
        if mime == DOC:
            return self.link("docs", fid)
        if mime == SHEET:
            return self.link("sheets", fid)
        return None

    def access(self, f: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Who has access, as Drive's share dialog lists it: owners first, then by role; a file in
        a shared drive also lists the drive's members."""
        out: list[dict[str, Any]] = []
        seen: set[str] = set()
        for email in f.get("owners") or []:
            out.append({"who": person(str(email), self.name_of(str(email))), "email": str(email),
                        "role": "Owner", "rank": 0, "kind": "user", "pending": False, "via": ""})
            seen.add(str(email))
        drive = self.drives.get(str(f.get("driveId") or ""))
        inherited = [(p, str(drive.get("name") or "")) for p in drive.get("members") or []] if drive else []
        for p, via in [(p, "") for p in f.get("permissions") or []] + inherited:
            if not isinstance(p, Mapping):
                continue
            kind = str(p.get("type") or "user")
            role = str(p.get("role") or "reader")
            email = str(p.get("emailAddress") or "")
            if kind in ("user", "group"):
                if role == "owner" and email in seen:
                    continue
                label = str(p.get("displayName") or self.name_of(email) or email)
                who = person(email, label)
            elif kind == "domain":
                dom = str(p.get("domain") or self.domain)
                label = f"Anyone at {dom}" + (" (can find it)" if p.get("allowFileDiscovery") else " with the link")
                who = {"id": dom, "name": label, "initials": "", "colour": "av-domain", "icon": "building"}
                email = ""
            else:
                label = "Anyone on the internet" + (" (public on the web)" if p.get("allowFileDiscovery")
                                                    else " with the link")
                who = {"id": "anyone", "name": label, "initials": "", "colour": "av-anyone", "icon": "globe"}
                email = ""
            out.append({"who": who, "email": email if email != who["name"] else "", "kind": kind,
                        "role": ROLE.get(role, role), "rank": ROLE_RANK.get(role, 9),
                        "pending": bool(p.get("pendingOwner")), "via": via})
        out.sort(key=lambda a: a["rank"])
        return out

    def sharing(self, f: Mapping[str, Any]) -> dict[str, Any]:
        acc = self.access(f)
        others = [a for a in acc if a["role"] != "Owner"]
        public = next((a["who"]["name"] for a in others if a["kind"] in ("anyone", "domain")), "")
        return {"shared": bool(others), "people": [a["who"] for a in others if a["kind"] in ("user", "group")][:4],
                "count": len(others), "public": public}

    def row(self, fid: str, f: Mapping[str, Any], selected: str | None) -> dict[str, Any]:
        mime = str(f.get("mimeType") or "")
        cls, kind = icon(mime)
        owners = [str(o) for o in f.get("owners") or []]
        owner = owners[0] if owners else ""
        folder = mime == FOLDER
        content = f.get("content")
        return {"id": fid, "name": str(f.get("name") or "Untitled"), "icon": cls, "kind": kind, "folder": folder,
                "href": self.link("drive", fid), "open": self.open_href(fid, mime),
                "owner": self.owner(owner) if owner else None,
                "modified": when(parse_iso(f.get("modifiedTime"))),
                "size": "—" if folder or mime.startswith("application/vnd.google-apps")
                else size(len(content.encode()) if isinstance(content, str) else 0),
                "starred": bool(f.get("starred")), "trashed": bool(f.get("trashed")),
                "sharing": self.sharing(f), "current": fid == selected}

    def listing(self, ids: list[str], selected: str | None) -> list[dict[str, Any]]:
        rows = [self.row(i, self.files[i], selected) for i in ids]
        rows.sort(key=lambda r: (not r["folder"], r["name"].lower(), r["id"]))
        return rows

    def children(self, folder: str) -> list[str]:
        return [i for i, f in self.files.items() if folder in (f.get("parents") or []) and not f.get("trashed")]

    def crumbs(self, fid: str) -> list[dict[str, str]]:
        out: list[dict[str, str]] = []
        cur: str | None = fid
        seen: set[str] = set()
        while cur is not None and cur not in seen:
            seen.add(cur)
            if cur in self.roots or cur in self.drives:
                out.append({"name": self.root_label(cur), "href": self.link("drive", cur)})
                break
            f = self.files.get(cur)
            if f is None:
                break
            out.append({"name": str(f.get("name") or "Untitled"), "href": self.link("drive", cur)})
            parents = f.get("parents") or []
            cur = str(parents[0]) if parents else None
        return out[::-1]

    def details(self, fid: str) -> dict[str, Any]:
        f = self.files[fid]
        r = self.row(fid, f, fid)
        comments = [c for c in f.get("comments") or [] if isinstance(c, Mapping)]
        last = str(f.get("lastModifyingUser") or "")
        return {**r, "access": self.access(f), "path": str(f.get("path") or ""),
                "created": when(parse_iso(f.get("createdTime"))), "by": self.name_of(last) if last else "",
                "description": str(f.get("description") or ""), "comments": len(comments),
                "mime": str(f.get("mimeType") or ""),
                "properties": sorted((str(k), str(v)) for k, v in _m(f.get("properties")).items())}


def page(state: Mapping[str, Any], sel: str | None, base: str) -> str:
    """The Drive view's content."""
    dv = Drive(state, base)
    known = dv.files.keys() | dv.roots.keys() | dv.drives.keys()
    orphans = [i for i, f in dv.files.items() if not f.get("trashed") and not known & set(f.get("parents") or [])]
    details = None
    place = sel
    if sel is not None and sel in dv.files and dv.files[sel].get("mimeType") != FOLDER:
        details = dv.details(sel)
        parents = [p for p in dv.files[sel].get("parents") or [] if p in known]
        place = ":trash" if dv.files[sel].get("trashed") else str(parents[0]) if parents else ":orphans"
    if place is None or not (place in known or place in PLACES):
        place = dv.my_root if dv.my_root in dv.roots else next(iter(dv.roots), ":orphans")
    if place == ":shared":
        ids = [i for i, f in dv.files.items() if dv.me in (f.get("sharedWith") or {}) and not f.get("trashed")]
    elif place == ":starred":
        ids = [i for i, f in dv.files.items() if f.get("starred") and not f.get("trashed")]
    elif place == ":trash":
        ids = [i for i, f in dv.files.items() if f.get("trashed")]
    elif place == ":orphans":
        ids = orphans
    else:
        ids = dv.children(place)
    title = PLACES.get(place) or (dv.root_label(place) if place in dv.roots or place in dv.drives else "")
    crumbs = [] if place in PLACES else dv.crumbs(place)
    nav = [{"name": "My Drive", "href": dv.link("drive", dv.my_root), "current": place == dv.my_root, "icon": "drive"}
           ] if dv.my_root in dv.roots else []
    nav += [{"name": PLACES[p], "href": dv.link("drive", p), "current": place == p, "icon": ICONS[p]}
            for p in (":shared", ":starred", ":trash") + ((":orphans",) if orphans else ())]
    drives = [{"name": dv.root_label(r), "href": dv.link("drive", r), "current": place == r,
               "who": person(str((f.get("owners") or [""])[0]), dv.name_of(str((f.get("owners") or [""])[0])))}
              for r, f in sorted(dv.roots.items(), key=lambda kv: dv.root_label(kv[0]).lower()) if r != dv.my_root]
    shared_drives = [{"name": dv.root_label(d), "href": dv.link("drive", d), "current": place == d}
                     for d in sorted(dv.drives, key=lambda d: dv.root_label(d).lower())
                     if not dv.drives[d].get("hidden")]
    members = dv.access({"driveId": place}) if place in dv.drives else []
    return render("drive.html", me=person(dv.me, dv.name_of(dv.me)), me_email=dv.me, nav=nav, drives=drives,
                  shared_drives=shared_drives, members=members,
                  title=title, crumbs=crumbs, rows=dv.listing(ids, sel), details=details,
                  close=dv.link("drive", place))
