"""Ack fast, process later; a poison event is retried with back-off and dead-lettered, never blocking others.

RELIABILITY T-07 and T-08. The poison comes from a channel adapter whose
parser raises on one payload, as a buggy provider integration would; the
pipeline around it is the real one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client, override_settings

from frontdesk.channels import base
from frontdesk.channels.api.adapter import ApiAdapter
from frontdesk.channels.api.setup import create_api_channel
from frontdesk.channels.models import Channel
from frontdesk.conversations.models import Message
from frontdesk.core.models import AuditEntry, Member, Role, Workspace
from frontdesk.pipeline.models import MAX_ATTEMPTS, InboundEvent
from frontdesk.pipeline.processing import process_due, retry_delay
from tests.channels.webhooks import deliver, message_event, process_stored_events
from tests.factories import make_member, make_workspace


class ParserBug(RuntimeError):
    pass


class AdapterWithAParserBug(ApiAdapter):
    """The API channel's adapter, but its parser crashes on payloads marked as poison."""

    def parse(self, channel: Channel, payload: dict[str, Any]) -> Any:
        if payload.get("message", {}).get("text") == "poison":
            raise ParserBug("cannot parse this one")
        return super().parse(channel, payload)


@pytest.fixture
def buggy_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(base._adapters, "api", AdapterWithAParserBug())


@pytest.fixture
def channel(workspace: Workspace) -> Channel:
    return create_api_channel(workspace, "Shop backend")


def event_of(channel: Channel, text: str) -> InboundEvent:
    return InboundEvent.in_workspace(channel.workspace_id).get(payload__message__text=text)


@pytest.mark.django_db
def test_deliveries_are_acknowledged_and_kept_while_no_worker_runs(client: Client, channel: Channel) -> None:
    answers = [
        deliver(client, channel, [message_event(contact_id=f"c-{n % 7}", text=f"m{n}")], process=False)
        for n in range(200)
    ]
    assert {answer.status_code for answer in answers} == {200}
    assert InboundEvent.in_workspace(channel.workspace_id).filter(processed_at__isnull=True).count() == 200
    assert not Message.in_workspace(channel.workspace_id).exists()
    # The worker starts.
    assert process_stored_events() == 200
    texts = Message.in_workspace(channel.workspace_id).values_list("text", flat=True)
    assert sorted(texts) == sorted(f"m{n}" for n in range(200))


@pytest.mark.django_db
@pytest.mark.usefixtures("buggy_parser")
@override_settings(FRONTDESK_INBOUND_FIRST_RETRY_SECONDS=0)
def test_a_poison_event_is_retried_five_times_then_dead_lettered_and_others_go_through(
    client: Client, channel: Channel
) -> None:
    good = [message_event(contact_id=f"c-{n % 50}", text=f"good {n}") for n in range(1000)]
    good.insert(500, message_event(contact_id="c-1", text="poison"))
    for start in range(0, len(good), 100):
        deliver(client, channel, good[start : start + 100], process=False)

    first = process_due(limit=2000, seconds=600)
    assert first.outcomes == {"processed": 1000, "failed": 1}
    assert Message.in_workspace(channel.workspace_id).count() == 1000
    poison = event_of(channel, "poison")
    assert poison.attempts == 1 and poison.processed_at is None
    assert poison.error == "ParserBug: cannot parse this one"

    outcomes = [dict(process_due().outcomes) for _ in range(MAX_ATTEMPTS + 2)]
    assert outcomes == [{"failed": 1}] * 3 + [{"dead-lettered": 1}] + [{}] * 3
    poison.refresh_from_db()
    assert poison.attempts == MAX_ATTEMPTS and poison.is_dead
    assert Message.in_workspace(channel.workspace_id).count() == 1000


def test_retries_back_off_exponentially_with_jitter() -> None:
    for attempts, base_seconds in [(1, 2), (2, 4), (3, 8), (4, 16)]:
        delays = {retry_delay(attempts).total_seconds() for _ in range(50)}
        assert all(base_seconds * 0.75 <= delay <= base_seconds * 1.25 for delay in delays)
        assert len(delays) > 1  # jittered, so a burst of failures does not retry in lockstep


@pytest.fixture
def dead_event(channel: Channel, client: Client, monkeypatch: pytest.MonkeyPatch) -> Iterator[InboundEvent]:
    monkeypatch.setitem(base._adapters, "api", AdapterWithAParserBug())
    deliver(client, channel, [message_event(text="poison")], process=False)
    InboundEvent.in_workspace(channel.workspace_id).update(attempts=MAX_ATTEMPTS - 1)
    with override_settings(FRONTDESK_INBOUND_FIRST_RETRY_SECONDS=0):
        assert process_due().outcomes == {"dead-lettered": 1}
    monkeypatch.setitem(base._adapters, "api", ApiAdapter())  # the bug is fixed
    yield event_of(channel, "poison")


def signed_in(client: Client, member: Member) -> Client:
    client.force_login(member.user)
    return client


@pytest.mark.django_db
def test_admins_see_dead_letters_and_retry_them(client: Client, dead_event: InboundEvent) -> None:
    admin = make_member(dead_event.workspace, Role.ADMIN)
    page = signed_in(client, admin).get("/settings/inbound-events/")
    assert page.status_code == 200
    html = page.content.decode()
    assert dead_event.provider_event_id in html and "ParserBug: cannot parse this one" in html

    answer = client.post(f"/settings/inbound-events/{dead_event.pk}/retry/")
    assert answer.status_code == 302
    dead_event.refresh_from_db()
    assert dead_event.attempts == 0 and not dead_event.is_dead
    assert AuditEntry.in_workspace(dead_event.workspace_id).filter(action="inbound_event.retry").count() == 1
    assert process_stored_events() == 1
    assert Message.in_workspace(dead_event.workspace_id).get().text == "poison"
    assert "No failed events" in client.get("/settings/inbound-events/").content.decode()


@pytest.mark.django_db
def test_agents_and_other_workspaces_cannot_see_or_retry_dead_letters(client: Client, dead_event: InboundEvent) -> None:
    agent = make_member(dead_event.workspace, Role.AGENT)
    assert signed_in(client, agent).get("/settings/inbound-events/").status_code == 404
    assert client.post("/settings/inbound-events/retry/").status_code == 404

    stranger = make_member(make_workspace("Elsewhere"), Role.OWNER)
    assert signed_in(Client(), stranger).post(f"/settings/inbound-events/{dead_event.pk}/retry/").status_code == 404
    page = signed_in(Client(), stranger).get("/settings/inbound-events/")
    assert dead_event.provider_event_id not in page.content.decode()
    dead_event.refresh_from_db()
    assert dead_event.is_dead
