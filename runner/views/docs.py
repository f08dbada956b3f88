"""The Docs view: a document as Google Docs lays out its page (title and headings, paragraphs
with their text styles and alignment, bulleted and numbered lists with nesting, tables, page
breaks), with its comments, and the world's documents to switch between. `sel` is a document id."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markupsafe import Markup, escape

from .common import Links, parse_iso, person, render, safe_url, when
from .drive import DOC

STYLE_TAG = {"TITLE": ("h1", "doc-title"), "SUBTITLE": ("p", "doc-subtitle"), "HEADING_1": ("h1", ""),
             "HEADING_2": ("h2", ""), "HEADING_3": ("h3", ""), "HEADING_4": ("h4", ""), "HEADING_5": ("h5", ""),
             "HEADING_6": ("h6", ""), "NORMAL_TEXT": ("p", "")}
ALIGN = {"CENTER": "al-center", "END": "al-end", "JUSTIFIED": "al-justify"}
MAX_DEPTH = 8  # tables inside tables: drawn this deep, then as text


def _m(x: Any) -> Mapping[str, Any]:
    return x if isinstance(x, Mapping) else {}


def _text(text: str) -> Markup:
    """A run's text: vertical tabs are line breaks, the paragraph's newline is dropped."""
    text = text.replace("\f", "").rstrip("\n")
    return Markup("<br>").join(escape(part) for part in text.split("\v"))


def run(r: Mapping[str, Any]) -> Markup:
    style = _m(r.get("style"))
    out = _text(str(r.get("text") or ""))
    if not out:
        return out
    for key, tag in (("bold", "strong"), ("italic", "em"), ("underline", "u"), ("strikethrough", "s")):
        if style.get(key):
            out = Markup(f"<{tag}>{out}</{tag}>")
    offset = style.get("baselineOffset")
    if offset in ("SUPERSCRIPT", "SUBSCRIPT"):
        tag = "sup" if offset == "SUPERSCRIPT" else "sub"
        out = Markup(f"<{tag}>{out}</{tag}>")
    if style.get("smallCaps"):
        out = Markup('<span class="smallcaps">{}</span>').format(out)
    url = safe_url(_m(style.get("link")).get("url"))
    if url:
        out = Markup('<a href="{}" rel="noopener noreferrer" target="_blank">{}</a>').format(url, out)
    return out


def paragraph_content(p: Mapping[str, Any]) -> Markup:
    runs = [x for x in p.get("runs") or [] if isinstance(x, Mapping)]
    inner = Markup("").join(run(x) for x in runs) if runs else _text(str(p.get("text") or ""))
    return inner if inner else Markup("<br>")


class Body:
    """Blocks to HTML: lists are gathered from consecutive bulleted paragraphs of one list."""

    def __init__(self, lists: Mapping[str, Any]) -> None:
        self.lists = lists

    def ordered(self, list_id: str) -> bool:
        return str(_m(self.lists.get(list_id)).get("preset") or "").startswith("NUMBERED")

    def blocks(self, blocks: Any, depth: int = 0) -> Markup:
        out: list[Markup] = []
        pending: list[tuple[int, str, Markup]] = []
        current_list: str | None = None
        for b in blocks if isinstance(blocks, list) else []:
            if not isinstance(b, Mapping):
                continue
            bullet = _m(b.get("bullet"))
            if b.get("type", "paragraph") == "paragraph" and bullet:
                lid = str(bullet.get("listId") or "")
                if current_list is not None and lid != current_list:
                    out.append(self.listing(pending))
                    pending = []
                current_list = lid
                level = max(0, min(8, int(bullet.get("nestingLevel") or 0)))
                pending.append((level, "ol" if self.ordered(lid) else "ul", paragraph_content(b)))
                continue
            if pending:
                out.append(self.listing(pending))
                pending, current_list = [], None
            out.append(self.block(b, depth))
        if pending:
            out.append(self.listing(pending))
        return Markup("\n").join(out)

    def block(self, b: Mapping[str, Any], depth: int) -> Markup:
        if b.get("type") == "table":
            return self.table(b, depth)
        style = _m(b.get("style"))
        text = str(b.get("text") or "")
        breaks = Markup('<hr class="page-break">') if "\f" in text else Markup("")
        if "\f" in text and not text.replace("\f", "").strip():
            return breaks
        tag, cls = STYLE_TAG.get(str(style.get("namedStyleType") or "NORMAL_TEXT"), ("p", ""))
        classes = " ".join(c for c in (cls, ALIGN.get(str(style.get("alignment") or ""), "")) if c)
        attr = Markup(' class="{}"').format(classes) if classes else Markup("")
        return Markup("<{tag}{attr}>{body}</{tag}>{br}").format(tag=Markup(tag), attr=attr,
                                                                body=paragraph_content(b), br=breaks)

    def table(self, t: Mapping[str, Any], depth: int) -> Markup:
        rows: list[Markup] = []
        for r in t.get("rows") or []:
            cells: list[Markup] = []
            for c in _m(r).get("cells") or []:
                c = _m(c)
                content = (self.blocks(c.get("content"), depth + 1) if depth < MAX_DEPTH
                           else escape(str(c.get("text") or "")))
                cells.append(Markup("<td>{}</td>").format(content))
            rows.append(Markup("<tr>{}</tr>").format(Markup("").join(cells)))
        return Markup('<table class="doc-table"><tbody>{}</tbody></table>').format(Markup("").join(rows))

    @staticmethod
    def listing(items: list[tuple[int, str, Markup]]) -> Markup:
        out: list[str] = []
        stack: list[str] = []
        for level, tag, content in items:
            if level + 1 > len(stack):
                while len(stack) < level + 1:
                    out.append(f"<{tag}>")
                    stack.append(tag)
            else:
                while len(stack) > level + 1:
                    out.append(f"</li></{stack.pop()}>")
                out.append("</li>")
            out.append(f"<li>{content}")
        while stack:
            out.append(f"</li></{stack.pop()}>")
        return Markup("".join(out))


def documents(files: Mapping[str, Any], base: str, selected: str | None, kind: str, mime: str,
              users: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The world's documents (or spreadsheets) not in the trash, by name, for the switcher."""
    link = Links(base)
    out: list[dict[str, Any]] = []
    for fid, f in files.items():
        if isinstance(f, Mapping) and f.get("mimeType") == mime and not f.get("trashed"):
            owner = str((f.get("owners") or [""])[0])
            out.append({"id": fid, "name": str(f.get("name") or "Untitled"), "href": link(kind, fid),
                        "current": fid == selected, "modified": when(parse_iso(f.get("modifiedTime"))),
                        "owner": person(owner, str(_m(users.get(owner)).get("name") or owner))})
    out.sort(key=lambda d: (d["name"].lower(), d["id"]))
    return out


def page(state: Mapping[str, Any], sel: str | None, base: str) -> str:
    """The Docs view's content."""
    files = _m(state.get("files"))
    users = _m(state.get("users"))
    doc_id = sel if sel is not None and _m(files.get(sel)).get("mimeType") == DOC else None
    docs = documents(files, base, doc_id, "docs", DOC, users)
    if doc_id is None and docs:
        doc_id = docs[0]["id"]
        docs[0]["current"] = True
    doc = None
    if doc_id is not None:
        f = _m(files.get(doc_id))
        d = _m(f.get("doc"))
        last = str(f.get("lastModifyingUser") or "")
        comments = [{"who": person(str(c.get("author") or ""), str(_m(users.get(str(c.get("author")))).get("name")
                                                                    or c.get("author") or "")),
                     "content": str(c.get("content") or ""), "quoted": str(c.get("quoted") or ""),
                     "when": when(parse_iso(c.get("createdTime"))), "resolved": bool(c.get("resolved"))}
                    for c in f.get("comments") or [] if isinstance(c, Mapping)]
        doc = {"id": doc_id, "name": str(f.get("name") or "Untitled document"),
               "body": Body(_m(d.get("lists"))).blocks(d.get("body")), "revision": d.get("revision"),
               "modified": when(parse_iso(f.get("modifiedTime"))),
               "by": str(_m(users.get(last)).get("name") or last), "comments": comments,
               "drive": Links(base)("drive", doc_id)}
    return render("docs.html", docs=docs, doc=doc)
