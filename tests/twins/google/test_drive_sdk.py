"""google-api-python-client's Drive v3, unmodified, against a real `dtu serve`: files, uploads,
downloads, export, errors."""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from google.auth.exceptions import RefreshError
from googleapiclient.errors import HttpError
from googleapiclient.http import MediaInMemoryUpload, MediaIoBaseDownload, MediaIoBaseUpload

from dtu.twins.google.clients import drive_service

pytestmark = pytest.mark.sdk("python", "google-api-python-client")

FOLDER = "application/vnd.google-apps.folder"
SEED: dict[str, Any] = {
    "google": {
        "me": "alice@acme.test",
        "users": [{"email": "alice@acme.test", "name": "Alice Chen"},
                  {"email": "bob@acme.test", "name": "Bob Stone"}],
        "files": [
            {"id": "1FolderProjects000000000000000000", "name": "Projects", "kind": "folder"},
            {"id": "1FolderArchive0000000000000000000", "name": "Archive", "kind": "folder"},
            {"id": "1NotesTxt000000000000000000000000", "name": "notes.txt", "text": "hello world",
             "parents": ["Projects"]},
            {"id": "1PlanDoc0000000000000000000000000", "name": "Plan", "kind": "doc", "text": "The plan"},
            {"id": "1BudgetSheet000000000000000000000", "name": "Budget", "kind": "sheet",
             "sheets": {"Sheet1": [["Item", "Cost"], ["Laptop", 1200]]}},
            {"id": "1BobsFile000000000000000000000000", "name": "bob-notes.txt", "text": "bob's",
             "owner": "bob@acme.test", "permissions": [{"email": "alice@acme.test", "role": "reader"}]},
            {"id": "1BobsSecret0000000000000000000000", "name": "secret.txt", "text": "s",
             "owner": "bob@acme.test"},
        ],
    }
}


@pytest.fixture
def world(make_world: Any) -> dict[str, Any]:
    w: dict[str, Any] = make_world(SEED)
    return w


def names(resp: dict[str, Any]) -> list[str]:
    return [f["name"] for f in resp["files"]]


def test_create_folder_and_move_file(drive: Any, server: Any, world: dict[str, Any]) -> None:
    folder = drive.files().create(body={"name": "Q3", "mimeType": FOLDER}, fields="id,name,mimeType").execute()
    assert folder["mimeType"] == FOLDER
    moved = drive.files().update(fileId="1NotesTxt000000000000000000000000", addParents=folder["id"],
                                 removeParents="1FolderProjects000000000000000000", fields="id,parents").execute()
    assert moved["parents"] == [folder["id"]]
    inside = drive.files().list(q=f"'{folder['id']}' in parents", fields="files(id,name)").execute()
    assert names(inside) == ["notes.txt"]
    state = server.state(world["id"])["google"]
    assert state["files"]["1NotesTxt000000000000000000000000"]["parents"] == [folder["id"]]


def test_second_parent_is_refused(drive: Any) -> None:
    with pytest.raises(HttpError) as e:
        drive.files().update(fileId="1NotesTxt000000000000000000000000",
                             addParents="1FolderArchive0000000000000000000").execute()
    assert e.value.status_code == 403
    assert e.value.error_details[0]["reason"] == "cannotAddParent"


def test_get_default_and_partial_fields(drive: Any) -> None:
    got = drive.files().get(fileId="1NotesTxt000000000000000000000000").execute()
    assert got == {"kind": "drive#file", "id": "1NotesTxt000000000000000000000000", "name": "notes.txt",
                   "mimeType": "text/plain"}
    full = drive.files().get(fileId="1NotesTxt000000000000000000000000", fields="*").execute()
    assert full["size"] == "11" and full["owners"][0]["emailAddress"] == "alice@acme.test"
    part = drive.files().get(fileId="1PlanDoc0000000000000000000000000",
                             fields="name,owners(emailAddress),capabilities/canEdit").execute()
    assert part == {"name": "Plan", "owners": [{"emailAddress": "alice@acme.test"}],
                    "capabilities": {"canEdit": True}}
    root = drive.files().get(fileId="root", fields="id,name").execute()
    assert root["name"] == "My Drive"


def test_rename_star_describe(drive: Any) -> None:
    r = drive.files().update(fileId="1PlanDoc0000000000000000000000000",
                             body={"name": "Plan v2", "starred": True, "description": "final",
                                   "properties": {"dept": "eng"}},
                             fields="name,starred,description,properties,version").execute()
    assert r["name"] == "Plan v2" and r["starred"] is True and r["description"] == "final"
    assert r["properties"] == {"dept": "eng"}
    hit = drive.files().list(q="properties has { key='dept' and value='eng' }").execute()
    assert names(hit) == ["Plan v2"]


def test_trash_restore_and_empty_trash(drive: Any, server: Any, world: dict[str, Any]) -> None:
    drive.files().update(fileId="1FolderProjects000000000000000000", body={"trashed": True}).execute()
    child = drive.files().get(fileId="1NotesTxt000000000000000000000000", fields="trashed,explicitlyTrashed").execute()
    assert child == {"trashed": True, "explicitlyTrashed": False}
    live = drive.files().list(q="trashed = false").execute()
    assert "notes.txt" not in names(live) and "Projects" not in names(live)
    everything = drive.files().list().execute()
    assert "notes.txt" in names(everything)  # list includes trashed files unless asked not to
    drive.files().update(fileId="1FolderProjects000000000000000000", body={"trashed": False}).execute()
    assert drive.files().get(fileId="1NotesTxt000000000000000000000000", fields="trashed").execute() == {"trashed": False}
    drive.files().update(fileId="1PlanDoc0000000000000000000000000", body={"trashed": True}).execute()
    assert drive.files().emptyTrash().execute() == ""
    files = server.state(world["id"])["google"]["files"]
    assert "1PlanDoc0000000000000000000000000" not in files
    assert "1NotesTxt000000000000000000000000" in files


def test_only_owner_trashes_or_deletes(drive: Any) -> None:
    for call in (drive.files().update(fileId="1BobsFile000000000000000000000000", body={"trashed": True}),
                 drive.files().delete(fileId="1BobsFile000000000000000000000000")):
        with pytest.raises(HttpError) as e:
            call.execute()
        assert e.value.status_code == 403
        assert e.value.error_details[0]["reason"] == "insufficientFilePermissions"


def test_delete_and_not_found_envelope(drive: Any) -> None:
    drive.files().delete(fileId="1NotesTxt000000000000000000000000").execute()
    with pytest.raises(HttpError) as e:
        drive.files().get(fileId="1NotesTxt000000000000000000000000").execute()
    assert e.value.status_code == 404
    assert e.value.reason == "File not found: 1NotesTxt000000000000000000000000."
    assert e.value.error_details == [{"message": "File not found: 1NotesTxt000000000000000000000000.",
                                      "domain": "global", "reason": "notFound", "location": "fileId",
                                      "locationType": "parameter"}]


def test_unshared_file_is_invisible(drive: Any) -> None:
    with pytest.raises(HttpError) as e:
        drive.files().get(fileId="1BobsSecret0000000000000000000000").execute()
    assert e.value.status_code == 404
    assert "secret.txt" not in names(drive.files().list().execute())


def test_reader_cannot_rename(drive: Any) -> None:
    with pytest.raises(HttpError) as e:
        drive.files().update(fileId="1BobsFile000000000000000000000000", body={"name": "mine"}).execute()
    assert e.value.status_code == 403


def test_copy(drive: Any) -> None:
    c = drive.files().copy(fileId="1NotesTxt000000000000000000000000", fields="id,name,parents,owners").execute()
    assert c["name"] == "Copy of notes.txt" and c["parents"] == ["1FolderProjects000000000000000000"]
    assert drive.files().get_media(fileId=c["id"]).execute() == b"hello world"
    d = drive.files().copy(fileId="1BobsFile000000000000000000000000", body={"name": "mine.txt"},
                           fields="name,owners/emailAddress,parents").execute()
    assert d["owners"] == [{"emailAddress": "alice@acme.test"}] and d["name"] == "mine.txt"
    with pytest.raises(HttpError) as e:
        drive.files().copy(fileId="1FolderProjects000000000000000000").execute()
    assert e.value.status_code == 403


def test_generate_ids_then_create_with_id(drive: Any) -> None:
    ids = drive.files().generateIds(count=3).execute()
    assert ids["kind"] == "drive#generatedIds" and len(set(ids["ids"])) == 3
    made = drive.files().create(body={"id": ids["ids"][0], "name": "pinned"}).execute()
    assert made["id"] == ids["ids"][0]
    with pytest.raises(HttpError) as e:
        drive.files().create(body={"id": ids["ids"][0], "name": "again"}).execute()
    assert e.value.status_code == 409


def test_about_requires_fields(drive: Any) -> None:
    about = drive.about().get(fields="user(emailAddress,displayName),storageQuota/limit").execute()
    assert about["user"] == {"emailAddress": "alice@acme.test", "displayName": "Alice Chen"}
    assert set(about["storageQuota"]) == {"limit"}
    with pytest.raises(HttpError) as e:
        drive.about().get().execute()
    assert e.value.status_code == 400


# -- uploads and downloads ------------------------------------------------------------------------

def test_simple_media_upload(drive: Any) -> None:
    f = drive.files().create(media_body=MediaInMemoryUpload(b"raw bytes", mimetype="text/csv"),
                             fields="id,name,mimeType,size").execute()
    assert f["name"] == "Untitled" and f["mimeType"] == "text/csv" and f["size"] == "9"


def test_multipart_upload_into_folder(drive: Any) -> None:
    f = drive.files().create(body={"name": "report.txt", "parents": ["1FolderArchive0000000000000000000"]},
                             media_body=MediaInMemoryUpload(b"Q3 numbers", mimetype="text/plain"),
                             fields="id,name,parents,md5Checksum").execute()
    assert f["parents"] == ["1FolderArchive0000000000000000000"]
    assert f["md5Checksum"] == "a9ba8b3a10ad1a2a3e9b7cebb4d3c2f1" or len(f["md5Checksum"]) == 32
    assert drive.files().get_media(fileId=f["id"]).execute() == b"Q3 numbers"
    hits = drive.files().list(q="fullText contains 'q3 numbers'").execute()
    assert names(hits) == ["report.txt"]


def test_resumable_upload_in_chunks_and_chunked_download(drive: Any) -> None:
    data = bytes(range(256)) * 2100  # 537,600 bytes: three 256 KiB chunks
    req = drive.files().create(body={"name": "big.bin"}, fields="id,size",
                               media_body=MediaIoBaseUpload(io.BytesIO(data), mimetype="application/octet-stream",
                                                            chunksize=256 * 1024, resumable=True))
    resp = None
    chunks = 0
    while resp is None:
        _, resp = req.next_chunk()
        chunks += 1
    assert chunks == 3 and resp["size"] == str(len(data))
    buf = io.BytesIO()
    down = MediaIoBaseDownload(buf, drive.files().get_media(fileId=resp["id"]), chunksize=256 * 1024)
    done = False
    while not done:
        _, done = down.next_chunk()
    assert buf.getvalue() == data


def test_media_update_and_resumable_update(drive: Any) -> None:
    fid = "1NotesTxt000000000000000000000000"
    r = drive.files().update(fileId=fid, body={"name": "notes-v2.txt"},
                             media_body=MediaInMemoryUpload(b"second", mimetype="text/plain"),
                             fields="name,size,version").execute()
    assert r["name"] == "notes-v2.txt" and r["size"] == "6"
    r2 = drive.files().update(fileId=fid, media_body=MediaInMemoryUpload(b"third!!", mimetype="text/plain",
                                                                         resumable=True), fields="size").execute()
    assert r2 == {"size": "7"}
    assert drive.files().get_media(fileId=fid).execute() == b"third!!"


def test_upload_converts_csv_to_sheet(drive: Any) -> None:
    f = drive.files().create(body={"name": "Imported", "mimeType": "application/vnd.google-apps.spreadsheet"},
                             media_body=MediaInMemoryUpload(b"a,b\n1,2\n", mimetype="text/csv"),
                             fields="id,mimeType").execute()
    assert f["mimeType"] == "application/vnd.google-apps.spreadsheet"
    out = drive.files().export(fileId=f["id"], mimeType="text/csv").execute()
    assert out.decode().replace("\r\n", "\n").strip() == "a,b\n1,2"


def test_export_doc_and_sheet(drive: Any) -> None:
    assert drive.files().export(fileId="1PlanDoc0000000000000000000000000", mimeType="text/plain").execute() \
        .decode().strip() == "The plan"
    csv = drive.files().export(fileId="1BudgetSheet000000000000000000000", mimeType="text/csv").execute().decode()
    assert csv.replace("\r\n", "\n").strip() == "Item,Cost\nLaptop,1200"
    with pytest.raises(HttpError) as e:
        drive.files().export(fileId="1NotesTxt000000000000000000000000", mimeType="text/plain").execute()
    assert e.value.status_code == 403
    with pytest.raises(HttpError) as e:
        drive.files().get_media(fileId="1PlanDoc0000000000000000000000000").execute()
    assert e.value.status_code == 403 and e.value.error_details[0]["reason"] == "fileNotDownloadable"


def test_bad_token_is_401(world: dict[str, Any]) -> None:
    req = urllib.request.Request(world["env"]["GOOGLE_API_URL"] + "/drive/v3/files",
                                 headers={"Authorization": "Bearer nope"})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=10)
    assert e.value.code == 401
    body = json.loads(e.value.read())
    e.value.close()
    assert body["error"]["status"] == "UNAUTHENTICATED"
    assert body["error"]["errors"][0]["reason"] == "authError"
    bad = drive_service(world["env"]["GOOGLE_API_URL"], "nope")
    with pytest.raises(RefreshError):  # the client tries to refresh a rejected token, as with Google
        bad.files().list().execute()
    bad.close()
