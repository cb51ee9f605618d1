"""Invitations by email link (RELIABILITY T-27): who may invite whom, and a link that works once."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from frontdesk.core.actions import Refused
from frontdesk.core.invitations import accept, invite
from frontdesk.core.models import AuditEntry, Invitation, Member, Role, TeamMembership, User
from tests.factories import make_member, make_team, make_user, make_workspace
from tests.running import free_port

NEW_PASSWORD = "a long new passphrase 42"


def _link() -> str:
    found = re.search(r"https?://\S+", str(mail.outbox[-1].body))
    assert found is not None
    return found.group(0)


def _path(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def _invite_by_page(client: Client, inviter: Member, **fields: object) -> object:
    client.force_login(inviter.user)
    return client.post("/settings/members/invite/", {"email": "new@example.com", "role": "agent", **fields})


def test_admin_invites_and_the_invitee_signs_up_and_lands_in_the_inbox(client: Client, admin: Member) -> None:
    team = make_team(admin.workspace, "Billing")
    response = _invite_by_page(client, admin, email="New.Person@Example.com", role="supervisor", teams=[team.pk])
    assert response.status_code == 302  # type: ignore[attr-defined]
    invitation = Invitation.in_workspace(admin.workspace).get()
    assert invitation.email == "new.person@example.com"
    assert mail.outbox[-1].to == ["new.person@example.com"]
    link = _link()
    assert re.fullmatch(r"[A-Za-z0-9_-]{40,}", link.rstrip("/").rsplit("/", 1)[1])
    assert link.rstrip("/").rsplit("/", 1)[1] not in invitation.token_digest, "only the digest is stored"

    visitor = Client()
    page = visitor.get(_path(link)).content.decode()
    assert "Acme" in page and "Supervisor" in page and "new.person@example.com" in page
    joined = visitor.post(_path(link), {"name": "New Person", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert joined.status_code == 302 and joined["Location"] == "/inbox/"
    member = Member.in_workspace(admin.workspace).get(user__email="new.person@example.com")
    assert member.role == Role.SUPERVISOR and member.user.name == "New Person"
    assert list(member.teams.all()) == [team]
    assert visitor.get("/inbox/").status_code == 200
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None and invitation.accepted_by == member.user
    assert AuditEntry.in_workspace(admin.workspace).filter(action="invitation.accepted").exists()


def test_a_link_works_once(client: Client, admin: Member) -> None:
    _invite_by_page(client, admin)
    path = _path(_link())
    Client().post(path, {"name": "First", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    second = Client()
    again = second.post(path, {"name": "Second", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert again.status_code == 410
    assert "already used" in again.content.decode()
    assert User.objects.filter(email="new@example.com").count() == 1
    assert Member.in_workspace(admin.workspace).filter(user__email="new@example.com").count() == 1


@pytest.mark.parametrize("spoil", ["expire", "revoke"])
def test_an_expired_or_revoked_link_admits_nobody(client: Client, admin: Member, spoil: str) -> None:
    _invite_by_page(client, admin)
    path = _path(_link())
    invitation = Invitation.in_workspace(admin.workspace).get()
    if spoil == "expire":
        Invitation.in_workspace(admin.workspace).update(expires_at=timezone.now() - timedelta(seconds=1))
        expected = "expired"
    else:
        client.post(f"/settings/invitations/{invitation.pk}/revoke/")
        expected = "withdrawn"
    visitor = Client()
    page = visitor.get(path)
    assert page.status_code == 410 and expected in page.content.decode()
    visitor.post(path, {"name": "Late", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert not User.objects.filter(email="new@example.com").exists()
    existing = make_user("new@example.com")
    with pytest.raises(Exception, match=expected):
        accept(path.rstrip("/").rsplit("/", 1)[1], existing)
    assert not Member.in_workspace(admin.workspace).filter(user=existing).exists()


def test_a_resent_invitation_replaces_the_old_link(client: Client, admin: Member) -> None:
    _invite_by_page(client, admin)
    old = _path(_link())
    invitation = Invitation.in_workspace(admin.workspace).get()
    client.post(f"/settings/invitations/{invitation.pk}/resend/")
    new = _path(_link())
    assert new != old
    assert Client().get(old).status_code == 410
    assert Client().get(new).status_code == 200


def test_an_unknown_link_is_a_clear_error(client: Client, db: None) -> None:
    page = client.get("/invitations/not-a-real-token/")
    assert page.status_code == 410
    assert "not valid" in page.content.decode()


def test_agents_and_supervisors_cannot_invite_or_change_roles(client: Client, agent: Member) -> None:
    supervisor = make_member(agent.workspace, Role.SUPERVISOR)
    for member in (agent, supervisor):
        assert _invite_by_page(client, member).status_code == 403  # type: ignore[attr-defined]
        assert client.get("/settings/members/").status_code == 403
        other = make_member(agent.workspace)
        assert client.post(f"/settings/members/{other.pk}/", {"role": "admin"}).status_code == 403
        with pytest.raises(Refused):
            invite(member, "x@example.com", Role.AGENT)
    assert not Invitation.in_workspace(agent.workspace).exists()
    assert not Member.in_workspace(agent.workspace).filter(role=Role.ADMIN).exists()


def test_an_admin_cannot_invite_an_owner_but_an_owner_can(client: Client, admin: Member) -> None:
    response = _invite_by_page(client, admin, role="owner")
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert not Invitation.in_workspace(admin.workspace).exists()
    with pytest.raises(Refused):
        invite(admin, "boss@example.com", Role.OWNER)
    owner = make_member(admin.workspace, Role.OWNER)
    assert _invite_by_page(client, owner, role="owner").status_code == 302  # type: ignore[attr-defined]
    assert Invitation.in_workspace(admin.workspace).get().role == Role.OWNER


def test_an_invitation_cannot_grant_another_workspaces_team(client: Client, admin: Member) -> None:
    foreign = make_team(make_workspace(), "Their team")
    response = _invite_by_page(client, admin, teams=[foreign.pk])
    assert response.status_code == 400  # type: ignore[attr-defined]
    with pytest.raises(Refused):
        invite(admin, "new@example.com", Role.AGENT, [foreign])
    assert not Invitation.in_workspace(admin.workspace).exists()
    assert not TeamMembership.in_workspace(foreign.workspace_id).exists()


def test_the_email_link_uses_the_public_url_whatever_the_host_header(
    client: Client, admin: Member, settings: object
) -> None:
    settings.PUBLIC_URL = "https://support.example.com"  # type: ignore[attr-defined]
    settings.ALLOWED_HOSTS = ["*"]  # type: ignore[attr-defined]
    client.force_login(admin.user)
    client.post(
        "/settings/members/invite/",
        {"email": "new@example.com", "role": "agent"},
        headers={"host": "evil.example", "x-forwarded-host": "evil.example"},
    )
    assert _link().startswith("https://support.example.com/invitations/")
    assert "evil.example" not in str(mail.outbox[-1].body)


def test_the_email_speaks_the_workspace_language(client: Client, admin: Member) -> None:
    admin.workspace.default_language = "zh-hant"
    admin.workspace.save()
    _invite_by_page(client, admin)
    # The role's name is in the workspace's language (客服人員 is "Agent"), whoever sent it.
    assert "客服人員" in str(mail.outbox[-1].body)


def test_a_signed_in_user_with_the_invited_email_joins_with_one_click(client: Client, admin: Member) -> None:
    existing = make_user("new@example.com")
    make_member(make_workspace("Elsewhere"), user=existing)
    _invite_by_page(client, admin)
    path = _path(_link())
    anonymous = Client().get(path).content.decode()
    assert "/accounts/login/?next=" in anonymous, "an existing account signs in instead of signing up"
    client.force_login(existing)
    assert "Join workspace" in client.get(path).content.decode()
    assert client.post(path).status_code == 302
    assert Member.in_workspace(admin.workspace).get(user=existing).role == Role.AGENT


def test_someone_signed_in_with_another_email_cannot_use_the_link(client: Client, admin: Member) -> None:
    _invite_by_page(client, admin)
    path = _path(_link())
    intruder = make_user("intruder@example.com")
    client.force_login(intruder)
    assert "signed in as intruder@example.com" in client.get(path).content.decode()
    assert client.post(path).status_code == 410
    assert not Member.in_workspace(admin.workspace).filter(user=intruder).exists()
    assert Invitation.in_workspace(admin.workspace).get().accepted_at is None


def test_sign_up_errors_are_shown_and_nothing_is_created(client: Client, admin: Member) -> None:
    _invite_by_page(client, admin)
    path = _path(_link())
    response = Client().post(path, {"name": "", "password1": "short", "password2": "different"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "This field is required" in page and "The two passwords differ" in page
    assert not User.objects.filter(email="new@example.com").exists()


def test_a_mail_server_failure_keeps_the_invitation_and_says_to_resend(
    client: Client, admin: Member, settings: object
) -> None:
    # A real SMTP connection to a closed local port: the mail server is down.
    settings.MAILERS = {  # type: ignore[attr-defined]
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": free_port(), "timeout": 2},
        }
    }
    page = _invite_by_page(client, admin)
    assert page.status_code == 302  # type: ignore[attr-defined]
    followed = client.get("/settings/members/").content.decode()
    assert "could not be sent" in followed and "Email not sent" in followed
    assert Invitation.in_workspace(admin.workspace).get().sent_at is None
