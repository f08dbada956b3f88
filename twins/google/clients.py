"""Official Google clients pointed at the twin, for users' code and tests.

    drive = drive_service(os.environ["GOOGLE_API_URL"], os.environ["GOOGLE_TOKEN"])
    drive.files().list(q="trashed = false").execute()
    gc = gspread_client(os.environ["GOOGLE_API_URL"], os.environ["GOOGLE_TOKEN"])
    gc.open("Budget").sheet1.get_all_records()

google-api-python-client and gspread are dev dependencies: they are imported on call."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

GOOGLE_HOSTS = ("https://www.googleapis.com", "https://sheets.googleapis.com",
                "https://docs.googleapis.com", "https://oauth2.googleapis.com")


def discovery_document(name: str, base_url: str) -> dict[str, Any]:
    """The discovery document google-api-python-client ships for `name` (`drive.v3`, `docs.v1`,
    `sheets.v4`), with its root URL pointed at `base_url` so calls, uploads and batches reach it."""
    import googleapiclient

    path = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents" / f"{name}.json"
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    root = base_url.rstrip("/") + "/"
    doc["rootUrl"] = root
    doc["mtlsRootUrl"] = root
    doc["baseUrl"] = root + doc.get("servicePath", "")
    return doc


def _service(name: str, base_url: str, token: str) -> Any:
    from google.oauth2.credentials import Credentials
    from googleapiclient.discovery import build_from_document

    return build_from_document(discovery_document(name, base_url), credentials=Credentials(token))


def drive_service(base_url: str, token: str) -> Any:
    """A google-api-python-client Drive v3 service talking to the twin at `base_url`."""
    return _service("drive.v3", base_url, token)


def docs_service(base_url: str, token: str) -> Any:
    """A google-api-python-client Docs v1 service talking to the twin at `base_url`."""
    return _service("docs.v1", base_url, token)


def sheets_service(base_url: str, token: str) -> Any:
    """A google-api-python-client Sheets v4 service talking to the twin at `base_url`."""
    return _service("sheets.v4", base_url, token)


def twin_session(base_url: str, token: str) -> Any:
    """A requests Session that sends Google's fixed API hosts to the twin, with the bearer token."""
    import requests

    target = base_url.rstrip("/")

    class TwinSession(requests.Session):
        def request(self, method: str, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
            u = url.decode() if isinstance(url, bytes) else url
            for host in GOOGLE_HOSTS:
                if u.startswith(host):
                    u = target + u[len(host):]
                    break
            return super().request(method, u, *args, **kwargs)

    session = TwinSession()
    session.headers["Authorization"] = f"Bearer {token}"
    return session


def gspread_client(base_url: str, token: str) -> Any:
    """A gspread Client whose session sends its fixed Google URLs to the twin at `base_url`."""
    import gspread

    return gspread.Client(auth=None, session=twin_session(base_url, token))  # type: ignore[arg-type]


__all__ = ["discovery_document", "docs_service", "drive_service", "gspread_client", "sheets_service",
           "twin_session"]
