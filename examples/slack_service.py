"""An event-driven Slack app for `--agent service:python examples/slack_service.py`.

A plain slack_bolt app, multi-workspace (OAuth) and in HTTP mode with signature verification
on: nothing in it knows about dtu. dtu starts it once per run with PORT, SLACK_API_URL,
SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_SIGNING_SECRET, installs it in every trial's
workspace through its OAuth redirect URL, and delivers each workspace's events to
/slack/events.

What it does: when someone mentions it, it answers in the thread; when someone reports an
incident ("down", "outage", "incident") it also adds :eyes: to the report."""

from __future__ import annotations

import os
import re

from slack_bolt.async_app import AsyncApp, AsyncSay
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.installation_store import FileInstallationStore
from slack_sdk.oauth.state_store import FileOAuthStateStore
from slack_sdk.web.async_client import AsyncWebClient

API = os.environ.get("SLACK_API_URL", "https://slack.com/api/")
HOME = os.environ.get("HOME", ".")
INCIDENT = re.compile(r"\b(down|outage|incident)\b", re.IGNORECASE)

settings = AsyncOAuthSettings(
    client_id=os.environ["SLACK_CLIENT_ID"], client_secret=os.environ["SLACK_CLIENT_SECRET"],
    scopes=["app_mentions:read", "chat:write", "reactions:write", "channels:history"],
    installation_store=FileInstallationStore(base_dir=os.path.join(HOME, "installations")),
    state_store=FileOAuthStateStore(expiration_seconds=600, base_dir=os.path.join(HOME, "states")),
    state_validation_enabled=False)
app = AsyncApp(signing_secret=os.environ["SLACK_SIGNING_SECRET"], client=AsyncWebClient(base_url=API),
               oauth_flow=AsyncOAuthFlow(client=AsyncWebClient(base_url=API), settings=settings))


@app.event("app_mention")
async def mentioned(event: dict, say: AsyncSay, client: AsyncWebClient) -> None:
    text = event.get("text", "")
    thread = event.get("thread_ts") or event["ts"]
    if INCIDENT.search(text):
        await client.reactions_add(channel=event["channel"], timestamp=event["ts"], name="eyes")
        await say(text=f"<@{event['user']}> thanks, I'm on it: opening an incident now.", thread_ts=thread)
    else:
        await say(text=f"<@{event['user']}> hi! Mention me with the word 'incident' to report one.", thread_ts=thread)


@app.event("message")
async def message(event: dict) -> None:
    """Messages the app is not mentioned in: nothing to do (bolt wants a listener to ack them)."""


if __name__ == "__main__":
    app.start(port=int(os.environ.get("PORT", "3000")), host="127.0.0.1")
