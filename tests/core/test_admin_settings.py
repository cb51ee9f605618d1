"""The Settings area: who sees which page, and what admins change there."""

from __future__ import annotations

import pytest
from django.test import Client

from frontdesk.core.models import AuditEntry, Member, Role, Team, TeamMembership, Workspace
from tests.factories import make_member, make_team, make_workspace

ADMIN_PAGES = ["/settings/workspace/", "/settings/members/", "/settings/teams/", "/settings/labels/"]


@pytest.mark.parametrize("role", [Role.AGENT, Role.SUPERVISOR])
def test_agents_and_supervisors_cannot_open_admin_pages(client: Client, workspace: Workspace, role: Role) -> None:
    member = make_member(workspace, role)
    client.force_login(member.user)
    for path in ADMIN_PAGES:
        assert client.get(path).status_code == 403, path
    nav = client.get("/settings/canned-responses/").content.decode()
    assert 'href="/settings/canned-responses/"' in nav and 'href="/settings/tokens/"' in nav
    assert all(f'href="{path}"' not in nav for path in ADMIN_PAGES)


@pytest.mark.parametrize("role", [Role.ADMIN, Role.OWNER])
def test_admins_and_owners_open_every_settings_page(client: Client, workspace: Workspace, role: Role) -> None:
    member = make_member(workspace, role)
    client.force_login(member.user)
    inbox = client.get("/inbox/").content.decode()
    assert 'data-testid="settings-link"' in inbox
    assert client.get("/settings/")["Location"] == "/settings/workspace/"
    for path in [*ADMIN_PAGES, "/settings/canned-responses/", "/settings/channels/", "/settings/audit/"]:
        page = client.get(path)
        assert page.status_code == 200, path
        assert f'href="{path}" aria-current="page"' in page.content.decode() or path == "/settings/channels/"


def test_signed_out_visitors_are_sent_to_sign_in(client: Client, db: None) -> None:
    for path in [*ADMIN_PAGES, "/settings/canned-responses/"]:
        assert client.get(path)["Location"].startswith("/accounts/login/")


def test_admin_changes_workspace_settings_and_it_is_audited(client: Client, admin: Member) -> None:
    client.force_login(admin.user)
    response = client.post(
        "/settings/workspace/",
        {
            "name": "Acme HK",
            "default_language": "zh-hant",
            "time_zone": "Asia/Taipei",
            "reopen_window_days": "3",
            "first_response_target_minutes": "15",
        },
    )
    assert response.status_code == 302
    admin.workspace.refresh_from_db()
    assert (admin.workspace.name, admin.workspace.default_language, admin.workspace.time_zone) == (
        "Acme HK",
        "zh-hant",
        "Asia/Taipei",
    )
    assert admin.workspace.first_response_target_minutes == 15
    entry = AuditEntry.in_workspace(admin.workspace).get(action="workspace.updated")
    assert entry.changes["name"] == "Acme HK" and "slug" not in entry.changes


def test_workspace_settings_refuse_bad_values_with_clear_errors(client: Client, admin: Member) -> None:
    client.force_login(admin.user)
    response = client.post(
        "/settings/workspace/",
        {
            "name": "",
            "default_language": "fr",
            "time_zone": "Mars/Olympus",
            "reopen_window_days": "-1",
            "first_response_target_minutes": "0",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('class="form-error"') >= 5
    admin.workspace.refresh_from_db()
    assert admin.workspace.name == "Acme"


def test_admin_changes_a_role_within_their_own(client: Client, admin: Member, agent: Member) -> None:
    client.force_login(admin.user)
    assert client.post(f"/settings/members/{agent.pk}/", {"role": "admin"}).status_code == 302
    agent.refresh_from_db()
    assert agent.role == Role.ADMIN
    assert AuditEntry.in_workspace(admin.workspace).filter(action="member.role_changed").exists()
    page = client.post(f"/settings/members/{agent.pk}/", {"role": "owner"})
    assert page.status_code == 200 and "Select a valid choice" in page.content.decode()
    agent.refresh_from_db()
    assert agent.role == Role.ADMIN


def test_an_admin_cannot_demote_or_deactivate_an_owner(client: Client, admin: Member) -> None:
    owner = make_member(admin.workspace, Role.OWNER)
    client.force_login(admin.user)
    client.post(f"/settings/members/{owner.pk}/", {"role": "agent"})
    client.post(f"/settings/members/{owner.pk}/active/", {"active": "0"})
    owner.refresh_from_db()
    assert owner.role == Role.OWNER and owner.is_active


def test_the_last_owner_cannot_be_demoted_or_deactivated(client: Client, workspace: Workspace) -> None:
    owner = make_member(workspace, Role.OWNER)
    client.force_login(owner.user)
    page = client.post(f"/settings/members/{owner.pk}/", {"role": "admin"}).content.decode()
    assert "last owner" in page
    owner.refresh_from_db()
    assert owner.role == Role.OWNER
    second = make_member(workspace, Role.OWNER)
    assert client.post(f"/settings/members/{owner.pk}/", {"role": "admin"}).status_code == 302
    owner.refresh_from_db()
    assert owner.role == Role.ADMIN
    client.force_login(second.user)
    assert (
        "yourself"
        in client.post(f"/settings/members/{second.pk}/active/", {"active": "0"}, follow=True).content.decode()
    )
    second.refresh_from_db()
    assert second.is_active


def test_deactivate_and_reactivate_a_member(client: Client, admin: Member, agent: Member) -> None:
    client.force_login(admin.user)
    client.post(f"/settings/members/{agent.pk}/active/", {"active": "0"})
    agent.refresh_from_db()
    assert not agent.is_active
    other = Client()
    other.force_login(agent.user)
    assert other.get("/inbox/").status_code == 403
    client.post(f"/settings/members/{agent.pk}/active/", {"active": "1"})
    agent.refresh_from_db()
    assert agent.is_active
    actions = set(AuditEntry.in_workspace(admin.workspace).values_list("action", flat=True))
    assert {"member.deactivated", "member.reactivated"} <= actions


def test_member_teams_are_edited_only_with_this_workspaces_teams(client: Client, admin: Member, agent: Member) -> None:
    billing, support = make_team(admin.workspace, "Billing"), make_team(admin.workspace, "Support")
    foreign = make_team(make_workspace(), "Foreign")
    client.force_login(admin.user)
    client.post(f"/settings/members/{agent.pk}/", {"role": "agent", "teams": [billing.pk, support.pk]})
    assert set(agent.teams.all()) == {billing, support}
    page = client.post(f"/settings/members/{agent.pk}/", {"role": "agent", "teams": [foreign.pk]})
    assert page.status_code == 200 and "Select a valid choice" in page.content.decode()
    assert set(agent.teams.all()) == {billing, support}
    client.post(f"/settings/members/{agent.pk}/", {"role": "agent", "teams": [support.pk]})
    assert list(agent.teams.all()) == [support]
    assert not TeamMembership.in_workspace(foreign.workspace_id).exists()


def test_members_page_lists_members_roles_teams_and_pending_invitations(
    client: Client, admin: Member, agent: Member
) -> None:
    agent.user.name = "陳小明"
    agent.user.save()
    make_team(admin.workspace, "Billing", members=[agent])
    client.force_login(admin.user)
    client.post("/settings/members/invite/", {"email": "pending@example.com", "role": "agent"})
    page = client.get("/settings/members/").content.decode()
    assert "陳小明" in page and "Billing" in page and "Agent" in page
    assert 'data-testid="pending-invitations"' in page and "pending@example.com" in page


def test_teams_are_created_renamed_staffed_and_deleted(client: Client, admin: Member, agent: Member) -> None:
    client.force_login(admin.user)
    created = client.post("/settings/teams/", {"name": "Billing", "description": "Invoices"})
    team = Team.in_workspace(admin.workspace).get()
    assert created["Location"] == f"/settings/teams/{team.pk}/"
    duplicate = client.post("/settings/teams/", {"name": "billing"}).content.decode()
    assert "already exists" in duplicate
    client.post(f"/settings/teams/{team.pk}/", {"name": "Payments", "description": "", "members": [agent.pk]})
    team.refresh_from_db()
    assert team.name == "Payments" and list(team.members.all()) == [agent]
    client.post(f"/settings/teams/{team.pk}/delete/")
    assert not Team.in_workspace(admin.workspace).exists()
    actions = set(AuditEntry.in_workspace(admin.workspace).values_list("action", flat=True))
    assert {"team.created", "team.updated", "team.members_changed", "team.deleted"} <= actions


def test_a_team_cannot_take_another_workspaces_member(client: Client, admin: Member) -> None:
    team = make_team(admin.workspace, "Billing")
    stranger = make_member(make_workspace())
    client.force_login(admin.user)
    page = client.post(f"/settings/teams/{team.pk}/", {"name": "Billing", "members": [stranger.pk]})
    assert "Select a valid choice" in page.content.decode()
    assert not team.members.exists()


def test_agents_cannot_change_teams(client: Client, agent: Member) -> None:
    team = make_team(agent.workspace, "Billing")
    client.force_login(agent.user)
    assert client.post(f"/settings/teams/{team.pk}/", {"name": "Hacked"}).status_code == 403
    assert client.post(f"/settings/teams/{team.pk}/delete/").status_code == 403
    assert client.post("/settings/teams/", {"name": "New"}).status_code == 403
    team.refresh_from_db()
    assert team.name == "Billing"


def test_members_are_found_by_name_email_or_role(client: Client, admin: Member, agent: Member) -> None:
    agent.user.name = "陳小明"
    agent.user.save()
    supervisor = make_member(admin.workspace, Role.SUPERVISOR)
    client.force_login(admin.user)
    by_name = client.get("/settings/members/", {"q": "小明"}).content.decode()
    assert "陳小明" in by_name and supervisor.user.email not in by_name
    by_role = client.get("/settings/members/", {"role": "supervisor"}).content.decode()
    assert supervisor.user.email in by_role and "陳小明" not in by_role
    assert "No member matches" in client.get("/settings/members/", {"q": "nobody-like-this"}).content.decode()
