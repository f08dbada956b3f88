"""Read-only web views of one world's twins, drawn like the vendors' own products: Slack,
Jira, Okta, and Google Drive, Docs and Sheets. Rendered server-side with jinja2 (autoescaped)
from a world's state view (`world.view(names)`); the page's small script refreshes the content
while the world changes. `routes.py` serves them under /ui/ in `dtu serve`."""

from __future__ import annotations

from .page import STATIC, fragment, kinds, world_page

__all__ = ["STATIC", "fragment", "kinds", "world_page"]
