"""The okta SDK, unmodified: groups and membership, app assignments, a non-admin's E0000006."""

from __future__ import annotations

from typing import Any

import pytest
from okta.errors.okta_api_error import OktaAPIError
from okta.models import (
    AddGroupRequest,
    ApplicationGroupAssignment,
    AppUserAssignRequest,
    OktaUserGroupProfile,
)

from .conftest import ENG, GITHUB, ZOOM, client_for

pytestmark = pytest.mark.sdk("python", "okta")


async def test_group_crud_and_membership(okta_world: dict[str, Any], server: Any) -> None:
    async with client_for(okta_world) as client:
        group, _, err = await client.add_group(AddGroupRequest(profile=OktaUserGroupProfile(
            name="Contractors", description="Temporary staff")))
        assert err is None
        assert group.id.startswith("00g") and len(group.id) == 20
        assert group.profile.actual_instance.name == "Contractors"
        _, _, err = await client.add_group(AddGroupRequest(profile=OktaUserGroupProfile(name="contractors")))
        assert isinstance(err, OktaAPIError) and err.error_code == "E0000001"
        _, _, err = await client.assign_user_to_group(group.id, "00ubob00000000000001")
        assert err is None
        members, _, err = await client.list_group_users(group.id)
        assert err is None and [u.profile.login for u in members] == ["bob@acme.test"]
        await client.unassign_user_from_group(group.id, "00ubob00000000000001")
        members, _, _ = await client.list_group_users(group.id)
        assert members == []
        renamed, _, err = await client.replace_group(group.id, AddGroupRequest(profile=OktaUserGroupProfile(
            name="Vendors")))
        assert err is None and renamed.profile.actual_instance.name == "Vendors"
        found, _, _ = await client.list_groups(q="Ven")
        assert [g.id for g in found] == [group.id]
        found, _, _ = await client.list_groups(filter='type eq "BUILT_IN"')
        assert [g.profile.actual_instance.name for g in found] == ["Everyone"]
        found, _, _ = await client.list_groups(search='profile.name sw "eng"')
        assert [g.id for g in found] == [ENG]
        _, _, err = await client.delete_group(found[0].id)
        assert err is None
        _, _, err = await client.get_group(ENG)
        assert isinstance(err, OktaAPIError) and err.status == 404 and err.error_code == "E0000007"
        everyone = (await client.list_groups(q="Everyone"))[0][0]
        err = (await client.delete_group(everyone.id))[-1]  # 204 operations answer (response, error)
        assert isinstance(err, OktaAPIError) and err.error_code == "E0000006"
    state = server.state(okta_world["id"])["okta"]
    assert ENG not in state["groups"]
    assert ENG not in state["apps"][ZOOM]["groups"]


async def test_app_assignments(okta_world: dict[str, Any]) -> None:
    async with client_for(okta_world) as client:
        apps, _, err = await client.list_applications()
        assert err is None
        assert [a.label for a in apps] == ["Zoom", "GitHub", "Wiki"]
        wiki, _, err = await client.get_application("0oawiki000000000001a")
        assert err is None and wiki.settings.app.url == "https://wiki.acme.test"
        users, _, err = await client.list_application_users(ZOOM)
        assert err is None
        assert {(u.id, u.scope) for u in users} == {("00uadmin000000000001", "GROUP"),
                                                    ("00ubob00000000000001", "GROUP")}
        au, _, err = await client.assign_user_to_application(GITHUB, AppUserAssignRequest(
            id="00ubob00000000000001", credentials={"userName": "bobb"}))
        assert err is None and au.scope == "USER" and au.credentials.user_name == "bobb"
        one, _, err = await client.get_application_user(GITHUB, "00ubob00000000000001")
        assert err is None and one.id == "00ubob00000000000001"
        links, _, err = await client.list_app_links("00ubob00000000000001")
        assert err is None and sorted(x.label for x in links) == ["GitHub", "Zoom"]
        mine, _, _ = await client.list_applications(filter='user.id eq "00ubob00000000000001"')
        assert sorted(a.label for a in mine) == ["GitHub", "Zoom"]
        _, _, err = await client.unassign_user_from_application(GITHUB, "00ubob00000000000001")
        assert err is None
        _, _, err = await client.get_application_user(GITHUB, "00ubob00000000000001")
        assert isinstance(err, OktaAPIError) and err.status == 404
        err = (await client.unassign_user_from_application(ZOOM, "00ubob00000000000001"))[-1]
        assert isinstance(err, OktaAPIError) and err.error_code == "E0000001"  # has it through a group
        ga, _, err = await client.assign_group_to_application(
            GITHUB, "00gsales000000000001", ApplicationGroupAssignment(priority=0))
        assert err is None and ga.id == "00gsales000000000001"
        groups, _, _ = await client.list_application_group_assignments(GITHUB)
        assert [g.id for g in groups] == ["00gsales000000000001"]
        apps_of_group, _, _ = await client.list_assigned_applications_for_group("00gsales000000000001")
        assert [a.label for a in apps_of_group] == ["GitHub"]
        _, _, err = await client.unassign_application_from_group(GITHUB, "00gsales000000000001")
        assert err is None
        _, _, err = await client.get_application_group_assignment(GITHUB, "00gsales000000000001")
        assert isinstance(err, OktaAPIError) and err.status == 404


async def test_non_admin_token_gets_e0000006(okta_world: dict[str, Any], server: Any) -> None:
    bob = server.admin("POST", f"/_dtu/worlds/{okta_world['id']}/tokens",
                       {"actors": {"okta": "00ubob00000000000001"}})["token"]
    ada = server.admin("POST", f"/_dtu/worlds/{okta_world['id']}/tokens",
                       {"actors": {"okta": "00uadmin000000000001"}})["token"]
    async with client_for(okta_world, bob) as client:
        _, _, err = await client.list_users()
        assert isinstance(err, OktaAPIError)
        assert err.status == 403 and err.error_code == "E0000006"
        err = (await client.suspend_user("00uadmin000000000001"))[-1]
        assert isinstance(err, OktaAPIError) and err.error_code == "E0000006"
    async with client_for(okta_world, ada) as client:
        users, _, err = await client.list_users()
        assert err is None and len(users) == 3


async def test_invalid_token_is_e0000011(okta_world: dict[str, Any]) -> None:
    async with client_for(okta_world, "not-a-token") as client:
        _, _, err = await client.list_users()
        assert isinstance(err, OktaAPIError) and err.status == 401 and err.error_code == "E0000011"
