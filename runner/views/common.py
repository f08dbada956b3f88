"""What every view shares: the jinja2 environment (autoescaped), links that carry a selection,
initials avatars with a stable colour per person, and time formatting."""

from __future__ import annotations

import datetime as _dt
import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
PALETTE = 16
"""Avatar colours (`av-0` ... `av-15` in shell.css)."""

ENV = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True, undefined=StrictUndefined,
                  trim_blocks=True, lstrip_blocks=True, auto_reload=False)


class Links:
    """Links inside one world's views: `base/kind`, with `?sel=` when something is selected."""

    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")

    def __call__(self, kind: str, sel: str | None = None) -> str:
        url = f"{self.base}/{kind}"
        return url if sel is None else f"{url}?sel={quote(sel, safe='')}"


def render(template: str, **context: Any) -> str:
    return ENV.get_template(template).render(**context)


def initials(name: str, fallback: str = "") -> str:
    """Up to two initials: "Dana Scully" -> "DS", "dana.scully@acme.test" -> "DS", "bob" -> "B"."""
    text = (name or fallback or "?").split("@", 1)[0]
    words = [w for w in text.replace(".", " ").replace("_", " ").replace("-", " ").split() if w[:1].isalnum()]
    if not words:
        return (text[:1] or "?").upper()
    return "".join(w[0] for w in (words[0], words[-1]) if w)[: 1 if len(words) == 1 else 2].upper()


def colour(key: str) -> str:
    """The avatar colour class of a person: the same in every view and every run."""
    return f"av-{int.from_bytes(hashlib.blake2b(key.encode(), digest_size=4).digest(), 'big') % PALETTE}"


def person(key: str, name: str, email: str = "") -> dict[str, str]:
    """What an avatar needs: display name, initials, colour class. The colour follows the email
    when there is one, so a person has the same colour in Slack, Jira, Okta and Google."""
    shown = name or key or "unknown"
    return {"id": key, "name": shown, "initials": initials(shown, key),
            "colour": colour((email or key or shown).strip().lower())}


def parse_iso(text: Any) -> _dt.datetime | None:
    if not isinstance(text, str) or not text:
        return None
    t = text.strip().replace("Z", "+00:00")
    if len(t) > 5 and t[-5] in "+-" and t[-3] != ":" and t[-4:].isdigit():  # Jira's +0000
        t = f"{t[:-2]}:{t[-2:]}"
    try:
        d = _dt.datetime.fromisoformat(t)
    except ValueError:
        return None
    return d if d.tzinfo is not None else d.replace(tzinfo=_dt.UTC)


def from_epoch(value: Any) -> _dt.datetime | None:
    try:
        return _dt.datetime.fromtimestamp(float(value), _dt.UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def when(d: _dt.datetime | None) -> str:
    """"Jan 15, 2024, 10:00" (UTC), or "" when unknown."""
    return f"{d:%b} {d.day}, {d.year}, {d:%H:%M}" if d is not None else ""


def day(d: _dt.datetime | None) -> str:
    return f"{d:%A}, {d:%B} {d.day}, {d.year}" if d is not None else ""


def clock(d: _dt.datetime | None) -> str:
    return f"{d:%H:%M}" if d is not None else ""


def iso_title(d: _dt.datetime | None) -> str:
    return d.strftime("%Y-%m-%d %H:%M:%S UTC") if d is not None else ""


def size(n: Any) -> str:
    try:
        v = float(n)
    except (TypeError, ValueError):
        return ""
    for unit in ("bytes", "KB", "MB", "GB"):
        if v < 1024 or unit == "GB":
            return f"{int(v)} {unit}" if unit == "bytes" else f"{v:.1f} {unit}"
        v /= 1024
    return ""


def safe_url(url: Any) -> str | None:
    """An http(s) or mailto link the page may show as a link; None for anything else (javascript:, data:)."""
    if not isinstance(url, str):
        return None
    low = url.strip().lower()
    return url.strip() if low.startswith(("http://", "https://", "mailto:")) else None
