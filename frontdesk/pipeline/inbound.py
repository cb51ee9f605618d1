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
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from frontdesk.api.serializers import conversation_out, message_out
from frontdesk.channels.base import PayloadInvalid, adapter_for
from frontdesk.channels.models import Channel
from frontdesk.contacts.models import Contact, Identity
from frontdesk.conversations.models import (
    Conversation,
    ConversationStatus,
    DeliveryStatus,
    Message,
    MessageKind,
)
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


@dataclass(frozen=True)
class AttachmentRef:
    """A file the provider holds; it is downloaded later, never fetched here."""

    url: str
    filename: str = ""
    content_type: str = ""


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
    """The sender's identity on ``channel``, locked; created with a new contact the first time."""
    identities = Identity.in_workspace(channel.workspace_id).select_for_update(of=("self",)).select_related("contact")
    identity = identities.filter(channel=channel, external_id=ref.external_id).first()
    if identity is not None:
        return identity
    try:
        with transaction.atomic():
            contact = Contact.all_workspaces.create(
                workspace_id=channel.workspace_id, name=ref.name, email=ref.email, phone=ref.phone
            )
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


def _thread(channel: Channel, contact: Contact, now: datetime) -> tuple[Conversation, bool, dict[str, Any]]:
    """The conversation a new message of ``contact`` on ``channel`` belongs to: open, reopened or new."""
    conversations = Conversation.in_workspace(channel.workspace_id).select_for_update()
    active = (
        conversations.filter(contact=contact, channel=channel, status__in=ACTIVE_STATUSES)
        .order_by("-last_activity_at")
        .first()
    )
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
