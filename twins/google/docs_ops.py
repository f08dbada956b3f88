"""Docs v1 operations: documents.create, documents.get and documents.batchUpdate.

A document is a Drive file (mimeType application/vnd.google-apps.document) whose `doc` holds
the body. batchUpdate applies its requests in order to a copy and keeps the copy only when every
request succeeds."""

from __future__ import annotations

from typing import Any

import msgspec

from ..core.memo import Bounded
from .docs_apply import APPLY, RUNS_KEPT
from .docs_edit import DocsInvalid, drop_empty_named
from .docs_model import Document, copy_document, normalize
from .docs_render import document_json, revision_id
from .docs_requests import KINDS, Request, request_kind
from .docs_requests import BatchUpdateParams as BatchUpdate
from .errors import GoogleError
from .registry import G, ops
from .state import DOC, DriveFile, can_write, lookup, new_file, touch

VIEW_MODES = ("", "DEFAULT_FOR_CURRENT_ACCESS", "SUGGESTIONS_INLINE", "PREVIEW_SUGGESTIONS_ACCEPTED",
              "PREVIEW_WITHOUT_SUGGESTIONS")


def _actor(ctx: G) -> str:
    return ctx.actor or ctx.state.me


def doc_file(ctx: G, doc_id: str, write: bool) -> tuple[DriveFile, Document]:
    """The document file the actor may read (or write), or Docs' 404 / 403.

    Unlike Drive, Docs answers 403 for a document that exists but is not shared with the caller."""
    f = ctx.state.files.get(doc_id)
    if f is None or f.mimeType != DOC or f.doc is None:
        raise GoogleError("NOT_FOUND", "Requested entity was not found.")
    got = lookup(ctx.state, doc_id, _actor(ctx))
    if got is None:
        raise GoogleError("PERMISSION_DENIED", "The caller does not have permission")
    f, role = got
    if write and not can_write(role):
        raise GoogleError("PERMISSION_DENIED", "The caller does not have permission")
    assert f.doc is not None
    return f, f.doc


class CreateDocument(msgspec.Struct):
    title: str = ""


@ops.op("docs.documents.create", "POST", "/v1/documents")
def documents_create(ctx: G, p: CreateDocument) -> dict[str, Any]:
    """Create a blank Google Doc titled `title` in the caller's My Drive; returns the document
    (documentId, title, body, revisionId). Any content in the request is ignored, as in Docs:
    add text with documents.batchUpdate."""
    f = new_file(ctx.state, ctx.env, _actor(ctx), p.title or "Untitled document", DOC)
    f.doc = Document(text="\n")
    return document_json(f.doc, f.id, f.name)


@ops.op("docs.documents.batchUpdate", "POST", "/v1/documents/{documentId}:batchUpdate")
def documents_batch_update(ctx: G, p: BatchUpdate) -> dict[str, Any]:
    """Apply edits to a document, in order, all or nothing. Each request is an object with exactly
    one key: insertText {text, location: {index} | endOfSegmentLocation: {}}, deleteContentRange
    {range: {startIndex, endIndex}}, replaceAllText {containsText: {text, matchCase}, replaceText},
    updateTextStyle {range, textStyle: {bold, italic, underline, ...}, fields: "bold,italic"},
    updateParagraphStyle {range, paragraphStyle: {namedStyleType: HEADING_1, alignment, ...}, fields},
    createParagraphBullets {range, bulletPreset}, deleteParagraphBullets {range}, insertTable
    {rows, columns, location | endOfSegmentLocation}, insertPageBreak {location |
    endOfSegmentLocation}, createNamedRange {name, range}, deleteNamedRange {namedRangeId | name},
    replaceNamedRangeContent {namedRangeId | namedRangeName, text}. Indexes count UTF-16 code units;
    the body starts at index 1 and its last newline cannot be deleted. Optional writeControl:
    {requiredRevisionId} fails the whole batch if the document changed since that revision.
    Returns one reply per request and the new revision id."""
    f, doc = doc_file(ctx, p.documentId, write=True)
    current = revision_id(f.id, doc.revision)
    wc = p.writeControl
    if wc is not None:
        if wc.requiredRevisionId and wc.targetRevisionId:
            raise GoogleError("INVALID_ARGUMENT", "Only one of requiredRevisionId and targetRevisionId may be set.")
        if wc.requiredRevisionId and wc.requiredRevisionId != current:
            raise GoogleError("FAILED_PRECONDITION",
                              f"The required revision ID {wc.requiredRevisionId!r} does not match the latest "
                              f"revision of the document ({current!r}); read the document again.")
        if wc.targetRevisionId and wc.targetRevisionId not in {
                revision_id(f.id, r) for r in range(max(1, doc.revision - 50), doc.revision + 1)}:
            raise GoogleError("INVALID_ARGUMENT", f"The target revision ID {wc.targetRevisionId!r} is invalid.")
    if not p.requests:
        raise GoogleError("INVALID_ARGUMENT", "Must specify at least one request.")
    key = _memo_key(doc, p.requests)
    got = _BATCHES.get(key) if key is not None else None
    if got is not None:
        after, replies = _DEC_DOC.decode(got[0]) if got[0] else None, _DEC.decode(got[1])
    else:
        after, replies = _apply(ctx, doc, p.requests)
        if key is not None:
            _BATCHES.keep(key, (_ENC.encode(after) if after is not None else b"", _ENC.encode(replies)))
    if after is not None:
        f.doc = after
        touch(f, ctx.env, _actor(ctx), ctx.state)
    return {"documentId": f.id, "replies": replies,
            "writeControl": {"requiredRevisionId": revision_id(f.id, f.doc.revision if f.doc else 1)}}


def _apply(ctx: G, doc: Document, requests: list[Request]) -> tuple[Document | None, list[dict[str, Any]]]:
    """The requests applied in order to a copy of `doc`: the new document (None when nothing
    changed) and the replies; the first request that fails fails them all."""
    work = copy_document(doc)
    replies: list[dict[str, Any]] = []
    for i, req in enumerate(requests):
        kind, body = request_kind(req, i)
        try:
            replies.append(APPLY[kind](ctx, work, body))
        except DocsInvalid as e:
            raise GoogleError("INVALID_ARGUMENT", f"Invalid requests[{i}].{kind}: {e.message}") from None
        if kind not in RUNS_KEPT:  # a stored document is normal; these requests keep it so
            drop_empty_named(work)
            normalize(work)
    if work == doc:
        return None, replies
    work.revision = doc.revision + 1
    return work, replies


_ENC = msgspec.msgpack.Encoder()
_DEC = msgspec.msgpack.Decoder()
_DEC_DOC = msgspec.msgpack.Decoder(Document)
_BATCHES: Bounded[tuple[bytes, bytes], tuple[bytes, bytes]] = Bounded(512)
"""Successful batches of requests that draw no ids from the world (every kind but
createParagraphBullets and createNamedRange is a function of the document and the request alone),
by the encodings of the document and the requests: the new document's encoding (b"" for none) and
the replies'. Worlds at the same point of a scenario send the same batch to the same document.
Keyed on the content itself, so no world sees another's state; each caller decodes fresh objects."""
_MEMO_LONGEST = 1 << 16  # bytes of document and requests; a longer batch is applied, not kept
IMPURE = frozenset({"createParagraphBullets", "createNamedRange"})  # they draw ids from the world's env
_IMPURE_AT = tuple(KINDS.index(k) for k in sorted(IMPURE))


def _memo_key(doc: Document, requests: list[Request]) -> tuple[bytes, bytes] | None:
    """The key a batch is remembered under, or None when it is not (a request that draws ids, or
    that is malformed: applying it says which one, in order; too long)."""
    for req in requests:
        values = msgspec.structs.astuple(req)
        if values.count(None) != len(values) - 1 or any(values[j] is not None for j in _IMPURE_AT):
            return None
    try:
        key = (_ENC.encode(doc), _ENC.encode(requests))
    except OverflowError:  # an integer past 64 bits: applying it says what is wrong
        return None
    return key if len(key[0]) + len(key[1]) <= _MEMO_LONGEST else None


class GetDocument(msgspec.Struct):
    documentId: str
    suggestionsViewMode: str = ""
    includeTabsContent: bool = False


@ops.op("docs.documents.get", "GET", "/v1/documents/{documentId}")
def documents_get(ctx: G, p: GetDocument) -> dict[str, Any]:
    """Read a document: title, revisionId and body.content, a list of structural elements
    (sectionBreak, paragraph with elements[].textRun.content and paragraphStyle.namedStyleType,
    table) each with startIndex and endIndex in UTF-16 code units; plus lists and namedRanges.
    With includeTabsContent=true the content is under tabs[0].documentTab instead."""
    if p.suggestionsViewMode not in VIEW_MODES:
        raise GoogleError("INVALID_ARGUMENT", f"Invalid value at 'suggestions_view_mode' (TYPE_ENUM), "
                                              f"\"{p.suggestionsViewMode}\"")
    f, doc = doc_file(ctx, p.documentId, write=False)
    return document_json(doc, f.id, f.name, tabs=p.includeTabsContent)


__all__ = ["doc_file", "documents_batch_update", "documents_create", "documents_get"]
