"""Slack's Web API rate limits: every method has a tier, and each method has its own bucket.

Tier 1: 1+ per minute, Tier 2: 20+, Tier 3: 50+, Tier 4: 100+ (per method, per workspace, per app).
chat.postMessage is special: about one message per second (per channel; here per world), with
short bursts. Tiers are those of api.slack.com/methods/<method> at the time of writing.
A call past a limit answers HTTP 429 `ratelimited` with `Retry-After` (see errors.py)."""

from __future__ import annotations

from ..core import Operation
from ..core.faults import RateLimit

TIER = {1: 1, 2: 20, 3: 50, 4: 100}

METHOD_TIER: dict[str, int] = {
    "auth.test": 4,  # "special": very high, never the bottleneck
    "chat.update": 3, "chat.delete": 3, "chat.postEphemeral": 4, "chat.getPermalink": 4,
    "conversations.create": 2, "conversations.invite": 3, "conversations.kick": 3,
    "conversations.join": 3, "conversations.leave": 3, "conversations.archive": 2,
    "conversations.unarchive": 2, "conversations.rename": 2, "conversations.setTopic": 2,
    "conversations.setPurpose": 2, "conversations.open": 3, "conversations.list": 2,
    "conversations.info": 3, "conversations.members": 4, "conversations.history": 3,
    "conversations.replies": 3,
    "files.getUploadURLExternal": 4, "files.completeUploadExternal": 4,
    "reactions.add": 3, "reactions.remove": 2, "reactions.get": 3,
    "pins.add": 2, "pins.remove": 2, "pins.list": 2,
    "search.messages": 2,
    "users.list": 2, "users.info": 4, "users.lookupByEmail": 3, "users.conversations": 3,
}

_LIMITS: dict[str, RateLimit] = {m: RateLimit(m, TIER[t]) for m, t in METHOD_TIER.items()}
_LIMITS["chat.postMessage"] = RateLimit("chat.postMessage", 1, 1.0)


def limits(op: Operation) -> RateLimit | None:
    """The method's bucket (None for the upload URL, which is not a Web API method)."""
    return _LIMITS.get(op.name)
