"""Admins connect channels from the settings pages; agents and other workspaces never reach them."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from frontdesk.channels.models import Channel, ChannelKind
from frontdesk.core.models import AuditEntry, Member, Role
from tests.factories import make_channel, make_member, make_workspace


def signed_in(client: Client, member: Member) -> Client:
    client.force_login(member.user)
    return client


def audit_text(member: Member) -> str:
    return json.dumps(list(AuditEntry.in_workspace(member.workspace_id).values("action", "changes")))


def test_admin_connects_tests_edits_and_disables_an_api_channel(client: Client, admin: Member) -> None:
    signed_in(client, admin)
    listing = client.get("/settings/channels/")
    assert listing.status_code == 200
    assert "No channels yet" in listing.text
    assert 'href="/settings/channels/connect/api/"' in client.get("/settings/channels/connect/").text

    form = client.get("/settings/channels/connect/api/")
    assert 'type="password" name="signing_secret"' in form.text
    assert "Leave blank to generate one." in form.text

    created = client.post(
        "/settings/channels/connect/api/", {"name": "Shop backend", "callback_url": "https://shop.example/replies"}
    )
    channel = Channel.in_workspace(admin.workspace_id).get()
    assert created.status_code == 302 and created["Location"] == f"/settings/channels/{channel.pk}/"
    secret = channel.secrets["signing_secret"]
    assert len(secret) > 30 and channel.config == {"callback_url": "https://shop.example/replies"}

    page = client.get(created["Location"])
    assert f"http://127.0.0.1:8000/hooks/api/{channel.webhook_token}" in page.text
    assert 'data-copy="webhook-url"' in page.text and "frontdesk/copy.js" in page.text
    assert f'value="{secret}"' in page.text  # the signing secret is revealed: the admin pastes it in their system
    assert "<code>signing_secret</code>" in page.text
    assert "Test connection" in page.text and "Sync templates" not in page.text

    tested = client.post(f"/settings/channels/{channel.pk}/test/", follow=True)
    assert "Connection works. No provider to call: the API channel is ready." in tested.text
    assert AuditEntry.in_workspace(admin.workspace_id).filter(action="channel.connection_tested").exists()

    edited = client.post(
        f"/settings/channels/{channel.pk}/", {"name": "Shop", "callback_url": "", "signing_secret": ""}, follow=True
    )
    assert "Changes saved." in edited.text
    channel.refresh_from_db()
    assert channel.name == "Shop" and channel.config == {} and channel.secrets["signing_secret"] == secret

    client.post(f"/settings/channels/{channel.pk}/toggle/")
    channel.refresh_from_db()
    assert not channel.is_active
    assert "Disabled" in client.get("/settings/channels/").text
    assert secret not in audit_text(admin)


def test_regenerating_a_generated_secret_shows_the_new_value_once(client: Client, admin: Member) -> None:
    signed_in(client, admin)
    client.post("/settings/channels/connect/api/", {"name": "Shop backend"})
    channel = Channel.in_workspace(admin.workspace_id).get()
    old = channel.secrets["signing_secret"]
    answer = client.post(f"/settings/channels/{channel.pk}/regenerate/", {"field": "signing_secret"})
    channel.refresh_from_db()
    new = channel.secrets["signing_secret"]
    assert new != old
    assert f'value="{new}"' in answer.text and answer["Cache-Control"] == "no-store"
    assert new not in audit_text(admin) and old not in audit_text(admin)
    refused = client.post(f"/settings/channels/{channel.pk}/regenerate/", {"field": "callback_url"}, follow=True)
    assert "is not a generated value" in refused.text


def test_a_missing_name_is_shown_on_the_form_and_nothing_is_created(client: Client, admin: Member) -> None:
    answer = signed_in(client, admin).post("/settings/channels/connect/api/", {"name": ""})
    assert answer.status_code == 422 and "This field is required." in answer.text
    assert not Channel.in_workspace(admin.workspace_id).exists()


def test_an_unknown_kind_cannot_be_connected(client: Client, admin: Member) -> None:
    assert signed_in(client, admin).get("/settings/channels/connect/pigeon/").status_code == 404


def test_a_secret_its_connector_does_not_list_is_shown_by_name_and_kept_on_edit(client: Client, admin: Member) -> None:
    # Every kind has a connector now (email since the mailbox connector); a secret stored before is still safe.
    channel = make_channel(admin.workspace, ChannelKind.EMAIL, secrets={"password": "hunter2"})
    page = signed_in(client, admin).get(f"/settings/channels/{channel.pk}/")
    assert page.status_code == 200 and "<code>password</code>" in page.text and "hunter2" not in page.text
    client.post(f"/settings/channels/{channel.pk}/", {"name": "Support mailbox", "address": "support@shop.example"})
    channel.refresh_from_db()
    assert channel.name == "Support mailbox" and channel.secrets["password"] == "hunter2"


def test_agents_do_not_find_the_channel_settings(client: Client, agent: Member) -> None:
    channel = make_channel(agent.workspace, secrets={"signing_secret": "s3cret-value"})
    signed_in(client, agent)
    for path in ["/settings/channels/", "/settings/channels/connect/", "/settings/channels/connect/api/"]:
        assert client.get(path).status_code == 404, path
    assert client.get(f"/settings/channels/{channel.pk}/").status_code == 404
    for action in ["", "toggle/", "test/", "regenerate/"]:
        assert client.post(f"/settings/channels/{channel.pk}/{action}", {"name": "x"}).status_code == 404, action
    channel.refresh_from_db()
    assert channel.is_active and channel.name != "x"
    assert 'href="/settings/channels/"' not in client.get("/settings/", follow=True).text


def test_admins_find_channels_in_the_settings_navigation(client: Client, admin: Member) -> None:
    assert 'href="/settings/channels/"' in signed_in(client, admin).get("/settings/", follow=True).text


def test_another_workspaces_channel_is_not_found(client: Client, admin: Member) -> None:
    stranger = make_channel(make_workspace(), secrets={"signing_secret": "theirs"})
    signed_in(client, admin)
    assert client.get(f"/settings/channels/{stranger.pk}/").status_code == 404
    assert client.post(f"/settings/channels/{stranger.pk}/toggle/").status_code == 404
    stranger.refresh_from_db()
    assert stranger.is_active


@pytest.mark.django_db
def test_an_admin_of_another_workspace_cannot_reach_this_one(client: Client, admin: Member) -> None:
    channel = make_channel(admin.workspace)
    outsider = make_member(make_workspace(), Role.ADMIN)
    assert signed_in(client, outsider).get(f"/settings/channels/{channel.pk}/").status_code == 404
