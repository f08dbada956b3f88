"""Slack Web API operations: one registry (api.ops) filled by one module per method family."""

from __future__ import annotations

from . import (
    ops_bookmarks,
    ops_chat,
    ops_conversations,
    ops_files,
    ops_history,
    ops_interact,
    ops_misc,
    ops_oauth,
    ops_people,
    ops_reminders,
    ops_schedule,
    ops_usergroups,
    ops_users,
)
from .api import ops

MODULES = (ops_chat, ops_conversations, ops_history, ops_users, ops_misc, ops_files, ops_schedule,
           ops_people, ops_usergroups, ops_bookmarks, ops_reminders, ops_oauth, ops_interact)

__all__ = ["ops"]
