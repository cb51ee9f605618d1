"""Inbound, many events at once: the same outcome as ``inbound.apply_event`` for each, in a few queries per batch.

A burst of webhooks becomes one batch in the worker. Applying it event by
event costs about ten queries per message; here each step is one query for
the whole batch and channel: lock the senders' identities (creating the
missing ones), find the messages already stored, lock the open conversations
(reopening or opening where needed), insert the messages, update the
conversations and their label links, read their labels for the events.

It is all or nothing: the caller runs it in a savepoint and, if anything
raises (a parser bug, a concurrent insert of the same identity), rolls it
back and applies the events one at a time instead, which isolates the event
at fault. Events are published in arrival order: each message, then each
conversation it touched, once, with its final state.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from frontdesk.api.serializers import conversation_out, message_out
from frontdesk.channels.base import PayloadInvalid, adapter_for
from frontdesk.channels.models import Channel
from frontdesk.contacts.models import Contact, Identity
from frontdesk.conversations.models import (
    Conversation,
    ConversationLabel,
    ConversationStatus,
    Message,
)
from frontdesk.pipeline.events import publish
from frontdesk.pipeline.inbound import (
    ACTIVE_STATUSES,
    InboundMessage,
    StatusUpdate,
    apply_status,
    new_message,
    note_activity,
)
from frontdesk.pipeline.models import InboundEvent
from frontdesk.pipeline.profiles import queue_profile_fetches


@dataclass
class Applied:
    """What happened to one event: its outcome and notes on what was skipped, as ``apply_event`` returns."""

    outcome: str = "processed"
    notes: list[str] = field(default_factory=list)


@dataclass
class _Touched:
    conversation: Conversation
    created: bool
    changes: dict[str, Any] = field(default_factory=dict)


def apply_events(events: list[InboundEvent]) -> list[Applied]:
    """Apply locked, unprocessed events in the caller's transaction; one ``Applied`` per event, in order."""
    applied = [Applied() for _ in events]
    by_channel: dict[int, list[tuple[int, InboundMessage]]] = defaultdict(list)
    channels: dict[int, Channel] = {}
    for index, event in enumerate(events):
        channel = channels.setdefault(event.channel_id, event.channel)
        try:
            items = adapter_for(channel).parse(channel, event.payload)
        except PayloadInvalid as error:
            applied[index] = Applied("unparseable", [error.detail])
            continue
        for item in items:
            if isinstance(item, InboundMessage):
                by_channel[channel.pk].append((index, item))
            elif isinstance(item, StatusUpdate) and (note := apply_status(channel, item)):
                applied[index].notes.append(note)
    for channel_id, messages in by_channel.items():
        for index, note in _ingest(channels[channel_id], messages):
            applied[index].notes.append(note)
    return applied


def _ingest(channel: Channel, inbound: list[tuple[int, InboundMessage]]) -> list[tuple[int, str]]:
    """Store the channel's new messages; returns (event index, note) for each one skipped."""
    workspace_id = channel.workspace_id
    skipped: list[tuple[int, str]] = []
    known = set(
        Message.in_workspace(workspace_id)
        .filter(channel=channel, provider_message_id__in=[item.provider_message_id for _, item in inbound])
        .values_list("provider_message_id", flat=True)
    )
    new: list[tuple[int, InboundMessage]] = []
    for index, item in inbound:
        if item.provider_message_id in known:
            skipped.append((index, f"message {item.provider_message_id} was already stored"))
        else:
            known.add(item.provider_message_id)
            new.append((index, item))
    if not new:
        return skipped

    identities = _identities(channel, [item for _, item in new])
    now = timezone.now()
    touched = _threads(channel, {identity.contact_id for identity in identities.values()}, now)
    rows = []
    for _index, item in new:
        entry = touched[identities[item.contact.external_id].contact_id]
        rows.append(new_message(channel, entry.conversation, item, now))
        note_activity(entry.conversation, entry.changes, item, now)
    stored = Message.all_workspaces.bulk_create(rows)
    _save_conversations(list(touched.values()), now)
    _publish(workspace_id, stored, list(touched.values()))
    return skipped


def _identities(channel: Channel, items: list[InboundMessage]) -> dict[str, Identity]:
    """The senders' identities on ``channel`` by external id, locked; created with new contacts where missing."""
    refs = {item.contact.external_id: item.contact for item in items}
    found = {
        identity.external_id: identity
        for identity in Identity.in_workspace(channel.workspace_id)
        .select_for_update(of=("self",))
        .filter(channel=channel, external_id__in=list(refs))
        .order_by("pk")
    }
    missing = [ref for external_id, ref in refs.items() if external_id not in found]
    if missing:
        contacts = Contact.all_workspaces.bulk_create(
            [
                Contact(workspace_id=channel.workspace_id, name=ref.name, email=ref.email, phone=ref.phone)
                for ref in missing
            ]
        )
        # A concurrent batch creating the same identity makes this raise; the caller falls back to one by one.
        created = Identity.all_workspaces.bulk_create(
            [
                Identity(
                    workspace_id=channel.workspace_id,
                    contact=contact,
                    channel=channel,
                    external_id=ref.external_id,
                    display_name=ref.name,
                )
                for ref, contact in zip(missing, contacts, strict=True)
            ]
        )
        found.update((identity.external_id, identity) for identity in created)
        queue_profile_fetches(channel, [identity.pk for identity in created])
    return found


def _threads(channel: Channel, contact_ids: set[int], now: datetime) -> dict[int, _Touched]:
    """Per contact, the conversation new messages go to: the active one, a recently resolved one reopened, or new."""
    conversations = Conversation.in_workspace(channel.workspace_id).select_for_update()
    touched: dict[int, _Touched] = {}
    active = conversations.filter(contact_id__in=contact_ids, channel=channel, status__in=ACTIVE_STATUSES)
    for conversation in active.order_by("contact_id", "-last_activity_at"):
        touched.setdefault(conversation.contact_id, _Touched(conversation, created=False))
    waiting = contact_ids - touched.keys()
    if waiting:
        window = timedelta(days=channel.workspace.reopen_window_days)
        recent = conversations.filter(
            contact_id__in=waiting,
            channel=channel,
            status=ConversationStatus.RESOLVED,
            resolved_at__gte=now - window,
        ).order_by("contact_id", "-resolved_at")
        for conversation in recent:
            if conversation.contact_id not in touched:
                conversation.status = ConversationStatus.OPEN
                conversation.resolved_at = None
                touched[conversation.contact_id] = _Touched(
                    conversation, created=False, changes={"status": ConversationStatus.OPEN.value}
                )
    new = [
        Conversation(workspace_id=channel.workspace_id, contact_id=contact_id, channel=channel, last_activity_at=now)
        for contact_id in sorted(contact_ids - touched.keys())
    ]
    for conversation in Conversation.all_workspaces.bulk_create(new):
        touched[conversation.contact_id] = _Touched(conversation, created=True)
    return touched


def _save_conversations(entries: list[_Touched], now: datetime) -> None:
    """Write the touched conversations back in three statements, not one per conversation.

    Every one gets the new last activity and, if it was not waiting, starts
    waiting now; the few that woke from snooze or reopened change status; the
    previews differ per conversation (one CASE). ``bulk_update`` over all six
    fields would build a CASE per field and row, which costs more than the
    whole rest of the batch.
    """
    ids = [entry.conversation.pk for entry in entries]
    conversations = Conversation.all_workspaces.filter(pk__in=ids)
    conversations.update(last_activity_at=now, waiting_since=Coalesce("waiting_since", Value(now)))
    reopened = [entry.conversation.pk for entry in entries if "status" in entry.changes]
    if reopened:
        Conversation.all_workspaces.filter(pk__in=reopened).update(
            status=ConversationStatus.OPEN, snoozed_until=None, resolved_at=None
        )
    Conversation.all_workspaces.bulk_update([entry.conversation for entry in entries], ["last_message_preview"])
    # Updates skip Conversation.save, which keeps the label links in step; do it here.
    by_status: dict[str, list[int]] = defaultdict(list)
    for entry in entries:
        if not entry.created:  # a new conversation has no labels yet
            by_status[entry.conversation.status].append(entry.conversation.pk)
    for status, status_ids in by_status.items():
        ConversationLabel.follow(status_ids, status=status, last_activity_at=now)


def _publish(workspace_id: int, messages: list[Message], entries: list[_Touched]) -> None:
    for message in messages:
        publish(
            "message.created",
            workspace_id,
            {
                "message": message_out(message, attachments=[]).model_dump(mode="json"),
                "conversation_id": message.conversation_id,
                "pending_attachments": len(message.metadata.get("pending_attachments") or []),
            },
        )
    existing = [entry.conversation.pk for entry in entries if not entry.created]
    labels: dict[int, list[str]] = defaultdict(list)
    for conversation_id, name in (
        ConversationLabel.in_workspace(workspace_id)
        .filter(conversation_id__in=existing)
        .order_by("label__name")
        .values_list("conversation_id", "label__name")
    ):
        labels[conversation_id].append(name)
    for entry in entries:
        payload: dict[str, Any] = {
            "conversation": conversation_out(entry.conversation, labels[entry.conversation.pk]).model_dump(mode="json")
        }
        if entry.created:
            publish("conversation.created", workspace_id, payload)
        else:
            publish("conversation.updated", workspace_id, {**payload, "changes": entry.changes})
