"""The page shell: one view of one world, with a tab per view the world offers."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from markupsafe import Markup

from . import docs, drive, jira, okta, sheets, slack
from .common import HERE, render

STATIC: Path = HERE / "static"
"""The css and js the pages reference (served at `static`)."""

Draw = Callable[[Mapping[str, Any], "str | None", str], str]

# kind -> (the twin whose view it draws, tab label, stylesheet, draw(state, sel, base)), in tab order
KINDS: dict[str, tuple[str, str, str, Draw]] = {
    "slack": ("slack", "Slack", "slack", slack.page),
    "jira": ("jira", "Jira", "jira", jira.page),
    "okta": ("okta", "Okta", "okta", okta.page),
    "drive": ("google", "Drive", "google", drive.page),
    "docs": ("google", "Docs", "google", docs.page),
    "sheets": ("google", "Sheets", "google", sheets.page),
}


def etag(fragment_html: str) -> str:
    """The ETag of a fragment (a quoted digest of its bytes): the page carries it as #dtu-content's
    data-etag, its script sends it back as If-None-Match, and a server may answer 304 while the
    fragment it would send has the same one."""
    return '"' + hashlib.blake2b(fragment_html.encode(), digest_size=12).hexdigest() + '"'


def kinds(view: Mapping[str, Any]) -> list[str]:
    """The views a world state view offers, in this order where present: slack, jira, okta, drive, docs, sheets."""
    return [k for k, (twin, *_) in KINDS.items() if isinstance(view.get(twin), Mapping)]


def _draw(view: Mapping[str, Any], kind: str) -> tuple[Mapping[str, Any], Draw]:
    if kind not in KINDS or kind not in kinds(view):
        raise KeyError(kind)
    twin, _, _, draw = KINDS[kind]
    return view[twin], draw


def fragment(view: Mapping[str, Any], kind: str, *, sel: str | None, base: str) -> str:
    """Only the content part of world_page (what live refresh swaps in)."""
    state, draw = _draw(view, kind)
    return draw(state, sel or None, base.rstrip("/"))


def world_page(view: Mapping[str, Any], kind: str, *, sel: str | None, base: str, static: str,
               title: str, live: bool) -> str:
    """A whole HTML page for one view of one world: tabs linking to f"{base}/{k}" for each k in kinds(view),
    `sel` picks a channel / issue / folder / document / spreadsheet (links carry it as ?sel=...),
    stylesheets and scripts from f"{static}/..."; with `live`, the page refreshes its content while the world changes."""
    content = fragment(view, kind, sel=sel, base=base)
    base = base.rstrip("/")
    tabs = [{"href": f"{base}/{k}", "label": KINDS[k][1], "current": k == kind} for k in kinds(view)]
    return render("shell.html", title=title, label=KINDS[kind][1], kind=kind, css=KINDS[kind][2],
                  static=static.rstrip("/"), tabs=tabs, live=live, content=Markup(content), etag=etag(content))
