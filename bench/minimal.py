"""The yardstick for `dtu serve`: a minimal aiohttp handler answering a small JSON body."""

from __future__ import annotations

import sys

from aiohttp import web


async def handle(request: web.Request) -> web.Response:
    await request.read()
    return web.Response(body=b'{"ok":true}', content_type="application/json")


if __name__ == "__main__":
    import uvloop

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    port = int(sys.argv[1])
    print("ready", flush=True)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None, loop=uvloop.new_event_loop())
