"""The Slack twin: the Web API as slack_sdk sees it."""

from ..core import Twin
from .errors import ERRORS, SlackError
from .events import events
from .limits import limits
from .ops import ops
from .seed import build
from .state import SlackState
from .view import view_delta
from .wire import auth, env_vars

TWIN: Twin[SlackState] = Twin(
    name="slack", state_type=SlackState, ops=ops, errors=ERRORS, build=build, auth=auth,
    prefixes=("/api/",), actor=lambda s: s.me, env_vars=env_vars,
    limits=limits, events=events, view_delta=view_delta, lazy=True,
)

__all__ = ["TWIN", "SlackError", "SlackState"]
