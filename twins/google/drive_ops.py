"""Drive v3 operations, one module per concern; importing them registers them on `ops`."""

from __future__ import annotations

from . import (
    drive_batch,
    drive_changes,
    drive_comments,
    drive_drives,
    drive_files,
    drive_list,
    drive_media,
    drive_perms,
    drive_revisions,
    drive_watch,
)
from .registry import ops

MODULES = (drive_files, drive_list, drive_media, drive_perms, drive_comments, drive_drives,
           drive_changes, drive_revisions, drive_batch, drive_watch)

__all__ = ["MODULES", "ops"]
