"""Drive v3 permissions through google-api-python-client: share, list, change roles, transfer
ownership, unshare, and their errors; batch requests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from googleapiclient.errors import HttpError

from dtu.twins.google.clients import drive_service

pytestmark = pytest.mark.sdk("python", "google-api-python-client")

DOC = "1RoadmapDoc000000000000000000000"
SEED: dict[str, Any] = {
    "google": {
        "me": "alice@acme.test",
        "users": [{"email": "alice@acme.test", "name": "Alice Chen"},
                  {"email": "bob@acme.test", "name": "Bob Stone"},
                  {"email": "carol@acme.test", "name": "Carol King", "groups": ["eng@acme.test"]}],
        "files": [
            {"id": DOC, "name": "Roadmap", "kind": "doc", "text": "2025 roadmap",
             "permissions": [{"email": "bob@acme.test", "role": "writer"},
                             {"type": "anyone", "role": "reader"}]},
            {"id": "1EngFolder00000000000000000000000", "name": "Eng", "kind": "folder",
             "permissions": [{"type": "group", "email": "eng@acme.test", "role": "reader"}]},
            {"id": "1Spec0000000000000000000000000000", "name": "spec.txt", "text": "spec",
             "parents": ["Eng"]},
        ],
    }
}


@pytest.fixture
def world(make_world: Any) -> dict[str, Any]:
    w: dict[str, Any] = make_world(SEED)
    return w


def service(world: dict[str, Any], token: str | None = None) -> Any:
    return drive_service(world["env"]["GOOGLE_API_URL"], token or world["env"]["GOOGLE_TOKEN"])


@pytest.fixture
def as_user(server: Any, world: dict[str, Any]) -> Iterator[Any]:
    """Drive services acting as another user of the same world."""
    made: list[Any] = []

    def make(email: str) -> Any:
        tok = server.admin("POST", f"/_dtu/worlds/{world['id']}/tokens", {"actors": {"google": email}})["token"]
        svc = service(world, tok)
        made.append(svc)
        return svc

    yield make
    for svc in made:
        svc.close()


def perms(drive: Any, file_id: str) -> dict[str, str]:
    out = drive.permissions().list(fileId=file_id, fields="permissions(id,type,role,emailAddress)").execute()
    return {p.get("emailAddress", p["type"]): p["role"] for p in out["permissions"]}


def test_share_list_update_delete(drive: Any, as_user: Any) -> None:
    p = drive.permissions().create(fileId=DOC, body={"type": "user", "role": "commenter",
                                                     "emailAddress": "carol@acme.test"},
                                   sendNotificationEmail=False).execute()
    assert p["role"] == "commenter" and p["type"] == "user"
    assert perms(drive, DOC) == {"alice@acme.test": "owner", "bob@acme.test": "writer",
                                 "anyone": "reader", "carol@acme.test": "commenter"}
    carol = as_user("carol@acme.test")
    shared = carol.files().list(q="sharedWithMe and trashed = false", fields="files(name)").execute()
    assert sorted(f["name"] for f in shared["files"]) == ["Eng", "Roadmap"]  # Eng: through her group
    up = drive.permissions().update(fileId=DOC, permissionId=p["id"], body={"role": "writer"}).execute()
    assert up["role"] == "writer"
    got = drive.permissions().get(fileId=DOC, permissionId="anyoneWithLink").execute()
    assert got["type"] == "anyone"
    drive.permissions().delete(fileId=DOC, permissionId="anyoneWithLink").execute()
    assert "anyone" not in perms(drive, DOC)
    with pytest.raises(HttpError) as e:
        drive.permissions().get(fileId=DOC, permissionId="anyoneWithLink").execute()
    assert e.value.status_code == 404 and e.value.reason == "Permission not found: anyoneWithLink."


def test_sharing_again_changes_the_role(drive: Any) -> None:
    first = drive.permissions().create(fileId=DOC, body={"type": "user", "role": "reader",
                                                         "emailAddress": "bob@acme.test"}).execute()
    assert first["role"] == "reader"
    assert perms(drive, DOC)["bob@acme.test"] == "reader"
    assert len(drive.permissions().list(fileId=DOC).execute()["permissions"]) == 3


def test_query_by_role(drive: Any) -> None:
    w = drive.files().list(q="'bob@acme.test' in writers", fields="files(name)").execute()
    assert [f["name"] for f in w["files"]] == ["Roadmap"]
    o = drive.files().list(q="'alice@acme.test' in owners and mimeType != 'application/vnd.google-apps.folder'",
                           fields="files(name)").execute()
    assert sorted(f["name"] for f in o["files"]) == ["Roadmap", "spec.txt"]
    vis = drive.files().list(q="visibility = 'anyoneWithLink'", fields="files(name)").execute()
    assert [f["name"] for f in vis["files"]] == ["Roadmap"]


def test_group_and_folder_inheritance(as_user: Any) -> None:
    carol = as_user("carol@acme.test")
    spec = carol.files().get(fileId="1Spec0000000000000000000000000000", fields="name,capabilities/canEdit").execute()
    assert spec == {"name": "spec.txt", "capabilities": {"canEdit": False}}
    with pytest.raises(HttpError) as e:
        carol.files().update(fileId="1Spec0000000000000000000000000000", body={"name": "x"}).execute()
    assert e.value.status_code == 403
    with pytest.raises(HttpError) as e:
        carol.permissions().list(fileId="1Spec0000000000000000000000000000").execute()
    assert e.value.status_code == 403


def test_transfer_ownership(drive: Any, as_user: Any, server: Any, world: dict[str, Any]) -> None:
    with pytest.raises(HttpError) as e:
        drive.permissions().create(fileId=DOC, body={"type": "user", "role": "owner",
                                                     "emailAddress": "bob@acme.test"}).execute()
    assert e.value.status_code == 403 and e.value.error_details[0]["location"] == "transferOwnership"
    drive.permissions().create(fileId=DOC, body={"type": "user", "role": "owner", "emailAddress": "bob@acme.test"},
                               transferOwnership=True).execute()
    f = drive.files().get(fileId=DOC, fields="owners(emailAddress),ownedByMe").execute()
    assert f == {"owners": [{"emailAddress": "bob@acme.test"}], "ownedByMe": False}
    assert perms(drive, DOC)["alice@acme.test"] == "writer"
    state = server.state(world["id"])["google"]["files"][DOC]
    assert state["owners"] == ["bob@acme.test"]
    bob = as_user("bob@acme.test")
    owner_perm = next(p for p in bob.permissions().list(fileId=DOC).execute()["permissions"] if p["role"] == "owner")
    with pytest.raises(HttpError) as e:
        bob.permissions().delete(fileId=DOC, permissionId=owner_perm["id"]).execute()
    assert e.value.status_code == 403
    with pytest.raises(HttpError) as e:  # outside the organization
        bob.permissions().create(fileId=DOC, body={"type": "user", "role": "owner", "emailAddress": "x@gmail.com"},
                                 transferOwnership=True).execute()
    assert e.value.status_code == 400


def test_domain_permission_and_bad_requests(drive: Any) -> None:
    d = drive.permissions().create(fileId=DOC, body={"type": "domain", "role": "reader", "domain": "acme.test"},
                                   fields="id,type,domain,allowFileDiscovery").execute()
    assert d["type"] == "domain" and d["domain"] == "acme.test" and d["allowFileDiscovery"] is False
    for body, status in (({"role": "reader"}, 400), ({"type": "user", "role": "boss", "emailAddress": "b@acme.test"}, 400),
                         ({"type": "user", "role": "reader"}, 400), ({"type": "robot", "role": "reader"}, 400)):
        with pytest.raises(HttpError) as e:
            drive.permissions().create(fileId=DOC, body=body).execute()
        assert e.value.status_code == status, body


def test_batch(drive: Any) -> None:
    got: dict[str, Any] = {}

    def cb(rid: str, resp: Any, exc: Any) -> None:
        got[rid] = exc.status_code if exc is not None else resp

    batch = drive.new_batch_http_request(callback=cb)
    batch.add(drive.files().get(fileId=DOC, fields="name"), request_id="get")
    batch.add(drive.files().get(fileId="1Missing000000000000000000000000"), request_id="missing")
    batch.add(drive.permissions().create(fileId=DOC, body={"type": "user", "role": "reader",
                                                           "emailAddress": "carol@acme.test"}, fields="role"),
              request_id="share")
    batch.add(drive.files().update(fileId=DOC, body={"name": "Roadmap 2025"}, fields="name"), request_id="rename")
    batch.add(drive.files().list(q="name = 'Roadmap 2025'", fields="files(id)"), request_id="find")
    batch.execute()
    assert got == {"get": {"name": "Roadmap"}, "missing": 404, "share": {"role": "reader"},
                   "rename": {"name": "Roadmap 2025"}, "find": {"files": [{"id": DOC}]}}


def test_comments(drive: Any, as_user: Any) -> None:
    with pytest.raises(HttpError) as e:
        drive.comments().create(fileId=DOC, body={"content": "no fields"}).execute()
    assert e.value.status_code == 400
    c = drive.comments().create(fileId=DOC, body={"content": "Looks good"}, fields="id,content,author").execute()
    assert c["content"] == "Looks good" and c["author"]["emailAddress"] == "alice@acme.test"
    bob = as_user("bob@acme.test")
    bob.comments().create(fileId=DOC, body={"content": "Agreed"}, fields="id").execute()
    listed = drive.comments().list(fileId=DOC, fields="comments(content,author/displayName)").execute()
    assert listed["comments"] == [{"content": "Looks good", "author": {"displayName": "Alice Chen"}},
                                  {"content": "Agreed", "author": {"displayName": "Bob Stone"}}]
    drive.comments().delete(fileId=DOC, commentId=c["id"]).execute()
    assert len(drive.comments().list(fileId=DOC, fields="comments(id)").execute()["comments"]) == 1
