"""Joining two cases of one customer's problem into one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from frontdesk.channels.models import ChannelKind
from frontdesk.conversations.joining import join_conversations
from frontdesk.conversations.models import Conversation, ConversationLabel, ConversationStatus, Message
from frontdesk.core.models import AuditEntry, Member, Workspace
from frontdesk.pipeline.events import Event, _subscribers
from tests.factories import (
    make_channel,
    make_contact,
    make_conversation,
    make_label,
    make_message,
    make_workspace,
)


def fresh(conversation: Conversation) -> Conversation:
    return Conversation.all_workspaces.get(pk=conversation.pk)


@pytest.mark.django_db
def test_join_moves_messages_and_labels_and_resolves_the_other(
    workspace: Workspace, agent: Member, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    contact = make_contact(workspace)
    whatsapp, email = make_channel(workspace, ChannelKind.WHATSAPP), make_channel(workspace, ChannelKind.EMAIL)
    kept = make_conversation(workspace, contact=contact, channel=whatsapp)
    other = make_conversation(workspace, contact=contact, channel=email)
    make_message(kept, text="my flight was cancelled")
    make_message(other, text="any news about my flight?")
    label = make_label(workspace, "flights")
    ConversationLabel.all_workspaces.create(workspace=workspace, conversation=other, label=label)
    heard: list[Event] = []
    _subscribers["tests.joining"] = heard.extend
    try:
        with django_capture_on_commit_callbacks(execute=True):
            joined = join_conversations(agent, kept=kept, other=other)
    finally:
        del _subscribers["tests.joining"]

    assert joined.pk == kept.pk
    messages = Message.in_workspace(workspace).filter(conversation=kept).order_by("pk")
    assert [(m.text, m.channel_id) for m in messages] == [
        ("my flight was cancelled", whatsapp.pk),
        ("any news about my flight?", email.pk),
    ]
    other = fresh(other)
    assert other.status == ConversationStatus.RESOLVED and other.merged_into_id == kept.pk
    assert list(
        ConversationLabel.in_workspace(workspace).filter(conversation=kept).values_list("label", flat=True)
    ) == [label.pk]
    assert not ConversationLabel.in_workspace(workspace).filter(conversation=other).exists()
    updated = [event.payload["conversation"]["id"] for event in heard if event.type == "conversation.updated"]
    assert sorted(updated) == sorted([kept.pk, other.pk])
    [resolved] = [e for e in heard if e.type == "conversation.updated" and e.payload["conversation"]["id"] == other.pk]
    assert resolved.payload["conversation"]["merged_into_id"] == kept.pk
    assert AuditEntry.all_workspaces.filter(workspace=workspace, action="conversation.joined").count() == 1


@pytest.mark.django_db
def test_join_needs_one_contact_and_one_workspace(workspace: Workspace, agent: Member) -> None:
    kept = make_conversation(workspace)
    with pytest.raises(ValidationError):
        join_conversations(agent, kept=kept, other=make_conversation(workspace))
    theirs = make_conversation(make_workspace())
    make_message(theirs, text="theirs")
    with pytest.raises(Http404):
        join_conversations(agent, kept=kept, other=theirs)
    assert fresh(theirs).status == ConversationStatus.OPEN
    assert Message.all_workspaces.get(text="theirs").conversation_id == theirs.pk
