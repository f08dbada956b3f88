"""The Okta twin: the Management API (/api/v1) as the okta Python SDK sees it."""

from ..core import Twin
from . import (
            ops_apps,
            ops_factors,
            ops_groups,
            ops_hooks,
            ops_lifecycle,
            ops_logs,
            ops_roles,
            ops_rules,
            ops_types,
            ops_users,
)
from .common import METER, ops
from .errors import ERRORS, OktaError
from .events import events
from .limits import limits
from .seed import build
from .state import OktaState, view
from .view_joins import view_delta
from .wire import auth, env_vars, headers

_MODULES = (ops_rules, ops_users, ops_lifecycle, ops_groups, ops_apps, ops_factors, ops_roles, ops_types,
            ops_logs, ops_hooks)  # registering their operations

TWIN: Twin[OktaState] = Twin(
    name="okta", state_type=OktaState, ops=ops, errors=ERRORS, build=build, auth=auth,
    prefixes=("/api/v1/",), actor=lambda s: s.me, view=view, headers=headers, env_vars=env_vars,
    actors=lambda s, name: name in s.users, limits=limits, events=events, view_delta=view_delta, lazy=True,
    meter=METER,
)

__all__ = ["TWIN", "OktaError", "OktaState"]
