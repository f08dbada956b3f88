"""The Okta twin's incremental view (state.view_delta) equals its full view after random calls of
every operation, by the API token and two users, with ids taken from the seed and from earlier answers: a handler
that changes a user it did not find through common.get_user would show here."""

from __future__ import annotations

import copy
import random
from typing import Any

import msgspec
import msgspec.inspect as mi
import pytest

from dtu.twins.core import SeedImage, World
from dtu.twins.registry import TWINS

from ..views import LAZY_OR_WHOLE, assert_play_keeps_the_seed, assert_view_is_full, restore_as
from .conftest import ADMIN, BOB, CAROL, DAVE, ENG, GITHUB, SALES, SEED, WIKI, ZOOM

OKTA = TWINS["okta"]
OPS = sorted(OKTA.ops.ops) + sorted(op.name for op in OKTA.ops if op.mutates)  # changes twice as often
START = 1_705_000_000.0
KINDS = {"id": "user", "userId": "user", "groupId": "group", "appId": "app", "groupIds": "group",
         "factorId": "factor", "groupRuleId": "rule", "eventHookId": "hook", "typeId": "type",
         "roleAssignmentId": "role", "factorType": "factorType", "provider": "provider"}
SEEDED: dict[str, list[Any]] = {
    "user": [ADMIN, BOB, CAROL, DAVE, "me", "bob@acme.test", "carol", "ghost"],
    "group": [ENG, SALES, "00gnope"], "app": [ZOOM, GITHUB, WIKI], "factor": ["mbl0"], "rule": ["0pr0"],
    "hook": ["who0"], "type": ["oty1dtutype000000000"], "role": ["ra10"],
    "factorType": ["sms", "question", "email", "token:software:totp"], "provider": ["OKTA", "GOOGLE"],
    "str": ["SUPER_ADMIN", "USER_ADMIN", "sms", "OKTA", "token:software:totp", "GOOGLE", "Engineering", "x",
            "ACTIVE", "VERIFIED", "true", ""],
}
HINTS: dict[str, list[Any]] = {
    "profile": [{"login": "new@acme.test", "email": "new@acme.test", "firstName": "N", "lastName": "U"},
                {"firstName": "Robert", "department": "Sales"}, {"name": "Group", "description": "d"},
                {"phoneNumber": "+15555550100"}, {"question": "disliked_food", "answer": "mayonnaise"},
                {"email": "bob@acme.test"}, {"firstName": 3}],
    "credentials": [{"password": {"value": "Secret123!"}}, {"recovery_question": {"question": "q", "answer": "a"}},
                    {"userName": "bobby"}],
    "conditions": [{"expression": {"value": "user.department == \"Sales\"", "type": "urn:okta:expression:1.0"}}],
    "actions": [{"assignUserToGroups": {"groupIds": [SALES]}}],
    "type": ["SUPER_ADMIN", "USER_ADMIN", {"id": "oty1dtutype000000000"}, "group_rule"],
    "oldPassword": [{"value": "Secret123!"}], "newPassword": [{"value": "Another456!"}],
}
SUPPORT = "00gsupport0000000001"
PREFIXES = {"00u": "user", "00g": "group", "0oa": "app", "0pr": "rule", "who": "hook", "oty": "type"}


def value(t: Any, name: str, rng: random.Random, pools: dict[str, list[Any]]) -> Any:
    if name in HINTS and rng.random() < 0.7:
        return rng.choice(HINTS[name])
    if isinstance(t, mi.UnionType):
        return value(rng.choice([x for x in t.types if not isinstance(x, mi.NoneType)] or t.types), name, rng, pools)
    if isinstance(t, mi.StrType | mi.AnyType):
        return rng.choice(pools[KINDS.get(name, "str")])
    if isinstance(t, mi.BoolType):
        return rng.random() < 0.5
    if isinstance(t, mi.IntType | mi.FloatType):
        return rng.choice([1, 2, 50])
    if isinstance(t, mi.ListType):
        return [value(t.item_type, name, rng, pools)]
    return rng.choice(pools["str"])


def harvest(body: Any, pools: dict[str, list[Any]]) -> None:
    if isinstance(body, list):
        for v in body:
            harvest(v, pools)
    elif isinstance(body, dict):
        ident = body.get("id")
        if isinstance(ident, str):
            kind = PREFIXES.get(ident[:3]) or ("factor" if "factorType" in body else
                                             "role" if "assignmentType" in body or "label" in body else None)
            if kind is not None:
                pools[kind].append(ident)
        for v in body.values():
            harvest(v, pools)


def play(seed: int, calls: int = 60) -> tuple[World, list[tuple[str, int]]]:
    image = SeedImage(TWINS, SEED, 1, START)
    world = World(image, seed + 1)
    rng = random.Random(seed)
    pools = {k: list(v) for k, v in SEEDED.items()}
    seen: list[tuple[str, int]] = []
    pairs: dict[str, list[tuple[str, str]]] = {"factorId": [(BOB, "mbl0")], "roleAssignmentId": [(ADMIN, "ra10")]}
    for _ in range(calls):
        op = OKTA.ops[rng.choice(OPS)]
        info = mi.type_info(op.params)
        assert isinstance(info, mi.StructType)
        args = {f.encode_name: value(f.type, f.encode_name, rng, pools) for f in info.fields
                if f.required or rng.random() < 0.5}
        for key in ("factorId", "roleAssignmentId"):  # a factor or role of the user it belongs to
            if key in args and rng.random() < 0.8:
                args["userId"], args[key] = rng.choice(pairs[key])
        reply = world.dispatch("okta", op.name, args, rng.choice([None, None, None, ADMIN, BOB]))  # None: the API token
        harvest(reply.body, pools)
        if op.name in ("enroll_factor", "assign_role_to_user") and reply.status < 300:
            pairs["factorId" if op.name == "enroll_factor" else "roleAssignmentId"].append(
                (args["userId"], reply.body["id"]))
        seen.append((op.name, reply.status))
        if rng.random() < 0.2:
            check(world)
    return world, seen


def check(world: World) -> None:
    assert_view_is_full(world, "okta")


@pytest.mark.parametrize("seed", range(60))
@LAZY_OR_WHOLE
def test_incremental_view_equals_full_view(seed: int, lazy: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    restore_as(lazy, monkeypatch)
    assert_play_keeps_the_seed("okta", SEED, START, lambda: play(seed))


def test_the_random_calls_change_users_many_ways() -> None:
    """The test above is not vacuous: these operations that change a user succeeded in some world."""
    done = {op for seed in range(100) for op, status in play(seed, 120)[1] if status < 300}
    users = {"create_user", "update_user", "replace_user", "delete_user", "activate_user", "deactivate_user",
             "suspend_user", "unlock_user", "reset_password", "expire_password", "change_password",
             "assign_role_to_user", "enroll_factor", "assign_user_to_group", "unassign_user_from_group",
             "assign_user_to_application", "unassign_user_from_application"}
    assert users - done == set()


def test_a_tour_of_every_change_to_a_user() -> None:
    """Each operation that changes a user, in an order where each succeeds; the views agree after each."""
    world = World(SeedImage(TWINS, SEED, 1, START), 1)

    def call(op: str, **args: Any) -> Any:
        reply = world.dispatch("okta", op, args)
        assert reply.status < 300, (op, reply.body)
        check(world)
        return reply.body

    sms = call("enroll_factor", userId=BOB, factorType="sms", provider="OKTA", profile={"phoneNumber": "+15555550100"})
    call("enroll_factor", userId=BOB, factorType="question", provider="OKTA",
         profile={"question": "disliked_food", "answer": "mayonnaise"})
    call("unenroll_factor", userId=BOB, factorId=sms["id"])
    role = call("assign_role_to_user", userId=BOB, type="USER_ADMIN")
    call("unassign_role_from_user", userId=BOB, roleAssignmentId=role["id"])
    call("unlock_user", id=CAROL)
    call("suspend_user", id=BOB)
    call("unsuspend_user", id=BOB)
    call("update_user", id=BOB, profile={"department": "Sales"})
    call("update_user", id=BOB, profile={"login": "robert@acme.test"})  # Engineering's member_logins change
    call("reset_password", id=CAROL)
    new = call("create_user", profile={"login": "eve@acme.test", "email": "eve@acme.test", "firstName": "Eve",
                                       "lastName": "E"}, activate=False)
    call("activate_user", id=new["id"])
    call("deactivate_user", id=new["id"])
    call("activate_user", id=DAVE)
    call("delete_user", id=new["id"])  # deprovisioned already: gone for good


def test_the_incremental_view_reuses_the_seed() -> None:
    """What it is for: a user nobody looked up is the seed's own object."""
    image = SeedImage(TWINS, SEED, 1, START)
    world = World(image, 1)
    world.dispatch("okta", "suspend_user", {"id": BOB})
    view = world.view(("okta",))["okta"]
    seed = image.view("okta")
    assert view["users"][CAROL] is seed["users"][CAROL]
    assert view["users"][BOB] is not seed["users"][BOB]
    assert view["users"][BOB]["status"] == "SUSPENDED"


@LAZY_OR_WHOLE
def test_joins_follow_renamed_gone_and_reassigned_groups_and_apps(lazy: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each change that moves someone's groups or apps without touching the user: a group renamed,
    emptied, deleted, assigned to an app and taken off it; the views agree after each. Lazily, the
    view works joins out only for the users such a change concerns (okta/view_joins.py)."""
    restore_as(lazy, monkeypatch)
    world = World(SeedImage(TWINS, SEED, 1, START), 1)

    def call(op: str, **args: Any) -> None:
        reply = world.dispatch("okta", op, args)
        assert reply.status < 300, (op, reply.body)
        check(world)

    call("replace_group", groupId=ENG, profile={"name": "Platform", "description": "renamed"})  # Zoom's group
    call("assign_user_to_group", groupId=SALES, userId=CAROL)
    call("assign_group_to_application", appId=GITHUB, groupId=SALES)  # Bob and Carol reach GitHub
    call("assign_user_to_group", groupId=SALES, userId=BOB)
    call("unassign_user_from_group", groupId=SALES, userId=CAROL)  # Carol keeps GitHub directly
    call("unassign_application_from_group", appId=GITHUB, groupId=SALES)
    call("assign_group_to_application", appId=ZOOM, groupId=SALES)
    call("delete_group", groupId=SALES)  # Bob leaves it, Zoom no longer lists it
    call("delete_group", groupId=ENG)  # Ada and Bob lose Zoom


def test_lazy_joins_follow_a_deleted_group_no_app_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    """A group deleted with its seeded members and no app to tell: its members' groups change."""
    restore_as(True, monkeypatch)
    seed = copy.deepcopy(SEED)
    seed["okta"]["groups"].append({"id": SUPPORT, "name": "Support"})
    for u in seed["okta"]["users"]:
        if u["id"] in (CAROL, DAVE):
            u["groups"] = ["Support"]
    world = World(SeedImage(TWINS, seed, 1, START), 1)
    assert world.dispatch("okta", "delete_group", {"groupId": SUPPORT}).status == 204
    check(world)
    assert "Support" not in world.view(("okta",))["okta"]["users"][CAROL]["groups"]


@pytest.mark.parametrize("change", ["label", "gone"])
def test_lazy_joins_follow_an_app_relabelled_or_gone(change: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """No operation relabels or removes an app, but a state where one did must still view as a whole
    view does (the view is a function of the state)."""
    restore_as(True, monkeypatch)
    world = World(SeedImage(TWINS, SEED, 1, START), 1)
    apps = world.ctx("okta").state.apps
    if change == "label":
        apps[ZOOM].label = "Zoom Pro"
        apps[GITHUB].label = "GitHub Enterprise"
        apps[GITHUB].users.clear()  # and Carol, its one user, loses it
    else:
        del apps[ZOOM]
        del apps[GITHUB]
    ctx = world.ctx("okta")  # no call made: the world would answer the seed's view, so ask the twin
    delta = OKTA.view_delta(ctx, world.image.view("okta"))
    assert msgspec.json.encode(delta) == msgspec.json.encode(OKTA.view(ctx.state))
