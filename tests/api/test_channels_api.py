"""Connecting and changing channels through the REST API: admins only, secrets never echoed to others."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from django.test import Client

from frontdesk.channels.api import setup
from frontdesk.channels.connect import CredentialField
from frontdesk.channels.models import Channel
from frontdesk.core.models import AuditEntry, Member
from frontdesk.core.tokens import issue_token
from tests.factories import make_channel, make_workspace

type Api = Callable[..., Any]


def api_as(client: Client, member: Member) -> Api:
    token = issue_token(member, "tests")[1]

    def call(method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        return getattr(client, method)(
            f"/api/v1{path}",
            data=body or {},
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )

    return call


@pytest.fixture
def as_admin(client: Client, admin: Member) -> Api:
    return api_as(client, admin)


@pytest.fixture
def as_agent(client: Client, agent: Member) -> Api:
    return api_as(client, agent)


def test_kinds_list_the_fields_each_connector_asks_for(as_agent: Api) -> None:
    kinds = {kind["kind"]: kind for kind in as_agent("get", "/channels/kinds").json()}
    fields = {field["name"]: field for field in kinds["api"]["fields"]}
    assert fields["signing_secret"] == {
        "name": "signing_secret",
        "label": "Signing secret",
        "secret": True,
        "required": False,
        "help_text": fields["signing_secret"]["help_text"],
        "generated": True,
        "default": "",
        "choices": [],
    }
    assert fields["callback_url"]["secret"] is False and kinds["api"]["docs_page"] == "api"


def test_admin_connects_patches_and_tests_a_channel(as_admin: Api, admin: Member) -> None:
    created = as_admin(
        "post", "/channels", {"kind": "api", "name": "Shop", "values": {"callback_url": "https://s.example"}}
    )
    assert created.status_code == 201
    body = created.json()
    channel = Channel.in_workspace(admin.workspace_id).get(pk=body["id"])
    secret = channel.secrets["signing_secret"]
    assert body["revealed"] == {"signing_secret": secret}
    assert body["secret_names"] == ["signing_secret"] and body["config"] == {"callback_url": "https://s.example"}
    assert body["webhook_url"] == f"http://127.0.0.1:8000/hooks/api/{channel.webhook_token}"
    assert body["setup"] is None

    patched = as_admin("patch", f"/channels/{channel.pk}", {"name": "Shop 2", "values": {"signing_secret": ""}})
    assert patched.status_code == 200 and patched.json()["name"] == "Shop 2"
    assert patched.json()["revealed"] == {"signing_secret": secret}  # blank keeps the stored secret
    assert as_admin("patch", f"/channels/{channel.pk}", {"is_active": False}).json()["is_active"] is False
    as_admin("patch", f"/channels/{channel.pk}", {"values": {"signing_secret": "chosen-by-admin"}})
    channel.refresh_from_db()
    assert channel.secrets["signing_secret"] == "chosen-by-admin"

    tested = as_admin("post", f"/channels/{channel.pk}/test")
    assert tested.status_code == 200
    assert tested.json() == {"ok": True, "detail": "No provider to call: the API channel is ready."}

    audit = json.dumps(list(AuditEntry.in_workspace(admin.workspace_id).values("action", "changes")))
    assert secret not in audit and "chosen-by-admin" not in audit and "signing_secret" in audit
    assert {"channel.connected", "channel.updated", "channel.connection_tested"} <= set(
        AuditEntry.in_workspace(admin.workspace_id).values_list("action", flat=True)
    )


def test_invalid_connections_are_refused_with_the_reason(as_admin: Api, admin: Member) -> None:
    unknown = as_admin("post", "/channels", {"kind": "pigeon", "name": "Coo"})
    assert unknown.status_code == 422 and "pigeon" in unknown.json()["detail"]
    stray = as_admin("post", "/channels", {"kind": "api", "name": "Shop", "values": {"password": "x"}})
    assert stray.status_code == 422 and "password" in stray.json()["detail"]
    assert as_admin("post", "/channels", {"kind": "api", "name": ""}).status_code == 422
    assert not Channel.in_workspace(admin.workspace_id).exists()


def test_a_missing_required_value_is_named(as_admin: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(setup, "CONNECTOR", replace(setup.CONNECTOR, fields=(CredentialField("api_key", "API key"),)))
    answer = as_admin("post", "/channels", {"kind": "api", "name": "Shop"})
    assert answer.status_code == 422 and answer.json()["detail"] == "API key (api_key) is required."


def test_agents_read_channels_without_secrets_and_cannot_change_them(as_agent: Api, agent: Member) -> None:
    channel = make_channel(agent.workspace, secrets={"signing_secret": "s3cret-value"}, config={"callback_url": "x"})
    listed = as_agent("get", "/channels")
    shown = as_agent("get", f"/channels/{channel.pk}")
    for answer in (listed, shown):
        assert answer.status_code == 200 and "s3cret-value" not in answer.text
    assert shown.json()["revealed"] is None and shown.json()["secret_names"] == ["signing_secret"]
    assert as_agent("post", "/channels", {"kind": "api", "name": "Mine"}).status_code == 403
    assert as_agent("patch", f"/channels/{channel.pk}", {"name": "Mine"}).status_code == 403
    assert as_agent("post", f"/channels/{channel.pk}/test").status_code == 403
    assert Channel.in_workspace(agent.workspace_id).get().name == channel.name


def test_another_workspaces_channel_is_not_found(as_admin: Api) -> None:
    stranger = make_channel(make_workspace(), secrets={"signing_secret": "theirs"})
    assert as_admin("get", f"/channels/{stranger.pk}").status_code == 404
    assert as_admin("patch", f"/channels/{stranger.pk}", {"name": "Mine"}).status_code == 404
    assert as_admin("post", f"/channels/{stranger.pk}/test").status_code == 404
    stranger.refresh_from_db()
    assert stranger.name != "Mine"
