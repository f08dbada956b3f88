"""Slack's Web API rate limits: every method has a tier, and each method has its own bucket.

Tiers (https://docs.slack.dev/apis/web-api/rate-limits, "Overview"; the same table at
https://api.slack.com/apis/rate-limits): Tier 1 "1+ per minute", Tier 2 "20+ per minute",
Tier 3 "50+ per minute", Tier 4 "100+ per minute", applied "per API method per workspace/team
per app". The twin charges the tier's floor (1, 20, 50, 100 a minute) per method per world.

Each method's tier is the one on its page, https://docs.slack.dev/reference/methods/<method>
("Rate limits" under Facts), as recorded for every method in slack-ruby/slack-api-ref's scrape of
those pages (docs.slack.dev/methods/<method>.json, field `rate_limits`, commit f4837c0, Aug 2026).
Special tier ("Varies"): chat.postMessage "generally allows posting one message per second per
channel, while also maintaining a workspace-wide limit" (rate-limits page); the twin allows 1 a
second per world. auth.test and chat.getPermalink are special tier too, and their pages publish
no number; the twin gives them Tier 4's 100 a minute, its own choice.
A call past a limit answers HTTP 429 `ratelimited` with `Retry-After` (see errors.py).
SCIM (DELETE /scim/v1/Users/<id>) has limits of its own ("Delete a user: 180 per minute, bursts
of 20", https://docs.slack.dev/reference/scim-api/rate-limits); the twin does not apply them."""

from __future__ import annotations

from ..core import Operation
from ..core.faults import RateLimit

TIER = {1: 1, 2: 20, 3: 50, 4: 100}
SPECIAL = 4  # auth.test, chat.getPermalink: "special", unpublished; the twin's choice

# method -> tier, each as stated on https://docs.slack.dev/reference/methods/<method>
METHOD_TIER: dict[str, int] = {
    "auth.test": SPECIAL,
    "bookmarks.add": 2, "bookmarks.edit": 2, "bookmarks.remove": 2, "bookmarks.list": 3,
    "chat.update": 3, "chat.delete": 3, "chat.postEphemeral": 4, "chat.getPermalink": SPECIAL,
    "chat.meMessage": 3, "chat.scheduleMessage": 3, "chat.scheduledMessages.list": 3,
    "chat.deleteScheduledMessage": 3,
    "conversations.create": 2, "conversations.invite": 3, "conversations.kick": 3,
    "conversations.join": 3, "conversations.leave": 3, "conversations.archive": 2,
    "conversations.unarchive": 2, "conversations.rename": 2, "conversations.setTopic": 2,
    "conversations.setPurpose": 2, "conversations.open": 3, "conversations.list": 2,
    "conversations.info": 3, "conversations.members": 4, "conversations.history": 3,
    "conversations.replies": 3, "conversations.mark": 3,
    "dnd.info": 3, "emoji.list": 2, "team.info": 3,
    "files.getUploadURLExternal": 4, "files.completeUploadExternal": 4,
    "files.info": 4, "files.list": 3, "files.delete": 3,
    "reactions.add": 3, "reactions.remove": 2, "reactions.get": 3, "reactions.list": 2,
    "pins.add": 2, "pins.remove": 2, "pins.list": 2,
    "reminders.add": 2, "reminders.complete": 2, "reminders.delete": 2, "reminders.info": 2,
    "reminders.list": 2,
    "search.messages": 2,
    "usergroups.create": 2, "usergroups.update": 2, "usergroups.list": 2, "usergroups.disable": 2,
    "usergroups.enable": 2, "usergroups.users.list": 2, "usergroups.users.update": 2,
    "users.list": 2, "users.info": 4, "users.lookupByEmail": 3, "users.conversations": 3,
    "users.profile.get": 4, "users.profile.set": 3, "users.getPresence": 3, "users.setPresence": 2,
    "oauth.v2.access": 4,
}

_LIMITS: dict[str, RateLimit] = {m: RateLimit(m, TIER[t]) for m, t in METHOD_TIER.items()}
_LIMITS["chat.postMessage"] = RateLimit("chat.postMessage", 1, 1.0)


def limits(op: Operation) -> RateLimit | None:
    """The method's bucket (None for the upload URL and the SCIM route, which are not Web API
    methods)."""
    return _LIMITS.get(op.name)
