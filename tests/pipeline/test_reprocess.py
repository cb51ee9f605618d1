"""`frontdesk reprocess-events` recovers events stored before a crash, without duplicates."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from frontdesk.channels.api.setup import create_api_channel
from frontdesk.conversations.models import Conversation, Message
from frontdesk.core.models import Workspace
from frontdesk.pipeline.models import MAX_ATTEMPTS, InboundEvent
from tests.channels.webhooks import message_event


def stored_but_not_processed(workspace: Workspace, count: int) -> list[InboundEvent]:
    """What the database holds when the process died between acknowledging and processing."""
    channel = create_api_channel(workspace, "Shop backend")
    return [
        InboundEvent.all_workspaces.create(
            workspace=workspace, channel=channel, provider_event_id=event["id"], payload=event
        )
        for event in [message_event(contact_id=f"crm-{n % 2}", text=f"lost {n}") for n in range(count)]
    ]


def reprocess(*args: str) -> str:
    out = StringIO()
    call_command("reprocess_events", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_reprocessing_twice_creates_each_message_once(workspace: Workspace) -> None:
    stored_but_not_processed(workspace, 5)
    first = reprocess()
    assert "5 unprocessed event(s)" in first and "Done: 5 processed." in first
    second = reprocess()
    assert "0 unprocessed event(s)" in second and "Done: nothing to do." in second
    texts = sorted(Message.in_workspace(workspace).values_list("text", flat=True))
    assert texts == [f"lost {n}" for n in range(5)]
    assert Conversation.in_workspace(workspace).count() == 2
    assert not InboundEvent.in_workspace(workspace).filter(processed_at__isnull=True).exists()


@pytest.mark.django_db
def test_reprocessing_skips_messages_that_made_it_before_the_crash(workspace: Workspace) -> None:
    [event] = stored_but_not_processed(workspace, 1)
    reprocess()
    # The crash hit after the message was stored but before the event was marked.
    InboundEvent.all_workspaces.filter(pk=event.pk).update(processed_at=None)
    assert "1 unprocessed" in reprocess()
    assert Message.in_workspace(workspace).count() == 1
    event.refresh_from_db()
    assert event.processed_at is not None and "already stored" in event.error


@pytest.mark.django_db
def test_reprocess_can_be_limited_to_a_channel_and_a_time(workspace: Workspace) -> None:
    [event] = stored_but_not_processed(workspace, 1)
    other = stored_but_not_processed(workspace, 1)[0]
    assert "1 unprocessed" in reprocess("--channel", str(event.channel_id))
    assert "0 unprocessed" in reprocess("--since", "2999-01-01T00:00:00Z")
    other.refresh_from_db()
    assert other.processed_at is None


@pytest.mark.django_db
def test_an_event_that_keeps_failing_stops_being_retried(workspace: Workspace) -> None:
    [event] = stored_but_not_processed(workspace, 1)
    InboundEvent.all_workspaces.filter(pk=event.pk).update(attempts=MAX_ATTEMPTS)
    assert "0 unprocessed" in reprocess()
    assert "1 unprocessed" in reprocess("--include-failed")


@pytest.mark.django_db
def test_an_event_that_no_longer_parses_is_closed_with_its_error(workspace: Workspace) -> None:
    [event] = stored_but_not_processed(workspace, 1)
    InboundEvent.all_workspaces.filter(pk=event.pk).update(payload={"id": event.provider_event_id, "type": "gossip"})
    assert "Done: 1 unparseable." in reprocess()
    event.refresh_from_db()
    assert event.processed_at is not None and "event:" in event.error
    assert Message.in_workspace(workspace).count() == 0
