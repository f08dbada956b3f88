"""Drive push notifications with google-api-python-client: files.watch and changes.watch open
channels to a receiver on 127.0.0.1, which gets the `sync` notification and then one per change,
with the headers Google documents; changes.list shows the change; channels.stop ends them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from googleapiclient.errors import HttpError

from dtu.twins.google.clients import drive_service

from ..conftest import Server
from .receiver import Receiver

pytestmark = pytest.mark.sdk("python", "google-api-python-client")

SEED = {"google": {"me": "dana@acme.test",
                   "users": [{"email": "dana@acme.test", "name": "Dana"}, {"email": "bob@acme.test", "name": "Bob"}],
                   "files": [{"id": "NOTES1", "name": "notes.txt", "text": "hello"}]}}
HEADERS = ("x-goog-channel-id", "x-goog-channel-expiration", "x-goog-resource-id", "x-goog-resource-uri",
           "x-goog-resource-state", "x-goog-message-number")


def test_watch_channels_notify_and_changes_list_shows_the_change(
        server: Server, make_world: Callable[..., dict[str, Any]]) -> None:
    w = make_world(SEED)
    drive = drive_service(w["base_url"], w["token"])
    try:
        with Receiver() as r:
            start = drive.changes().getStartPageToken().execute()["startPageToken"]
            file_ch = drive.files().watch(fileId="NOTES1", body={
                "id": "notes-channel", "type": "web_hook", "address": r.url + "/file", "token": "target=notes"}).execute()
            drive.changes().watch(pageToken=start, body={
                "id": "changes-channel", "type": "web_hook", "address": r.url + "/changes"}).execute()
            assert file_ch["kind"] == "api#channel" and file_ch["id"] == "notes-channel"
            assert file_ch["resourceId"] and file_ch["resourceUri"].startswith(w["base_url"] + "/drive/v3/files/NOTES1")
            assert int(file_ch["expiration"]) > 0 and file_ch["token"] == "target=notes"
            drive.files().update(fileId="NOTES1", body={"name": "notes-v2.txt"}).execute()
            drive.permissions().create(fileId="NOTES1", body={"type": "user", "role": "reader",
                                                             "emailAddress": "bob@acme.test"}).execute()
            drive.files().update(fileId="NOTES1", body={"trashed": True}).execute()
            server.admin("POST", f"/_dtu/worlds/{w['id']}/deliveries/drain", {})
            got = r.wait(8)
            listed = drive.changes().list(pageToken=start).execute()
            drive.channels().stop(body={"id": "notes-channel", "resourceId": file_ch["resourceId"]}).execute()
            drive.files().update(fileId="NOTES1", body={"trashed": False}).execute()
            server.admin("POST", f"/_dtu/worlds/{w['id']}/deliveries/drain", {})
            after = [q for q in r.requests if q.path == "/file"]
            with pytest.raises(HttpError) as e:  # an address not on this machine is refused
                drive.files().watch(fileId="NOTES1", body={"id": "far", "type": "web_hook",
                                                           "address": "https://hooks.example.com/drive"}).execute()
            assert e.value.resp.status == 400
    finally:
        drive.close()

    files = [q for q in got if q.path == "/file"]
    changes = [q for q in got if q.path == "/changes"]
    for q in got:
        assert all(h in q.headers for h in HEADERS) and q.body == b""
    assert [q.headers["x-goog-resource-state"] for q in files] == ["sync", "update", "update", "trash"]
    assert [q.headers["x-goog-message-number"] for q in files] == ["1", "2", "3", "4"]
    assert {q.headers["x-goog-channel-token"] for q in files} == {"target=notes"}
    assert {q.headers["x-goog-resource-id"] for q in files} == {file_ch["resourceId"]}
    assert [q.headers["x-goog-resource-state"] for q in changes] == ["sync", "change", "change", "change"]
    assert all("x-goog-channel-token" not in q.headers for q in changes)
    assert len(after) == 4  # stopped: nothing more
    assert [c["fileId"] for c in listed["changes"]] == ["NOTES1"] * 3
    assert listed["changes"][-1]["file"]["name"] == "notes-v2.txt"

    calls = server.admin("GET", f"/_dtu/worlds/{w['id']}/calls")
    delivered = [c for c in calls if c.get("actor") == "dtu"]
    # the changes channel still runs: it hears the untrash the stopped file channel no longer does
    assert sorted(c["op"] for c in delivered) == sorted(["deliver:sync"] * 2 + ["deliver:update"] * 2
                                                        + ["deliver:trash"] + ["deliver:change"] * 4)
    assert all(c["status"] == 200 for c in delivered)
