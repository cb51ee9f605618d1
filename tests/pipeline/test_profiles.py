"""A new customer's name and picture, fetched once from their channel by a task (LINE's profile API, faked)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult

from frontdesk.channels.line.adapter import sign
from frontdesk.channels.line.setup import create_line_channel
from frontdesk.channels.models import Channel
from frontdesk.contacts.models import Identity
from frontdesk.core.models import Member, Workspace
from frontdesk.pipeline.profiles import MAX_ATTEMPTS
from frontdesk.pipeline.tasks import fetch_identity_profiles
from tests.channels.webhooks import deliver, hook_path, message_event, process_stored_events
from tests.factories import PASSWORD, make_member, make_workspace
from tests.fake_receiver import FakeReceiver, running_receiver

pytestmark = pytest.mark.django_db

USER_ID = "U4af4980629e2b5e1a8d2e3f9b0c4d5e6"
SECRET = "8a1f0e1b7c2d4e5f8a1f0e1b7c2d4e5f"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 200


@pytest.fixture
def line_api(settings: Any) -> Iterator[FakeReceiver]:
    with running_receiver() as receiver:
        settings.FRONTDESK_HTTP_ALLOWED_PRIVATE_HOSTS = [receiver.host_port]
        yield receiver


@pytest.fixture
def channel(workspace: Workspace, line_api: FakeReceiver) -> Channel:
    return create_line_channel(workspace, "LINE OA", SECRET, "line-access-token", api_base_url=line_api.url(""))


def customer_writes(client: Client, channel: Channel, number: int) -> None:
    event = {
        "type": "message",
        "message": {"type": "text", "id": f"4681700{number:05d}", "quoteToken": "q3Plxr4AgKd", "text": "你好"},
        "webhookEventId": f"01FZ74A0TDDPYRVKNK77XK{number:04d}",
        "deliveryContext": {"isRedelivery": False},
        "timestamp": 1625665242211,
        "source": {"type": "user", "userId": USER_ID},
        "replyToken": "757913772c4646b784d4b7ce46d12671",
        "mode": "active",
    }
    body = json.dumps({"destination": "U" + "0" * 32, "events": [event]}).encode()
    headers = {"X-Line-Signature": sign(SECRET, body)}
    response = client.generic("POST", hook_path(channel), body, content_type="application/json", headers=headers)
    assert response.status_code == 200
    process_stored_events()


def queued_profile_fetches() -> list[list[int]]:
    """The identity ids of each queued profile-fetch task."""
    rows = DBTaskResult.objects.filter(task_path=fetch_identity_profiles.module_path).order_by("enqueued_at")
    return [row.args_kwargs["args"][0] for row in rows]


def profile_answer(line_api: FakeReceiver, picture: bytes = PNG) -> None:
    line_api.then(200, {"displayName": "陳大文", "userId": USER_ID, "pictureUrl": line_api.url("/picture/abc")})
    line_api.then(200, picture)


def test_a_new_customers_name_and_picture_are_fetched_once(
    client: Client, channel: Channel, line_api: FakeReceiver, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        customer_writes(client, channel, 1)
        customer_writes(client, channel, 2)
    identity = Identity.all_workspaces.get(channel=channel, external_id=USER_ID)
    assert queued_profile_fetches() == [[identity.pk]], "one fetch for the new identity, none for its second message"

    profile_answer(line_api)
    assert fetch_identity_profiles.call([identity.pk]) == "fetched 1"

    assert [request.path for request in line_api.received] == [f"/v2/bot/profile/{USER_ID}", "/picture/abc"]
    assert line_api.received[0].headers["Authorization"] == "Bearer line-access-token"
    identity.refresh_from_db()
    assert identity.display_name == "陳大文"
    assert identity.contact.name == "陳大文"
    assert identity.avatar.read() == PNG
    assert identity.profile_fetched_at is not None

    assert fetch_identity_profiles.call([identity.pk]) == "not_needed 1"
    assert len(line_api.received) == 2, "never asked twice"


def test_a_picture_that_is_not_an_image_is_not_kept(client: Client, channel: Channel, line_api: FakeReceiver) -> None:
    customer_writes(client, channel, 1)
    identity = Identity.all_workspaces.get(channel=channel)
    profile_answer(line_api, picture=b"<html><script>alert(1)</script></html>")
    fetch_identity_profiles.call([identity.pk])
    identity.refresh_from_db()
    assert identity.display_name == "陳大文"
    assert not identity.avatar


def test_a_provider_outage_is_tried_again_then_given_up(
    client: Client, channel: Channel, line_api: FakeReceiver, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        customer_writes(client, channel, 1)
    identity = Identity.all_workspaces.get(channel=channel)
    line_api.then(503, {"message": "busy"}, times=MAX_ATTEMPTS)
    with django_capture_on_commit_callbacks(execute=True):
        outcomes = [fetch_identity_profiles.call([identity.pk]) for _ in range(MAX_ATTEMPTS)]
    assert outcomes == ["retry 1"] * (MAX_ATTEMPTS - 1) + ["gave_up 1"]
    assert queued_profile_fetches() == [[identity.pk]] * MAX_ATTEMPTS, "the first fetch, then each retry once"
    identity.refresh_from_db()
    assert identity.profile_fetched_at is not None and not identity.display_name


def test_channels_that_tell_nothing_about_customers_queue_no_fetch(
    client: Client, workspace: Workspace, django_capture_on_commit_callbacks: Any
) -> None:
    from frontdesk.channels.api.setup import create_api_channel

    api_channel = create_api_channel(workspace, "Shop backend")
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, api_channel, [message_event()], process=True)
    assert Identity.all_workspaces.filter(channel=api_channel).exists()
    assert queued_profile_fetches() == []


def test_the_picture_is_shown_only_to_members_of_the_workspace(
    client: Client, channel: Channel, line_api: FakeReceiver, agent: Member
) -> None:
    customer_writes(client, channel, 1)
    identity = Identity.all_workspaces.get(channel=channel)
    profile_answer(line_api)
    fetch_identity_profiles.call([identity.pk])
    path = f"/inbox/identities/{identity.pk}/avatar/"

    client.login(email=agent.user.email, password=PASSWORD)
    answer = client.get(path)
    assert answer.status_code == 200 and answer["Content-Type"] == "image/png"

    outsider = make_member(make_workspace())
    client.login(email=outsider.user.email, password=PASSWORD)
    assert client.get(path).status_code == 404


def test_a_fetched_name_is_found_by_search_in_either_script(
    client: Client,
    channel: Channel,
    line_api: FakeReceiver,
    agent: Member,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from frontdesk.search.models import EntryKind
    from frontdesk.search.query import search

    customer_writes(client, channel, 1)
    identity = Identity.all_workspaces.get(channel=channel)
    assert not search(agent, "陳大文", kinds=[EntryKind.CONTACT]).hits
    profile_answer(line_api)
    with django_capture_on_commit_callbacks(execute=True):
        fetch_identity_profiles.call([identity.pk])
    [hit] = search(agent, "陈大文", kinds=[EntryKind.CONTACT]).hits
    assert hit.object_id == identity.contact_id
