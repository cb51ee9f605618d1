"""What a visitor's widget does to the inbox: messages stored as inbound events, history read back, context kept.

A customer message is stored as a raw inbound event of the web-chat channel
before it is acknowledged, keyed by the visitor and the id the browser made up
for it, so a message sent again after a reconnect is one message; the worker
turns it into the conversation's message like any channel's (``pipeline``).
The page context (order number, page address, title…) travels with each
message and is shown to the agent from the latest one (``context_of``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.utils import timezone

from frontdesk.channels.base import Delivery, RawEvent
from frontdesk.channels.webchat.media import upload_prefix
from frontdesk.contacts.models import Contact, Identity
from frontdesk.contacts.resolution import matching_contacts, new_contact
from frontdesk.conversations.models import Conversation, Message, MessageKind
from frontdesk.pipeline.inbound import ACTIVE_STATUSES, ContactRef
from frontdesk.pipeline.webhooks import store
from frontdesk.widget.signed_files import signed_file_url
from frontdesk.widget.visitors import CLIENT_ID, Visitor

MAX_TEXT = 5000
MAX_CONTEXT_KEYS = 20
MAX_CONTEXT_KEY = 40
MAX_CONTEXT_VALUE = 500
HISTORY_LENGTH = 100
URL_KEYS = {"page_url", "url", "referrer"}


class MessageRefused(ValueError):
    """The widget sent something that cannot be stored; ``code`` tells the widget which string to show."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Upload:
    """A file the visitor uploaded, staged in storage until the worker attaches it to the message."""

    storage_name: str
    filename: str
    content_type: str


def clean_context(value: Any) -> dict[str, str]:
    """The page context as flat text: at most 20 keys; addresses kept only when they are http(s)."""
    if not isinstance(value, dict):
        return {}
    cleaned: dict[str, str] = {}
    for key, item in list(value.items())[:MAX_CONTEXT_KEYS]:
        if not isinstance(key, str) or not key.strip() or isinstance(item, dict | list) or item is None:
            continue
        key = key.strip()[:MAX_CONTEXT_KEY]
        text = str(item).strip()[:MAX_CONTEXT_VALUE]
        if key in URL_KEYS and urlsplit(text).scheme not in ("http", "https"):
            continue
        if text:
            cleaned[key] = text
    return cleaned


def post_message(
    visitor: Visitor,
    client_id: str,
    text: str,
    context: dict[str, str] | None = None,
    uploads: tuple[Upload, ...] = (),
    offline: dict[str, str] | None = None,
) -> bool:
    """Store the visitor's message as an inbound event; False when that id was stored before (a resend)."""
    if not isinstance(client_id, str) or not CLIENT_ID.match(client_id):
        raise MessageRefused("invalid", "a message id is 8 to 64 letters, digits, - or _")
    text = text.strip() if isinstance(text, str) else ""
    if len(text) > MAX_TEXT:
        raise MessageRefused("too_long", f"a message is at most {MAX_TEXT} characters")
    if not text and not uploads:
        raise MessageRefused("empty", "a message needs text or a file")
    channel = visitor.channel
    event_id = f"{visitor.key}:{client_id}"
    payload: dict[str, Any] = {
        "type": "message",
        "id": event_id,
        "visitor": visitor.external_id,
        "text": text,
        "verified": visitor.verified,
        "name": visitor.name,
        "email": visitor.email,
        "unverified_name": visitor.unverified_name,
        "context": context or {},
        "attachments": [
            {"ref": item.storage_name, "filename": item.filename, "content_type": item.content_type}
            for item in uploads
            if item.storage_name.startswith(upload_prefix(channel))
        ],
    }
    if offline:
        payload["offline"] = offline
    receipt = store(channel, Delivery(events=[RawEvent(provider_event_id=event_id, payload=payload)]))
    return receipt.accepted == 1


def identity_of(visitor: Visitor) -> Identity | None:
    return (
        Identity.in_workspace(visitor.channel.workspace_id)
        .filter(channel=visitor.channel, external_id=visitor.external_id)
        .select_related("contact")
        .first()
    )


def contact_for(visitor: Visitor) -> Contact:
    """The visitor's contact, created (with their identity) if they never wrote yet, e.g. to ask for a call."""
    identity = identity_of(visitor)
    if identity is not None:
        return identity.contact
    workspace_id = visitor.channel.workspace_id
    # As at ingest: a signed-in customer joins the contact holding their customer id.
    ref = ContactRef(
        external_id=visitor.external_id, name=visitor.name, email=visitor.email, customer_id=visitor.user_id
    )
    try:
        with transaction.atomic():
            contact = matching_contacts(workspace_id, [ref]).get(ref.external_id) or new_contact(workspace_id, ref)
            if contact.pk is None:
                contact.save(force_insert=True)
            Identity.in_workspace(workspace_id).create(
                workspace_id=workspace_id,
                contact=contact,
                channel=visitor.channel,
                external_id=visitor.external_id,
                display_name=visitor.name,
            )
            return contact
    except IntegrityError:
        # Their first message was processed meanwhile, with the identity.
        identity = identity_of(visitor)
        if identity is None:
            raise
        return identity.contact


def remember_verified(visitor: Visitor) -> None:
    """A verified customer's name and email, as the business's site vouches for them now, kept on their contact."""
    if not visitor.verified or not (visitor.name or visitor.email):
        return
    identity = identity_of(visitor)
    if identity is None:
        return  # made with them by the first message
    contact = identity.contact
    changes = {
        field: value
        for field, value in (("name", visitor.name), ("email", visitor.email))
        if value and getattr(contact, field) != value
    }
    if changes:
        Contact.in_workspace(contact.workspace_id).filter(pk=contact.pk).update(**changes, updated_at=timezone.now())


def active_conversation(visitor: Visitor) -> Conversation | None:
    """The visitor's open conversation on the widget's channel, if any."""
    identity = identity_of(visitor)
    if identity is None:
        return None
    return (
        Conversation.in_workspace(visitor.channel.workspace_id)
        .filter(contact_id=identity.contact_id, channel=visitor.channel, status__in=ACTIVE_STATUSES)
        .order_by("-last_activity_at")
        .first()
    )


def history(visitor: Visitor) -> list[dict[str, Any]]:
    """The visitor's messages on this channel, oldest first (customer messages and replies; never private notes)."""
    identity = identity_of(visitor)
    if identity is None:
        return []
    channel = visitor.channel
    messages = list(
        Message.in_workspace(channel.workspace_id)
        .filter(
            conversation__contact_id=identity.contact_id,
            conversation__channel=channel,
            channel=channel,
            kind__in=[MessageKind.INBOUND, MessageKind.OUTBOUND],
        )
        .select_related("author__user")
        .prefetch_related("attachments")
        .order_by("-created_at", "-pk")[:HISTORY_LENGTH]
    )
    return [message_payload(message) for message in reversed(messages)]


def message_payload(message: Message) -> dict[str, Any]:
    """One message as the widget shows it."""
    inbound = message.kind == MessageKind.INBOUND
    channel = message.channel
    assert channel is not None
    return {
        "type": "message",
        "id": message.pk if not inbound else message.provider_message_id.split(":", 1)[-1],
        "from": "customer" if inbound else "agent",
        "author": "" if inbound or message.author is None else message.author.user.get_full_name(),
        "text": message.text,
        "at": message.created_at.isoformat(),
        "attachments": [
            {
                "name": item.filename,
                "type": item.content_type,
                "url": signed_file_url(channel, item.file.name or "", item.filename),
            }
            for item in message.attachments.all()
        ],
    }


def context_of(conversation: Conversation) -> dict[str, Any]:
    """What the widget told about the conversation: the latest page context, earlier ones, identity, offline form."""
    found = (
        Message.in_workspace(conversation.workspace_id)
        .filter(conversation=conversation, kind=MessageKind.INBOUND, channel=conversation.channel_id)
        .order_by("-created_at", "-pk")
        .values_list("metadata", flat=True)[:50]
    )
    contexts: list[dict[str, str]] = []
    verified: bool | None = None
    unverified_name = ""
    offline: dict[str, str] = {}
    for metadata in found:
        provider = (metadata or {}).get("provider") or {}
        if verified is None and "verified" in provider:
            verified = bool(provider["verified"])
            unverified_name = str(provider.get("unverified_name") or "")
        if not offline and isinstance(provider.get("offline"), dict):
            offline = provider["offline"]
        context = provider.get("context")
        if isinstance(context, dict) and context and context not in contexts:
            contexts.append(context)
    if verified is None and not contexts and not offline:
        return {}
    return {
        "latest": contexts[0] if contexts else {},
        "earlier": contexts[1:5],
        "verified": bool(verified),
        "unverified_name": unverified_name,
        "offline": offline,
    }
