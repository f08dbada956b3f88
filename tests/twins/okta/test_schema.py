"""Every Okta answer against Okta's published Management API spec (twins/okta/schema/, see its
PROVENANCE.md): the bundled library's calls plus a sweep of every registered operation, success and
error cases alike, each validated against the spec's response schema for that operation and status
(an error status the spec does not list for the operation is checked against its `Error` schema,
which every Okta error answer uses).

The spec is OpenAPI 3.0.3, validated with openapi_schema_validator's OAS30Validator (`nullable`
honoured). Deviations the twin keeps on purpose are listed in twins/okta/README.md
("Schema deviations") and in `ERRATA` below, each with its reason."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_schema_validator import OAS30Validator

from dtu.twins.core import SeedImage, World, parse_time
from dtu.twins.registry import TWINS
from tests.schemas import Tally, check_library, check_sweep

from .conftest import ADMIN, BOB, CAROL, DAVE, ENG, GITHUB, SALES, SEED, WIKI, ZOOM

SPEC = (Path(__file__).resolve().parents[3] / "twins" / "okta" / "schema"
        / "management-oneOfInheritance-noExamples.yaml")
NOW = "2024-01-15T09:00:00Z"

# Fields where the spec forgets `nullable` although Okta's own examples (in the spec's
# example-bearing variants and on developer.okta.com) show null: made nullable before validating.
# Each is listed in twins/okta/README.md with its reason.
ERRATA: dict[str, tuple[str, ...]] = {
    "ApplicationAccessibility": ("errorRedirectUrl", "loginRedirectUrl"),
    "AppUser": ("externalId",),
    # the spec's own ListLogs example (management-minimal.yaml) shows each of these as null
    "LogActor": ("detailEntry",),
    "LogTarget": ("detailEntry",),
    "LogAuthenticationContext": ("authenticationProvider", "credentialProvider", "credentialType", "issuer",
                                 "interface"),
    "LogClient": ("id", "zone", "geographicalContext"),
    "LogOutcome": ("reason",),
    "LogIpAddress": ("source", "geographicalContext"),
    "LogEvent": ("legacyEventType",),
}


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def _nullable(schema: dict[str, Any], prop: str) -> None:
    """`prop` may also be null (an enum or a $ref, too)."""
    node = schema.get("properties", {}).get(prop)
    if node is not None:
        schema["properties"][prop] = {"anyOf": [node, {"enum": [None]}]}


@cache
def _spec() -> dict[str, Any]:
    with SPEC.open() as f:
        spec: dict[str, Any] = yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    schemas = spec["components"]["schemas"]
    for name, props in ERRATA.items():
        for prop in props:
            _nullable(schemas[name], prop)
    return spec


@cache
def _routes() -> dict[tuple[str, str], dict[str, Any]]:
    """(METHOD, path shape) -> the spec's operation object."""
    out = {}
    for path, item in _spec()["paths"].items():
        for method, op in item.items():
            if method in ("get", "post", "put", "delete", "patch"):
                out[(method.upper(), _shape(path))] = op
    return out


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    spec = _spec()
    while "$ref" in node:
        parts = node["$ref"].removeprefix("#/").split("/")
        for p in parts:
            spec = spec[p]
        node = spec
        spec = _spec()
    return node


@cache
def _spec_op(op_name: str) -> dict[str, Any] | None:
    op = TWINS["okta"].ops.ops[op_name]
    return _routes().get((op.methods[0], _shape(op.path)))


@cache
def _validator(op_name: str, status: int) -> OAS30Validator | None:
    """The validator of `op_name`'s answer with `status` (an operation the spec has, a status it
    documents or an error); None when the spec documents that status without a body."""
    spec_op = _spec_op(op_name)
    assert spec_op is not None
    resp = spec_op.get("responses", {}).get(str(status))
    if resp is None:  # an error the spec does not list for the operation: Okta's one error shape
        schema: dict[str, Any] | None = {"$ref": "#/components/schemas/Error"}
    else:
        content = _resolve(resp).get("content") or {}
        media = content.get("application/json") or next(iter(content.values()), None)
        schema = (media or {}).get("schema")
    if schema is None:
        return None
    return OAS30Validator({**schema, "components": _spec()["components"]})


def problems(op: str, status: int, body: Any) -> list[str] | None:
    """Why the answer does not match the spec (empty: it does); None for an operation the twin does
    not have (a call to an unknown operation name). As tests/twins/jira/spec.py: a success status
    the spec does not list for the operation is a problem, and so is a body where the spec
    documents none; an empty answer where it documents none is valid."""
    if op not in TWINS["okta"].ops.ops:
        return None
    spec_op = _spec_op(op)
    if spec_op is None:
        o = TWINS["okta"].ops.ops[op]
        return [f"{o.methods[0]} {o.path} is not in the spec"]
    responses = spec_op.get("responses", {})
    if status < 400 and str(status) not in responses:
        ok = sorted(c for c in responses if c.startswith("2"))
        return [f"status {status}: the spec documents {', '.join(ok)} for this operation"]
    v = _validator(op, status)
    if v is None:
        return [] if body in (None, b"", "") else [f"status {status} has no body in the spec"]
    if body is None:
        return [f"status {status}: the spec documents a body, the answer has none"]
    return [f"{'/'.join(map(str, e.absolute_path)) or '.'}: {e.message[:200]}"
            for e in sorted(v.iter_errors(body), key=lambda e: list(map(str, e.absolute_path)))]


# -- the sweep ------------------------------------------------------------------------------------

def script() -> list[tuple[str, dict[str, Any], str | None]]:
    """(operation, args, acting user) for every operation: successes first, then errors."""
    calls: list[tuple[str, dict[str, Any], str | None]] = []

    def do(op: str, actor: str | None = None, **args: Any) -> None:
        calls.append((op, args, actor))

    new_user: dict[str, Any] = {"profile": {"firstName": "Erin", "lastName": "New", "email": "erin@acme.test",
                            "login": "erin@acme.test"}, "credentials": {"password": {"value": "Tr0ub4dor&3x"}}}
    do("list_users")
    do("list_users", limit=1)
    do("list_users", q="bo")
    do("list_users", filter='status eq "ACTIVE"')
    do("list_users", search='profile.department eq "Engineering"')
    do("create_user", **new_user)
    do("create_user", activate="false", profile={"firstName": "Finn", "lastName": "S", "email": "finn@acme.test",
                                                 "login": "finn@acme.test"})
    do("get_user", id=BOB)
    do("get_user", id="me")
    do("update_user", id=BOB, profile={"title": "Lead"})
    do("replace_user", id=BOB, profile={"firstName": "Bob", "lastName": "Builder", "email": "bob@acme.test",
                                        "login": "bob@acme.test"})
    do("list_user_groups", id=BOB)
    do("list_app_links", id=BOB)
    do("suspend_user", id=BOB)
    do("unsuspend_user", id=BOB)
    do("unlock_user", id=CAROL)
    do("reset_password", id=CAROL, sendEmail="false")
    do("expire_password", id=BOB)
    do("reset_password", id=BOB)
    do("deactivate_user", id=BOB)
    do("activate_user", id=BOB, sendEmail="false")
    do("reactivate_user", id=BOB)
    do("activate_user", id=DAVE)
    do("list_groups")
    do("list_groups", q="Eng", limit=1)
    do("add_group", profile={"name": "Support", "description": "Help"})
    do("get_group", groupId=ENG)
    do("replace_group", groupId=SALES, profile={"name": "Sales", "description": "Deals"})
    do("list_group_users", groupId=ENG)
    do("assign_user_to_group", groupId=SALES, userId=BOB)
    do("unassign_user_from_group", groupId=SALES, userId=BOB)
    do("list_assigned_applications_for_group", groupId=ENG)
    do("list_applications")
    do("list_applications", filter=f'user.id eq "{BOB}"')
    do("get_application", appId=ZOOM)
    do("get_application", appId=WIKI)
    do("deactivate_application", appId=WIKI)
    do("activate_application", appId=WIKI)
    do("list_application_users", appId=ZOOM)
    do("assign_user_to_application", appId=GITHUB, id=BOB, credentials={"userName": "bob"})
    do("get_application_user", appId=GITHUB, userId=BOB)
    do("get_application_user", appId=ZOOM, userId=ADMIN)
    do("update_application_user", appId=GITHUB, userId=BOB, profile={"role": "dev"})
    do("unassign_user_from_application", appId=GITHUB, userId=BOB)
    do("list_application_group_assignments", appId=ZOOM)
    do("assign_group_to_application", appId=GITHUB, groupId=SALES, priority=1)
    do("get_application_group_assignment", appId=GITHUB, groupId=SALES)
    do("unassign_application_from_group", appId=GITHUB, groupId=SALES)
    do("delete_group", groupId=SALES)
    do("delete_user", id=DAVE)
    do("delete_user", id=DAVE)
    # errors
    do("list_users", filter='nickName sw "x"')
    do("list_users", actor=BOB)
    do("create_user", **new_user)
    do("create_user", profile={"login": "nope"})
    do("get_user", id="00unope0000000000000")
    do("update_user", id="00unope0000000000000", profile={})
    do("replace_user", id=ADMIN, profile={"login": "x"})
    do("delete_user", id="00unope0000000000000")
    do("list_user_groups", id="00unope0000000000000")
    do("list_app_links", id="00unope0000000000000")
    do("activate_user", id=ADMIN)
    do("reactivate_user", id=ADMIN)
    do("deactivate_user", id="00unope0000000000000")
    do("suspend_user", id=CAROL)
    do("unsuspend_user", id=ADMIN)
    do("unlock_user", id=ADMIN)
    do("reset_password", id="00unope0000000000000")
    do("expire_password", id="00unope0000000000000")
    do("list_groups", filter="bogus")
    do("add_group", profile={"name": "Engineering"})
    do("get_group", groupId="00gnope0000000000000")
    do("replace_group", groupId="00gnope0000000000000", profile={"name": "x"})
    do("delete_group", groupId="00gnope0000000000000")
    do("list_group_users", groupId="00gnope0000000000000")
    do("assign_user_to_group", groupId="00gnope0000000000000", userId=BOB)
    do("unassign_user_from_group", groupId="00gnope0000000000000", userId=BOB)
    do("list_assigned_applications_for_group", groupId="00gnope0000000000000")
    do("list_applications", filter="bogus")
    do("get_application", appId="0oanope0000000000000")
    do("activate_application", appId="0oanope0000000000000")
    do("deactivate_application", appId="0oanope0000000000000")
    do("list_application_users", appId="0oanope0000000000000")
    do("assign_user_to_application", appId=GITHUB, id="00unope0000000000000")
    do("get_application_user", appId=GITHUB, userId="00unope0000000000000")
    do("update_application_user", appId=GITHUB, userId="00unope0000000000000")
    do("unassign_user_from_application", appId=ZOOM, userId=ADMIN)
    do("list_application_group_assignments", appId="0oanope0000000000000")
    do("get_application_group_assignment", appId=GITHUB, groupId=ENG)
    do("assign_group_to_application", appId=GITHUB, groupId="00gnope0000000000000")
    do("unassign_application_from_group", appId="0oanope0000000000000", groupId=ENG)
    return calls


async def sweep() -> list[tuple[str, int, Any]]:
    image = SeedImage(TWINS, SEED, 1, parse_time(NOW, 0.0))
    world = World(image, 2, "local")
    out = []
    for op, args, actor in script():
        reply = await world.invoke("okta", op, args, actor=actor)
        out.append((op, reply.status, reply.body))
    # a second world for operations whose success needs earlier answers
    world = World(image, 3, "local")

    async def do(op: str, actor: str | None = None, **args: Any) -> Any:
        reply = await world.invoke("okta", op, args, actor=actor)
        out.append((op, reply.status, reply.body))
        return reply.body

    nope: dict[str, Any] = {"userId": "00unope0000000000000"}
    await do("create_application", label="Docs", signOnMode="BOOKMARK", settings={"app": {"url": "https://d.test"}})
    await do("create_application", label="Payroll", signOnMode="SAML_2_0", activate="false")
    await do("create_application", label="", signOnMode="NOPE")
    await do("list_supported_factors", userId=BOB)
    await do("list_supported_security_questions", userId=BOB)
    q = await do("enroll_factor", userId=BOB, factorType="question", provider="OKTA",
                 profile={"question": "disliked_food", "answer": "mayonnaise"})
    sms = await do("enroll_factor", userId=BOB, factorType="sms", provider="OKTA",
                   profile={"phoneNumber": "+1-555-415-1337"})
    totp = await do("enroll_factor", userId=BOB, factorType="token:software:totp", provider="GOOGLE")
    await do("list_factors", userId=BOB)
    await do("get_factor", userId=BOB, factorId=sms["id"])
    await do("activate_factor", userId=BOB, factorId=sms["id"], passCode="123456")
    await do("activate_factor", userId=BOB, factorId=totp["id"], passCode="12")
    await do("unenroll_factor", userId=BOB, factorId=q["id"])
    await do("enroll_factor", userId=BOB, factorType="sms", provider="OKTA", profile={"phoneNumber": "+1"})
    await do("enroll_factor", userId=BOB, factorType="fax")
    await do("list_factors", **nope)
    await do("list_supported_factors", **nope)
    await do("list_supported_security_questions", **nope)
    await do("get_factor", userId=BOB, factorId="ufsnope0000000000000")
    await do("activate_factor", userId=BOB, factorId=sms["id"], passCode="123456")
    await do("unenroll_factor", userId=BOB, factorId="ufsnope0000000000000")
    rule = await do("create_group_rule", type="group_rule", name="Engineers to Sales",
                    conditions={"expression": {"value": 'user.department=="Engineering"',
                                               "type": "urn:okta:expression:1.0"}},
                    actions={"assignUserToGroups": {"groupIds": [SALES]}})
    await do("list_group_rules")
    await do("get_group_rule", groupRuleId=rule["id"])
    await do("replace_group_rule", groupRuleId=rule["id"], type="group_rule", name="Engineers to Sales",
             conditions={"expression": {"value": 'String.startsWith(user.email, "bob")',
                                        "type": "urn:okta:expression:1.0"}},
             actions={"assignUserToGroups": {"groupIds": [SALES]}})
    await do("activate_group_rule", groupRuleId=rule["id"])
    await do("replace_group_rule", groupRuleId=rule["id"], name="x")
    await do("delete_group_rule", groupRuleId=rule["id"])
    await do("deactivate_group_rule", groupRuleId=rule["id"])
    await do("delete_group_rule", groupRuleId=rule["id"], removeUsers="true")
    await do("create_group_rule", name="bad", conditions={"expression": {"value": "user.x =="}},
             actions={"assignUserToGroups": {"groupIds": [SALES]}})
    for op in ("get_group_rule", "activate_group_rule", "deactivate_group_rule", "delete_group_rule"):
        await do(op, groupRuleId="0prnope0000000000000")
    await do("list_user_types")
    ut = await do("create_user_type", name="contractor", displayName="Contractor", description="Temps")
    await do("get_user_type", typeId=ut["id"])
    await do("update_user_type", typeId=ut["id"], description="Temporary staff")
    await do("replace_user_type", typeId=ut["id"], name="contractor", displayName="Contractors")
    await do("delete_user_type", typeId=ut["id"])
    await do("create_user_type", name="user", displayName="Dup")
    await do("get_user_type", typeId="otynope0000000000000")
    await do("update_user_type", typeId="otynope0000000000000", description="x")
    await do("replace_user_type", typeId="otynope0000000000000", displayName="x")
    await do("delete_user_type", typeId="oty1dtutype000000000")
    await do("list_assigned_roles_for_user", userId=ADMIN)
    role = await do("assign_role_to_user", userId=BOB, type="HELP_DESK_ADMIN")
    await do("get_user_assigned_role", userId=BOB, roleAssignmentId=role["id"])
    await do("unassign_role_from_user", userId=BOB, roleAssignmentId=role["id"])
    await do("assign_role_to_user", userId=ADMIN, type="SUPER_ADMIN")
    await do("assign_role_to_user", userId=BOB, type="KING")
    await do("list_assigned_roles_for_user", **nope)
    await do("get_user_assigned_role", userId=BOB, roleAssignmentId="ra1nope")
    await do("unassign_role_from_user", userId=BOB, roleAssignmentId="ra1nope")
    await do("update_user", id=BOB, credentials={"password": {"value": "Old-pass-123"}})
    await do("change_password", userId=BOB, oldPassword={"value": "Old-pass-123"}, newPassword={"value": "New-pass-456"})
    await do("change_password", userId=BOB, oldPassword={"value": "wrong-one-1"}, newPassword={"value": "New-pass-789"})
    await do("change_password", userId=BOB, oldPassword={"value": "New-pass-456"}, newPassword={"value": "short"})
    await do("list_log_events")
    await do("list_log_events", limit=2)
    await do("list_log_events", filter=f'target.id eq "{BOB}"', sortOrder="DESCENDING")
    await do("list_log_events", q="password", since="2024-01-01T00:00:00Z")
    await do("list_log_events", since="not a date")
    await do("list_log_events", filter="bogus")
    await do("list_log_events", after="not-a-cursor")
    await do("list_group_rules", actor=BOB)
    await do("list_user_types", actor=BOB)
    # event hooks (an endpoint on this machine; verify's outcome is what the door's request found)
    events = {"type": "EVENT_TYPE", "items": ["user.lifecycle.deactivate", "group.user_membership.add"]}
    channel = {"type": "HTTP", "version": "1.0.0",
               "config": {"uri": "http://127.0.0.1:9/okta", "headers": [{"key": "X-Other", "value": "1"}],
                          "authScheme": {"type": "HEADER", "key": "Authorization", "value": "s3cret"}}}
    hook = await do("create_event_hook", name="Offboarding", events=events, channel=channel)
    await do("list_event_hooks")
    await do("get_event_hook", eventHookId=hook["id"])
    await do("verify_event_hook", eventHookId=hook["id"])  # nobody answered the challenge
    await do("verify_event_hook", eventHookId=hook["id"], verification="VERIFIED")
    await do("replace_event_hook", eventHookId=hook["id"], name="Offboarding 2", events=events, channel=channel,
             description="HR sync")
    await do("deactivate_event_hook", eventHookId=hook["id"])
    await do("activate_event_hook", eventHookId=hook["id"])
    await do("delete_event_hook", eventHookId=hook["id"])  # still active
    await do("deactivate_event_hook", eventHookId=hook["id"])
    await do("delete_event_hook", eventHookId=hook["id"])
    await do("create_event_hook", name="Bad", events={"type": "EVENT_TYPE", "items": ["no.such.event"]},
             channel=channel)
    await do("create_event_hook", name="Far", events=events,
             channel={"type": "HTTP", "version": "1.0.0", "config": {"uri": "https://example.com/okta"}})
    await do("list_event_hooks", actor=BOB)
    for op in ("get_event_hook", "replace_event_hook", "activate_event_hook", "deactivate_event_hook",
               "verify_event_hook"):
        await do(op, eventHookId="whonope0000000000000")
    return out


@pytest.fixture(scope="module")
def tally() -> Tally:
    return Tally("okta")


def test_library_answers_match_the_spec(tally: Tally) -> None:
    check_library(tally, problems)


async def test_every_operation_answers_match_the_spec(tally: Tally) -> None:
    check_sweep(tally, await sweep(), problems, (o.name for o in TWINS["okta"].ops))
