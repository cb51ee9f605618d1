from __future__ import annotations

from django.test import Client

from frontdesk.core.audit import record
from frontdesk.core.models import Member, Role
from frontdesk.core.tokens import issue_token
from tests.factories import make_member, make_workspace


def test_admins_read_the_audit_log_and_agents_cannot(client: Client, admin: Member, agent: Member) -> None:
    issue_token(agent, "CRM")
    record(make_workspace(), "workspace.renamed", actor=admin.user, changes={"name": "ZZOTHER"})
    client.force_login(admin.user)
    page = client.get("/settings/audit/").content.decode()
    assert "apitoken.created" in page and "CRM" in page
    assert "ZZOTHER" not in page, "only this workspace's entries"
    assert 'href="/settings/audit/"' in page
    filtered = client.get("/settings/audit/", {"action": "conversation."}).content.decode()
    assert "apitoken.created" not in filtered

    client.force_login(agent.user)
    assert client.get("/settings/audit/").status_code == 404
    assert 'href="/settings/audit/"' not in client.get("/inbox/").content.decode()


def test_supervisor_cannot_read_the_audit_log(client: Client, agent: Member) -> None:
    supervisor = make_member(agent.workspace, Role.SUPERVISOR)
    client.force_login(supervisor.user)
    assert client.get("/settings/audit/").status_code == 404


def test_password_change_requires_the_current_password(client: Client, agent: Member) -> None:
    client.force_login(agent.user)
    client.post(
        "/accounts/password/change/",
        {"oldpassword": "not it", "password1": "brand new passphrase 7", "password2": "brand new passphrase 7"},
    )
    agent.user.refresh_from_db()
    assert not agent.user.check_password("brand new passphrase 7")


def test_members_see_and_end_their_other_sessions(client: Client, agent: Member) -> None:
    from tests.factories import PASSWORD

    other_device = Client()
    assert other_device.post("/accounts/login/", {"login": agent.user.email, "password": PASSWORD}).status_code == 302
    client.post("/accounts/login/", {"login": agent.user.email, "password": PASSWORD})
    listing = client.get("/accounts/sessions/")
    assert listing.status_code == 200
    client.post("/accounts/sessions/")
    assert other_device.get("/inbox/").status_code == 302, "the other device was signed out"
    assert client.get("/inbox/").status_code == 200
