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

from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from frontdesk.api.serializers import conversation_out, message_out
from frontdesk.channels.base import PayloadInvalid, adapter_for
from frontdesk.channels.models import Channel
from frontdesk.contacts.models import Contact, Identity
from frontdesk.contacts.resolution import first_identifier, matching_contacts, new_contact
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
    ThreadHint,
    ThreadReference,
    apply_status,
    decide_cases_in_turn,
    joins_other_channels,
    new_message,
    note_activity,
    referenced_conversation,
    subject_key,
    thread_references,
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
    # The messages that new ones answer (email threading) are read in the same query as the duplicates.
    answered = {message_id for _, item in inbound if item.thread for message_id in item.thread.message_ids}
    references = thread_references(channel, [*(item.provider_message_id for _, item in inbound), *answered])
    known = set(references)
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
    items = [(item, identities[item.contact.external_id].contact_id) for _, item in new]
    entries = _threads(channel, items, references, now)
    rows = []
    for (item, _contact_id), entry in zip(items, entries, strict=True):
        rows.append(new_message(channel, entry.conversation, item, now))
        note_activity(entry.conversation, entry.changes, item, now)
    stored = Message.all_workspaces.bulk_create(rows)
    touched = list({id(entry): entry for entry in entries}.values())
    _save_conversations(touched, now)
    _publish(workspace_id, stored, touched)
    return skipped


def _identities(channel: Channel, items: list[InboundMessage]) -> dict[str, Identity]:
    """The senders' identities on ``channel`` by external id, locked; created where missing.

    As ``inbound._identity``: a new identity joins the one existing contact
    sharing a verified identifier, else a new contact; two new senders of the
    batch with one verified identifier get one new contact, as they would one
    after the other.
    """
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
        matched = matching_contacts(channel.workspace_id, missing)
        fresh: list[Contact] = []
        by_identifier: dict[tuple[str, str], Contact] = {}
        contacts: list[Contact] = []
        for ref in missing:
            contact = matched.get(ref.external_id)
            shared = first_identifier(ref)
            if contact is None and shared is not None:
                contact = by_identifier.get(shared)
            if contact is None:
                contact = new_contact(channel.workspace_id, ref)
                fresh.append(contact)
                if shared is not None:
                    by_identifier[shared] = contact
            contacts.append(contact)
        Contact.all_workspaces.bulk_create(fresh)
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


def _threads(
    channel: Channel,
    items: list[tuple[InboundMessage, int]],
    references: dict[str, ThreadReference],
    now: datetime,
) -> list[_Touched]:
    """The conversation each (message, contact id) goes to, in order, with what changed on it.

    A message without a thread hint joins its contact's active conversation, a
    recently resolved one reopened, or a new one (one per contact). A hinted
    message (email) joins what its hint names (``ThreadHint``): the
    conversations it names are locked in the same query as the active ones,
    and a message answering one earlier in the batch joins that one's. When
    the workspace joins channels, a message that would open a new case joins
    its contact's open case on another channel instead (as ``inbound._thread``).
    """
    conversations = Conversation.in_workspace(channel.workspace_id).select_for_update()
    contact_ids = {contact_id for _, contact_id in items}
    named: set[int] = set()
    for item, contact_id in items:
        if item.thread is not None:
            referenced = referenced_conversation(item.thread, contact_id, references)
            named.update(value for value in (referenced, item.thread.conversation_id) if value is not None)
    join_elsewhere = joins_other_channels(channel)
    if join_elsewhere:
        decide_cases_in_turn(channel.workspace_id, contact_ids)
    wanted = Q(contact_id__in=contact_ids, status__in=ACTIVE_STATUSES)
    if not join_elsewhere:
        wanted &= Q(channel=channel)
    if named:
        wanted |= Q(pk__in=named, channel=channel)
    active: dict[int, list[Conversation]] = defaultdict(list)
    elsewhere: dict[int, Conversation] = {}  # by contact: its most recently active open case on another channel
    by_pk: dict[int, Conversation] = {}
    for conversation in conversations.filter(wanted).order_by("contact_id", "-last_activity_at"):
        if conversation.channel_id != channel.pk:
            if conversation.status in ACTIVE_STATUSES:
                elsewhere.setdefault(conversation.contact_id, conversation)
            continue
        by_pk[conversation.pk] = conversation
        if conversation.status in ACTIVE_STATUSES:
            active[conversation.contact_id].append(conversation)

    entries: dict[int, _Touched] = {}  # by id() of the conversation object: new ones have no pk yet

    def touch(conversation: Conversation, *, created: bool = False) -> _Touched:
        entry = entries.get(id(conversation))
        if entry is None:
            entry = entries[id(conversation)] = _Touched(conversation, created=created)
            if conversation.status == ConversationStatus.RESOLVED:
                conversation.status = ConversationStatus.OPEN
                conversation.resolved_at = None
                entry.changes["status"] = ConversationStatus.OPEN.value
        return entry

    plain = {contact_id for item, contact_id in items if item.thread is None}
    waiting = {contact_id for contact_id in plain if not active[contact_id] and contact_id not in elsewhere}
    recent: dict[int, Conversation] = {}
    if waiting:
        window = timedelta(days=channel.workspace.reopen_window_days)
        for conversation in conversations.filter(
            contact_id__in=waiting,
            channel=channel,
            status=ConversationStatus.RESOLVED,
            resolved_at__gte=now - window,
        ).order_by("contact_id", "-resolved_at"):
            recent.setdefault(conversation.contact_id, conversation)

    new: list[Conversation] = []
    opened: dict[tuple[int, str | None], Conversation] = {}  # (contact, subject key or None for chat) → new one
    in_batch: dict[str, Conversation] = {}  # provider id of a message earlier in the batch → its conversation
    chosen: list[Conversation] = []
    for item, contact_id in items:
        hint = item.thread
        found: Conversation | None
        if hint is None:
            found = active[contact_id][0] if active[contact_id] else elsewhere.get(contact_id, recent.get(contact_id))
            key: str | None = None
        else:
            found = _hinted(hint, contact_id, references, by_pk, active[contact_id], in_batch)
            if found is None:
                found = elsewhere.get(contact_id)
            key = hint.subject_key
        if found is None:
            found = opened.get((contact_id, key))
        if found is None:
            found = Conversation(
                workspace_id=channel.workspace_id,
                contact_id=contact_id,
                channel=channel,
                subject=hint.subject[:255] if hint is not None else "",
                last_activity_at=now,
            )
            opened[(contact_id, key)] = found
            new.append(found)
        in_batch[item.provider_message_id] = found
        chosen.append(found)
    Conversation.all_workspaces.bulk_create(new)
    created = {id(conversation) for conversation in new}
    return [touch(conversation, created=id(conversation) in created) for conversation in chosen]


def _hinted(
    hint: ThreadHint,
    contact_id: int,
    references: dict[str, ThreadReference],
    by_pk: dict[int, Conversation],
    active: list[Conversation],
    in_batch: dict[str, Conversation],
) -> Conversation | None:
    """The existing conversation a hinted message joins, or ``None`` for a new one (see ``ThreadHint``)."""
    for message_id in reversed(hint.message_ids):
        if message_id in in_batch and in_batch[message_id].contact_id == contact_id:
            return in_batch[message_id]
    named = referenced_conversation(hint, contact_id, references)
    if named is not None and named in by_pk:
        return by_pk[named]
    if hint.conversation_id is not None and hint.conversation_id in by_pk:
        return by_pk[hint.conversation_id]
    key = hint.subject_key
    return next((conversation for conversation in active if subject_key(conversation.subject) == key), None)


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
