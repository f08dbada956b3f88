"""google-api-python-client, unmodified, driving Docs v1 against a real `dtu serve`."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from google.auth.exceptions import RefreshError
from googleapiclient.errors import HttpError

from dtu.twins.google.clients import docs_service

pytestmark = pytest.mark.sdk("python", "google-api-python-client")

ME = "alice@acme.test"
SEED = {
    "google": {
        "me": ME,
        "users": [{"email": ME, "name": "Alice Chen"}, {"email": "bob@acme.test", "name": "Bob Stone"}],
        "files": [
            {"name": "Policy", "kind": "doc", "id": "DOCPOLICY1", "text": "Travel policy\nBook flights early."},
            {"name": "Bob's plan", "kind": "doc", "id": "DOCBOB0001", "owner": "bob@acme.test", "text": "Secret",
             "permissions": [{"email": ME, "role": "reader"}]},
            {"name": "Bob's private", "kind": "doc", "id": "DOCBOB0002", "owner": "bob@acme.test", "text": "x"},
        ],
    }
}


@pytest.fixture
def world(make_world: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    return make_world(SEED)


@pytest.fixture
def docs(world: dict[str, Any]) -> Iterator[Any]:
    service = docs_service(world["base_url"], world["token"])
    yield service
    service.close()


def batch(docs: Any, doc_id: str, *requests: dict[str, Any], **extra: Any) -> Any:
    return docs.documents().batchUpdate(documentId=doc_id, body={"requests": list(requests), **extra}).execute()


def paragraphs(doc: dict[str, Any]) -> list[tuple[int, int, str]]:
    out = []
    for el in doc["body"]["content"]:
        if "paragraph" in el:
            text = "".join(e.get("textRun", {}).get("content", "") for e in el["paragraph"]["elements"])
            out.append((el["startIndex"], el["endIndex"], text))
    return out


def error_of(e: HttpError) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(e.content)["error"]
    return body


def test_create_then_write_and_read(docs: Any, server: Any, world: dict[str, Any]) -> None:
    doc = docs.documents().create(body={"title": "Weekly sync"}).execute()
    did = doc["documentId"]
    assert doc["title"] == "Weekly sync"
    content = doc["body"]["content"]
    assert content[0] == {"endIndex": 1, "sectionBreak": content[0]["sectionBreak"]}
    assert paragraphs(doc) == [(1, 2, "\n")]
    reply = batch(docs, did,
                  {"insertText": {"location": {"index": 1}, "text": "Weekly sync\nAttendees: Ana, Bo\n"}},
                  {"updateParagraphStyle": {"range": {"startIndex": 1, "endIndex": 12},
                                            "paragraphStyle": {"namedStyleType": "HEADING_1"},
                                            "fields": "namedStyleType"}})
    assert reply["documentId"] == did and reply["replies"] == [{}, {}]
    got = docs.documents().get(documentId=did).execute()
    assert paragraphs(got) == [(1, 13, "Weekly sync\n"), (13, 32, "Attendees: Ana, Bo\n"), (32, 33, "\n")]
    styles = [el["paragraph"]["paragraphStyle"]["namedStyleType"] for el in got["body"]["content"][1:]]
    assert styles == ["HEADING_1", "NORMAL_TEXT", "NORMAL_TEXT"]
    assert got["revisionId"] == reply["writeControl"]["requiredRevisionId"] != doc["revisionId"]
    # the document is a Drive file owned by the caller, and its text is readable in the state view
    f = server.state(world["id"])["google"]["files"][did]
    assert f["mimeType"] == "application/vnd.google-apps.document" and f["owners"] == [ME]
    assert f["doc"]["text"] == "Weekly sync\nAttendees: Ana, Bo\n\n"


def test_end_of_segment_and_tabs_content(docs: Any) -> None:
    batch(docs, "DOCPOLICY1", {"insertText": {"endOfSegmentLocation": {}, "text": "\nApproved by finance."}})
    got = docs.documents().get(documentId="DOCPOLICY1", includeTabsContent=True).execute()
    assert "body" not in got
    body = got["tabs"][0]["documentTab"]["body"]
    assert paragraphs({"body": body})[-1] == (35, 56, "Approved by finance.\n")


def test_utf16_indexes_with_emoji(docs: Any) -> None:
    did = docs.documents().create(body={"title": "Emoji"}).execute()["documentId"]
    batch(docs, did, {"insertText": {"location": {"index": 1}, "text": "A😀B"}})
    got = docs.documents().get(documentId=did).execute()
    run = got["body"]["content"][1]["paragraph"]["elements"][0]
    assert run["textRun"]["content"] == "A😀B\n"
    assert (run["startIndex"], run["endIndex"]) == (1, 6)  # the emoji takes two UTF-16 code units
    with pytest.raises(HttpError) as e:  # index 3 falls between the two halves of the emoji
        batch(docs, did, {"insertText": {"location": {"index": 3}, "text": "x"}})
    assert e.value.resp.status == 400 and "surrogate" in error_of(e.value)["message"]
    batch(docs, did, {"insertText": {"location": {"index": 4}, "text": "!"}},
          {"updateTextStyle": {"range": {"startIndex": 2, "endIndex": 4}, "textStyle": {"bold": True},
                               "fields": "bold"}})
    els = docs.documents().get(documentId=did).execute()["body"]["content"][1]["paragraph"]["elements"]
    assert [(x["startIndex"], x["endIndex"], x["textRun"]["content"], x["textRun"]["textStyle"]) for x in els] == [
        (1, 2, "A", {}), (2, 4, "😀", {"bold": True}), (4, 7, "!B\n", {})]


def test_delete_merges_paragraphs_and_keeps_final_newline(docs: Any) -> None:
    batch(docs, "DOCPOLICY1", {"deleteContentRange": {"range": {"startIndex": 8, "endIndex": 20}}})
    got = docs.documents().get(documentId="DOCPOLICY1").execute()
    assert paragraphs(got) == [(1, 23, "Travel flights early.\n")]
    with pytest.raises(HttpError) as e:
        batch(docs, "DOCPOLICY1", {"deleteContentRange": {"range": {"startIndex": 1, "endIndex": 23}}})
    err = error_of(e.value)
    assert e.value.resp.status == 400 and err["status"] == "INVALID_ARGUMENT"
    assert err["message"] == ("Invalid requests[0].deleteContentRange: The range cannot include the newline "
                              "character at the end of the segment.")


def test_batch_is_atomic(docs: Any) -> None:
    before = docs.documents().get(documentId="DOCPOLICY1").execute()
    with pytest.raises(HttpError) as e:
        batch(docs, "DOCPOLICY1",
              {"insertText": {"location": {"index": 1}, "text": "DRAFT "}},
              {"replaceAllText": {"containsText": {"text": "flights"}, "replaceText": "trains"}},
              {"insertText": {"location": {"index": 0}, "text": "nope"}})
    err = error_of(e.value)
    assert err["message"].startswith("Invalid requests[2].insertText: The insertion index must be inside the "
                                      "bounds of an existing paragraph.")
    after = docs.documents().get(documentId="DOCPOLICY1").execute()
    assert after == before


def test_required_revision_id(docs: Any) -> None:
    r1 = docs.documents().get(documentId="DOCPOLICY1").execute()["revisionId"]
    out = batch(docs, "DOCPOLICY1", {"insertText": {"location": {"index": 1}, "text": "1 "}},
                writeControl={"requiredRevisionId": r1})
    r2 = out["writeControl"]["requiredRevisionId"]
    assert r2 != r1
    with pytest.raises(HttpError) as e:  # written against a stale revision: refused, nothing applied
        batch(docs, "DOCPOLICY1", {"insertText": {"location": {"index": 1}, "text": "2 "}},
              writeControl={"requiredRevisionId": r1})
    assert e.value.resp.status == 400 and error_of(e.value)["status"] == "FAILED_PRECONDITION"
    got = docs.documents().get(documentId="DOCPOLICY1").execute()
    assert got["revisionId"] == r2 and paragraphs(got)[0][2] == "1 Travel policy\n"
    batch(docs, "DOCPOLICY1", {"insertText": {"location": {"index": 1}, "text": "3 "}},
          writeControl={"requiredRevisionId": r2})


def test_replace_all_text_counts(docs: Any) -> None:
    out = batch(docs, "DOCPOLICY1",
                {"replaceAllText": {"containsText": {"text": "POLICY", "matchCase": True}, "replaceText": "x"}},
                {"replaceAllText": {"containsText": {"text": "policy"}, "replaceText": "handbook"}},
                {"replaceAllText": {"containsText": {"text": "e", "matchCase": True}, "replaceText": "E"}})
    assert out["replies"] == [{"replaceAllText": {}}, {"replaceAllText": {"occurrencesChanged": 1}},
                              {"replaceAllText": {"occurrencesChanged": 2}}]
    got = docs.documents().get(documentId="DOCPOLICY1").execute()
    assert [p[2] for p in paragraphs(got)] == ["TravEl handbook\n", "Book flights Early.\n"]


def test_styles_bullets_table_and_page_break(docs: Any) -> None:
    did = docs.documents().create(body={"title": "Release notes"}).execute()["documentId"]
    batch(docs, did,
          {"insertText": {"location": {"index": 1}, "text": "Fixes\nCrash on start\n\tLogin loop\n"}},
          {"createParagraphBullets": {"range": {"startIndex": 7, "endIndex": 30},
                                      "bulletPreset": "BULLET_DISC_CIRCLE_SQUARE"}},
          {"updateTextStyle": {"range": {"startIndex": 1, "endIndex": 6},
                               "textStyle": {"bold": True, "fontSize": {"magnitude": 14, "unit": "PT"}},
                               "fields": "bold,fontSize"}})
    got = docs.documents().get(documentId=did).execute()
    pars = got["body"]["content"][1:]
    assert [p[2] for p in paragraphs(got)] == ["Fixes\n", "Crash on start\n", "Login loop\n", "\n"]
    bullets = [p["paragraph"].get("bullet") for p in pars]
    assert bullets[0] is None and bullets[3] is None
    assert bullets[1]["listId"] == bullets[2]["listId"] and bullets[2]["nestingLevel"] == 1  # the tab went
    assert got["lists"][bullets[1]["listId"]]["listProperties"]["nestingLevels"][0]["glyphSymbol"] == "●"
    assert pars[0]["paragraph"]["elements"][0]["textRun"]["textStyle"] == {
        "bold": True, "fontSize": {"magnitude": 14, "unit": "PT"}}
    end = got["body"]["content"][-1]["endIndex"]
    batch(docs, did, {"insertTable": {"rows": 3, "columns": 3, "location": {"index": end - 1}}},
          {"insertPageBreak": {"endOfSegmentLocation": {}}})
    got = docs.documents().get(documentId=did).execute()
    table = next(el for el in got["body"]["content"] if "table" in el)
    assert table["startIndex"] == end
    cells = [c["content"][0]["startIndex"] - table["startIndex"] for r in table["table"]["tableRows"]
             for c in r["tableCells"]]
    assert cells == [3, 5, 7, 10, 12, 14, 17, 19, 21]
    last = got["body"]["content"][-2]["paragraph"]["elements"]
    assert "pageBreak" in last[0] and last[1]["textRun"]["content"] == "\n"
    with pytest.raises(HttpError) as e:
        batch(docs, did, {"insertPageBreak": {"location": {"index": table["startIndex"] + 3}}})
    assert "inside a table" in error_of(e.value)["message"]


def test_named_ranges_template(docs: Any) -> None:
    did = docs.documents().create(body={"title": "Offer"}).execute()["documentId"]
    batch(docs, did, {"insertText": {"location": {"index": 1}, "text": "Dear NAME, welcome.\n"}})
    out = batch(docs, did, {"createNamedRange": {"name": "candidate", "range": {"startIndex": 6, "endIndex": 10}}})
    rid = out["replies"][0]["createNamedRange"]["namedRangeId"]
    batch(docs, did, {"insertText": {"location": {"index": 1}, "text": ">> "}},
          {"replaceNamedRangeContent": {"namedRangeName": "candidate", "text": "Dr. Jo Park"}})
    got = docs.documents().get(documentId=did).execute()
    assert paragraphs(got)[0][2] == ">> Dear Dr. Jo Park, welcome.\n"
    assert got["namedRanges"] == {"candidate": {"name": "candidate", "namedRanges": [
        {"namedRangeId": rid, "name": "candidate", "ranges": [{"startIndex": 9, "endIndex": 20}]}]}}
    batch(docs, did, {"deleteNamedRange": {"namedRangeId": rid}})
    assert "namedRanges" not in docs.documents().get(documentId=did).execute()
    with pytest.raises(HttpError) as e:
        batch(docs, did, {"replaceNamedRangeContent": {"namedRangeId": rid, "text": "x"}})
    assert e.value.resp.status == 400


def test_error_statuses(docs: Any, world: dict[str, Any]) -> None:
    with pytest.raises(HttpError) as e:
        docs.documents().get(documentId="NOPE").execute()
    assert e.value.resp.status == 404 and error_of(e.value)["status"] == "NOT_FOUND"
    with pytest.raises(HttpError) as e:  # exists but not shared with the caller: Docs says 403
        docs.documents().get(documentId="DOCBOB0002").execute()
    assert e.value.resp.status == 403 and error_of(e.value)["message"] == "The caller does not have permission"
    assert docs.documents().get(documentId="DOCBOB0001").execute()["title"] == "Bob's plan"
    with pytest.raises(HttpError) as e:  # a reader may not edit
        batch(docs, "DOCBOB0001", {"insertText": {"location": {"index": 1}, "text": "x"}})
    assert e.value.resp.status == 403 and error_of(e.value)["status"] == "PERMISSION_DENIED"
    with pytest.raises(HttpError) as e:
        batch(docs, "DOCPOLICY1", {"insertText": {"location": {"index": 99}, "text": "x"}})
    assert error_of(e.value) == {"code": 400, "status": "INVALID_ARGUMENT", "message": (
        "Invalid requests[0].insertText: Index 99 must be less than the end index of the referenced segment, 35.")}
    with pytest.raises(HttpError) as e:
        batch(docs, "DOCPOLICY1", {"insertInlineImage": {"uri": "https://x.test/a.png"}})
    assert e.value.resp.status == 400
    stranger = docs_service(world["base_url"], "wrong-token")
    with pytest.raises(RefreshError):  # a 401 makes google-auth try to refresh a token it cannot refresh
        stranger.documents().get(documentId="DOCPOLICY1").execute()
    stranger.close()
    req = urllib.request.Request(world["base_url"] + "/v1/documents/DOCPOLICY1",
                                 headers={"Authorization": "Bearer wrong-token"})
    with pytest.raises(urllib.error.HTTPError) as h:
        urllib.request.urlopen(req, timeout=10)
    assert h.value.code == 401 and json.loads(h.value.read())["error"]["status"] == "UNAUTHENTICATED"
    h.value.close()


def test_both_doors_answer_the_same(docs: Any, world: dict[str, Any]) -> None:
    from dtu.twins.core import SeedImage, World
    from dtu.twins.registry import TWINS

    requests = [{"insertText": {"location": {"index": 1}, "text": "Hi 👋\n"}},
                {"createParagraphBullets": {"range": {"startIndex": 1, "endIndex": 3},
                                            "bulletPreset": "NUMBERED_DECIMAL_NESTED"}}]
    over_http = batch(docs, "DOCPOLICY1", *requests)
    got_http = docs.documents().get(documentId="DOCPOLICY1").execute()
    local = World(SeedImage(TWINS, SEED, 3, 1.7e9), 3)
    in_process = local.dispatch("google", "docs.documents.batchUpdate",
                                {"documentId": "DOCPOLICY1", "requests": requests}).body
    got_local = local.dispatch("google", "docs.documents.get", {"documentId": "DOCPOLICY1"}).body
    # list ids come from each world's id stream; everything else is the same
    lid_http = got_http["body"]["content"][1]["paragraph"]["bullet"]["listId"]
    lid_local = got_local["body"]["content"][1]["paragraph"]["bullet"]["listId"]
    assert json.loads(json.dumps(got_local).replace(lid_local, lid_http)) == got_http
    assert in_process == over_http
