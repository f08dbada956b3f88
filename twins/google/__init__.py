"""The Google twin: Drive v3, Docs v1 and Sheets v4 on one store.

A spreadsheet or a document is also a Drive file, so gspread can create, find, share and delete
spreadsheets through Drive."""

from ..core import Twin
from . import docs_ops, drive_ops, sheets_ops  # noqa: F401  (each registers its operations)
from .errors import ERRORS, DriveError, GoogleError
from .events import events
from .limits import limits
from .registry import ops
from .seed import build
from .state import GoogleState, view
from .view_lazy import view_delta
from .wire import auth, env_vars

TWIN: Twin[GoogleState] = Twin(
    name="google", state_type=GoogleState, ops=ops, errors=ERRORS, build=build, auth=auth,
    prefixes=("/drive/", "/upload/drive/", "/batch/", "/v1/documents", "/v4/spreadsheets"),
    actor=lambda s: s.me, env_vars=env_vars, view=view, view_delta=view_delta, lazy=True, actors=lambda s, name: name in s.users,
    limits=limits, events=events,
)

__all__ = ["TWIN", "DriveError", "GoogleError", "GoogleState"]
