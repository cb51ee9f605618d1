"""Sending signed deliveries to the API channel's webhook, as an integrator's system would, and processing them."""

from __future__ import annotations

import itertools
import json
from typing import Any

from django.test import Client

from frontdesk.channels.api.adapter import sign
from frontdesk.channels.models import Channel
from frontdesk.conversations.models import Message, OutboxEntry
from frontdesk.pipeline.models import InboundEvent
from frontdesk.pipeline.processing import process_due

_numbers = itertools.count(1)


def hook_path(channel: Channel) -> str:
    return f"/hooks/{channel.kind}/{channel.webhook_token}"


def message_event(
    contact_id: str = "crm-42",
    text: str = "Hello",
    event_id: str | None = None,
    message_id: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    number = next(_numbers)
    message: dict[str, Any] = {"id": message_id or f"m-{number}", "text": text, **extra}
    return {
        "id": event_id or f"evt-{number}",
        "type": "message",
        "contact": {"id": contact_id, "name": "Ada Lovelace", "email": "ada@example.com", "phone": "+441234"},
        "message": message,
        "timestamp": "2026-11-23T09:00:00Z",
    }


def status_event(message_id: str, status: str, reason: str = "", event_id: str | None = None) -> dict[str, Any]:
    return {
        "id": event_id or f"evt-{next(_numbers)}",
        "type": "status",
        "message_id": message_id,
        "status": status,
        "reason": reason,
    }


def process_stored_events() -> int:
    """What the worker's inbound processor does next: process every due event; returns how many."""
    total = 0
    while batch := process_due().count:
        total += batch
    return total


def deliver(
    client: Client,
    channel: Channel,
    events: list[dict[str, Any]] | None = None,
    *,
    body: bytes | None = None,
    secret: str | None = None,
    signature: str | None = None,
    process: bool = True,
) -> Any:
    """POST a delivery, then let the worker process it (unless ``process`` is false).

    Signed with the channel's secret unless ``signature`` or ``secret`` says otherwise.
    """
    if body is None:
        body = json.dumps({"events": events or []}).encode()
    headers = {}
    if signature is None:
        signature = sign(secret or channel.secrets["signing_secret"], body)
    if signature:
        headers["X-Frontdesk-Signature"] = signature
    response = client.generic("POST", hook_path(channel), body, content_type="application/json", headers=headers)
    if process:
        process_stored_events()
    return response


def messages(channel: Channel) -> list[Message]:
    """The channel's stored messages, oldest first."""
    return list(Message.in_workspace(channel.workspace_id).filter(channel=channel).order_by("pk"))


def stored(channel: Channel) -> int:
    """How many raw events the channel's webhook stored."""
    return InboundEvent.in_workspace(channel.workspace_id).filter(channel=channel).count()


def refreshed(message: Message) -> Message:
    return Message.all_workspaces.get(pk=message.pk)


def entry_of(message: Message) -> OutboxEntry:
    return OutboxEntry.all_workspaces.get(message=message)
