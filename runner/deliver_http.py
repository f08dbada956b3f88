"""The deliveries of a `dtu serve` (or a private door): one `Deliveries` per server, started and
closed with it, and its admin routes.

    POST /_dtu/worlds/{id}/apps/slack         {request_url?, interactivity_url?, events?: [...], bot_user?}
        configure the agent's Slack app in the world; the request URL must answer Slack's
        url_verification challenge. 201 {api_app_id, signing_secret, token, bot_user_id, team_id, ...}
    POST /_dtu/worlds/{id}/apps/slack/click   {user, channel, ts, action_id, value?}
        a person clicks a button of a message the app posted: 200 {ok, payload}
    POST /_dtu/worlds/{id}/deliveries/drain   wait until the world's queued deliveries are sent: 200 {ok}

All need the admin token, like every /_dtu/ route."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

import msgspec
from aiohttp import web

from .deliver import Deliveries

if TYPE_CHECKING:
    from .hub import Hub
    from .server import Guard



class SlackAppSpec(msgspec.Struct, forbid_unknown_fields=True):
    request_url: str | None = None
    interactivity_url: str | None = None
    events: list[str] = []
    bot_user: str | None = None


class Click(msgspec.Struct, forbid_unknown_fields=True):
    user: str
    channel: str
    ts: str
    action_id: str
    value: str | None = None


def delivering(hub: Hub) -> Callable[[web.Application], AsyncIterator[None]]:
    """An aiohttp cleanup context: the server's Deliveries, attached to its hub while it serves."""

    async def run(app: web.Application) -> AsyncIterator[None]:
        deliveries = Deliveries(hub=hub)
        deliveries.attach(hub)
        try:
            yield
        finally:
            await deliveries.close()
            if hub.deliveries is deliveries:
                hub.deliveries = None
                hub.prepare.clear()

    return run


def _error(status: int, error: str, detail: str) -> web.Response:
    return web.json_response({"ok": False, "error": error, "detail": detail}, status=status)


def deliver_routes(hub: Hub, guard: Guard) -> list[web.RouteDef]:
    admin = guard.only_admin

    async def body(request: web.Request, kind: type[Any]) -> Any:
        try:
            return msgspec.json.decode(await request.read() or b"{}", type=kind)
        except (msgspec.DecodeError, msgspec.ValidationError) as e:
            raise web.HTTPBadRequest(text=msgspec.json.encode({"error": "invalid_request", "detail": str(e)}).decode(),
                                     content_type="application/json") from None

    def context(request: web.Request) -> tuple[Any, Deliveries]:
        world = hub.worlds.get(request.match_info["id"])
        if world is None:
            raise web.HTTPNotFound(text='{"error": "world_not_found"}', content_type="application/json")
        deliveries = hub.deliveries
        if deliveries is None:
            raise web.HTTPServiceUnavailable(text='{"error": "no_deliveries"}', content_type="application/json")
        return world, deliveries

    async def slack_app(request: web.Request) -> web.StreamResponse:
        world, deliveries = context(request)
        spec = await body(request, SlackAppSpec)
        try:
            app = deliveries.slack_app(world, request_url=spec.request_url, interactivity_url=spec.interactivity_url,
                                       events=spec.events, bot_user=spec.bot_user)
        except (ValueError, KeyError) as e:
            return _error(400, "invalid_app", str(e))
        if app.request_url and not await deliveries.verify_slack(world):
            return _error(400, "url_verification_failed",
                          f"{app.request_url} did not answer the url_verification challenge")
        return web.json_response(app.info(), status=201)

    async def click(request: web.Request) -> web.StreamResponse:
        world, deliveries = context(request)
        spec = await body(request, Click)
        try:
            payload = deliveries.click(world, spec.user, spec.channel, spec.ts, spec.action_id, value=spec.value)
        except (ValueError, KeyError) as e:
            return _error(400, "invalid_click", str(e))
        return web.json_response({"ok": True, "payload": payload})

    async def drain(request: web.Request) -> web.StreamResponse:
        world, deliveries = context(request)
        await deliveries.drain(world)
        return web.json_response({"ok": True})

    return [
        web.post("/_dtu/worlds/{id}/apps/slack", admin(slack_app)),
        web.post("/_dtu/worlds/{id}/apps/slack/click", admin(click)),
        web.post("/_dtu/worlds/{id}/deliveries/drain", admin(drain)),
    ]
