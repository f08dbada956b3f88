"""The typed body of documents.batchUpdate: one Struct per supported request kind.

Unknown fields inside a request are refused, as Docs refuses them ("Unknown name")."""

from __future__ import annotations

from typing import Any

import msgspec

from .errors import GoogleError


class _Strict(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    pass


class Location(_Strict):
    index: int = 0
    segmentId: str = ""
    tabId: str = ""


class EndOfSegmentLocation(_Strict):
    segmentId: str = ""
    tabId: str = ""


class Range(_Strict):
    startIndex: int = 0
    endIndex: int = 0
    segmentId: str = ""
    tabId: str = ""


class TabsCriteria(_Strict):
    tabIds: list[str] = []


class SubstringMatchCriteria(_Strict):
    text: str = ""
    matchCase: bool = False
    searchByRegex: bool = False


class InsertText(_Strict):
    text: str = ""
    location: Location | None = None
    endOfSegmentLocation: EndOfSegmentLocation | None = None


class DeleteContentRange(_Strict):
    range: Range | None = None


class ReplaceAllText(_Strict):
    containsText: SubstringMatchCriteria | None = None
    replaceText: str = ""
    tabsCriteria: TabsCriteria | None = None


class UpdateTextStyle(_Strict):
    range: Range | None = None
    textStyle: dict[str, Any] = {}
    fields: str = ""


class UpdateParagraphStyle(_Strict):
    range: Range | None = None
    paragraphStyle: dict[str, Any] = {}
    fields: str = ""


class CreateParagraphBullets(_Strict):
    range: Range | None = None
    bulletPreset: str = ""


class DeleteParagraphBullets(_Strict):
    range: Range | None = None


class InsertTable(_Strict):
    rows: int = 0
    columns: int = 0
    location: Location | None = None
    endOfSegmentLocation: EndOfSegmentLocation | None = None


class InsertPageBreak(_Strict):
    location: Location | None = None
    endOfSegmentLocation: EndOfSegmentLocation | None = None


class CreateNamedRange(_Strict):
    name: str = ""
    range: Range | None = None


class DeleteNamedRange(_Strict):
    namedRangeId: str = ""
    name: str = ""
    tabsCriteria: TabsCriteria | None = None


class ReplaceNamedRangeContent(_Strict):
    namedRangeId: str = ""
    namedRangeName: str = ""
    text: str = ""
    tabsCriteria: TabsCriteria | None = None


class Request(_Strict):
    """One edit: exactly one of these keys is set."""

    insertText: InsertText | None = None
    deleteContentRange: DeleteContentRange | None = None
    replaceAllText: ReplaceAllText | None = None
    updateTextStyle: UpdateTextStyle | None = None
    updateParagraphStyle: UpdateParagraphStyle | None = None
    createParagraphBullets: CreateParagraphBullets | None = None
    deleteParagraphBullets: DeleteParagraphBullets | None = None
    insertTable: InsertTable | None = None
    insertPageBreak: InsertPageBreak | None = None
    createNamedRange: CreateNamedRange | None = None
    deleteNamedRange: DeleteNamedRange | None = None
    replaceNamedRangeContent: ReplaceNamedRangeContent | None = None


KINDS: tuple[str, ...] = tuple(Request.__struct_fields__)


class WriteControl(_Strict):
    requiredRevisionId: str = ""
    targetRevisionId: str = ""
    writeMode: str = ""


class BatchUpdateParams(msgspec.Struct):
    documentId: str
    requests: list[Request] = []
    writeControl: WriteControl | None = None


def request_kind(req: Request, i: int) -> tuple[str, Any]:
    """The one kind a request holds and its body, or Docs' 400 when it holds none or several."""
    values = msgspec.structs.astuple(req)
    unset = values.count(None)  # counted in C
    if unset != len(values) - 1:
        what = "no" if unset == len(values) else "more than one"
        raise GoogleError("INVALID_ARGUMENT",
                          f"Invalid requests[{i}]: the request has {what} kind set; set exactly one of "
                          f"{', '.join(KINDS)}.")
    k = next(j for j, v in enumerate(values) if v is not None)
    return KINDS[k], values[k]


__all__ = ["KINDS", "BatchUpdateParams", "Request", "request_kind"]
