"""files_upload_v2 end to end: getUploadURLExternal, the bytes to the upload URL, completeUploadExternal."""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.web.async_client import AsyncWebClient

from .data import GENERAL, OLD, PARENT_TS, RANDOM, error_of

pytestmark = pytest.mark.sdk("python", "slack_sdk")


def test_files_upload_v2(client: WebClient, server: Any, world: dict[str, Any]) -> None:
    r = client.files_upload_v2(channel=GENERAL, content="a,b\n1,2\n", filename="data.csv",
                               title="Q3 numbers", initial_comment="numbers attached")
    f = r["file"]
    assert f["id"].startswith("F") and f["title"] == "Q3 numbers" and f["name"] == "data.csv"
    assert f["channels"] == [GENERAL] and f["size"] == 8
    msg = client.conversations_history(channel=GENERAL, limit=1)["messages"][0]
    assert msg["text"] == "numbers attached" and msg["files"][0]["id"] == f["id"]
    stored = server.state(world["id"])["slack"]["files"][f["id"]]
    assert stored["uploaded"] and stored["completed"] and stored["size"] == 8


def test_files_upload_v2_in_thread_and_several(client: WebClient) -> None:
    r = client.files_upload_v2(channel=GENERAL, thread_ts=PARENT_TS, file_uploads=[
        {"content": "one", "filename": "1.txt"}, {"content": b"\x00\x01", "filename": "2.bin", "title": "two"}])
    assert [f["title"] for f in r["files"]] == ["1.txt", "two"]
    thread = client.conversations_replies(channel=GENERAL, ts=PARENT_TS)["messages"]
    assert [f["name"] for f in thread[-1]["files"]] == ["1.txt", "2.bin"]


def test_upload_errors(client: WebClient) -> None:
    assert error_of(client.files_upload_v2, channel=RANDOM, content="x", filename="x.txt") == "not_in_channel"
    assert error_of(client.files_upload_v2, channel=OLD, content="x", filename="x.txt") == "is_archived"
    assert error_of(client.files_completeUploadExternal, files=[{"id": "F0NOPE0001"}]) == "file_not_found"
    url = client.files_getUploadURLExternal(filename="a.txt", length=1)["upload_url"]
    bad = url.rsplit("/", 1)[0] + "/WRONGKEY"
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(urllib.request.Request(bad, data=b"x", method="POST"), timeout=10)
    assert e.value.code == 404
    e.value.close()


async def test_async_files_upload_v2(world: dict[str, Any]) -> None:
    client = AsyncWebClient(token=world["token"], base_url=world["env"]["SLACK_API_URL"])
    r = await client.files_upload_v2(channel=GENERAL, content="hello", filename="hi.txt")
    assert r["file"]["size"] == 5 and r["file"]["channels"] == [GENERAL]
