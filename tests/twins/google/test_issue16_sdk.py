"""google-api-python-client, unmodified, against a real `dtu serve`: the operations added for issue
16 (Drive changes, revisions, shared drives, comment replies and comments.update; Sheets
values.batchGetByDataFilter and developer metadata), each with its state effect and an error."""

from __future__ import annotations

from typing import Any

import pytest
from googleapiclient.errors import HttpError
from googleapiclient.http import MediaInMemoryUpload

from dtu.twins.google.clients import docs_service

from .conftest import DOC, SHEET, TXT, small_seed

pytestmark = pytest.mark.sdk("python", "google-api-python-client")

SEED = small_seed("v1")


@pytest.fixture
def world(make_world: Any) -> dict[str, Any]:
    w: dict[str, Any] = make_world(SEED)
    return w


def test_changes_follow_creates_edits_trash_and_shares(drive: Any, server: Any, world: dict[str, Any]) -> None:
    start = drive.changes().getStartPageToken().execute()["startPageToken"]
    made = drive.files().create(body={"name": "new.txt"}, fields="id").execute()
    drive.files().update(fileId=TXT, body={"name": "renamed.txt"}).execute()
    drive.permissions().create(fileId=DOC, body={"type": "user", "role": "reader",
                                                 "emailAddress": "bob@acme.test"}).execute()
    drive.files().update(fileId=made["id"], body={"trashed": True}).execute()
    drive.files().delete(fileId=made["id"]).execute()
    seen: list[dict[str, Any]] = []
    token = start
    while True:  # two per page: nextPageToken, then newStartPageToken on the last page
        page = drive.changes().list(pageToken=token, pageSize=2,
                                    fields="nextPageToken,newStartPageToken,changes(fileId,removed,file(name,trashed))").execute()
        seen += page["changes"]
        if "nextPageToken" not in page:
            new_start = page["newStartPageToken"]
            break
        token = page["nextPageToken"]
    ids = [c["fileId"] for c in seen]
    # a file removed since shows once, as removed (its earlier changes are not replayed)
    assert ids.count(made["id"]) == 1 and TXT in ids and DOC in ids
    assert seen[-1] == {"fileId": made["id"], "removed": True}
    assert drive.changes().list(pageToken=new_start).execute()["changes"] == []
    log = server.state(world["id"])["google"]["changes"]
    assert [c["fileId"] for c in log][-5:] == [made["id"], TXT, DOC, made["id"], made["id"]]
    with pytest.raises(HttpError) as e:
        drive.changes().list(pageToken="bogus").execute()
    assert e.value.status_code == 400 and e.value.error_details[0]["location"] == "pageToken"


def test_revisions_keep_old_content(drive: Any, server: Any, world: dict[str, Any]) -> None:
    drive.files().update(fileId=TXT, media_body=MediaInMemoryUpload(b"v2", mimetype="text/plain")).execute()
    drive.files().update(fileId=TXT, media_body=MediaInMemoryUpload(b"v3!", mimetype="text/plain")).execute()
    revs = drive.revisions().list(fileId=TXT, fields="revisions(id,size,keepForever)").execute()["revisions"]
    assert [(r["id"], r["size"]) for r in revs] == [("1", "2"), ("2", "2"), ("3", "3")]
    assert drive.revisions().get_media(fileId=TXT, revisionId="1").execute() == b"v1"
    kept = drive.revisions().update(fileId=TXT, revisionId="1", body={"keepForever": True},
                                    fields="id,keepForever").execute()
    assert kept == {"id": "1", "keepForever": True}
    drive.revisions().delete(fileId=TXT, revisionId="3").execute()  # the head: content goes back
    assert drive.files().get_media(fileId=TXT).execute() == b"v2"
    state = server.state(world["id"])["google"]["files"][TXT]
    assert [r["id"] for r in state["revisions"]] == ["1", "2"] and state["revisions"][0]["keepForever"]
    with pytest.raises(HttpError) as e:
        drive.revisions().get(fileId=TXT, revisionId="9").execute()
    assert e.value.status_code == 404 and e.value.error_details[0]["reason"] == "notFound"
    with pytest.raises(HttpError) as e:
        drive.revisions().delete(fileId=DOC, revisionId="1").execute()
    assert e.value.status_code == 400


def test_shared_drive_lifecycle(drive: Any, server: Any, world: dict[str, Any]) -> None:
    d = drive.drives().create(requestId="r-1", body={"name": "Team"}, fields="id,name,capabilities").execute()
    assert d["name"] == "Team" and d["capabilities"]["canManageMembers"]
    f = drive.files().create(body={"name": "spec.txt", "parents": [d["id"]]}, supportsAllDrives=True,
                             fields="id,driveId,parents").execute()
    assert f["driveId"] == d["id"] and f["parents"] == [d["id"]]
    listed = drive.files().list(corpora="drive", driveId=d["id"], includeItemsFromAllDrives=True,
                                supportsAllDrives=True, fields="files(id,name)").execute()
    assert [x["name"] for x in listed["files"]] == ["spec.txt"]
    assert all(x["name"] != "spec.txt" for x in drive.files().list().execute()["files"])
    drive.drives().update(driveId=d["id"], body={"name": "Team Drive"}).execute()
    assert drive.drives().hide(driveId=d["id"]).execute()["id"] == d["id"]
    got = drive.drives().get(driveId=d["id"], fields="name,hidden").execute()
    assert got == {"name": "Team Drive", "hidden": True}
    drive.drives().unhide(driveId=d["id"]).execute()
    assert [x["name"] for x in drive.drives().list().execute()["drives"]] == ["Team Drive"]
    state = server.state(world["id"])["google"]
    assert state["drives"][d["id"]]["name"] == "Team Drive"
    assert state["drives"][d["id"]]["members"][0]["role"] == "organizer"
    assert state["files"][f["id"]]["path"] == "Team Drive/spec.txt"
    with pytest.raises(HttpError) as e:
        drive.drives().delete(driveId=d["id"]).execute()
    assert e.value.status_code == 403 and e.value.error_details[0]["reason"] == "cannotDeleteResourceWithChildren"
    drive.files().delete(fileId=f["id"], supportsAllDrives=True).execute()
    drive.drives().delete(driveId=d["id"]).execute()
    assert server.state(world["id"])["google"]["drives"] == {}
    with pytest.raises(HttpError) as e:
        drive.drives().get(driveId=d["id"]).execute()
    assert e.value.status_code == 404


def test_comment_replies_and_update(drive: Any, server: Any, world: dict[str, Any]) -> None:
    c = drive.comments().create(fileId=DOC, body={"content": "Typo?"}, fields="id").execute()
    drive.comments().update(fileId=DOC, commentId=c["id"], body={"content": "Typo in line 1?"},
                            fields="id,content").execute()
    r = drive.replies().create(fileId=DOC, commentId=c["id"], body={"content": "Fixed"},
                               fields="id,content").execute()
    drive.replies().create(fileId=DOC, commentId=c["id"], body={"action": "resolve"}, fields="id,action").execute()
    page = drive.replies().list(fileId=DOC, commentId=c["id"], pageSize=1,
                                fields="replies(id,content),nextPageToken").execute()
    assert page["replies"] == [{"id": r["id"], "content": "Fixed"}] and "nextPageToken" in page
    rest = drive.replies().list(fileId=DOC, commentId=c["id"], pageToken=page["nextPageToken"],
                                fields="replies(action)").execute()
    assert rest["replies"] == [{"action": "resolve"}]
    drive.replies().update(fileId=DOC, commentId=c["id"], replyId=r["id"], body={"content": "Fixed it"},
                           fields="id").execute()
    assert drive.replies().get(fileId=DOC, commentId=c["id"], replyId=r["id"],
                               fields="content").execute() == {"content": "Fixed it"}
    comment = server.state(world["id"])["google"]["files"][DOC]["comments"][0]
    assert comment["content"] == "Typo in line 1?" and comment["resolved"] is True
    assert [x["content"] for x in comment["replies"]] == ["Fixed it", ""]
    drive.replies().delete(fileId=DOC, commentId=c["id"], replyId=r["id"]).execute()
    with pytest.raises(HttpError) as e:
        drive.replies().get(fileId=DOC, commentId=c["id"], replyId=r["id"], fields="id").execute()
    assert e.value.status_code == 404
    with pytest.raises(HttpError) as e:
        drive.replies().create(fileId=DOC, commentId=c["id"], body={"content": "x"}).execute()
    assert e.value.status_code == 400  # fields is required


def test_developer_metadata_and_data_filters(sheets: Any, server: Any, world: dict[str, Any]) -> None:
    reply = sheets.spreadsheets().batchUpdate(spreadsheetId=SHEET, body={"requests": [
        {"createDeveloperMetadata": {"developerMetadata": {
            "metadataKey": "row:laptop", "metadataValue": "it", "visibility": "DOCUMENT",
            "location": {"dimensionRange": {"sheetId": 0, "dimension": "ROWS", "startIndex": 1, "endIndex": 2}}}}},
    ]}).execute()
    mid = reply["replies"][0]["createDeveloperMetadata"]["developerMetadata"]["metadataId"]
    got = sheets.spreadsheets().developerMetadata().get(spreadsheetId=SHEET, metadataId=mid).execute()
    assert got["location"]["locationType"] == "ROW" and got["metadataValue"] == "it"
    found = sheets.spreadsheets().developerMetadata().search(spreadsheetId=SHEET, body={"dataFilters": [
        {"developerMetadataLookup": {"metadataKey": "row:laptop"}}]}).execute()
    assert [m["developerMetadata"]["metadataId"] for m in found["matchedDeveloperMetadata"]] == [mid]
    values = sheets.spreadsheets().values().batchGetByDataFilter(spreadsheetId=SHEET, body={
        "dataFilters": [{"developerMetadataLookup": {"metadataId": mid}}, {"a1Range": "Sheet1!A3:B3"}],
        "valueRenderOption": "UNFORMATTED_VALUE"}).execute()
    assert [v["valueRange"]["values"] for v in values["valueRanges"]] == [[["Laptop", 1200]], [["Mouse", 20]]]
    sheets.spreadsheets().batchUpdate(spreadsheetId=SHEET, body={"requests": [
        {"updateDeveloperMetadata": {"dataFilters": [{"developerMetadataLookup": {"metadataId": mid}}],
                                     "developerMetadata": {"metadataValue": "ops"}, "fields": "metadataValue"}}]}).execute()
    md = server.state(world["id"])["google"]["files"][SHEET]["sheet"]["developerMetadata"]
    assert md[0]["metadataValue"] == "ops"
    sheets.spreadsheets().batchUpdate(spreadsheetId=SHEET, body={"requests": [
        {"deleteDeveloperMetadata": {"dataFilter": {"developerMetadataLookup": {"metadataKey": "row:laptop"}}}}]}).execute()
    assert server.state(world["id"])["google"]["files"][SHEET]["sheet"]["developerMetadata"] == []
    with pytest.raises(HttpError) as e:
        sheets.spreadsheets().developerMetadata().get(spreadsheetId=SHEET, metadataId=mid).execute()
    assert e.value.status_code == 404


def test_docs_edits_make_revisions(world: dict[str, Any], drive: Any) -> None:
    docs = docs_service(world["env"]["GOOGLE_API_URL"], world["env"]["GOOGLE_TOKEN"])
    docs.documents().batchUpdate(documentId=DOC, body={"requests": [
        {"insertText": {"location": {"index": 1}, "text": "New: "}}]}).execute()
    docs.close()
    revs = drive.revisions().list(fileId=DOC).execute()["revisions"]
    assert [r["id"] for r in revs] == ["1", "2"]
