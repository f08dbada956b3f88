"""Seed data shared by the Jira twin's tests."""

from __future__ import annotations

from typing import Any

DANA = "5b10a2844c20165700ede21g"
BOB = "5b10ac8d82e05b22cc7d4ef5"
BOBBY = "5b10ac8d82e05b22cc7d4ef6"
OLD = "5b10ac8d82e05b22cc7d4e00"
EMMA = "5b10ac8d82e05b22cc7d4eaa"


def doc(text: str) -> dict[str, Any]:
    """A one-paragraph Atlassian Document."""
    return {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [{"type": "text", "text": text}]}]}


SEED: dict[str, Any] = {
    "jira": {
        "me": "dana@acme.test",
        "users": [
            {"account_id": DANA, "name": "Dana Scully", "email": "dana@acme.test", "admin": True},
            {"account_id": BOB, "name": "Bob Builder", "email": "bob@acme.test"},
            {"account_id": BOBBY, "name": "Bobby Tables", "email": "bobby@acme.test"},
            {"account_id": OLD, "name": "Old Timer", "email": "old@acme.test", "active": False},
            {"account_id": EMMA, "name": "Emma Outsider", "email": "emma@acme.test"},
        ],
        "projects": [
            {"key": "PROJ", "name": "Platform", "lead": "dana@acme.test"},
            {"key": "SEC", "name": "Security", "lead": "dana@acme.test", "members": ["dana@acme.test"]},
        ],
        "issues": [
            {"project": "PROJ", "summary": f"Backlog item {n}", "created": "-20d", "labels": ["backlog"]}
            for n in range(1, 8)
        ] + [
            {"project": "PROJ", "type": "Bug", "summary": "Login page crashes on Safari", "priority": "High",
             "assignee": "bob@acme.test", "status": "In Progress", "labels": ["frontend", "safari"],
             "created": "-3d", "description": "Steps: open login in Safari 17"},
            {"project": "PROJ", "type": "Bug", "summary": "Crash when saving profile", "priority": "Highest",
             "assignee": "old@acme.test", "created": "-1d"},
            {"project": "PROJ", "summary": "Write release notes", "status": "Done", "created": "-30d",
             "assignee": "dana@acme.test"},
            {"project": "SEC", "summary": "Rotate the signing keys", "priority": "High"},
        ],
    }
}
