"""OAuth: `oauth.v2.access`, how an installed app gets a workspace's bot token.

dtu installs a service agent's app in each world it serves (agents/service.py): it sends the
app's redirect URL a one-time `code`, and the app exchanges it here, as Slack's OAuth v2 flow
does (https://docs.slack.dev/reference/methods/oauth.v2.access). The code is a capability (over
HTTP a secret only that install was given); the bot token in the answer is minted by the door
(`Env.grant` with the `TOKEN` marker) and acts as the app's bot user in that world only."""

from __future__ import annotations

from typing import Any

import msgspec

from ..core.env import ALNUM
from ..core.ops import Ctx
from .api import ops
from .errors import SlackError
from .state import SlackState

TOKEN = "__token__"
"""A grant with this operation is a token for the twin, not a capability URL."""
SCOPES = "app_mentions:read,channels:history,channels:read,chat:write,groups:history,im:history,im:read,im:write," \
         "reactions:read,reactions:write,users:read,users:read.email"


class Access(msgspec.Struct):
    code: str = ""
    client_id: str = ""
    client_secret: str = ""
    redirect_uri: str = ""
    bot: str = msgspec.field(name="_bot", default="")
    app_id: str = msgspec.field(name="_app", default="")


@ops.op("oauth.v2.access", ("GET", "POST"), "/api/oauth.v2.access", tool=False, mutates=True, capability="code")
def oauth_v2_access(ctx: Ctx[SlackState], p: Access) -> dict[str, Any]:
    """Exchange an install's one-time code for the workspace's bot token."""
    s = ctx.state
    bot = s.users.get(p.bot)
    if not p.bot or bot is None or bot.deleted:
        raise SlackError("invalid_code")
    token = ctx.env.grant("xoxb-" + ctx.env.token(48, ALNUM), (TOKEN,), {"slack": p.bot})
    return {"ok": True, "app_id": p.app_id, "authed_user": {"id": s.me}, "scope": SCOPES, "token_type": "bot",
            "access_token": token, "bot_user_id": p.bot, "team": {"id": s.team_id, "name": s.team},
            "enterprise": None, "is_enterprise_install": False}
