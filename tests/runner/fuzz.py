"""Hypothesis strategies for hostile requests to every route of the HTTP door."""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import msgspec.inspect as mi
from hypothesis import strategies as st

from .routes import PARAM, auth_headers, fill, routes

ROUTES = list(routes())
BY_TWIN: dict[str, list[tuple[str, str, str, Any]]] = {}
for _r in ROUTES:
    BY_TWIN.setdefault(_r[0], []).append(_r)
# a twin first, then one of its routes: each twin gets its share however many routes it has
ROUTE = st.sampled_from(sorted(BY_TWIN)).flatmap(lambda twin: st.sampled_from(BY_TWIN[twin]))
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-2**40, 2**40), st.floats(allow_nan=False),
                    st.text(max_size=40))
JSONISH = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                         st.dictionaries(st.text(max_size=10), inner, max_size=4)),
                       max_leaves=12)


def field_names(op: Any) -> list[str]:
    return list(getattr(op.params, "__struct_fields__", ())) or ["x"]


# -- a seeded world every twin can reach deep into, and plausible values for its parameters ----------

SEED: dict[str, Any] = {
    "slack": {"users": [{"id": "U0DANA0001", "name": "dana"}, {"id": "U0BOB00001", "name": "bob"}],
              "channels": [{"id": "C0GENERAL1", "name": "general", "members": ["dana", "bob"]},
                           {"id": "C0OLD00001", "name": "old", "archived": True}]},
    "okta": {"org": "acme",
             "users": [{"id": "00uadmin000000000001", "login": "ada@acme.test", "firstName": "Ada",
                        "lastName": "Admin", "admin": True, "groups": ["Engineering"]},
                       {"id": "00ubob00000000000001", "login": "bob@acme.test", "firstName": "Bob",
                        "lastName": "Builder", "status": "SUSPENDED"}],
             "groups": [{"id": "00gengineering000001", "name": "Engineering"}],
             "apps": [{"id": "0oazoom0000000000001", "label": "Zoom", "name": "zoom", "groups": ["Engineering"],
                       "users": ["bob@acme.test"]}]},
    "google": {"me": "dana@acme.test",
               "users": [{"email": "dana@acme.test", "name": "Dana"}, {"email": "bob@acme.test", "name": "Bob"}],
               "files": [{"name": "Budget", "kind": "sheet", "id": "SHEET1",
                          "sheets": {"Plan": [["Item", "Cost"], ["Laptop", 1200], ["Total", "=SUM(B2:B2)"]]}},
                         {"name": "Notes", "kind": "doc", "id": "DOC1", "text": "hello world"},
                         {"name": "Reports", "kind": "folder", "id": "FOLDER1"},
                         {"name": "a.txt", "id": "FILE1", "text": "abc", "parents": ["FOLDER1"],
                          "permissions": [{"email": "bob@acme.test", "role": "reader"}]}]},
    "jira": {"me": "dana@acme.test",
             "users": [{"account_id": "5b10a2844c20165700ede21g", "name": "Dana", "email": "dana@acme.test",
                        "admin": True},
                       {"account_id": "5b10ac8d82e05b22cc7d4ef5", "name": "Bob", "email": "bob@acme.test"}],
             "projects": [{"key": "PROJ", "name": "Platform", "lead": "dana@acme.test"}],
             "issues": [{"project": "PROJ", "summary": "First", "assignee": "bob@acme.test"},
                        {"project": "PROJ", "type": "Bug", "summary": "Second", "status": "In Progress"}]},
    "anthropic": {"plan": [{"twin": "slack", "op": "auth.test", "args": {}}]},
}

POOL: dict[str, list[Any]] = {
    "slack": ["C0GENERAL1", "C0OLD00001", "U0DANA0001", "U0BOB00001", "general", "1700000000.000100",
              "dana@acme.test", "thumbsup", "hello"],
    "okta": ["00uadmin000000000001", "00ubob00000000000001", "00gengineering000001", "0oazoom0000000000001",
             "ada@acme.test", "bob", 'profile.login eq "ada@acme.test"', 'status eq "ACTIVE"', "Engineering"],
    "google": ["SHEET1", "DOC1", "FOLDER1", "FILE1", "Plan!A1:B3", "Plan", "A1", "Plan!A:A", "RAW",
               "USER_ENTERED", "ROWS", "name = 'Budget'", "'FOLDER1' in parents", "text/plain", "*",
               "files(id,name)", "bob@acme.test", "reader", "user", "0", "application/pdf"],
    "jira": ["PROJ", "PROJ-1", "PROJ-2", "10000", "10001", "5b10ac8d82e05b22cc7d4ef5", "project = PROJ",
             "assignee = currentUser() ORDER BY created DESC", "status = 'In Progress'", "summary,status",
             "bob", "Bug", "2", "3"],
    "anthropic": ["dtu-scripted", "dtu-noisy", "claude-sonnet-4-5", "user", "assistant"],
}

NAMED: dict[str, list[Any]] = {  # parameters by name: the world's real values for them
    "channel": ["C0GENERAL1", "C0OLD00001"], "user": ["U0DANA0001", "U0BOB00001"], "users": ["U0BOB00001"],
    "ts": ["1700000000.000100"], "name": ["thumbsup", "atlas", "Budget"],
    "id": ["00uadmin000000000001", "00ubob00000000000001", "PROJ-1", "10000"],
    "appId": ["0oazoom0000000000001"], "groupId": ["00gengineering000001"],
    "userId": ["00uadmin000000000001", "00ubob00000000000001"],
    "fileId": ["SHEET1", "DOC1", "FOLDER1", "FILE1"], "spreadsheetId": ["SHEET1"], "documentId": ["DOC1"],
    "range": ["Plan!A1:B3", "Plan", "A1", "Plan!A:A", "Plan!B2"], "sheetId": ["0"],
    "permissionId": ["anyoneWithLink", "0"], "commentId": ["AAAA"],
    "valueInputOption": ["RAW", "USER_ENTERED"], "q": ["name = 'Budget'", "'FOLDER1' in parents", "trashed = false"],
    "issueIdOrKey": ["PROJ-1", "PROJ-2"], "projectIdOrKey": ["PROJ"], "issueTypeId": ["10001", "10002"],
    "jql": ["project = PROJ", "assignee = currentUser() ORDER BY created DESC", "status = 'In Progress'"],
    "accountId": ["5b10ac8d82e05b22cc7d4ef5"], "model": ["dtu-scripted"], "model_id": ["dtu-scripted"],
    "max_tokens": [64, 1024], "search": ['profile.login eq "ada@acme.test"'], "filter": ['status eq "ACTIVE"'],
}

ADF = {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [{"type": "text", "text": "hi"}]}]}
HINTS: dict[str, list[Any]] = {  # plausible values for parameters typed Any, dict or list of dicts
    "fields": [{"project": {"key": "PROJ"}, "summary": "New", "issuetype": {"name": "Task"}},
               {"summary": "Renamed", "labels": ["a"], "priority": {"name": "High"}, "description": ADF},
               {"assignee": {"accountId": "5b10ac8d82e05b22cc7d4ef5"}, "description": "text"}, "summary,status"],
    "update": [{"labels": [{"add": "x"}]}, {"summary": [{"set": "S"}]}, {"comment": [{"add": {"body": "c"}}]}],
    "transition": [{"id": "21"}, {"id": "31"}, {"name": "Done"}],
    "body": [ADF, "a comment", {"type": "doc"}],
    "profile": [{"login": "new@acme.test", "email": "new@acme.test", "firstName": "N", "lastName": "U"},
                {"name": "Group", "description": "d"}, {"firstName": 3}],
    "credentials": [{"password": {"value": "Secret123!"}}],
    "requests": [[{"insertText": {"location": {"index": 1}, "text": "x"}}],
                 [{"replaceAllText": {"containsText": {"text": "hello"}, "replaceText": "bye"}}],
                 [{"addSheet": {"properties": {"title": "New"}}}],
                 [{"updateCells": {"range": {"sheetId": 0}, "fields": "*"}}],
                 [{"deleteDimension": {"range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 0, "endIndex": 1}}}],
                 [{"repeatCell": {"range": {"sheetId": 0}, "cell": {"userEnteredFormat": {}}, "fields": "*"}}],
                 [{"deleteContentRange": {"range": {"startIndex": 1, "endIndex": 3}}}]],
    "values": [[["a", 1]], [[1, "=A1*2"]], [["x"], ["y", True]], [[None]]],
    "data": [[{"range": "Plan!A1", "values": [["q"]]}], [{"range": "Plan!Z9", "values": [[1]]}]],
    "ranges": [["Plan!A1:B2"], ["Plan", "Plan!A1"]],
    "messages": [[{"role": "user", "content": "hi"}],
                 [{"role": "user", "content": [{"type": "text", "text": "hi"}]},
                  {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "x", "input": {}}]},
                  {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "ok"}]}],
                 [{"role": "system", "content": "x"}]],
    "tools": [[{"name": "slack__auth_test", "description": "d", "input_schema": {"type": "object"}}]],
    "blocks": [[{"type": "section", "text": {"type": "mrkdwn", "text": "*b*"}}]],
    "attachments": [[{"text": "a", "color": "#f00"}]],
    "files": [[{"id": "F0000001", "title": "t"}]],
    "spreadsheet": [{"properties": {"title": "S"}, "sheets": [{"properties": {"title": "A"}}]}],
    "properties": [{"title": "S"}, {"k": "v"}],
    "resource": [{"name": "x"}],
    "inwardIssue": [{"key": "PROJ-1"}], "outwardIssue": [{"key": "PROJ-2"}], "type": [{"name": "Blocks"}, "user"],
}


def plausible(t: Any, name: str, twin: str, depth: int = 0) -> st.SearchStrategy[Any]:
    """Values of the parameter's own type, from the world's real ids and names most of the time."""
    hinted = HINTS.get(name) or NAMED.get(name)
    if hinted is not None and depth == 0:
        return st.one_of(st.sampled_from(hinted), _typed(t, name, twin, depth))
    return _typed(t, name, twin, depth)


def _typed(t: Any, name: str, twin: str, depth: int) -> st.SearchStrategy[Any]:
    if isinstance(t, mi.StrType):
        return st.one_of(st.sampled_from(POOL[twin]), st.text(max_size=12))
    if isinstance(t, mi.BoolType):
        return st.booleans()
    if isinstance(t, mi.IntType):
        return st.one_of(st.integers(-2, 300), st.integers())
    if isinstance(t, mi.FloatType):
        return st.floats(-10, 1e6, allow_nan=False)
    if isinstance(t, mi.NoneType):
        return st.none()
    if isinstance(t, mi.LiteralType):
        return st.sampled_from(list(t.values))
    if isinstance(t, mi.UnionType):
        return st.one_of(*(_typed(x, name, twin, depth) for x in t.types))
    if depth < 2 and isinstance(t, mi.ListType | mi.SetType | mi.FrozenSetType | mi.VarTupleType):
        return st.lists(_typed(t.item_type, name, twin, depth + 1), max_size=3)
    if depth < 2 and isinstance(t, mi.StructType):
        return st.fixed_dictionaries({f.encode_name: _typed(f.type, f.name, twin, depth + 1)
                                      for f in t.fields if f.required},
                                     optional={f.encode_name: _typed(f.type, f.name, twin, depth + 1)
                                               for f in t.fields if not f.required})
    return JSONISH


def _as_query(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return json.dumps(value)


@st.composite
def plausible_request(draw: st.DrawFn) -> tuple[str, str, str, dict[str, str], bytes]:
    """A request a careless but well-meaning client would send: the route's real parameter names,
    real ids from the world, values of the right type most of the time, a valid token."""
    twin, method, path, op = draw(ROUTE)
    info = mi.type_info(op.params)
    fields = {f.encode_name: f for f in info.fields} if isinstance(info, mi.StructType) else {}
    in_path = set(PARAM.findall(path))
    url = PARAM.sub(lambda m: quote(str(draw(st.sampled_from(
        ["2", "3"] if m.group(1) == "v" else NAMED.get(m.group(1), POOL[twin])))), safe="!:"), path)
    chosen = draw(st.lists(st.sampled_from(sorted(set(fields) - in_path) or ["x"]), unique=True, max_size=6))
    required = [n for n, f in fields.items() if f.required and n not in in_path]
    values = {n: draw(plausible(fields[n].type, n, twin)) if n in fields else draw(JSONISH)
              for n in dict.fromkeys([*required, *chosen])}
    headers = {"_token": draw(st.sampled_from(["good"] * 7 + ["bad"]))}
    body = b""
    if op.raw_body:
        body = draw(st.sampled_from([b"hello", b'{"name": "up.txt"}', b"--x\r\n\r\n--x--\r\n"]))
        headers["Content-Type"] = draw(st.sampled_from(["text/plain", "application/json",
                                                        "multipart/related; boundary=x"]))
        headers["X-Atlassian-Token"] = "no-check"
        query = {k: _as_query(v) for k, v in values.items()}
    elif method in ("GET", "DELETE") or (draw(st.booleans()) and twin == "slack"):
        query = {k: _as_query(v) for k, v in values.items()}
    else:
        query = {}
        if op.body_key:
            obj: Any = values.pop(op.body_key, draw(JSONISH))
            query = {k: _as_query(v) for k, v in values.items()}
        else:
            obj = values
        body, headers["Content-Type"] = json.dumps(obj).encode(), "application/json"
    if query:
        url += "?" + urlencode(query)
    return twin, method, url, headers, body


def any_request() -> st.SearchStrategy[tuple[str, str, str, dict[str, str], bytes]]:
    """Half hostile, half plausible."""
    return st.one_of(hostile_request(), plausible_request())


@st.composite
def hostile_request(draw: st.DrawFn) -> tuple[str, str, str, dict[str, str], bytes]:
    twin, method, path, op = draw(ROUTE)
    names = field_names(op)
    segment = quote(draw(st.one_of(st.text(max_size=20), st.sampled_from(["0", "-1", "..", "%", "A1:B2"]))), safe="")
    url = fill(path, segment or "x")
    params = draw(st.dictionaries(st.sampled_from(names), st.text(max_size=12), max_size=3))
    if params:
        url += "?" + urlencode(params)
    token = draw(st.sampled_from(["good", "good", "bad", "none"]))
    kind = draw(st.sampled_from(["json", "json", "bad-json", "form", "bytes", "none", "array"]))
    headers: dict[str, str] = {}
    body = b""
    if kind == "json":
        obj = draw(st.dictionaries(st.sampled_from([*names, "extra"]), JSONISH, max_size=5))
        body, headers["Content-Type"] = json.dumps(obj).encode(), "application/json"
    elif kind == "array":
        body, headers["Content-Type"] = json.dumps(draw(st.lists(JSONISH, max_size=3))).encode(), "application/json"
    elif kind == "bad-json":
        body, headers["Content-Type"] = draw(st.sampled_from([b"{", b"{\"a\": }", b"\xff\xfe", b"nul"])), "application/json"
    elif kind == "form":
        body = urlencode(draw(st.dictionaries(st.sampled_from(names), st.text(max_size=12), max_size=3))).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif kind == "bytes":
        body, headers["Content-Type"] = draw(st.binary(max_size=64)), draw(st.sampled_from(
            ["application/octet-stream", "text/plain", "multipart/form-data; boundary=x", "application/json; charset=latin-9"]))
    return twin, method, url, headers | {"_token": token}, body


class Client:
    """One keep-alive connection to the server."""

    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)

    def send(self, method: str, url: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        """Send on the kept-alive connection; a connection the server closed after its previous
        answer (as it may after a 4xx) is reopened once. A server that is down fails the retry."""
        for attempt in (1, 2):
            try:
                self.conn.request(method, url, body=body or None, headers=headers)
                resp = self.conn.getresponse()
                return resp.status, resp.read()
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.conn.close()


def prepare_headers(twin: str, headers: dict[str, str], token: str) -> dict[str, str]:
    which = headers.pop("_token")
    if which == "good":
        headers.update(auth_headers(twin, token))
    elif which == "bad":
        headers.update(auth_headers(twin, "dtu-wrong-token"))
    return headers
