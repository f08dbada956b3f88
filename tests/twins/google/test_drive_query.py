"""Drive's `q` language, `fields` selectors, paging and ordering; and both doors answering alike."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from googleapiclient.errors import HttpError

from dtu.twins.core import Env, SeedImage, World
from dtu.twins.google.clients import drive_service
from dtu.twins.google.drive_query import QueryError, Scope, compile_query
from dtu.twins.google.fields import FieldsError, parse, select
from dtu.twins.google.seed import build
from dtu.twins.registry import TWINS

pytestmark = pytest.mark.sdk("python", "google-api-python-client")

FILES = [
    {"id": "1Budget2024xxxxxxxxxxxxxxxxxxxxxx", "name": "Budget 2024", "kind": "sheet",
     "createdTime": "2024-01-10T09:00:00Z", "modifiedTime": "2024-02-01T09:00:00Z", "starred": True},
    {"id": "1Budget2025xxxxxxxxxxxxxxxxxxxxxx", "name": "budget-2025.txt", "text": "Capex and opex",
     "createdTime": "2025-01-10T09:00:00Z", "modifiedTime": "2025-03-01T09:00:00Z",
     "appProperties": {"team": "fin"}},
    {"id": "1Rebudgetxxxxxxxxxxxxxxxxxxxxxxxx", "name": "Rebudgeting", "kind": "doc", "text": "it's done",
     "createdTime": "2023-05-10T09:00:00Z", "modifiedTime": "2023-05-10T09:00:00Z", "trashed": True},
    {"id": "1Folderxxxxxxxxxxxxxxxxxxxxxxxxxx", "name": "Finance", "kind": "folder",
     "createdTime": "2022-01-01T00:00:00Z", "modifiedTime": "2022-01-01T00:00:00Z"},
]
SEED: dict[str, Any] = {"google": {"me": "ann@acme.test", "users": [{"email": "ann@acme.test"}], "files": FILES}}


def matching(q: str) -> list[str]:
    state = build(SEED["google"], Env(1, 1.7e9))
    pred = compile_query(q)
    scope = Scope(state, "ann@acme.test")
    return sorted(f.name for f in state.files.values() if f.name != "My Drive" and pred(scope, f))


@pytest.mark.parametrize(("q", "want"), [
    ("name contains 'budget'", ["Budget 2024", "budget-2025.txt"]),  # word prefix: not Rebudgeting
    ("name = 'Finance'", ["Finance"]),
    ("name != 'Finance' and trashed = false", ["Budget 2024", "budget-2025.txt"]),
    ("fullText contains 'opex'", ["budget-2025.txt"]),
    ("fullText contains 'it\\'s done'", ["Rebudgeting"]),
    ('mimeType="application/vnd.google-apps.spreadsheet" and name = "Budget 2024"', ["Budget 2024"]),
    ("mimeType contains 'vnd.google-apps' and not mimeType = 'application/vnd.google-apps.folder'",
     ["Budget 2024", "Rebudgeting"]),
    ("starred = true", ["Budget 2024"]),
    ("trashed = true", ["Rebudgeting"]),
    ("modifiedTime > '2024-01-01T00:00:00' and createdTime <= '2025-01-10T09:00:00Z'",
     ["Budget 2024", "budget-2025.txt"]),
    ("(name contains 'Fin' or starred = true) and not trashed = true", ["Budget 2024", "Finance"]),
    ("appProperties has { key='team' and value='fin' }", ["budget-2025.txt"]),
    ("'ann@acme.test' in owners and createdTime < '2023-01-01'", ["Finance"]),
    ("sharedWithMe", []),
])
def test_query_language(q: str, want: list[str]) -> None:
    assert matching(q) == want


@pytest.mark.parametrize("q", ["name contains", "name ~ 'x'", "nme = 'x'", "(name = 'x'", "name = 'x' and",
                               "'x' in nowhere", "trashed = maybe", "modifiedTime > 'yesterday'",
                               "fullText = 'x'", "name = 'unterminated"])
def test_bad_queries(q: str) -> None:
    with pytest.raises(QueryError):
        compile_query(q)


def test_fields_parse_and_select() -> None:
    tree = parse("nextPageToken, files(id, owners/emailAddress), files/name")
    body = {"kind": "k", "nextPageToken": "t",
            "files": [{"id": "1", "name": "a", "size": "3", "owners": [{"emailAddress": "x", "me": True}]}]}
    assert select(body, tree) == {"nextPageToken": "t",
                                  "files": [{"id": "1", "name": "a", "owners": [{"emailAddress": "x"}]}]}
    assert select(body, parse("*")) == body
    for bad in ("files(id", "a,,b", "", "files()"):
        with pytest.raises(FieldsError):
            parse(bad)


# -- over HTTP ------------------------------------------------------------------------------------

@pytest.fixture
def drive(make_world: Any) -> Iterator[Any]:
    many = [{"name": f"file-{i:02d}.txt", "text": str(i)} for i in range(25)]
    w = make_world({"google": {"me": "ann@acme.test", "users": [{"email": "ann@acme.test"}],
                               "files": FILES + many}})
    svc = drive_service(w["env"]["GOOGLE_API_URL"], w["env"]["GOOGLE_TOKEN"])
    yield svc
    svc.close()


def test_page_tokens(drive: Any) -> None:
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        resp = drive.files().list(q="name contains 'file'", pageSize=10, pageToken=token, orderBy="name",
                                  fields="nextPageToken, files(name)").execute()
        pages += 1
        seen += [f["name"] for f in resp["files"]]
        token = resp.get("nextPageToken")
        if token is None:
            break
    assert pages == 3 and seen == [f"file-{i:02d}.txt" for i in range(25)]
    with pytest.raises(HttpError) as e:
        drive.files().list(pageToken="garbage").execute()
    assert e.value.status_code == 400 and e.value.error_details[0]["location"] == "pageToken"


def test_list_default_fields_and_list_next(drive: Any) -> None:
    resp = drive.files().list(pageSize=5).execute()
    assert set(resp) == {"kind", "incompleteSearch", "nextPageToken", "files"}
    assert set(resp["files"][0]) == {"kind", "id", "name", "mimeType"}
    req = drive.files().list(q="name contains 'file'", pageSize=20)
    total = 0
    while req is not None:
        r = req.execute()
        total += len(r["files"])
        req = drive.files().list_next(req, r)
    assert total == 25


def test_order_by(drive: Any) -> None:
    r = drive.files().list(q="not name contains 'file'", orderBy="folder,modifiedTime desc",
                           fields="files(name)").execute()
    assert [f["name"] for f in r["files"]] == ["Finance", "budget-2025.txt", "Budget 2024", "Rebudgeting"]
    r = drive.files().list(q="not name contains 'file'", orderBy="createdTime", fields="files(name)").execute()
    assert [f["name"] for f in r["files"]] == ["Finance", "Rebudgeting", "Budget 2024", "budget-2025.txt"]
    with pytest.raises(HttpError) as e:
        drive.files().list(orderBy="size desc").execute()
    assert e.value.status_code == 400


def test_bad_q_and_fields_over_http(drive: Any) -> None:
    with pytest.raises(HttpError) as e:
        drive.files().list(q="name contains").execute()
    assert e.value.status_code == 400 and e.value.reason == "Invalid Value"
    assert e.value.error_details[0] == {"message": "Invalid Value", "domain": "global", "reason": "invalid",
                                        "location": "q", "locationType": "parameter"}
    with pytest.raises(HttpError) as e:
        drive.files().list(fields="files(id,nonsense)").execute()
    assert e.value.status_code == 400 and e.value.error_details[0]["location"] == "fields"


def test_both_doors_answer_alike(server: Any, make_world: Any) -> None:
    seed = {"google": {"me": "ann@acme.test", "users": [{"email": "ann@acme.test"}], "files": FILES}}
    w = make_world(seed)
    svc = drive_service(w["env"]["GOOGLE_API_URL"], w["env"]["GOOGLE_TOKEN"])
    args = {"q": "trashed = false", "orderBy": "name", "fields": "files(id,name,mimeType,parents,owners)"}
    over_http = svc.files().list(**args).execute()
    svc.close()
    world = World(SeedImage(TWINS, seed, 0, 1.7e9), 0)
    in_process = asyncio.run(world.call("google", "drive.files.list", args))
    strip = [{k: v for k, v in f.items() if k != "parents"} for f in in_process["files"]]
    assert [{k: v for k, v in f.items() if k != "parents"} for f in over_http["files"]] == strip
    missing = asyncio.run(world.invoke("google", "drive.files.get", {"fileId": "nope"}))
    assert missing.status == 404 and missing.body["error"]["errors"][0]["reason"] == "notFound"


def test_seed_errors_name_the_problem() -> None:
    for bad, needle in (({"files": [{"name": "x", "parents": ["Nowhere"]}]}, "unknown parent"),
                        ({"files": [{"name": "x", "kind": "slides"}]}, "unknown kind"),
                        ({"files": [{"name": "x", "permissions": [{"email": "a@b.c", "role": "boss"}]}]}, "unknown role"),
                        ({"files": [{"name": "x", "permissions": [{"type": "group", "role": "reader"}]}]}, "needs `email`")):
        with pytest.raises(ValueError, match=needle):
            build(bad, Env(1, 1.7e9))


def test_view_has_paths_roots_and_defaults() -> None:
    world = World(SeedImage(TWINS, SEED, 0, 1.7e9), 0)
    view = world.view()["google"]
    budget = view["files"]["1Budget2025xxxxxxxxxxxxxxxxxxxxxx"]
    assert budget["path"] == "My Drive/budget-2025.txt" and budget["content"] == "Capex and opex"
    assert budget["trashed"] is False and budget["starred"] is False  # defaults are present
    assert all(f["name"] != "My Drive" for f in view["files"].values())
    assert [r["name"] for r in view["roots"].values()] == ["My Drive"]


def test_in_process_upload_and_resumable_session() -> None:
    world = World(SeedImage(TWINS, SEED, 0, 1.7e9), 0)
    made = asyncio.run(world.call("google", "drive.files.create.upload", {
        "uploadType": "media", "_body": b"in process", "_content_type": "text/plain", "fields": "id,size"}))
    assert made["size"] == "10"
    start = asyncio.run(world.invoke("google", "drive.files.create.upload", {
        "uploadType": "resumable", "_body": b'{"name": "r.txt"}', "_content_type": "application/json",
        "_headers": {"x-upload-content-type": "text/plain"}}))
    assert start.status == 200 and start.headers is not None
    upload_id = start.headers["X-GUploader-UploadID"]
    part = asyncio.run(world.invoke("google", "drive.files.upload.resume", {
        "upload_id": upload_id, "_body": b"abc", "_headers": {"content-range": "bytes 0-2/6"}}))
    assert part.status == 308 and part.headers == {"Range": "bytes=0-2"}
    done = asyncio.run(world.call("google", "drive.files.upload.resume", {
        "upload_id": upload_id, "_body": b"def", "_headers": {"content-range": "bytes 3-5/6"},
        "fields": "name,mimeType,size"}))
    assert done == {"name": "r.txt", "mimeType": "text/plain", "size": "6"}
    gone = asyncio.run(world.invoke("google", "drive.files.upload.resume", {"upload_id": upload_id, "_body": b"x"}))
    assert gone.status == 404
