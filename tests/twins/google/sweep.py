"""A sweep of every registered Google operation through door 1: each one succeeds at least once
and fails at least once (a batch envelope: a body that is not multipart/mixed), so test_schema.py sees both shapes of
every answer. The world's call log holds the answers."""

from __future__ import annotations

import json
from typing import Any

from dtu.twins.core import World

ME = "alice@acme.test"
BOB = "bob@acme.test"
FOLDER = "1SweepFolder000000000000000000000"
TXT = "1SweepNotes0000000000000000000000"
DOC = "1SweepDoc00000000000000000000000x"
SHEET = "1SweepSheet000000000000000000000x"
OTHER = "1SweepSheet2000000000000000000000"
BOBS = "1SweepBobs0000000000000000000000x"
MISSING = "1NoSuchFile000000000000000000000x"

SEED: dict[str, Any] = {"google": {
    "me": ME,
    "users": [{"email": ME, "name": "Alice Chen"}, {"email": BOB, "name": "Bob Stone"}],
    "files": [
        {"id": FOLDER, "name": "Projects", "kind": "folder"},
        {"id": TXT, "name": "notes.txt", "text": "hello", "parents": ["Projects"]},
        {"id": DOC, "name": "Plan", "kind": "doc", "text": "The plan\nSecond line"},
        {"id": SHEET, "name": "Budget", "kind": "sheet",
         "sheets": {"Sheet1": [["Item", "Cost"], ["Laptop", 1200], ["Total", "=SUM(B2:B2)"]]}},
        {"id": OTHER, "name": "Other", "kind": "sheet", "sheets": {"Data": [["a"]]}},
        {"id": BOBS, "name": "bob.txt", "text": "bob's", "owner": BOB,
         "permissions": [{"email": ME, "role": "reader"}]},
    ],
}}

BOUNDARY = "sweep_boundary"


def multipart(meta: str, media: bytes, ctype: str = "text/plain") -> dict[str, Any]:
    body = (f"--{BOUNDARY}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{meta}\r\n"
            f"--{BOUNDARY}\r\nContent-Type: {ctype}\r\n\r\n").encode() + media + f"\r\n--{BOUNDARY}--\r\n".encode()
    return {"uploadType": "multipart", "_body": body,
            "_content_type": f"multipart/related; boundary={BOUNDARY}"}


def batch_body(*lines: str) -> dict[str, Any]:
    parts = "".join(f"--{BOUNDARY}\r\nContent-Type: application/http\r\nContent-ID: <{i}>\r\n\r\n{line}\r\n\r\n"
                    for i, line in enumerate(lines))
    return {"_body": (parts + f"--{BOUNDARY}--\r\n").encode(),
            "_content_type": f"multipart/mixed; boundary={BOUNDARY}"}


async def sweep(w: World) -> None:
    """Call every Google operation, successes then errors, recording in `w.calls`."""

    async def c(op: str, **args: Any) -> Any:
        return (await w.invoke("google", op, args)).body

    async def as_bob(op: str, **args: Any) -> Any:
        return (await w.invoke("google", op, args, actor=BOB)).body

    full = "*"
    # -- Drive: files ------------------------------------------------------------------------
    await c("drive.about.get", fields="user,storageQuota,kind")
    await c("drive.about.get")
    await c("drive.files.generateIds", count=2)
    await c("drive.files.generateIds", count=0)
    await c("drive.files.list")
    await c("drive.files.list", fields=full, pageSize=2)
    await c("drive.files.list", q="name contains 'Budget' and trashed = false", fields="files(id,name),nextPageToken")
    await c("drive.files.list", q="name ==== x")
    await c("drive.files.list", pageSize=0)
    await c("drive.files.get", fileId=TXT, fields=full)
    await c("drive.files.get", fileId=DOC, fields=full)
    await c("drive.files.get", fileId=SHEET, fields=full)
    await c("drive.files.get", fileId=FOLDER, fields=full)
    await c("drive.files.get", fileId=BOBS, fields=full)
    await c("drive.files.get", fileId=TXT, alt="media")
    await c("drive.files.get", fileId=MISSING)
    await c("drive.files.get", fileId=DOC, alt="media")
    await c("drive.files.get", fileId=TXT, fields="nosuchfield")
    made = await c("drive.files.create", name="Q3", mimeType="application/vnd.google-apps.folder", fields=full)
    await c("drive.files.create", name="x", parents=[MISSING])
    await c("drive.files.create", name="x", owners=["x"])
    up = await c("drive.files.create.upload", fields=full,
                 **multipart(json.dumps({"name": "up.txt", "parents": [made["id"]]}), b"uploaded"))
    await c("drive.files.create.upload", uploadType="media", _body=b"raw bytes", _content_type="text/plain")
    await c("drive.files.create.upload", uploadType="bogus", _body=b"x", _content_type="text/plain")
    await c("drive.files.update.upload", fileId=up["id"], uploadType="media", _body=b"new content",
            _content_type="text/plain", fields="id,size,version")
    await c("drive.files.update.upload", fileId=MISSING, uploadType="media", _body=b"x", _content_type="text/plain")
    start = await w.invoke("google", "drive.files.create.upload",
                           {"uploadType": "resumable", "_body": b'{"name": "big.bin"}',
                            "_content_type": "application/json", "_headers": {}})
    uid = (start.headers or {}).get("X-GUploader-UploadID", "")
    await c("drive.files.upload.resume", upload_id=uid, _body=b"abc", _content_type="application/octet-stream",
            _headers={"content-range": "bytes 0-2/6"})
    await c("drive.files.upload.resume", upload_id=uid, _body=b"def", _content_type="application/octet-stream",
            _headers={"content-range": "bytes 3-5/6"})
    await c("drive.files.upload.resume", upload_id="nosuch", _body=b"x", _content_type="text/plain")
    start = await w.invoke("google", "drive.files.update.upload",
                           {"fileId": up["id"], "uploadType": "resumable", "_body": b"", "_content_type": "",
                            "_headers": {}})
    uid = (start.headers or {}).get("X-GUploader-UploadID", "")
    await c("drive.files.upload.resumeUpdate", fileId=up["id"], upload_id=uid, _body=b"v3",
            _content_type="text/plain", fields=full)
    await c("drive.files.upload.resumeUpdate", fileId=up["id"], upload_id="nosuch", _body=b"x",
            _content_type="text/plain")
    await c("drive.files.update", fileId=TXT, name="notes-2.txt", starred=True, description="d",
            properties={"k": "v"}, fields=full)
    await c("drive.files.update", fileId=TXT, addParents=made["id"], removeParents=FOLDER, fields="id,parents")
    await c("drive.files.update", fileId=BOBS, name="mine now")
    await c("drive.files.update", fileId=TXT, parents=[FOLDER])
    copy = await c("drive.files.copy", fileId=DOC, fields=full)
    await c("drive.files.copy", fileId=FOLDER)
    await c("drive.files.export", fileId=DOC, mimeType="text/plain")
    await c("drive.files.export", fileId=SHEET, mimeType="text/csv")
    await c("drive.files.export", fileId=TXT, mimeType="text/plain")
    await c("drive.files.export", fileId=DOC)
    await c("drive.files.update", fileId=copy["id"], trashed=True, fields="id,trashed,trashedTime")
    await c("drive.files.emptyTrash")
    await c("drive.files.delete", fileId=up["id"])
    await c("drive.files.delete", fileId=BOBS)
    await c("drive.files.delete", fileId=MISSING)
    await as_bob("drive.files.list", fields="files(id,name,owners)")
    # -- Drive: permissions -------------------------------------------------------------------
    perm = await c("drive.permissions.create", fileId=TXT, type="user", role="writer",
                   emailAddress=BOB, fields=full)
    await c("drive.permissions.create", fileId=TXT, type="anyone", role="reader")
    await c("drive.permissions.create", fileId=TXT, type="domain", role="commenter", domain="acme.test")
    await c("drive.permissions.create", fileId=TXT, type="user", role="owner", emailAddress=BOB)
    await c("drive.permissions.create", fileId=TXT, type="robot", role="reader")
    await c("drive.permissions.list", fileId=TXT, fields=full)
    await c("drive.permissions.list", fileId=TXT)
    await c("drive.permissions.list", fileId=BOBS)
    await c("drive.permissions.get", fileId=TXT, permissionId=perm["id"], fields=full)
    await c("drive.permissions.get", fileId=TXT, permissionId="nosuch")
    await c("drive.permissions.update", fileId=TXT, permissionId=perm["id"], role="commenter")
    await c("drive.permissions.update", fileId=TXT, permissionId="nosuch", role="reader")
    await c("drive.permissions.delete", fileId=TXT, permissionId="anyoneWithLink")
    await c("drive.permissions.delete", fileId=TXT, permissionId="nosuch")
    # -- Drive: comments ----------------------------------------------------------------------
    com = await c("drive.comments.create", fileId=DOC, content="Looks good", fields=full)
    await c("drive.comments.create", fileId=DOC, content="x")
    await c("drive.comments.create", fileId=DOC, fields="id")
    await c("drive.comments.list", fileId=DOC, fields=full)
    await c("drive.comments.list", fileId=DOC, fields=full, pageToken="garbage")
    await c("drive.comments.get", fileId=DOC, commentId=com["id"], fields=full)
    await c("drive.comments.get", fileId=DOC, commentId="nosuch", fields="id")
    await c("drive.comments.delete", fileId=DOC, commentId="nosuch")
    await more_drive(w, c, as_bob, com["id"])
    await c("drive.comments.delete", fileId=DOC, commentId=com["id"])
    # -- batch --------------------------------------------------------------------------------
    await c("drive.batch", **batch_body(f"GET /drive/v3/files/{DOC}?fields=id", f"GET /drive/v3/files/{MISSING}"))
    await c("drive.batch", _body=b"x", _content_type="text/plain")
    await c("google.batch", **batch_body(f"GET /v1/documents/{DOC}"))
    await c("google.batch", _body=b"x", _content_type="text/plain")
    # -- Docs --------------------------------------------------------------------------------
    doc = await c("docs.documents.create", title="Notes")
    await c("docs.documents.create", title=5, bogus=[1])
    await c("docs.documents.get", documentId=DOC)
    await c("docs.documents.get", documentId=DOC, includeTabsContent=True)
    await c("docs.documents.get", documentId=MISSING)
    await c("docs.documents.batchUpdate", documentId=doc["documentId"], requests=[
        {"insertText": {"location": {"index": 1}, "text": "Heading\nitem one\nitem two\n"}},
        {"updateParagraphStyle": {"range": {"startIndex": 1, "endIndex": 8},
                                  "paragraphStyle": {"namedStyleType": "HEADING_1"}, "fields": "namedStyleType"}},
        {"createParagraphBullets": {"range": {"startIndex": 9, "endIndex": 25},
                                    "bulletPreset": "BULLET_DISC_CIRCLE_SQUARE"}},
        {"updateTextStyle": {"range": {"startIndex": 1, "endIndex": 4}, "textStyle": {"bold": True},
                             "fields": "bold"}},
        {"insertTable": {"rows": 2, "columns": 2, "endOfSegmentLocation": {}}},
        {"createNamedRange": {"name": "head", "range": {"startIndex": 1, "endIndex": 4}}},
        {"replaceAllText": {"containsText": {"text": "item", "matchCase": True}, "replaceText": "row"}},
    ])
    await c("docs.documents.get", documentId=doc["documentId"])
    await c("docs.documents.batchUpdate", documentId=doc["documentId"],
            requests=[{"insertText": {"location": {"index": 999}, "text": "x"}}])
    # -- Sheets -------------------------------------------------------------------------------
    ss = await c("sheets.spreadsheets.create", properties={"title": "New"})
    await c("sheets.spreadsheets.create", properties="bad")
    await c("sheets.spreadsheets.get", spreadsheetId=SHEET)
    await c("sheets.spreadsheets.get", spreadsheetId=SHEET, includeGridData=True)
    await c("sheets.spreadsheets.get", spreadsheetId=MISSING)
    await c("sheets.spreadsheets.batchUpdate", spreadsheetId=ss["spreadsheetId"], includeSpreadsheetInResponse=True,
            requests=[{"addSheet": {"properties": {"title": "Two"}}},
                      {"updateSheetProperties": {"properties": {"sheetId": 0, "gridProperties": {"frozenRowCount": 1}},
                                                 "fields": "gridProperties.frozenRowCount"}},
                      {"duplicateSheet": {"sourceSheetId": 0}},
                      {"findReplace": {"find": "x", "replacement": "y", "allSheets": True}}])
    await c("sheets.spreadsheets.batchUpdate", spreadsheetId=SHEET, requests=[{"deleteSheet": {"sheetId": 999}}])
    await c("sheets.spreadsheets.sheets.copyTo", spreadsheetId=SHEET, sheetId=0,
            destinationSpreadsheetId=ss["spreadsheetId"])
    await c("sheets.spreadsheets.sheets.copyTo", spreadsheetId=SHEET, sheetId=77,
            destinationSpreadsheetId=ss["spreadsheetId"])
    await c("sheets.spreadsheets.values.get", spreadsheetId=SHEET, range="Sheet1!A1:C3")
    await c("sheets.spreadsheets.values.get", spreadsheetId=SHEET, range="Nope!A1")
    await c("sheets.spreadsheets.values.update", spreadsheetId=SHEET, range="Sheet1!D1",
            valueInputOption="USER_ENTERED", values=[["=1+1"]], includeValuesInResponse=True)
    await c("sheets.spreadsheets.values.update", spreadsheetId=SHEET, range="Sheet1!D1", values=[["x"]])
    await c("sheets.spreadsheets.values.append", spreadsheetId=SHEET, range="Sheet1!A1",
            valueInputOption="RAW", values=[["Mouse", 20]])
    await c("sheets.spreadsheets.values.append", spreadsheetId=SHEET, range="Sheet1!A1", values=[["x"]])
    await c("sheets.spreadsheets.values.clear", spreadsheetId=SHEET, range="Sheet1!D1")
    await c("sheets.spreadsheets.values.clear", spreadsheetId=MISSING, range="A1")
    await c("sheets.spreadsheets.values.batchGet", spreadsheetId=SHEET, ranges=["Sheet1!A1:B2", "Sheet1!C1"])
    await c("sheets.spreadsheets.values.batchGet", spreadsheetId=SHEET, ranges=["Bad!!"])
    await c("sheets.spreadsheets.values.batchUpdate", spreadsheetId=SHEET, valueInputOption="RAW",
            data=[{"range": "Sheet1!E1", "values": [[1], [2]]}])
    await c("sheets.spreadsheets.values.batchUpdate", spreadsheetId=SHEET, data=[])
    await c("sheets.spreadsheets.values.batchClear", spreadsheetId=SHEET, ranges=["Sheet1!E1:E2"])
    await c("sheets.spreadsheets.values.batchClear", spreadsheetId=SHEET, ranges=["Bad!!"])
    await more_sheets(w, c)


async def more_drive(w: World, c: Any, as_bob: Any, comment_id: str) -> None:
    """Drive operations added for issue 16 (changes, revisions, shared drives, replies)."""
    full = "*"
    # comments.update and replies
    await c("drive.comments.update", fileId=DOC, commentId=comment_id, content="Edited", fields=full)
    await c("drive.comments.update", fileId=DOC, commentId=comment_id, fields="id")
    await as_bob("drive.comments.update", fileId=DOC, commentId="nosuch", content="x", fields="id")
    rep = await c("drive.replies.create", fileId=DOC, commentId=comment_id, content="Thanks", fields=full)
    await c("drive.replies.create", fileId=DOC, commentId=comment_id, action="resolve", fields=full)
    await c("drive.replies.create", fileId=DOC, commentId=comment_id, fields="id")
    await c("drive.replies.list", fileId=DOC, commentId=comment_id, fields=full, pageSize=1)
    await c("drive.replies.list", fileId=DOC, commentId="nosuch", fields=full)
    await c("drive.replies.get", fileId=DOC, commentId=comment_id, replyId=rep["id"], fields=full)
    await c("drive.replies.get", fileId=DOC, commentId=comment_id, replyId="nosuch", fields=full)
    await c("drive.replies.update", fileId=DOC, commentId=comment_id, replyId=rep["id"], content="Ta", fields=full)
    await c("drive.replies.update", fileId=DOC, commentId=comment_id, replyId=rep["id"], fields=full)
    await c("drive.comments.get", fileId=DOC, commentId=comment_id, fields=full)
    await c("drive.replies.delete", fileId=DOC, commentId=comment_id, replyId=rep["id"])
    await c("drive.replies.delete", fileId=DOC, commentId=comment_id, replyId=rep["id"])
    # revisions: a blob gets a new one per content change
    await c("drive.files.update.upload", fileId=TXT, uploadType="media", _body=b"second", _content_type="text/plain")
    await c("drive.revisions.list", fileId=TXT, fields=full)
    await c("drive.revisions.list", fileId=DOC, fields=full)
    await c("drive.revisions.list", fileId=BOBS)
    await c("drive.revisions.get", fileId=TXT, revisionId="1", fields=full)
    await c("drive.revisions.get", fileId=TXT, revisionId="1", alt="media")
    await c("drive.revisions.get", fileId=SHEET, revisionId="head", fields=full)
    await c("drive.revisions.get", fileId=TXT, revisionId="99")
    await c("drive.revisions.update", fileId=TXT, revisionId="1", keepForever=True, fields=full)
    await c("drive.revisions.update", fileId=DOC, revisionId="1", published=True, fields=full)
    await c("drive.revisions.update", fileId=TXT, revisionId="1", published=True)
    await c("drive.revisions.delete", fileId=TXT, revisionId="1")
    await c("drive.revisions.delete", fileId=TXT, revisionId="2")
    await c("drive.revisions.delete", fileId=DOC, revisionId="1")
    # shared drives, and a file in one
    d = await c("drive.drives.create", requestId="req-1", name="Team", fields=full)
    await c("drive.drives.create", requestId="req-1", name="Team again")
    await c("drive.drives.create", name="No request id")
    await c("drive.drives.get", driveId=d["id"], fields=full)
    await c("drive.drives.get", driveId="0ANoSuchDrive")
    await c("drive.drives.list", fields=full)
    await c("drive.drives.list", pageSize=500)
    await c("drive.drives.update", driveId=d["id"], name="Team Drive", restrictions={"domainUsersOnly": True},
            fields=full)
    await as_bob("drive.drives.update", driveId=d["id"], name="x")
    await c("drive.drives.hide", driveId=d["id"], fields=full)
    await c("drive.drives.hide", driveId="0ANoSuchDrive")
    await c("drive.drives.unhide", driveId=d["id"])
    await as_bob("drive.drives.unhide", driveId=d["id"])
    inside = await c("drive.files.create", name="spec.txt", parents=[d["id"]], supportsAllDrives=True, fields=full)
    await c("drive.files.create", name="spec.txt", parents=[d["id"]])
    await c("drive.permissions.create", fileId=d["id"], type="user", role="fileOrganizer", emailAddress=BOB,
            supportsAllDrives=True, fields=full)
    await c("drive.files.list", corpora="drive", driveId=d["id"], includeItemsFromAllDrives=True,
            supportsAllDrives=True, fields=full)
    await c("drive.files.list", corpora="drive", driveId=d["id"])
    await c("drive.drives.delete", driveId=d["id"])
    await c("drive.files.update", fileId=inside["id"], trashed=True, supportsAllDrives=True)
    await c("drive.files.emptyTrash", driveId=d["id"])
    await c("drive.files.emptyTrash", driveId="0ANoSuchDrive")
    # changes: every file made, edited, trashed, shared or removed is in the log
    tok = await c("drive.changes.getStartPageToken", fields=full)
    await c("drive.changes.getStartPageToken", driveId="0ANoSuchDrive")
    await c("drive.files.update", fileId=TXT, name="renamed.txt")
    await c("drive.changes.list", pageToken="1", pageSize=5, fields=full)
    await c("drive.changes.list", pageToken="1", includeItemsFromAllDrives=True, supportsAllDrives=True,
            pageSize=1000, fields=full)
    await c("drive.changes.list", pageToken=tok["startPageToken"])
    await as_bob("drive.changes.list", pageToken="1", fields=full)
    await c("drive.changes.list", pageToken="nope")
    await c("drive.changes.list")
    await c("drive.drives.delete", driveId=d["id"])
    await c("drive.drives.delete", driveId=d["id"])
    await c("drive.changes.list", pageToken=tok["startPageToken"], fields=full)
    # push notifications: watch channels to an address on this machine, and stopping them
    hook = {"type": "web_hook", "address": "http://127.0.0.1:9/drive", "token": "t=1"}
    ch = await c("drive.files.watch", fileId=TXT, resource={"id": "chan-file", **hook})
    await c("drive.changes.watch", pageToken=tok["startPageToken"],
            resource={"id": "chan-changes", "expiration": "99999999999999", **hook})
    await c("drive.channels.stop", resource={"id": "chan-file", "resourceId": ch["resourceId"]})
    await c("drive.files.watch", fileId=TXT, resource={"id": "far", "type": "web_hook",
                                                       "address": "https://example.com/drive"})
    await c("drive.files.watch", fileId="nope", resource={"id": "x", **hook})
    await c("drive.changes.watch", resource={"id": "x", **hook})
    await c("drive.channels.stop", resource={"id": "chan-file", "resourceId": ch["resourceId"]})


async def more_sheets(w: World, c: Any) -> None:
    """Sheets operations added for issue 16 (data filters, developer metadata)."""
    made = await c("sheets.spreadsheets.batchUpdate", spreadsheetId=SHEET, requests=[
        {"createDeveloperMetadata": {"developerMetadata": {
            "metadataKey": "team", "metadataValue": "eng", "visibility": "DOCUMENT",
            "location": {"dimensionRange": {"sheetId": 0, "dimension": "ROWS", "startIndex": 1, "endIndex": 2}}}}},
        {"createDeveloperMetadata": {"developerMetadata": {
            "metadataId": 77, "metadataKey": "owner", "visibility": "DOCUMENT", "location": {"spreadsheet": True}}}},
        {"createDeveloperMetadata": {"developerMetadata": {
            "metadataKey": "tab", "visibility": "PROJECT", "location": {"sheetId": 0}}}}])
    mid = made["replies"][0]["createDeveloperMetadata"]["developerMetadata"]["metadataId"]
    await c("sheets.spreadsheets.batchUpdate", spreadsheetId=SHEET, requests=[
        {"createDeveloperMetadata": {"developerMetadata": {"metadataId": 77, "metadataKey": "dup",
                                                           "visibility": "DOCUMENT", "location": {"spreadsheet": True}}}}])
    await c("sheets.spreadsheets.get", spreadsheetId=SHEET)
    await c("sheets.spreadsheets.developerMetadata.get", spreadsheetId=SHEET, metadataId=mid)
    await c("sheets.spreadsheets.developerMetadata.get", spreadsheetId=SHEET, metadataId=12345)
    await c("sheets.spreadsheets.developerMetadata.search", spreadsheetId=SHEET, dataFilters=[
        {"developerMetadataLookup": {"metadataKey": "team"}}, {"a1Range": "Sheet1!A2:B2"}])
    await c("sheets.spreadsheets.developerMetadata.search", spreadsheetId=SHEET, dataFilters=[
        {"developerMetadataLookup": {"metadataKey": "nothing"}}])
    await c("sheets.spreadsheets.developerMetadata.search", spreadsheetId=SHEET, dataFilters=[])
    await c("sheets.spreadsheets.values.batchGetByDataFilter", spreadsheetId=SHEET, dataFilters=[
        {"developerMetadataLookup": {"metadataKey": "team"}}, {"a1Range": "Sheet1!A1:B1"},
        {"gridRange": {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 3, "startColumnIndex": 1, "endColumnIndex": 2}}],
        majorDimension="COLUMNS")
    await c("sheets.spreadsheets.values.batchGetByDataFilter", spreadsheetId=SHEET, dataFilters=[{"a1Range": "Nope!!"}])
    await c("sheets.spreadsheets.batchUpdate", spreadsheetId=SHEET, requests=[
        {"updateDeveloperMetadata": {"dataFilters": [{"developerMetadataLookup": {"metadataId": mid}}],
                                     "developerMetadata": {"metadataValue": "ops"}, "fields": "metadataValue"}},
        {"deleteDeveloperMetadata": {"dataFilter": {"developerMetadataLookup": {"metadataKey": "owner"}}}}])
    await c("sheets.spreadsheets.batchUpdate", spreadsheetId=SHEET, requests=[
        {"updateDeveloperMetadata": {"dataFilters": [{"developerMetadataLookup": {"metadataId": mid}}],
                                     "developerMetadata": {"metadataValue": "ops"}, "fields": "bogus"}}])
