"""The one Google store a world has: Drive files, some of which are Docs or Sheets."""

from __future__ import annotations

import msgspec

from .docs_model import Document
from .sheets_model import Spreadsheet

FOLDER = "application/vnd.google-apps.folder"
DOC = "application/vnd.google-apps.document"
SHEET = "application/vnd.google-apps.spreadsheet"


class Permission(msgspec.Struct, omit_defaults=True):
    id: str
    type: str  # user | group | domain | anyone
    role: str  # owner | organizer | fileOrganizer | writer | commenter | reader
    emailAddress: str | None = None
    domain: str | None = None
    displayName: str | None = None
    allowFileDiscovery: bool | None = None


class DriveFile(msgspec.Struct, omit_defaults=True):
    id: str
    name: str
    mimeType: str
    createdTime: str
    modifiedTime: str
    owners: list[str] = []  # owner emails
    parents: list[str] = []
    permissions: list[Permission] = []
    trashed: bool = False
    starred: bool = False
    description: str = ""
    properties: dict[str, str] = {}
    appProperties: dict[str, str] = {}
    content: bytes = b""  # blob files
    version: int = 1
    lastModifyingUser: str = ""
    doc: Document | None = None  # set when mimeType is DOC
    sheet: Spreadsheet | None = None  # set when mimeType is SHEET


class GoogleUser(msgspec.Struct, omit_defaults=True):
    email: str
    name: str = ""
    permissionId: str = ""


class GoogleState(msgspec.Struct, omit_defaults=True):
    me: str  # the acting user's email
    domain: str = "acme.test"
    users: dict[str, GoogleUser] = {}
    files: dict[str, DriveFile] = {}
