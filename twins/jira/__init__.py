"""The Jira twin: Jira Cloud's REST API v2 and v3, as the jira and atlassian-python-api clients see it."""

from ..core import Twin
from . import (
            ops_agile,
            ops_filters,
            ops_issue,
            ops_links,
            ops_meta,
            ops_project,
            ops_search,
            ops_social,
            ops_tracking,
            ops_webhooks,
)
from .errors import ERRORS, JiraError
from .events import events
from .limits import limits
from .ops_common import ops
from .seed import build
from .state import JiraState
from .view import guard, view, view_delta
from .wire import auth, env_vars

_MODULES = (ops_meta, ops_issue, ops_social, ops_links, ops_search, ops_project, ops_tracking, ops_filters,
            ops_agile, ops_webhooks)

guard(ops)  # after every module registered its operations
TWIN: Twin[JiraState] = Twin(
    name="jira", state_type=JiraState, ops=ops, errors=ERRORS, build=build, auth=auth,
    prefixes=("/rest/api/", "/rest/agile/"), actor=lambda s: s.me, env_vars=env_vars,
    actors=lambda s, name: name in s.users, view=view, view_delta=view_delta, lazy=True, limits=limits,
    events=events,
)

__all__ = ["TWIN", "JiraError", "JiraState"]
