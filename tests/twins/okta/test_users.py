"""The okta SDK, unmodified, managing users in a real `dtu serve`: CRUD, lifecycle, pagination."""

from __future__ import annotations

from typing import Any

import pytest
from okta.errors.okta_api_error import OktaAPIError
from okta.models import CreateUserRequest, UpdateUserRequest, UserProfile, UserStatus
from okta.pagination import PaginationHelper, paginate_all

from .conftest import client_for

pytestmark = pytest.mark.sdk("python", "okta")


async def test_create_activate_and_fetch(okta_world: dict[str, Any]) -> None:
    async with client_for(okta_world) as client:
        body = CreateUserRequest.from_dict({
            "profile": {"firstName": "Erin", "lastName": "New", "email": "erin@acme.test",
                        "login": "erin@acme.test"},
            "credentials": {"password": {"value": "Tr0ub4dor&3x"}},
            "groupIds": ["00gsales000000000001"],
        })
        user, _, err = await client.create_user(body)
        assert err is None
        assert user.status == UserStatus.ACTIVE
        assert user.id.startswith("00u") and len(user.id) == 20
        assert user.profile.login == "erin@acme.test"
        assert user.links.suspend is not None
        staged, _, err = await client.create_user(CreateUserRequest.from_dict({
            "profile": {"firstName": "Finn", "lastName": "Staged", "email": "finn@acme.test",
                        "login": "finn@acme.test"}}), activate=False)
        assert err is None and staged.status == UserStatus.STAGED
        by_login, _, err = await client.get_user("erin@acme.test")
        assert err is None and by_login.id == user.id
        groups, _, err = await client.list_user_groups(user.id)
        assert err is None
        assert sorted(g.profile.actual_instance.name for g in groups) == ["Everyone", "Sales"]


async def test_create_without_password_is_provisioned(okta_world: dict[str, Any]) -> None:
    async with client_for(okta_world) as client:
        user, _, err = await client.create_user(CreateUserRequest.from_dict({
            "profile": {"firstName": "Gus", "lastName": "G", "email": "gus@acme.test", "login": "gus@acme.test"}}))
        assert err is None and user.status == UserStatus.PROVISIONED
        token, _, err = await client.reactivate_user(user.id, send_email=False)
        assert err is None and token.activation_url and token.activation_token


async def test_duplicate_login_and_missing_fields_are_e0000001(okta_world: dict[str, Any]) -> None:
    async with client_for(okta_world) as client:
        _, _, err = await client.create_user(CreateUserRequest.from_dict({
            "profile": {"firstName": "B", "lastName": "B", "email": "bob@acme.test", "login": "bob@acme.test"}}))
        assert isinstance(err, OktaAPIError)
        assert err.status == 400 and err.error_code == "E0000001"
        assert "already exists" in err.error_causes[0]["errorSummary"]
        assert err.error_id.startswith("oae")
        _, _, err = await client.create_user(CreateUserRequest.from_dict({"profile": {"login": "x@acme.test"}}))
        assert isinstance(err, OktaAPIError) and err.error_code == "E0000001"
        assert any("firstName" in c["errorSummary"] for c in err.error_causes)


async def test_update_partial_and_replace(okta_world: dict[str, Any]) -> None:
    async with client_for(okta_world) as client:
        user, _, err = await client.update_user(
            "00ubob00000000000001", UpdateUserRequest(profile=UserProfile(title="Staff Engineer")))
        assert err is None
        assert user.profile.title == "Staff Engineer"
        assert user.profile.department == "Engineering"  # partial: untouched attributes stay
        user, _, err = await client.replace_user("00ubob00000000000001", UpdateUserRequest(profile=UserProfile(
            login="bob@acme.test", email="bob@acme.test", firstName="Robert", lastName="Builder")))
        assert err is None
        assert user.profile.first_name == "Robert"
        assert user.profile.department is None  # replace: attributes not sent are gone


async def test_lifecycle_status_machine(okta_world: dict[str, Any]) -> None:
    uid = "00ubob00000000000001"
    async with client_for(okta_world) as client:
        _, _, err = await client.suspend_user(uid)
        assert err is None
        user, _, _ = await client.get_user(uid)
        assert user.status == UserStatus.SUSPENDED
        result = await client.suspend_user(uid)  # "Success" operations answer (response, error) on error
        err = result[-1]
        assert isinstance(err, OktaAPIError) and err.status == 400 and err.error_code == "E0000001"
        await client.unsuspend_user(uid)
        link, _, err = await client.reset_password(uid, send_email=False)
        assert err is None and link.reset_password_url
        assert (await client.get_user(uid))[0].status == UserStatus.RECOVERY
        user, _, err = await client.expire_password(uid)
        assert err is None and user.status == UserStatus.PASSWORD_EXPIRED
        await client.deactivate_user(uid)
        assert (await client.get_user(uid))[0].status == UserStatus.DEPROVISIONED
        err = (await client.suspend_user(uid))[-1]
        assert isinstance(err, OktaAPIError)
        _, _, err = await client.activate_user(uid, send_email=False)
        assert err is None
        assert (await client.get_user(uid))[0].status == UserStatus.PROVISIONED
        _, _, err = await client.activate_user(uid)
        assert isinstance(err, OktaAPIError) and err.error_code == "E0000038" and err.status == 403


async def test_unlock(okta_world: dict[str, Any]) -> None:
    async with client_for(okta_world) as client:
        err = (await client.unlock_user("00ubob00000000000001"))[-1]
        assert isinstance(err, OktaAPIError) and err.error_code == "E0000032"
        _, _, err = await client.unlock_user("00ucarol000000000001")
        assert err is None
        assert (await client.get_user("carol@acme.test"))[0].status == UserStatus.ACTIVE


async def test_delete_twice_removes(okta_world: dict[str, Any], server: Any) -> None:
    uid = "00ubob00000000000001"
    async with client_for(okta_world) as client:
        _, _, err = await client.delete_user(uid)
        assert err is None
        assert (await client.get_user(uid))[0].status == UserStatus.DEPROVISIONED
        _, _, err = await client.delete_user(uid)
        assert err is None
        _, _, err = await client.get_user(uid)
        assert isinstance(err, OktaAPIError) and err.status == 404 and err.error_code == "E0000007"
    state = server.state(okta_world["id"])["okta"]
    assert uid not in state["users"]
    assert all(uid not in g["members"] for g in state["groups"].values())


async def test_list_q_filter_search(okta_world: dict[str, Any]) -> None:
    async with client_for(okta_world) as client:
        users, _, err = await client.list_users()
        assert err is None
        assert "dave@acme.test" not in [u.profile.login for u in users]  # DEPROVISIONED omitted
        users, _, _ = await client.list_users(q="car")
        assert [u.profile.login for u in users] == ["carol@acme.test"]
        users, _, _ = await client.list_users(filter='status eq "DEPROVISIONED"')
        assert [u.id for u in users] == ["00udave0000000000001"]
        users, _, _ = await client.list_users(filter='profile.login eq "bob@acme.test" or status eq "LOCKED_OUT"')
        assert {u.profile.first_name for u in users} == {"Bob", "Carol"}
        users, _, _ = await client.list_users(search='profile.department eq "engineering"')
        assert [u.profile.login for u in users] == ["bob@acme.test"]
        users, _, _ = await client.list_users(search='profile.lastName sw "d"', sort_by="profile.firstName",
                                              sort_order="desc")
        assert [u.profile.first_name for u in users] == ["Carol"]
        _, _, err = await client.list_users(filter='profile.department eq "x"')
        assert isinstance(err, OktaAPIError) and err.error_code == "E0000031" and err.status == 400


async def test_pagination_across_pages(okta_world: dict[str, Any]) -> None:
    async with client_for(okta_world) as client:
        for i in range(5):
            await client.create_user(CreateUserRequest.from_dict({"profile": {
                "firstName": f"P{i}", "lastName": "Page", "email": f"p{i}@acme.test", "login": f"p{i}@acme.test"}}))
        first, resp, err = await client.list_users(limit=2)
        assert err is None and len(first) == 2
        cursor = PaginationHelper.extract_next_cursor(resp.headers)
        assert cursor == first[-1].id
        seen = [u.id async for u in paginate_all(client.list_users, limit=2)]
        assert len(seen) == len(set(seen)) == 8  # 3 seeded live users + 5 new
        last, resp, _ = await client.list_users(limit=100)
        assert PaginationHelper.extract_next_cursor(resp.headers) is None
        assert [u.id for u in last] == seen
