from __future__ import annotations

from django.test import Client

from frontdesk.core.models import ApiToken, Member, Role
from frontdesk.core.tokens import issue_token, member_for_token
from tests.factories import make_member


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_token_is_stored_only_as_a_digest(agent: Member) -> None:
    api_token, token = issue_token(agent, "CRM sync")
    stored = ApiToken.all_workspaces.get(pk=api_token.pk)
    assert token not in {stored.digest, stored.prefix, stored.name}
    assert token.split("_", 2)[2] not in stored.digest
    assert member_for_token(token) == agent


def test_api_accepts_a_valid_token_and_refuses_others(client: Client, agent: Member) -> None:
    _api_token, token = issue_token(agent, "script")
    assert client.get("/api/v1/me", headers=bearer(token)).json()["member"]["id"] == agent.pk
    for wrong in ["", "fd_nope_nope", token[:-1] + ("a" if token[-1] != "a" else "b"), "Bearer x"]:
        response = client.get("/api/v1/me", headers=bearer(wrong))
        assert response.status_code == 401
        assert response.json() == {"detail": "Authentication required: send a valid API token."}


def test_revoked_token_and_deactivated_member_lose_access_at_once(client: Client, agent: Member) -> None:
    api_token, token = issue_token(agent, "script")
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    client.force_login(agent.user)
    client.post(f"/settings/tokens/{api_token.pk}/revoke/")
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401

    _second, token2 = issue_token(agent, "second")
    agent.is_active = False
    agent.save()
    assert client.get("/api/v1/me", headers=bearer(token2)).status_code == 401


def test_token_page_shows_a_new_token_once(client: Client, agent: Member) -> None:
    client.force_login(agent.user)
    created = client.post("/settings/tokens/", {"name": "Zapier"})
    token = created.context["new_token"]
    assert token.startswith("fd_") and token in created.content.decode()
    listing = client.get("/settings/tokens/")
    assert "Zapier" in listing.content.decode()
    assert token not in listing.content.decode()


def test_member_cannot_revoke_a_colleagues_token_but_an_admin_can(client: Client, agent: Member) -> None:
    colleague = make_member(agent.workspace, Role.AGENT)
    api_token, _token = issue_token(colleague, "theirs")
    client.force_login(agent.user)
    assert client.post(f"/settings/tokens/{api_token.pk}/revoke/").status_code == 404
    api_token.refresh_from_db()
    assert api_token.revoked_at is None

    admin = make_member(agent.workspace, Role.ADMIN)
    client.force_login(admin.user)
    assert client.post(f"/settings/tokens/{api_token.pk}/revoke/").status_code == 302
    api_token.refresh_from_db()
    assert api_token.revoked_at is not None
