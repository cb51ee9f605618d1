"""From a stored event to a message: identity, threading, status updates, events, query budget."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from frontdesk.channels.api.setup import create_api_channel
from frontdesk.channels.models import Channel
from frontdesk.contacts.models import Contact, Identity
from frontdesk.conversations.models import Conversation, ConversationStatus, DeliveryStatus, Message, MessageKind
from frontdesk.core.models import Workspace
from frontdesk.pipeline import events
from frontdesk.pipeline.events import Event
from frontdesk.pipeline.models import InboundEvent
from frontdesk.pipeline.processing import process_due
from tests.channels.webhooks import deliver, message_event, status_event
from tests.factories import make_contact, make_conversation, make_identity, make_message


@pytest.fixture
def channel(workspace: Workspace) -> Channel:
    return create_api_channel(workspace, "Shop backend")


@pytest.fixture
def published() -> Any:
    """Events heard by a subscriber registered for the test, after commit."""
    heard: list[Event] = []

    def listen(published: list[Event]) -> None:
        heard.extend(published)

    events._subscribers["tests.listen"] = listen
    yield heard
    del events._subscribers["tests.listen"]


def conversations(channel: Channel) -> list[Conversation]:
    return list(Conversation.in_workspace(channel.workspace_id).filter(channel=channel).order_by("pk"))


@pytest.mark.django_db
def test_new_contact_is_created_once_and_reused(client: Client, channel: Channel) -> None:
    deliver(client, channel, [message_event(contact_id="crm-7", text="one")])
    deliver(client, channel, [message_event(contact_id="crm-7", text="two")])
    [contact] = Contact.in_workspace(channel.workspace_id)
    assert (contact.name, contact.email, contact.phone) == ("Ada Lovelace", "ada@example.com", "+441234")
    [identity] = Identity.in_workspace(channel.workspace_id)
    assert (identity.contact_id, identity.external_id, identity.channel_id) == (contact.pk, "crm-7", channel.pk)


@pytest.mark.django_db
def test_known_identity_brings_its_existing_contact(client: Client, channel: Channel) -> None:
    contact = make_contact(channel.workspace, name="Known customer")
    make_identity(contact, channel, external_id="crm-9")
    deliver(client, channel, [message_event(contact_id="crm-9")])
    assert Contact.in_workspace(channel.workspace_id).count() == 1
    assert conversations(channel)[0].contact_id == contact.pk


@pytest.mark.django_db
def test_same_contact_twice_threads_into_one_conversation(client: Client, channel: Channel) -> None:
    deliver(client, channel, [message_event(text="first")])
    deliver(client, channel, [message_event(text="second")])
    deliver(client, channel, [message_event(contact_id="someone-else", text="other")])
    first, other = conversations(channel)
    assert [m.text for m in first.messages.all()] == ["first", "second"]
    assert first.last_message_preview == "second"
    assert first.waiting_since is not None and first.status == ConversationStatus.OPEN
    assert [m.text for m in other.messages.all()] == ["other"]


@pytest.mark.django_db
def test_a_burst_processed_as_one_batch_threads_like_one_event_at_a_time(
    client: Client,
    channel: Channel,
    published: list[Event],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    """Several events of several contacts in one worker batch: the same result as applying them in turn."""
    known = make_contact(channel.workspace, name="Known")
    make_identity(known, channel, external_id="crm-known")
    snoozed = make_conversation(
        channel.workspace,
        contact=known,
        channel=channel,
        status=ConversationStatus.SNOOZED,
        snoozed_until=timezone.now() + timedelta(days=1),
    )
    sent = outbound(channel, "out-1")
    burst = [
        message_event(contact_id="crm-new", text="first", message_id="m-a"),
        message_event(contact_id="crm-known", text="wake up"),
        message_event(contact_id="crm-new", text="second", message_id="m-b"),
        message_event(contact_id="crm-new", text="second again", message_id="m-b"),  # the same message, resent
        status_event("out-1", "delivered"),
        message_event(contact_id="crm-other", text="hello"),
    ]
    for event in burst:
        deliver(client, channel, [event], process=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert process_due(limit=100).outcomes == {"processed": 6}

    woken, _with_the_outbound_message, new, other = conversations(channel)
    assert woken.pk == snoozed.pk and woken.status == ConversationStatus.OPEN and woken.snoozed_until is None
    assert [m.text for m in new.messages.all()] == ["first", "second"]
    assert new.last_message_preview == "second" and new.waiting_since is not None
    assert [m.text for m in other.messages.all()] == ["hello"]
    assert Contact.in_workspace(channel.workspace_id).count() == 4  # two new, the known one, the outbound one
    sent.refresh_from_db()
    assert sent.status == DeliveryStatus.DELIVERED
    resent = InboundEvent.in_workspace(channel.workspace_id).get(payload__message__text="second again")
    assert resent.error == "message m-b was already stored"
    created = [e.payload["message"]["text"] for e in published if e.type == "message.created"]
    assert created == ["first", "wake up", "second", "hello"]
    conversation_events = [(e.type, e.payload["conversation"]["id"]) for e in published if "conversation" in e.payload]
    assert sorted(conversation_events) == sorted(
        [("conversation.updated", woken.pk), ("conversation.created", new.pk), ("conversation.created", other.pk)]
    )


@pytest.mark.django_db
def test_resolved_conversation_within_the_window_is_reopened(client: Client, channel: Channel) -> None:
    contact = make_contact(channel.workspace)
    make_identity(contact, channel, external_id="crm-1")
    resolved = make_conversation(
        channel.workspace,
        contact=contact,
        channel=channel,
        status=ConversationStatus.RESOLVED,
        resolved_at=timezone.now() - timedelta(days=2),
    )
    deliver(client, channel, [message_event(contact_id="crm-1", text="me again")])
    [conversation] = conversations(channel)
    assert conversation.pk == resolved.pk
    assert conversation.status == ConversationStatus.OPEN and conversation.resolved_at is None
    assert conversation.last_message_preview == "me again"


@pytest.mark.django_db
def test_resolved_conversation_outside_the_window_stays_closed(client: Client, channel: Channel) -> None:
    channel.workspace.reopen_window_days = 3
    channel.workspace.save()
    contact = make_contact(channel.workspace)
    make_identity(contact, channel, external_id="crm-1")
    old = make_conversation(
        channel.workspace,
        contact=contact,
        channel=channel,
        status=ConversationStatus.RESOLVED,
        resolved_at=timezone.now() - timedelta(days=4),
    )
    deliver(client, channel, [message_event(contact_id="crm-1", text="new problem")])
    first, new = conversations(channel)
    assert first.pk == old.pk and first.status == ConversationStatus.RESOLVED
    assert [m.text for m in new.messages.all()] == ["new problem"]


@pytest.mark.django_db
def test_snoozed_conversation_wakes_up_on_a_customer_message(client: Client, channel: Channel) -> None:
    contact = make_contact(channel.workspace)
    make_identity(contact, channel, external_id="crm-1")
    snoozed = make_conversation(
        channel.workspace,
        contact=contact,
        channel=channel,
        status=ConversationStatus.SNOOZED,
        snoozed_until=timezone.now() + timedelta(days=1),
    )
    deliver(client, channel, [message_event(contact_id="crm-1")])
    [conversation] = conversations(channel)
    assert conversation.pk == snoozed.pk
    assert conversation.status == ConversationStatus.OPEN and conversation.snoozed_until is None


@pytest.mark.django_db
def test_structured_parts_are_kept_and_attachments_are_not_fetched(client: Client, channel: Channel) -> None:
    event = message_event(
        text="",
        attachments=[
            {"url": "http://169.254.169.254/latest", "filename": "scan.pdf", "content_type": "application/pdf"}
        ],
        location={"latitude": 25.03, "longitude": 121.56, "name": "Taipei 101"},
        contact_card={"name": "Bob", "phones": ["+886900000000"]},
        reply_to="m-0",
        interactive={"id": "yes", "title": "Yes please"},
    )
    deliver(client, channel, [event])
    [message] = Message.in_workspace(channel.workspace_id)
    assert message.metadata["pending_attachments"] == [
        {"url": "http://169.254.169.254/latest", "filename": "scan.pdf", "content_type": "application/pdf"}
    ]
    assert message.metadata["location"]["name"] == "Taipei 101"
    assert message.metadata["contact_card"]["phones"] == ["+886900000000"]
    assert message.metadata["reply_to"] == "m-0"
    assert message.metadata["interactive"] == {"id": "yes", "title": "Yes please"}
    assert message.metadata["sent_at"] == "2026-11-23T09:00:00+00:00"
    assert message.attachments.count() == 0
    assert conversations(channel)[0].last_message_preview == "Yes please"


@pytest.mark.django_db
def test_message_created_reaches_subscribers_after_commit(
    client: Client,
    channel: Channel,
    published: list[Event],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, channel, [message_event(text="hi")])
        deliver(client, channel, [message_event(text="again")])
    assert [event.type for event in published] == [
        "message.created",
        "conversation.created",
        "message.created",
        "conversation.updated",
    ]
    message = published[0].payload["message"]
    assert message["text"] == "hi" and message["kind"] == "inbound" and message["channel_id"] == channel.pk
    assert published[1].payload["conversation"]["last_message_preview"] == "hi"
    assert published[3].payload["conversation"]["last_message_preview"] == "again"
    assert all(event.workspace_id == channel.workspace_id for event in published)


@pytest.mark.django_db
def test_nothing_is_published_for_a_replay(
    client: Client,
    channel: Channel,
    published: list[Event],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    event = message_event()
    deliver(client, channel, [event])
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, channel, [event])
        deliver(client, channel, [{**event, "id": "another-event-same-message"}])
    assert published == []


@pytest.mark.django_db
def test_acknowledging_a_delivery_takes_a_fixed_number_of_queries(client: Client, channel: Channel) -> None:
    counts = []
    for number in range(3):
        with CaptureQueriesContext(connection) as captured:
            response = deliver(client, channel, [message_event(text=f"message {number}")], process=False)
        assert response.status_code == 200
        counts.append(len(captured))
    # The channel (then remembered for a second), and one insert-or-ignore that returns the rows it stored.
    assert counts == [2, 1, 1], [q["sql"][:80] for q in captured.captured_queries]


@pytest.mark.django_db
def test_processing_a_batch_takes_the_same_queries_whatever_its_size(client: Client, channel: Channel) -> None:
    deliver(client, channel, [message_event(contact_id=f"crm-{n}", text="opens") for n in range(50)])
    counts = []
    for size in (1, 10, 50):
        deliver(
            client, channel, [message_event(contact_id=f"crm-{n}", text="more") for n in range(size)], process=False
        )
        with CaptureQueriesContext(connection) as captured:
            assert process_due(limit=100).count == size
        counts.append(len(captured))
    # Is anything due; the transaction (two statements); claim the events with their channels; the batch's
    # savepoint (two); messages already stored; lock the identities; lock the active conversations; insert the
    # messages; update the conversations (activity, then previews) and their label links; read their labels;
    # mark the events processed. On PostgreSQL one more: the advisory locks (all in one statement) under which
    # the contacts' cases are chosen, so two channels' workers never open two cases for one contact.
    expected = 16 if connection.vendor == "postgresql" else 15
    assert counts == [expected] * 3, [q["sql"][:80] for q in captured.captured_queries]


def outbound(channel: Channel, provider_id: str, status: DeliveryStatus = DeliveryStatus.SENT) -> Message:
    conversation = make_conversation(channel.workspace, channel=channel)
    return make_message(conversation, MessageKind.OUTBOUND, provider_message_id=provider_id, status=status)


@pytest.mark.django_db
def test_status_updates_only_move_forward(
    client: Client,
    channel: Channel,
    published: list[Event],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    message = outbound(channel, "out-1")
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, channel, [status_event("out-1", "read")])
        deliver(client, channel, [status_event("out-1", "delivered"), status_event("out-1", "sent")])
        deliver(client, channel, [status_event("out-1", "failed", reason="too late")])
    message.refresh_from_db()
    assert (message.status, message.status_reason) == (DeliveryStatus.READ, "")
    assert [(e.type, e.payload["changes"]) for e in published] == [("message.updated", {"status": ["sent", "read"]})]


@pytest.mark.django_db
def test_failed_status_keeps_the_providers_reason(client: Client, channel: Channel) -> None:
    message = outbound(channel, "out-2")
    deliver(client, channel, [status_event("out-2", "failed", reason="number not on WhatsApp")])
    message.refresh_from_db()
    assert (message.status, message.status_reason) == (DeliveryStatus.FAILED, "number not on WhatsApp")
    deliver(client, channel, [status_event("out-2", "delivered")])
    message.refresh_from_db()
    assert (message.status, message.status_reason) == (DeliveryStatus.DELIVERED, "")


@pytest.mark.django_db
def test_receipts_in_any_order_end_in_the_furthest_state(client: Client, channel: Channel) -> None:
    shuffler = random.Random(7)
    expected = {}
    for number in range(30):
        provider_id = f"out-{number}"
        outbound(channel, provider_id)
        statuses = ["sent", "delivered", "read"][: 1 + number % 3]
        if number % 5 == 0:
            statuses.append("failed")
        receipts = [status_event(provider_id, status) for status in statuses * 2]
        shuffler.shuffle(receipts)
        deliver(client, channel, receipts)
        furthest = statuses[-2] if statuses[-1] == "failed" and len(statuses) > 2 else statuses[-1]
        expected[provider_id] = furthest
    found = dict(
        Message.in_workspace(channel.workspace_id)
        .filter(kind=MessageKind.OUTBOUND)
        .values_list("provider_message_id", "status")
    )
    assert found == expected


@pytest.mark.django_db
def test_status_for_an_unknown_or_foreign_message_is_recorded_not_applied(client: Client, channel: Channel) -> None:
    other_channel = create_api_channel(Workspace.objects.create(name="Other", slug="other"), "Other")
    theirs = outbound(other_channel, "out-theirs")
    response = deliver(client, channel, [status_event("out-theirs", "read"), status_event("nope", "read")])
    assert response.status_code == 200
    theirs.refresh_from_db()
    assert theirs.status == DeliveryStatus.SENT
    from frontdesk.pipeline.models import InboundEvent

    errors = sorted(InboundEvent.in_workspace(channel.workspace_id).values_list("error", flat=True))
    assert errors == ["no outbound message nope on this channel", "no outbound message out-theirs on this channel"]
