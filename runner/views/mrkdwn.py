"""Slack's message text as the Slack client shows it, built safely: every piece of the text is
escaped, and only the control sequences Slack defines (`<@U…>`, `<#C…|name>`, `<!here>`,
`<https://…|label>`) and its emphasis (`*bold*`, `_italic_`, `~strike~`, `` `code` ``, ```` ``` ````
blocks) become markup."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from markupsafe import Markup, escape

from .common import safe_url

CONTROL = re.compile(r"<([@#!])([^<>|\s]+)(?:\|([^<>]*))?>|<((?:https?://|mailto:)[^<>|\s]+)(?:\|([^<>]*))?>")
EMPHASIS = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])"
                      r"|(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])"
                      r"|(?<![\w~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])")
CODE = re.compile(r"```\n?(.*?)```|`([^`\n]+)`", re.S)
SPECIAL = {"here": "@here", "channel": "@channel", "everyone": "@everyone"}

Name = Callable[[str], str]


def _literal(text: str) -> Markup:
    """Plain text: Slack's own entities undone (as its client does), then escaped for HTML."""
    return escape(html.unescape(text) if "&" in text else text)


def _emphasis(text: str) -> Markup:
    out: list[Markup] = []
    pos = 0
    for m in EMPHASIS.finditer(text):
        out.append(_literal(text[pos:m.start()]))
        bold, italic, strike = m.groups()
        tag = "strong" if bold is not None else "em" if italic is not None else "del"
        out.append(Markup(f"<{tag}>{_literal(bold or italic or strike)}</{tag}>"))
        pos = m.end()
    out.append(_literal(text[pos:]))
    return Markup("").join(out)


def _controls(text: str, user: Name, channel: Name) -> Markup:
    out: list[Markup] = []
    pos = 0
    for m in CONTROL.finditer(text):
        out.append(_emphasis(text[pos:m.start()]))
        sigil, target, label, url, url_label = m.groups()
        if url is not None:
            href = safe_url(html.unescape(url))
            shown = _literal(url_label or url)
            out.append(Markup('<a href="{}" rel="noopener noreferrer" target="_blank">{}</a>').format(href, shown)
                       if href else shown)
        elif sigil == "@":
            out.append(Markup('<span class="mention">@{}</span>').format(label or user(target)))
        elif sigil == "#":
            out.append(Markup('<span class="mention">#{}</span>').format(label or channel(target)))
        else:
            special = target.split("^", 1)[0]
            out.append(Markup('<span class="mention">{}</span>').format(label or SPECIAL.get(special, "@" + special)))
        pos = m.end()
    out.append(_emphasis(text[pos:]))
    return Markup("").join(out)


def mrkdwn(text: str, user: Name, channel: Name) -> Markup:
    """`text` as safe HTML: code spans and blocks verbatim, the rest with mentions, links and emphasis."""
    if not text:
        return Markup("")
    out: list[Markup] = []
    pos = 0
    for m in CODE.finditer(text):
        out.append(_controls(text[pos:m.start()], user, channel))
        block, inline = m.groups()
        if block is not None:
            out.append(Markup("<pre>{}</pre>").format(_literal(block)))
        else:
            out.append(Markup("<code>{}</code>").format(_literal(inline)))
        pos = m.end()
    out.append(_controls(text[pos:], user, channel))
    return Markup("").join(out)


EMOJI = {
    "+1": "\U0001f44d", "thumbsup": "\U0001f44d", "-1": "\U0001f44e", "thumbsdown": "\U0001f44e",
    "white_check_mark": "\u2705", "heavy_check_mark": "\u2714\ufe0f", "x": "\u274c", "eyes": "\U0001f440",
    "tada": "\U0001f389", "heart": "\u2764\ufe0f", "rocket": "\U0001f680", "fire": "\U0001f525",
    "pray": "\U0001f64f", "raised_hands": "\U0001f64c", "clap": "\U0001f44f", "joy": "\U0001f602",
    "smile": "\U0001f604", "slightly_smiling_face": "\U0001f642", "thinking_face": "\U0001f914",
    "warning": "\u26a0\ufe0f", "rotating_light": "\U0001f6a8", "ok_hand": "\U0001f44c", "100": "\U0001f4af",
    "wave": "\U0001f44b", "memo": "\U0001f4dd", "pushpin": "\U0001f4cc", "hourglass": "\u231b",
    "white_circle": "\u26aa", "red_circle": "\U0001f534", "large_green_circle": "\U0001f7e2",
    "sparkles": "\u2728", "bug": "\U0001f41b", "ship": "\U0001f6a2", "no_entry": "\u26d4",
    "question": "\u2753", "exclamation": "\u2757", "muscle": "\U0001f4aa", "sob": "\U0001f62d",
    "coffee": "\u2615", "calendar": "\U0001f4c6", "lock": "\U0001f512", "bell": "\U0001f514",
}


def emoji(name: str) -> str:
    """The character Slack shows for a reaction's name, or `:name:` for one it would draw as an image."""
    return EMOJI.get(name.split("::", 1)[0], f":{name}:")
