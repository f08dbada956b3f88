"""What people do, as a scenario writes it: a person's `acts:` (scheduled and reactive) and the
durations they use.

    people:
      - name: Marcus Chen
        email: marcus.chen@acme.test
        acts:
          - at: "+15m"                      # a scheduled action, 15 minutes into the trial
            do: [{post: {channel: "#eng", text: "Standup in 5"}}]
          - id: approval                    # a reactive rule
            when: {event: dm, contains: "access|approve"}
            after: "10m"                    # world time before they act
            chance: 1.0                     # the probability they act at all
            choose:                         # one outcome, drawn from the trial's seed
              - {id: approve, weight: 70, do: [{reply: "Approved, go ahead."}]}
              - {id: deny, weight: 20, do: [{reply: "No, not this quarter."}]}
              - {id: ignore, weight: 10, do: []}

Events a rule can wait for (`when.event`): `message` (in a channel they are in, or a DM to
them), `dm`, `mention` (a message that @mentions them), `buttons` (a message to them that holds
buttons), `reaction`, `assigned` (a Jira issue assigned to them), `commented` (a comment on a
Jira issue they are assigned to or reported), `shared` (a Drive file shared with them),
`status` (their Okta status changed). `from` narrows to a sender (an email, or `agent`),
`channel` to a conversation (`#name`), `contains` to a text (a case-insensitive regular
expression), `nth: 2` acts only on the second matching event (someone who answers only after a
reminder), `repeat: true` on every one from the nth on."""

from __future__ import annotations

import functools
import re
from typing import Any, Literal

import msgspec

EventKind = Literal["message", "dm", "mention", "buttons", "reaction", "assigned", "commented", "shared", "status"]
ACTIONS = ("post", "reply", "react", "click", "jira_create", "jira_transition", "jira_comment", "jira_assign",
           "share", "okta_status")
_DURATION = re.compile(r"^\s*\+?\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|m|min|h|d)?\s*$")
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|sec|min|s|m|h|d)")
_UNITS = {None: 1.0, "s": 1.0, "sec": 1.0, "ms": 0.001, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86400.0}


@functools.lru_cache(maxsize=1024, typed=True)  # a duration is parsed once, not per world
def seconds(value: str | float | int) -> float:
    """Seconds from `90`, `"90s"`, `"+15m"`, `"2h"`, `"1h30m"`, `"1d"`; ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError(f"not a duration: {value!r}")
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError(f"a duration cannot be negative: {value!r}")
        return float(value)
    text = str(value).strip().lstrip("+").strip()
    m = _DURATION.match(text)
    if m is not None:
        return float(m.group(1)) * _UNITS[m.group(2)]
    parts = _PART.findall(text)  # 1h30m, 2d 4h
    if parts and _PART.sub("", text).strip() == "":
        return sum(float(n) * _UNITS[u] for n, u in parts)
    raise ValueError(f"not a duration: {value!r} (write e.g. 90s, 15m, 2h, 1h30m, 1d)")


class When(msgspec.Struct, forbid_unknown_fields=True, frozen=True, rename={"sender": "from"}):
    """What a reactive rule waits for."""

    event: EventKind
    sender: str = ""  # `from:` an email, or `agent`
    channel: str = ""  # `#name`
    contains: str = ""  # a case-insensitive regular expression
    status: str = ""  # `status` events: the new Okta status (ACTIVE, SUSPENDED, DEPROVISIONED, ...)
    nth: int = 1
    repeat: bool = False


class Outcome(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """One of the outcomes a rule draws from."""

    do: list[dict[str, Any]] = []
    weight: float = 1.0
    id: str = ""


class Act(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """A scheduled action (`at`) or a reactive rule (`when`)."""

    at: str | float | None = None
    when: When | None = None
    after: str | float = 0
    chance: float = 1.0
    do: list[dict[str, Any]] = []
    choose: list[Outcome] = []
    id: str = ""

    def outcomes(self) -> list[Outcome]:
        """The outcomes to draw from (`do:` alone is one outcome)."""
        return list(self.choose) if self.choose else [Outcome(do=self.do, id="do")]


def problems(acts: list[Act], persona: str) -> list[tuple[str, str]]:
    """(field under the person, message) for each mistake in a person's acts."""
    out: list[tuple[str, str]] = []
    for i, a in enumerate(acts):
        f = f"acts[{i}]"
        if (a.at is None) == (a.when is None):
            out.append((f, "an act has either `at:` (a world time) or `when:` (an event), not both or neither"))
        for key, value in (("at", a.at), ("after", a.after)):
            if value is None:
                continue
            try:
                seconds(value)
            except ValueError as e:
                out.append((f"{f}.{key}", str(e)))
        if not 0.0 <= a.chance <= 1.0:
            out.append((f"{f}.chance", "a chance is between 0 and 1"))
        if a.do and a.choose:
            out.append((f, "an act has `do:` or `choose:`, not both"))
        if a.when is not None:
            if a.when.nth < 1:
                out.append((f"{f}.when.nth", "nth counts from 1"))
            if a.when.contains:
                try:
                    re.compile(a.when.contains)
                except re.error as e:
                    out.append((f"{f}.when.contains", f"not a regular expression: {e}"))
        if a.choose and sum(o.weight for o in a.choose) <= 0:
            out.append((f"{f}.choose", "the weights must add up to more than 0"))
        for j, o in enumerate(a.outcomes()):
            base = f"{f}.choose[{j}]" if a.choose else f
            for k, action in enumerate(o.do):
                where = f"{base}.do[{k}]"
                if not isinstance(action, dict) or len(action) != 1:
                    out.append((where, f"an action is one of {', '.join(ACTIONS)}, e.g. {{post: {{...}}}}"))
                    continue
                (name, spec), = action.items()
                if name not in ACTIONS:
                    out.append((f"{where}.{name}", f"unknown action; use one of {', '.join(ACTIONS)}"))
                elif name in ("reply", "post") and not persona and not _text(spec):
                    out.append((f"{where}.{name}", "needs a text (or give the person a `persona:` to write it)"))
    return out


def _text(spec: Any) -> str:
    if isinstance(spec, str):
        return spec
    if isinstance(spec, dict):
        return str(spec.get("text") or "")
    return ""
