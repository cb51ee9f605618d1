from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from frontdesk.conversations.models import Conversation, ConversationStatus
from frontdesk.conversations.tasks import wake_snoozed_conversations
from frontdesk.core.models import AuditEntry, Workspace
from tests.factories import make_conversation, make_workspace


def refreshed(conversation: Conversation) -> Conversation:
    return Conversation.all_workspaces.get(pk=conversation.pk)


@pytest.mark.django_db
def test_only_conversations_whose_snooze_ran_out_reopen(workspace: Workspace) -> None:
    now = timezone.now()
    long_ago = now - timedelta(days=2)
    due = make_conversation(
        workspace,
        status=ConversationStatus.SNOOZED,
        snoozed_until=now - timedelta(minutes=1),
        last_activity_at=long_ago,
    )
    other_workspace_due = make_conversation(
        make_workspace(), status=ConversationStatus.SNOOZED, snoozed_until=now - timedelta(seconds=1)
    )
    later = make_conversation(workspace, status=ConversationStatus.SNOOZED, snoozed_until=now + timedelta(hours=1))

    assert wake_snoozed_conversations.call() == 2

    for conversation in (due, other_workspace_due):
        woken = refreshed(conversation)
        assert woken.status == ConversationStatus.OPEN
        assert woken.snoozed_until is None
        assert woken.last_activity_at >= now
    still = refreshed(later)
    assert still.status == ConversationStatus.SNOOZED
    assert still.snoozed_until == later.snoozed_until


@pytest.mark.django_db
def test_conversations_that_are_not_snoozed_are_left_alone(workspace: Workspace) -> None:
    past = timezone.now() - timedelta(hours=1)
    # A stale snoozed_until on a conversation someone already resolved or reopened.
    resolved = make_conversation(workspace, status=ConversationStatus.RESOLVED, snoozed_until=past)
    pending = make_conversation(workspace, status=ConversationStatus.PENDING, snoozed_until=past)

    assert wake_snoozed_conversations.call() == 0

    assert refreshed(resolved).status == ConversationStatus.RESOLVED
    assert refreshed(pending).status == ConversationStatus.PENDING
    assert refreshed(pending).snoozed_until == past
    assert not AuditEntry.all_workspaces.filter(action="conversation.unsnoozed").exists()


@pytest.mark.django_db
def test_each_woken_conversation_is_audited_in_its_workspace(workspace: Workspace) -> None:
    until = timezone.now() - timedelta(minutes=5)
    conversation = make_conversation(workspace, status=ConversationStatus.SNOOZED, snoozed_until=until)

    wake_snoozed_conversations.call()
    wake_snoozed_conversations.call()

    entry = AuditEntry.in_workspace(workspace).get(action="conversation.unsnoozed")
    assert entry.object_type == "conversations.conversation"
    assert entry.object_id == str(conversation.pk)
    assert entry.actor is None
    assert entry.changes == {"status": ["snoozed", "open"], "snoozed_until": [until.isoformat(), None]}


def test_woken_conversations_are_announced_to_agents(
    workspace: Workspace, django_capture_on_commit_callbacks: Any
) -> None:
    from frontdesk.pipeline.events import _subscribers

    received: list[Any] = []
    _subscribers["test"] = received.extend
    try:
        due = make_conversation(
            workspace, status=ConversationStatus.SNOOZED, snoozed_until=timezone.now() - timedelta(minutes=1)
        )
        with django_capture_on_commit_callbacks(execute=True):
            wake_snoozed_conversations.call()
    finally:
        del _subscribers["test"]
    assert [(e.type, e.payload["conversation"]["id"], e.payload["conversation"]["status"]) for e in received] == [
        ("conversation.updated", due.pk, "open")
    ]
