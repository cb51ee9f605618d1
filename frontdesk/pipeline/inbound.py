"""Inbound: a stored raw event → normalised items → contact, conversation, message → events.

Every channel's adapter turns its provider's events into the same two shapes,
``InboundMessage`` and ``StatusUpdate``; from there on nothing depends on the
provider. ``apply_event`` runs with the event's row locked by the worker
(``pipeline.processing``), and the message's provider id is unique per channel,
so a replay, a concurrent duplicate or a reprocess after a crash never stores a
second message.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from frontdesk.api.serializers import conversation_out, message_out
from frontdesk.channels.base import PayloadInvalid, adapter_for
from frontdesk.channels.models import Channel
from frontdesk.contacts.models import Contact, Identity
from frontdesk.contacts.resolution import matching_contacts, new_contact, serialise
from frontdesk.conversations.models import (
    Conversation,
    ConversationStatus,
    DeliveryStatus,
    Message,
    MessageKind,
)
from frontdesk.core.html import sanitize_html
from frontdesk.core.models import CrossChannelCases
from frontdesk.pipeline.events import publish
from frontdesk.pipeline.models import InboundEvent
from frontdesk.pipeline.outbound import apply_delivery_status
from frontdesk.pipeline.profiles import queue_profile_fetches

logger = logging.getLogger(__name__)

PREVIEW_LENGTH = 200
ACTIVE_STATUSES = (ConversationStatus.OPEN, ConversationStatus.PENDING, ConversationStatus.SNOOZED)


@dataclass(frozen=True)
class ContactRef:
    """Who wrote, as the channel knows them: ``external_id`` is their address on that channel."""

    external_id: str
    name: str = ""
    email: str = ""
    phone: str = ""
    # Which of ``phone`` and ``email`` the channel itself vouches for (the sender's address is that number or
    # mailbox): a new identity joins the one existing contact with a verified identifier, never by name.
    verified: frozenset[str] = frozenset()
    # The business's own id for this customer, when the business vouched for it (a signed widget identity).
    customer_id: str = ""


@dataclass(frozen=True)
class AttachmentRef:
    """A file the provider holds; it is downloaded later, never fetched here."""

    url: str
    filename: str = ""
    content_type: str = ""


# "Re:", "Fwd:", "FW:", "AW:", "Re[2]:" and the Chinese forms, ASCII or full-width colon, repeated.
_SUBJECT_PREFIX = re.compile(
    r"^\s*(?:(?:re|fwd?|aw|wg)(?:\[\d+\])?|回覆|回复|答复|答覆|轉寄|转发|轉發|转寄)\s*[:：]\s*", re.IGNORECASE
)


def subject_key(subject: str) -> str:
    """A subject as threads compare it: reply and forward prefixes gone, spaces collapsed, case folded."""
    subject = " ".join(subject.split())
    while True:
        stripped = _SUBJECT_PREFIX.sub("", subject, count=1)
        if stripped == subject:
            return subject.casefold()
        subject = stripped


@dataclass(frozen=True)
class ThreadHint:
    """How a message names its conversation, for channels that thread by more than the sender (email).

    Tried in order: a conversation holding a message whose provider id is in
    ``message_ids`` (one of ours, or one of this contact's); the conversation
    ``conversation_id`` names (the adapter verified its token); the contact's
    open conversation whose subject has the same ``subject_key``; else a new
    conversation with ``subject``.
    """

    message_ids: tuple[str, ...] = ()
    conversation_id: int | None = None
    subject: str = ""

    @property
    def subject_key(self) -> str:
        return subject_key(self.subject)


@dataclass(frozen=True)
class InboundMessage:
    provider_message_id: str
    contact: ContactRef
    text: str = ""
    attachments: tuple[AttachmentRef, ...] = ()
    location: dict[str, Any] | None = None
    contact_card: dict[str, Any] | None = None
    reply_to: str = ""
    interactive: dict[str, Any] | None = None
    sent_at: datetime | None = None
    # What only this provider knows and may need later (LINE's reply token, for one).
    provider: dict[str, Any] | None = None
    # Formatted text (an email's HTML body); sanitised again before it is stored.
    html: str = ""
    # None: the message joins its sender's open conversation on the channel, as chat does.
    thread: ThreadHint | None = None

    def metadata(self) -> dict[str, Any]:
        parts: dict[str, Any] = {
            "location": self.location,
            "contact_card": self.contact_card,
            "reply_to": self.reply_to,
            "interactive": self.interactive,
            "sent_at": self.sent_at.isoformat() if self.sent_at else None,
            "provider": self.provider,
            "pending_attachments": [
                {"url": item.url, "filename": item.filename, "content_type": item.content_type}
                for item in self.attachments
            ],
        }
        return {key: value for key, value in parts.items() if value}

    def preview(self) -> str:
        if self.text:
            return self.text[:PREVIEW_LENGTH]
        if self.interactive:
            return str(self.interactive.get("title") or self.interactive.get("id", ""))[:PREVIEW_LENGTH]
        if self.attachments:
            return ("📎 " + (self.attachments[0].filename or "attachment"))[:PREVIEW_LENGTH]
        if self.location:
            return ("📍 " + str(self.location.get("name") or "location"))[:PREVIEW_LENGTH]
        if self.contact_card:
            return ("👤 " + str(self.contact_card.get("name") or "contact"))[:PREVIEW_LENGTH]
        return ""


def sent_automatically(message: Message) -> bool:
    """Whether a customer message was written by a machine (an out-of-office reply, a bounce, a bulk mailing).

    Anything that answers customers without an agent (acknowledgements, away
    messages, bots) must skip such messages: answering an auto-responder
    starts a mail loop. Adapters mark them in ``provider["automatic"]``.
    """
    provider = (message.metadata or {}).get("provider") or {}
    return bool(provider.get("automatic") or provider.get("bounce"))


@dataclass(frozen=True)
class StatusUpdate:
    """The provider's news about one of our outbound messages."""

    provider_message_id: str
    status: DeliveryStatus
    reason: str = ""
    at: datetime | None = None


def apply_event(event: InboundEvent) -> tuple[str, list[str]]:
    """Turn one stored event into messages and status changes, in the caller's transaction.

    Returns the outcome and notes on what was skipped. An event the adapter
    cannot parse is "unparseable" (it never will parse); any other exception
    propagates, and the caller retries the event later. The caller holds the
    event's row, so nobody else applies it meanwhile.
    """
    channel = event.channel
    notes: list[str] = []
    try:
        items = adapter_for(channel).parse(channel, event.payload)
    except PayloadInvalid as error:
        return "unparseable", [error.detail]
    for item in items:
        note = ingest_message(channel, item) if isinstance(item, InboundMessage) else apply_status(channel, item)
        if note:
            notes.append(note)
    return "processed", notes


def ingest_message(channel: Channel, inbound: InboundMessage) -> str:
    """Store one customer message in the right conversation; returns a note when it was skipped.

    Runs inside the caller's transaction. The contact's identity row is locked
    first, so two messages of one contact never open two conversations.
    """
    identity = _identity(channel, inbound.contact)
    if (
        Message.in_workspace(channel.workspace_id)
        .filter(channel=channel, provider_message_id=inbound.provider_message_id)
        .exists()
    ):
        return f"message {inbound.provider_message_id} was already stored"
    now = timezone.now()
    if joins_other_channels(channel):
        decide_cases_in_turn(channel.workspace_id, [identity.contact_id])
    if inbound.thread is not None:
        conversation, created, changes = _hinted_thread(channel, identity.contact, inbound.thread, now)
    else:
        conversation, created, changes = _thread(channel, identity.contact, now)
    message = new_message(channel, conversation, inbound, now)
    try:
        with transaction.atomic():
            message.save(force_insert=True)
    except IntegrityError:
        # Another event carrying the same message id got there first.
        return f"message {inbound.provider_message_id} was already stored"

    note_activity(conversation, changes, inbound, now)
    conversation.save(
        update_fields=[
            "last_message_preview",
            "last_activity_at",
            "waiting_since",
            "status",
            "snoozed_until",
            "resolved_at",
        ]
    )
    publish(
        "message.created",
        channel.workspace_id,
        {
            "message": message_out(message, attachments=[]).model_dump(mode="json"),
            "conversation_id": conversation.pk,
            "pending_attachments": len(inbound.attachments),
        },
    )
    label_names: list[str] | None = [] if created else None
    conversation_payload: dict[str, Any] = {
        "conversation": conversation_out(conversation, label_names).model_dump(mode="json")
    }
    if created:
        publish("conversation.created", channel.workspace_id, conversation_payload)
    else:
        publish("conversation.updated", channel.workspace_id, {**conversation_payload, "changes": changes})
    return ""


def new_message(channel: Channel, conversation: Conversation, inbound: InboundMessage, now: datetime) -> Message:
    """The unsaved Message for a customer's message in ``conversation``."""
    return Message(
        workspace_id=channel.workspace_id,
        conversation=conversation,
        kind=MessageKind.INBOUND,
        channel=channel,
        text=inbound.text,
        # Sanitised here as well as in Message.save, since batches insert without save().
        html=sanitize_html(inbound.html),
        provider_message_id=inbound.provider_message_id,
        metadata=inbound.metadata(),
        status=DeliveryStatus.RECEIVED,
        created_at=now,
    )


def note_activity(conversation: Conversation, changes: dict[str, Any], inbound: InboundMessage, now: datetime) -> None:
    """What a new customer message does to its conversation (unsaved); what changed goes into ``changes``."""
    conversation.last_message_preview = inbound.preview()
    conversation.last_activity_at = now
    if conversation.waiting_since is None:
        conversation.waiting_since = now
        changes["waiting_since"] = now.isoformat()
    if conversation.status == ConversationStatus.SNOOZED:
        conversation.status = ConversationStatus.OPEN
        conversation.snoozed_until = None
        changes["status"] = ConversationStatus.OPEN.value


def _identity(channel: Channel, ref: ContactRef) -> Identity:
    """The sender's identity on ``channel``, locked; created the first time.

    A new identity joins the one existing contact that shares an identifier the
    channel verified (``contacts.resolution``), or else a new contact.
    """
    identities = Identity.in_workspace(channel.workspace_id).select_for_update(of=("self",)).select_related("contact")
    identity = identities.filter(channel=channel, external_id=ref.external_id).first()
    if identity is not None:
        return identity
    try:
        with transaction.atomic():
            contact = matching_contacts(channel.workspace_id, [ref]).get(ref.external_id)
            if contact is None:
                contact = new_contact(channel.workspace_id, ref)
                contact.save(force_insert=True)
            identity = Identity.all_workspaces.create(
                workspace_id=channel.workspace_id,
                contact=contact,
                channel=channel,
                external_id=ref.external_id,
                display_name=ref.name,
            )
            queue_profile_fetches(channel, [identity.pk])
            return identity
    except IntegrityError:
        # A concurrent delivery created it between our read and our insert.
        return identities.get(channel=channel, external_id=ref.external_id)


def joins_other_channels(channel: Channel) -> bool:
    """Whether a message on ``channel`` joins its contact's open case on another channel (the workspace's choice)."""
    return bool(channel.workspace.cross_channel_cases == CrossChannelCases.JOIN)


def decide_cases_in_turn(workspace_id: int, contact_ids: Iterable[int]) -> None:
    """Make concurrent ingests for one contact choose its case one after the other, until commit.

    When channels join, a customer known on WhatsApp and by email who writes
    on both at once reaches two workers, each of which would find no open case
    and open one; the second now waits and then finds the first's.
    """
    serialise(workspace_id, (("case", str(contact_id)) for contact_id in contact_ids))


def open_case_elsewhere(
    conversations: QuerySet[Conversation], channel: Channel, contact_id: int
) -> Conversation | None:
    """The contact's most recently active open case on another channel, which a new message joins under "join"."""
    return (
        conversations.filter(contact_id=contact_id, status__in=ACTIVE_STATUSES)
        .exclude(channel=channel)
        .order_by("-last_activity_at")
        .first()
    )


def _thread(channel: Channel, contact: Contact, now: datetime) -> tuple[Conversation, bool, dict[str, Any]]:
    """The conversation a new message of ``contact`` on ``channel`` belongs to.

    Its open case on this channel; else, when the workspace joins channels,
    its open case on another; else one resolved here recently, reopened; else a new one.
    """
    conversations = Conversation.in_workspace(channel.workspace_id).select_for_update()
    active = (
        conversations.filter(contact=contact, channel=channel, status__in=ACTIVE_STATUSES)
        .order_by("-last_activity_at")
        .first()
    )
    if active is None and joins_other_channels(channel):
        active = open_case_elsewhere(conversations, channel, contact.pk)
    if active is not None:
        return active, False, {}
    window = timedelta(days=channel.workspace.reopen_window_days)
    recent = (
        conversations.filter(
            contact=contact, channel=channel, status=ConversationStatus.RESOLVED, resolved_at__gte=now - window
        )
        .order_by("-resolved_at")
        .first()
    )
    if recent is not None:
        recent.status = ConversationStatus.OPEN
        recent.resolved_at = None
        return recent, False, {"status": ConversationStatus.OPEN.value}
    conversation = Conversation.all_workspaces.create(
        workspace_id=channel.workspace_id, contact=contact, channel=channel, last_activity_at=now
    )
    return conversation, True, {}


@dataclass(frozen=True)
class ThreadReference:
    """A stored message a new one answers: where it is, and whether it is one of ours or whose it was."""

    conversation_id: int
    outbound: bool
    contact_id: int


def thread_references(channel: Channel, message_ids: Iterable[str]) -> dict[str, ThreadReference]:
    """The channel's stored messages with these provider ids, by id (one query)."""
    ids = sorted(set(message_ids))
    if not ids:
        return {}
    rows = (
        Message.in_workspace(channel.workspace_id)
        .filter(channel=channel, provider_message_id__in=ids)
        .values_list("provider_message_id", "conversation_id", "kind", "conversation__contact_id")
    )
    return {
        message_id: ThreadReference(conversation_id, kind == MessageKind.OUTBOUND, contact_id)
        for message_id, conversation_id, kind, contact_id in rows
    }


def referenced_conversation(hint: ThreadHint, contact_id: int, references: dict[str, ThreadReference]) -> int | None:
    """The conversation of the newest message ``hint`` answers that this contact may thread into.

    Our own mail's ids are random and only its recipients saw them, so any
    sender answering one joins (a colleague in Cc); an inbound message's id
    joins only mail from the same contact, since anyone can copy a customer's
    Message-ID into a header.
    """
    for message_id in reversed(hint.message_ids):
        reference = references.get(message_id)
        if reference is not None and (reference.outbound or reference.contact_id == contact_id):
            return reference.conversation_id
    return None


def _hinted_thread(
    channel: Channel, contact: Contact, hint: ThreadHint, now: datetime
) -> tuple[Conversation, bool, dict[str, Any]]:
    """The conversation a message with a thread hint joins (see ``ThreadHint``), reopened if it was resolved."""
    conversations = Conversation.in_workspace(channel.workspace_id).select_for_update().filter(channel=channel)
    named = referenced_conversation(hint, contact.pk, thread_references(channel, hint.message_ids))
    found = conversations.filter(pk=named).first() if named is not None else None
    if found is None and hint.conversation_id is not None:
        found = conversations.filter(pk=hint.conversation_id).first()
    if found is None:
        key = hint.subject_key
        active = conversations.filter(contact=contact, status__in=ACTIVE_STATUSES).order_by("-last_activity_at")
        found = next((conversation for conversation in active if subject_key(conversation.subject) == key), None)
    if found is None and joins_other_channels(channel):
        found = open_case_elsewhere(
            Conversation.in_workspace(channel.workspace_id).select_for_update(), channel, contact.pk
        )
    if found is not None:
        if found.status == ConversationStatus.RESOLVED:
            found.status = ConversationStatus.OPEN
            found.resolved_at = None
            return found, False, {"status": ConversationStatus.OPEN.value}
        return found, False, {}
    conversation = Conversation.all_workspaces.create(
        workspace_id=channel.workspace_id,
        contact=contact,
        channel=channel,
        subject=hint.subject[:255],
        last_activity_at=now,
    )
    return conversation, True, {}


def apply_status(channel: Channel, update: StatusUpdate) -> str:
    """Move one outbound message's delivery status forward; returns a note when nothing changed."""
    message = (
        Message.in_workspace(channel.workspace_id)
        .select_for_update()
        .filter(channel=channel, kind=MessageKind.OUTBOUND, provider_message_id=update.provider_message_id)
        .first()
    )
    if message is None:
        return f"no outbound message {update.provider_message_id} on this channel"
    # One rule for every channel: statuses only move forward (see pipeline.outbound).
    apply_delivery_status(message, update.status, update.reason)
    return ""
