"""Provider webhooks: find the channel, verify, store the raw events once; the worker processes them.

Storing is one short transaction with insert-or-ignore on (channel, provider
event id), so the acknowledgement never waits on threading or subscribers
and a retried delivery is recognised by the database, not by a cache.
Processing is ``pipeline.processing``'s, in the worker.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

from frontdesk.channels.base import Delivery, RawEvent, RejectedEvent, UnknownChannelKind, adapter_for_kind
from frontdesk.channels.models import Channel
from frontdesk.pipeline.models import InboundEvent
from frontdesk.pipeline.writes import write_transaction

# Far above any single provider delivery, far below what would hurt a worker.
MAX_BODY_BYTES = 1024 * 1024


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


def channel_for_webhook(kind: str, webhook_token: str) -> Channel:
    """The active channel behind ``/hooks/<kind>/<webhook_token>``; the same error for unknown and disabled."""
    try:
        adapter_for_kind(kind)
    except UnknownChannelKind as error:
        raise ChannelNotFound(kind) from error
    # The webhook token is the only thing that names the workspace here.
    channel = (
        Channel.all_workspaces.select_related("workspace")
        .filter(kind=kind, webhook_token=webhook_token, is_active=True)
        .first()
    )
    if channel is None:
        raise ChannelNotFound(kind)
    return channel


def verify_and_split(channel: Channel, body: bytes, headers: Mapping[str, str]) -> Delivery:
    """Raises ``SignatureInvalid`` or ``PayloadInvalid``; never stores anything."""
    adapter = adapter_for_kind(channel.kind)
    adapter.verify(channel, body, headers)
    return adapter.split(channel, body)


def store(channel: Channel, delivery: Delivery) -> Receipt:
    """Insert the delivery's events, ignoring any already stored; counts the ones this call stored."""
    receipt = Receipt(rejected=list(delivery.rejected))
    unique: dict[str, RawEvent] = {}
    for event in delivery.events:
        unique.setdefault(event.provider_event_id, event)
    receipt.duplicates = len(delivery.events) - len(unique)
    if not unique:
        return receipt
    stamp = uuid.uuid4()
    rows = [
        InboundEvent(
            workspace_id=channel.workspace_id,
            channel=channel,
            provider_event_id=event.provider_event_id,
            payload=event.payload,
            delivery=stamp,
        )
        for event in unique.values()
    ]
    with write_transaction():
        InboundEvent.all_workspaces.bulk_create(rows, ignore_conflicts=True)
        # Rows carrying this delivery's stamp are the ones this request inserted.
        receipt.accepted = (
            InboundEvent.in_workspace(channel.workspace_id).filter(channel=channel, delivery=stamp).count()
        )
    receipt.duplicates += len(rows) - receipt.accepted
    return receipt
