"""Provider webhooks: find the channel, verify, store the raw events once; the worker processes them.

Storing is one statement, insert-or-ignore on (channel, provider event id)
returning the rows it inserted, so the acknowledgement never waits on
threading or subscribers and a retried delivery is recognised by the
database, not by a cache. Processing is ``pipeline.processing``'s, in the worker.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from frontdesk.channels.base import (
    Delivery,
    HookAnswer,
    InboundRejected,
    RawEvent,
    RejectedEvent,
    UnknownChannelKind,
    WebhookRequest,
    adapter_for_kind,
)
from frontdesk.channels.models import Channel
from frontdesk.core.sql import value_rows
from frontdesk.pipeline.models import InboundEvent
from frontdesk.pipeline.writes import write_turn

logger = logging.getLogger(__name__)

# Far above any single provider delivery, far below what would hurt a worker.
MAX_BODY_BYTES = 1024 * 1024


CHANNEL_CACHE_SECONDS = 1.0
CHANNEL_CACHE_SIZE = 10_000
# (kind, webhook token) → (the active channel or None, when it was read); shared by the threads of a process.
_channels: dict[tuple[str, str], tuple[Channel | None, float]] = {}


class ChannelNotFound(LookupError):
    pass


@dataclass
class Receipt:
    """What a delivery did: events newly stored, events already known, events refused."""

    accepted: int = 0
    duplicates: int = 0
    rejected: list[RejectedEvent] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        answer: dict[str, object] = {"accepted": self.accepted, "duplicates": self.duplicates}
        if self.rejected:
            answer["rejected"] = [
                {"index": item.index, "id": item.provider_event_id, "detail": item.detail} for item in self.rejected
            ]
        return answer


def handle_delivery(kind: str, webhook_token: str, request: WebhookRequest) -> HookAnswer:
    """Everything a webhook request does after reading its body: the answer to send.

    Shared by the Django view and the web server's fast path for ``/hooks/``
    (``frontdesk.channels.fast_hooks``). A ``POST`` is verified and stored; any
    other method is the provider's verification handshake, which only adapters
    that define ``handshake`` answer. Every refusal is JSON ``{"detail": …}``.
    """
    try:
        channel = channel_for_webhook(kind, webhook_token)
    except ChannelNotFound:
        return HookAnswer.json(404, {"detail": "No active channel at this address."})
    adapter = adapter_for_kind(channel.kind)
    try:
        if request.method != "POST":
            handshake = getattr(adapter, "handshake", None)
            if handshake is None or request.method not in ("GET", "HEAD"):
                return HookAnswer.json(405, {"detail": "Webhooks are delivered with POST."})
            answer: HookAnswer = handshake(channel, request)
            return answer
        delivery = verify_and_split(channel, request)
    except InboundRejected as error:
        logger.warning("Webhook for channel %s refused (%s): %s", channel.pk, error.status, error.detail)
        return HookAnswer.json(error.status, {"detail": error.detail})
    if not delivery.events and delivery.rejected:
        receipt = Receipt(rejected=delivery.rejected).as_dict()
        return HookAnswer.json(400, {"detail": "No event of the delivery has a usable shape.", **receipt})
    receipt = store(channel, delivery).as_dict()
    acknowledgement = getattr(adapter, "acknowledgement", None)
    custom: HookAnswer | None = acknowledgement(channel, request) if acknowledgement is not None else None
    return custom or HookAnswer.json(200, receipt)


def channel_for_webhook(kind: str, webhook_token: str) -> Channel:
    """The active channel behind ``/hooks/<kind>/<webhook_token>``; the same error for unknown and disabled.

    Remembered for ``CHANNEL_CACHE_SECONDS`` per process: a burst of deliveries
    then costs one lookup (and one decryption of the secrets), and a channel
    disabled or given a new secret elsewhere stops being accepted with the old
    state within that time. A change saved in this process applies at once.
    """
    try:
        adapter_for_kind(kind)
    except UnknownChannelKind as error:
        raise ChannelNotFound(kind) from error
    key = (kind, webhook_token)
    cached = _channels.get(key)
    if cached is not None and time.monotonic() - cached[1] < CHANNEL_CACHE_SECONDS:
        channel = cached[0]
    else:
        # The webhook token is the only thing that names the workspace here.
        channel = Channel.all_workspaces.filter(kind=kind, webhook_token=webhook_token, is_active=True).first()
        if len(_channels) >= CHANNEL_CACHE_SIZE:
            _channels.clear()
        _channels[key] = (channel, time.monotonic())
    if channel is None:
        raise ChannelNotFound(kind)
    return channel


@receiver(post_save, sender=Channel)
@receiver(post_delete, sender=Channel)
def _forget_channels(**kwargs: Any) -> None:
    _channels.clear()


def verify_and_split(channel: Channel, request: WebhookRequest) -> Delivery:
    """Raises ``SignatureInvalid`` or ``PayloadInvalid``; never stores anything."""
    adapter = adapter_for_kind(channel.kind)
    adapter.verify(channel, request)
    return adapter.split(channel, request.body)


def public_hook_url(path: str, query_string: str = "") -> str:
    """The address a provider called, as it saw it: signatures over the URL (Twilio's) are computed on this."""
    url = settings.PUBLIC_URL + path
    return f"{url}?{query_string}" if query_string else url


def store(channel: Channel, delivery: Delivery) -> Receipt:
    """Insert the delivery's events, ignoring any already stored; counts the ones this call stored."""
    receipt = Receipt(rejected=list(delivery.rejected))
    unique: dict[str, RawEvent] = {}
    for event in delivery.events:
        event = RawEvent(provider_event_id=storable(event.provider_event_id), payload=storable(event.payload))
        unique.setdefault(event.provider_event_id, event)
    receipt.duplicates = len(delivery.events) - len(unique)
    if not unique:
        return receipt
    # One statement, atomic by itself: no transaction around it.
    with write_turn():
        receipt.accepted = _insert_new(channel, list(unique.values()))
    receipt.duplicates += len(unique) - receipt.accepted
    return receipt


def storable[T](value: T) -> T:
    """``value`` with every NUL character in its strings replaced by U+FFFD.

    JSON may carry ``\\u0000``, PostgreSQL's text and jsonb cannot hold it, and
    a refused insert would make the provider retry the delivery forever. A NUL
    means nothing in a customer's message; the replacement shows where it was.
    """
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd") if "\x00" in value else value  # type: ignore[return-value]
    if isinstance(value, dict):
        return {storable(key): storable(item) for key, item in value.items()}  # type: ignore[return-value]
    if isinstance(value, list):
        return [storable(item) for item in value]  # type: ignore[return-value]
    return value


def _insert_new(channel: Channel, events: list[RawEvent]) -> int:
    """One INSERT … ON CONFLICT DO NOTHING RETURNING: the database tells new events from duplicates.

    Written in SQL because the ORM's ``bulk_create(ignore_conflicts=True)``
    cannot say which rows it inserted, which would cost a second query on
    every acknowledgement.
    """
    meta = InboundEvent._meta
    payload_field = meta.get_field("payload")
    received = meta.get_field("received_at").get_db_prep_save(timezone.now(), connection)
    columns = [
        "workspace_id",
        "channel_id",
        "provider_event_id",
        "payload",
        "received_at",
        "retry_at",
        "attempts",
        "error",
    ]
    rows = [
        (
            channel.workspace_id,
            channel.pk,
            event.provider_event_id,
            payload_field.get_db_prep_save(event.payload, connection),
            received,
            received,
            0,
            "",
        )
        for event in events
    ]
    placeholders = value_rows(len(rows), len(columns))
    sql = (
        f"INSERT INTO {meta.db_table} ({', '.join(columns)}) VALUES {placeholders}"  # noqa: S608 (names are ours)
        " ON CONFLICT (channel_id, provider_event_id) DO NOTHING RETURNING id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for row in rows for value in row])
        return len(cursor.fetchall())
