"""Docs batchUpdate edge cases through door 1 (in-process), and the state view checks read."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import jmespath
import pytest

from dtu.twins.core import SeedImage, World
from dtu.twins.google.docs_model import Document, Paragraph, body_end, build_document, document_text
from dtu.twins.registry import TWINS

ME = "alice@acme.test"
SEED = {"me": ME, "users": [{"email": ME}],
        "files": [{"name": "Notes", "kind": "doc", "id": "D1", "text": "Alpha\nBeta\nGamma"}]}


class Doc:
    def __init__(self, seed: dict[str, Any] | None = None) -> None:
        self.world = World(SeedImage(TWINS, {"google": seed or SEED}, 7, 1.7e9), 7)

    def batch(self, *requests: dict[str, Any], status: int = 200, doc: str = "D1") -> Any:
        r = self.world.dispatch("google", "docs.documents.batchUpdate", {"documentId": doc, "requests": list(requests)})
        assert r.status == status, r.body
        return r.body

    def get(self, doc: str = "D1") -> Any:
        r = self.world.dispatch("google", "docs.documents.get", {"documentId": doc})
        assert r.status == 200, r.body
        return r.body

    def texts(self) -> list[str]:
        return [p["text"] for p in self.world.view(("google",))["google"]["files"]["D1"]["doc"]["body"]
                if p["type"] == "paragraph"]

    def q(self, query: str) -> Any:
        return jmespath.search(query, self.world.view(("google",)))


def insert(index: int, text: str) -> dict[str, Any]:
    return {"insertText": {"location": {"index": index}, "text": text}}


def delete(s: int, e: int) -> dict[str, Any]:
    return {"deleteContentRange": {"range": {"startIndex": s, "endIndex": e}}}


def test_seed_text_and_export() -> None:
    doc = build_document("Title\r\nLine two\x07")
    assert document_text(doc) == "Title\nLine two\n"
    assert [p.text for p in doc.body if isinstance(p, Paragraph)] == ["Title\n", "Line two\n"]


def test_view_exposes_text_and_structure() -> None:
    d = Doc()
    d.batch({"updateParagraphStyle": {"range": {"startIndex": 1, "endIndex": 2},
                                      "paragraphStyle": {"namedStyleType": "HEADING_2"}, "fields": "*"}},
            {"updateTextStyle": {"range": {"startIndex": 7, "endIndex": 11}, "textStyle": {"italic": True},
                                 "fields": "italic"}})
    assert d.q("google.files.D1.doc.text") == "Alpha\nBeta\nGamma\n"
    assert d.q("google.files.D1.doc.body[?style.namedStyleType=='HEADING_2'].text") == ["Alpha\n"]
    assert d.q("google.files.D1.doc.body[].runs[?style.italic].text[]") == ["Beta"]
    assert d.q("google.files.D1.doc.revision") == 2


def test_newline_insert_copies_paragraph_style() -> None:
    d = Doc()
    d.batch({"updateParagraphStyle": {"range": {"startIndex": 1, "endIndex": 3},
                                      "paragraphStyle": {"namedStyleType": "TITLE", "alignment": "CENTER"},
                                      "fields": "namedStyleType,alignment"}},
            insert(3, "\n"))
    assert d.texts() == ["Al\n", "pha\n", "Beta\n", "Gamma\n"]
    assert d.q("google.files.D1.doc.body[:2].style.namedStyleType") == ["TITLE", "TITLE"]


def test_delete_whole_paragraph_and_across_three() -> None:
    d = Doc()
    d.batch(delete(7, 12))  # "Beta\n"
    assert d.texts() == ["Alpha\n", "Gamma\n"]
    d = Doc()
    d.batch(delete(3, 15))  # "pha\nBeta\nGam"
    assert d.texts() == ["Alma\n"]


def test_delete_errors() -> None:
    d = Doc()
    for s, e, msg in [(5, 5, "The range should not be empty."),
                      (0, 3, "must be greater than or equal to 1"),
                      (1, 40, "must be less than the end index of the referenced segment, 18.")]:
        body = d.batch(delete(s, e), status=400)
        assert body["error"]["status"] == "INVALID_ARGUMENT"
        assert msg in body["error"]["message"], body


def test_tables_in_the_body() -> None:
    d = Doc()
    d.batch({"insertTable": {"rows": 2, "columns": 2, "location": {"index": 3}}})
    # "Al" + newline, then the table (start 4), then "pha\n"
    assert d.texts() == ["Al\n", "pha\n", "Beta\n", "Gamma\n"]
    table = next(el for el in d.get()["body"]["content"] if "table" in el)
    assert (table["startIndex"], table["endIndex"]) == (4, 15)
    d.batch(insert(7, "cell one"), insert(4 + 3 + 2 + 8, "two"))
    assert d.q("google.files.D1.doc.body[1].rows[0].cells[].text") == ["cell one\n", "two\n"]
    assert "cell one" in d.q("google.files.D1.doc.text")
    assert d.batch(insert(4, "x"), status=400)["error"]["message"].endswith("by inserting newlines.")
    body = d.batch(delete(5, 20), status=400)  # from inside the table to past it
    assert "Cannot delete the requested range" in body["error"]["message"]
    body = d.batch(delete(7, 16), status=400)  # a cell's last newline
    assert "end of a table cell" in body["error"]["message"]
    d.batch({"replaceAllText": {"containsText": {"text": "cell"}, "replaceText": "CELL"}})
    assert d.q("google.files.D1.doc.body[1].rows[0].cells[0].text") == "CELL one\n"
    table = next(el for el in d.get()["body"]["content"] if "table" in el)
    d.batch(delete(table["startIndex"], table["endIndex"]))  # the whole table goes
    assert d.q("google.files.D1.doc.body[?type=='table']") == []
    assert d.texts() == ["Al\n", "pha\n", "Beta\n", "Gamma\n"]


def test_named_range_follows_edits_and_dies_when_deleted() -> None:
    d = Doc()
    rid = d.batch({"createNamedRange": {"name": "b", "range": {"startIndex": 7, "endIndex": 11}}}
                  )["replies"][0]["createNamedRange"]["namedRangeId"]
    d.batch(insert(1, "12"), insert(10, "e"))
    assert d.q(f"google.files.D1.doc.namedRanges.\"{rid}\".ranges[0]") == {"startIndex": 9, "endIndex": 14}
    d.batch({"replaceAllText": {"containsText": {"text": "Beeta"}, "replaceText": "B"}})
    assert d.q(f"google.files.D1.doc.namedRanges.\"{rid}\".ranges[0]") == {"startIndex": 9, "endIndex": 10}
    d.batch(delete(9, 10))
    assert d.q("google.files.D1.doc.namedRanges") == {}
    assert d.batch({"deleteNamedRange": {"name": "nothing-by-that-name"}})["replies"] == [{}]
    body = d.batch({"deleteNamedRange": {"namedRangeId": rid}}, status=400)
    assert "does not exist" in body["error"]["message"]


def test_bullets_join_previous_list_and_delete() -> None:
    d = Doc()
    bullets = {"createParagraphBullets": {"range": {"startIndex": 1, "endIndex": 2},
                                          "bulletPreset": "NUMBERED_DECIMAL_ALPHA_ROMAN"}}
    d.batch(bullets)
    d.batch({"createParagraphBullets": {"range": {"startIndex": 7, "endIndex": 8},
                                        "bulletPreset": "NUMBERED_DECIMAL_ALPHA_ROMAN"}})
    ids = d.q("google.files.D1.doc.body[].bullet.listId")
    assert len(ids) == 2 and ids[0] == ids[1]
    lists = d.get()["lists"]
    assert lists[ids[0]]["listProperties"]["nestingLevels"][0]["glyphType"] == "DECIMAL"
    d.batch({"deleteParagraphBullets": {"range": {"startIndex": 1, "endIndex": 18}}})
    assert d.q("google.files.D1.doc.body[].bullet") == []
    assert "lists" not in d.get()
    body = d.batch({"createParagraphBullets": {"range": {"startIndex": 1, "endIndex": 2}, "bulletPreset": "STARS"}},
                   status=400)
    assert "bulletPreset" in body["error"]["message"]


def test_style_masks() -> None:
    d = Doc()
    d.batch({"updateTextStyle": {"range": {"startIndex": 1, "endIndex": 6},
                                 "textStyle": {"bold": True, "underline": True}, "fields": "bold,underline"}},
            {"updateTextStyle": {"range": {"startIndex": 1, "endIndex": 3}, "textStyle": {}, "fields": "bold"}})
    runs = d.get()["body"]["content"][1]["paragraph"]["elements"]
    assert [(r["textRun"]["content"], r["textRun"]["textStyle"]) for r in runs] == [
        ("Al", {"underline": True}), ("pha", {"bold": True, "underline": True}), ("\n", {})]
    for style, fields, msg in [({"bold": True}, "", "At least one field"),
                               ({"bold": True}, "boldness", "Invalid field mask"),
                               ({"bolder": True}, "*", "Unknown name"),
                               ({"bold": "yes"}, "bold", "expected true or false")]:
        body = d.batch({"updateTextStyle": {"range": {"startIndex": 1, "endIndex": 3}, "textStyle": style,
                                            "fields": fields}}, status=400)
        assert msg in body["error"]["message"], body
    body = d.batch({"updateParagraphStyle": {"range": {"startIndex": 1, "endIndex": 3},
                                             "paragraphStyle": {"namedStyleType": "HEADING_9"},
                                             "fields": "namedStyleType"}}, status=400)
    assert "HEADING_9" in body["error"]["message"]


def test_malformed_requests_get_400_not_500() -> None:
    d = Doc()
    assert d.batch(status=400)["error"]["message"] == "Must specify at least one request."
    bad: list[dict[str, Any]] = [
        {}, {"insertText": {"text": "x"}},
        {"insertText": {"text": "x", "location": {"index": 1}}, "deleteContentRange": {}},
        {"insertText": {"text": "x", "location": {"index": 1, "segmentId": "kix.header"}}},
        {"insertText": {"text": "x", "location": {"index": "one"}}},
        {"deleteContentRange": {}}, {"replaceAllText": {"containsText": {"text": ""}}},
        {"insertTable": {"rows": 0, "columns": 2, "endOfSegmentLocation": {}}},
        {"createNamedRange": {"name": "", "range": {"startIndex": 1, "endIndex": 2}}},
        {"replaceNamedRangeContent": {"text": "x"}},
    ]
    for req in bad:
        body = d.batch(req, status=400)
        assert body["error"]["code"] == 400 and body["error"]["status"] == "INVALID_ARGUMENT", (req, body)
    assert d.q("google.files.D1.doc.revision") == 1


def test_control_characters_are_stripped() -> None:
    d = Doc()
    d.batch(insert(1, "a\x0cb\x00c\ue000"))
    assert d.texts()[0] == "abcAlpha\n"


def test_no_op_batch_keeps_revision() -> None:
    d = Doc()
    rev = d.get()["revisionId"]
    out = d.batch({"replaceAllText": {"containsText": {"text": "zzz"}, "replaceText": "y"}})
    assert out["writeControl"]["requiredRevisionId"] == rev
    assert d.q("google.files.D1.doc.revision") == 1


def test_door_one_answers_fresh_objects() -> None:
    d = Doc()
    d.batch({"updateTextStyle": {"range": {"startIndex": 1, "endIndex": 3},
                                 "textStyle": {"foregroundColor": {"color": {"rgbColor": {"red": 1}}}},
                                 "fields": "foregroundColor"}})
    got = d.get()
    got["body"]["content"][1]["paragraph"]["elements"][0]["textRun"]["textStyle"]["foregroundColor"]["color"] = {}
    assert d.get() != got


@pytest.mark.parametrize("text", ["😀😀", "é\u0301", "日本語"])
def test_non_ascii_lengths(text: str) -> None:
    d = Doc()
    d.batch(insert(1, text))
    units = len(text.encode("utf-16-le")) // 2
    first = d.get()["body"]["content"][1]
    assert first["endIndex"] == 1 + units + 6


def test_random_batches_never_break_the_document() -> None:
    """Random requests (many invalid): only 200 or 400, and the structure stays well-formed."""
    rnd = random.Random(5)
    d = Doc()
    texts = ["x", "\n", "a\nb", "😀", "\t\tz", "", "abc\n\n"]

    def doc() -> Document:
        got = d.world.ctx("google").state.files["D1"].doc
        assert got is not None
        return got

    def rng() -> dict[str, int]:
        a = rnd.randint(-1, body_end(doc()) + 1)
        return {"startIndex": a, "endIndex": rnd.randint(a, body_end(doc()) + 2)}

    def loc() -> dict[str, int]:
        return {"index": rnd.randint(-1, body_end(doc()) + 1)}

    gens: list[Callable[[], dict[str, Any]]] = [
        lambda: {"insertText": {"location": loc(), "text": rnd.choice(texts)}},
        lambda: {"deleteContentRange": {"range": rng()}},
        lambda: {"replaceAllText": {"containsText": {"text": rnd.choice(["a", "😀", "B"])},
                                    "replaceText": rnd.choice(texts)}},
        lambda: {"updateTextStyle": {"range": rng(), "textStyle": {"bold": True}, "fields": "bold"}},
        lambda: {"createParagraphBullets": {"range": rng(), "bulletPreset": "BULLET_DISC_CIRCLE_SQUARE"}},
        lambda: {"insertTable": {"rows": 2, "columns": 2, "location": loc()}},
        lambda: {"insertPageBreak": {"location": loc()}},
        lambda: {"createNamedRange": {"name": "n", "range": rng()}},
        lambda: {"replaceNamedRangeContent": {"namedRangeName": "n", "text": rnd.choice(texts)}},
    ]

    def well_formed(content: list[Any]) -> None:
        assert isinstance(content[-1], Paragraph)
        for k, b in enumerate(content):
            if isinstance(b, Paragraph):
                assert b.text == "".join(r.text for r in b.runs) and b.text.count("\n") == 1
                assert b.text.endswith("\n")
            else:
                assert k > 0 and isinstance(content[k - 1], Paragraph)
                for row in b.rows:
                    for c in row.cells:
                        well_formed(c.content)

    seen = set()
    for _ in range(300):
        body = d.world.dispatch("google", "docs.documents.batchUpdate", {
            "documentId": "D1", "requests": [rnd.choice(gens)() for _ in range(rnd.randint(1, 3))]})
        seen.add(body.status)
        assert body.status in (200, 400), body.body
        well_formed(doc().body)
        got = d.get()
        assert got["body"]["content"][-1]["endIndex"] == body_end(doc())
        for nr in doc().namedRanges.values():
            assert all(0 < sp.startIndex < sp.endIndex <= body_end(doc()) for sp in nr.ranges)
    assert seen == {200, 400}
