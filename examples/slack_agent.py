#!/usr/bin/env python3
"""A tiny rule-based Slack agent, run by dtu as a `command` agent:

    dtu run scenarios/slack/launch-channel.yaml --agent "command:python examples/slack_agent.py"

With `--forget-invites` it skips the invitations: a "new version" that regressed, for trying
dtu's CI gate (`--baseline`, see the README's "Benchmark your agent").

It reads what dtu hands every command agent (DTU_INTENT, DTU_TOKEN, SLACK_API_URL) and drives
the official slack_sdk WebClient, unmodified, against the Slack twin. It understands intents of
the shape "create a (public|private) channel called #name, invite A and B to it, post a kickoff
message there that mentions <something> (<detail>), then tell #other that the channel exists",
and nothing else: a stand-in for your own agent, in any language. A request it does not
understand gets a polite refusal and exit code 0 (the trial is unsatisfied, not errored), as a
real agent that declines would, and so does an error answer it has no plan for; it exits
non-zero only when the program itself broke."""

from __future__ import annotations

import os
import re
import sys

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError


def find_user(client: WebClient, name: str) -> str | None:
    """A user id by handle or first name, skipping deactivated users and bots."""
    want = name.strip().lower()
    for page in client.users_list(limit=200):
        for u in page["members"]:
            if u.get("deleted") or u.get("is_bot"):
                continue
            first = (u.get("real_name") or "").split(" ")[0].lower()
            if want in (u["name"].lower(), first):
                return str(u["id"])
    return None


def find_channel(client: WebClient, name: str) -> dict | None:
    for page in client.conversations_list(limit=200, exclude_archived=True,
                                          types="public_channel,private_channel"):
        for c in page["channels"]:
            if c["name"] == name:
                return dict(c)
    return None


def main() -> int:
    forget_invites = "--forget-invites" in sys.argv[1:]
    intent_file = os.environ.get("DTU_INTENT_FILE")
    if intent_file:  # always there; DTU_INTENT is set only for intents small enough for the environment
        with open(intent_file, encoding="utf-8") as f:
            intent = f.read()
    else:
        intent = os.environ["DTU_INTENT"]
    m = re.search(r"(public|private)? ?channel called #([\w-]+)", intent)
    if m is None or "SLACK_API_URL" not in os.environ:  # not a request it knows, or no Slack in this world
        print(f"slack_agent: sorry, I only know how to open Slack channels; not doing: {intent[:200]!r}")
        return 0
    client = WebClient(token=os.environ["DTU_TOKEN"], base_url=os.environ["SLACK_API_URL"])
    private, name = m.group(1) == "private", m.group(2)
    try:
        existing = find_channel(client, name)
        if existing is not None:
            cid = existing["id"]
            print(f"channel #{name} exists already: {cid}")
        else:
            cid = client.conversations_create(name=name, is_private=private)["channel"]["id"]
            print(f"created #{name}: {cid}")
        inv = re.search(r"invite (.+?) to (?:it|the channel)", intent)
        if inv and not forget_invites:
            names = [n for n in re.split(r",\s*|\s+and\s+", inv.group(1)) if n]
            ids = [u for u in (find_user(client, n) for n in names) if u]
            if ids:
                try:
                    client.conversations_invite(channel=cid, users=",".join(ids))
                    print(f"invited {', '.join(ids)}")
                except SlackApiError as e:
                    if e.response["error"] != "already_in_channel":
                        raise
        project = re.search(r"launching (?:Project )?(\w+)", intent)
        what = project.group(1) if project else name
        detail = re.search(r"mentions? [^(]*\(([^)]+)\)", intent)
        if detail or "kickoff" in intent.lower():
            when = f" launches {detail.group(1)}" if detail else " kicks off"
            client.chat_postMessage(channel=cid, text=f"Kickoff: {what}{when}!")
            print("posted the kickoff")
        tell = re.search(r"tell #([\w-]+)", intent)
        if tell:
            other = find_channel(client, tell.group(1))
            if other is None:
                print(f"slack_agent: no channel #{tell.group(1)}; giving up", file=sys.stderr)
                return 0
            client.chat_postMessage(channel=other["id"], text=f"{what} launch coordination is in #{name}")
            print(f"told #{tell.group(1)}")
    except SlackApiError as e:  # an answer it has no plan for: it gives up (unsatisfied, not errored)
        print(f"slack_agent: Slack said {e.response['error']}; giving up", file=sys.stderr)
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
