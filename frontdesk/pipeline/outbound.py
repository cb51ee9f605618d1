"""Outbound: an outbox entry → claimed by one worker → sent through the channel's adapter → recorded.

The guarantees (RELIABILITY T-12..T-16):

- *Nothing is lost.* The entry is written with the message; a worker claims it
  with a lease and commits before calling out, so a worker that dies mid-send
  leaves an expired lease that the relay hands to another worker.
- *Nothing is duplicated silently.* Every attempt carries the entry's
  ``idempotency_key``, so the receiver can drop a repeat; every attempt is a
  ``DeliveryAttempt`` row.
- *Retries are classified.* Timeouts, connection errors, 429 and 5xx are tried
  again with exponential back-off and jitter (``Retry-After`` honoured), up to
  ``MAX_ATTEMPTS``; any other refusal fails the message at once with the
  receiver's reason.
- *Order holds per conversation.* An entry waits while an older entry of the
  same conversation is unsent; other conversations go on in parallel.
- *Channels are not flooded.* A per-channel limit (``rate_limit_per_second`` in
  the channel's settings, else the provider's documented rate from the
  adapter's capabilities) kept in the shared cache; a send over it waits a moment.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from frontdesk.api.serializers import message_out
from frontdesk.channels.base import (
    LastInbound,
    OutboundAttachment,
    OutboundMessage,
    SendResult,
    UnknownChannelKind,
    adapter_for,
)
from frontdesk.channels.models import Channel
from frontdesk.contacts.models import Identity
from frontdesk.conversations.models import (
    AttemptOutcome,
    DeliveryAttempt,
    DeliveryStatus,
    Message,
    MessageKind,
    OutboxEntry,
    OutboxState,
)
from frontdesk.conversations.public_media import public_media_url
from frontdesk.pipeline.events import publish

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# A claimed send must finish within this; longer and the relay assumes the worker died.
LEASE = timedelta(seconds=settings.FRONTDESK_OUTBOX_LEASE_SECONDS)
# Wait after the n-th failed attempt (before jitter): 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, 2 h.
BACKOFF_SECONDS = (5, 30, 120, 600, 1800, 3600, 7200)
MAX_RETRY_AFTER = timedelta(hours=6)
DEFAULT_RATE_LIMIT_PER_SECOND = 20
REASON_LENGTH = 500

# Delivery statuses only move forward; ``failed`` does not override a delivered or read message.
STATUS_RANK = {
    DeliveryStatus.QUEUED: 0,
    DeliveryStatus.SENT: 1,
    DeliveryStatus.FAILED: 2,
    DeliveryStatus.DELIVERED: 3,
    DeliveryStatus.READ: 4,
}


# What a final refusal means, whatever the provider's words for it; shown to the agent in their language.
FAILURE_CODES: dict[str, StrOrPromise] = {
    "blocked": _("The customer has blocked this account or left the chat."),
    "window_closed": _("The reply window has closed: only an approved template or a tagged message can be sent now."),
    "invalid_recipient": _("The customer's address is not valid on this channel."),
    "opted_out": _("The customer has opted out of messages on this channel (they can write START to opt back in)."),
    "quota": _("The account has used up its message quota for this period."),
    "credentials": _("The provider refused the channel's credentials: reconnect the channel in Settings › Channels."),
    "unsupported": _("This channel cannot send this kind of message."),
    "too_large": _("The message or its attachment is larger than the channel accepts."),
    "template": _("The provider refused the template (not approved, or its parameters do not match)."),
}


class SendFailed(Exception):
    """Raised by an adapter's ``send`` when the message did not go through.

    ``retryable``: the receiver may take it later (timeout, 429, 5xx); otherwise
    the refusal is final (invalid recipient, 4xx) and ``reason`` is shown to the agent.
    ``reason`` must never contain a credential. ``code``, one of ``FAILURE_CODES``,
    says what the refusal means, so the agent reads it in their own language
    beside the provider's (English) reason.
    """

    def __init__(
        self,
        reason: str,
        *,
        retryable: bool,
        http_status: int | None = None,
        retry_after: timedelta | None = None,
        code: str = "",
    ) -> None:
        super().__init__(reason)
        if code and code not in FAILURE_CODES:
            raise ValueError(f"unknown failure code {code!r}")
        self.reason = reason[:REASON_LENGTH]
        self.retryable = retryable
        self.http_status = http_status
        self.retry_after = retry_after
        self.code = code


@dataclass(frozen=True)
class Outcome:
    """What one call of :func:`deliver` did, for logs and tests."""

    result: str  # sent, retry, failed, rate_limited, waiting (an older message goes first), not_due
    entry_id: int
    detail: str = ""


def backoff(attempts: int, retry_after: timedelta | None = None) -> timedelta:
    """The wait before the next try after ``attempts`` failed ones: exponential, ±20 % jitter, at least Retry-After."""
    base = BACKOFF_SECONDS[min(attempts, len(BACKOFF_SECONDS)) - 1] if attempts > 0 else BACKOFF_SECONDS[0]
    wait = timedelta(seconds=base * random.uniform(0.8, 1.2))
    if retry_after is not None:
        wait = max(wait, min(retry_after, MAX_RETRY_AFTER))
    return wait


def _due(now: datetime) -> Q:
    """Entries a worker may take: pending and due, or claimed by a worker whose lease ran out."""
    return Q(state=OutboxState.PENDING, next_attempt_at__lte=now) | Q(
        state=OutboxState.SENDING, lease_expires_at__lte=now
    )


def due_entry_ids(now: datetime | None = None, *, limit: int = 500) -> list[int]:
    """Entries (of every workspace) that are due or abandoned, oldest first: what the relay enqueues."""
    now = now or timezone.now()
    # An entry behind an older unsent one of its conversation is queued when that one is done.
    older_unsent = OutboxEntry.all_workspaces.filter(
        conversation_id=OuterRef("conversation_id"),
        state__in=[OutboxState.PENDING, OutboxState.SENDING],
        pk__lt=OuterRef("pk"),
    )
    due = OutboxEntry.all_workspaces.filter(_due(now)).exclude(Exists(older_unsent))
    return list(due.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])


def send_rate_limit(channel: Channel) -> int:
    """Sends per second on this channel: its own setting, else its provider's documented rate, else 20."""
    configured = (channel.config or {}).get("rate_limit_per_second")
    if configured:
        return int(configured)
    try:
        documented = adapter_for(channel).capabilities.send_rate_per_second
    except UnknownChannelKind:
        documented = None
    return documented or DEFAULT_RATE_LIMIT_PER_SECOND


def take_rate_token(channel_id: int, limit: int, now: datetime) -> float:
    """Count one send against the channel's current one-second window; 0 if allowed, else seconds to wait."""
    window = int(now.timestamp())
    key = f"outbox-rate:{channel_id}:{window}"
    cache.add(key, 0, timeout=5)
    try:
        used = cache.incr(key)
    except ValueError:
        # The window's key expired between add and incr: a fresh window.
        cache.add(key, 1, timeout=5)
        used = 1
    if used <= limit:
        return 0.0
    return (window + 1) - now.timestamp() + random.uniform(0, 0.2)


@dataclass(frozen=True)
class _Claim:
    entry: OutboxEntry
    attempt: DeliveryAttempt


def _claim(entry_id: int, now: datetime) -> _Claim | Outcome:
    with transaction.atomic():
        entry = (
            OutboxEntry.all_workspaces.select_for_update(skip_locked=True, of=("self",))
            .select_related("channel", "message", "message__author__user", "conversation__contact")
            .filter(_due(now), pk=entry_id)
            .first()
        )
        if entry is None:
            return Outcome("not_due", entry_id)
        older_unsent = (
            OutboxEntry.in_workspace(entry.workspace_id)
            .filter(
                conversation_id=entry.conversation_id,
                state__in=[OutboxState.PENDING, OutboxState.SENDING],
                pk__lt=entry.pk,
            )
            .exists()
        )
        if older_unsent:
            # Sent once the older one is done (see _after_finish), or by the relay.
            return Outcome("waiting", entry_id, "an older message of this conversation is not sent yet")
        if entry.state == OutboxState.SENDING:
            # The previous worker died between claiming and recording.
            DeliveryAttempt.in_workspace(entry.workspace_id).filter(entry=entry, outcome="").update(
                outcome=AttemptOutcome.CRASHED, finished_at=now, error="the worker stopped before recording a result"
            )
        limit = send_rate_limit(entry.channel)
        wait = take_rate_token(entry.channel_id, limit, now)
        if wait:
            # Not an attempt: the entry waits for the next window, its count untouched.
            OutboxEntry.all_workspaces.filter(pk=entry.pk, state=entry.state, attempts=entry.attempts).update(
                state=OutboxState.PENDING, lease_expires_at=None, next_attempt_at=now + timedelta(seconds=wait)
            )
            return Outcome("rate_limited", entry_id, f"{wait:.2f}")
        # Conditional on what was read, so two workers can never both claim it, even
        # on SQLite where the row lock above is a no-op.
        claimed = (
            OutboxEntry.all_workspaces.filter(pk=entry.pk, state=entry.state, attempts=entry.attempts)
            .filter(_due(now))
            .update(state=OutboxState.SENDING, lease_expires_at=now + LEASE, attempts=entry.attempts + 1)
        )
        if not claimed:
            return Outcome("not_due", entry_id, "claimed by another worker")
        entry.state = OutboxState.SENDING
        entry.lease_expires_at = now + LEASE
        entry.attempts += 1
        attempt = DeliveryAttempt.all_workspaces.create(workspace_id=entry.workspace_id, entry=entry, started_at=now)
    return _Claim(entry, attempt)


def outbound_message(entry: OutboxEntry) -> OutboundMessage:
    """The channel-neutral shape of the entry's message, as handed to the adapter."""
    message = entry.message
    conversation = entry.conversation
    identity = (
        Identity.in_workspace(entry.workspace_id)
        .filter(contact_id=conversation.contact_id, channel_id=entry.channel_id)
        .order_by("pk")
        .first()
    )
    if identity is None:
        raise SendFailed("the contact has no address on this channel", retryable=False)
    author = message.author
    latest = (
        Message.in_workspace(entry.workspace_id)
        .filter(conversation__contact_id=conversation.contact_id, channel_id=entry.channel_id, kind=MessageKind.INBOUND)
        .order_by("-created_at", "-pk")
        .only("provider_message_id", "created_at", "metadata")
        .first()
    )
    last_inbound = (
        LastInbound(
            provider_message_id=latest.provider_message_id,
            received_at=latest.created_at,
            provider=dict((latest.metadata or {}).get("provider") or {}),
        )
        if latest is not None
        else None
    )
    attachments = tuple(
        OutboundAttachment(
            filename=item.filename,
            content_type=item.content_type,
            size=item.size,
            url=public_media_url(item),
            storage_name=item.file.name or "",
        )
        for item in message.attachments.order_by("pk")
    )
    return OutboundMessage(
        recipient=identity.external_id,
        text=message.text,
        attachments=attachments,
        content=dict((message.metadata or {}).get("content") or {}),
        last_inbound=last_inbound,
        metadata={
            "message_id": message.pk,
            "conversation_id": conversation.pk,
            "author": {"name": author.user.get_full_name() if author else ""},
            "created_at": message.created_at.isoformat(),
            "idempotency_key": str(entry.idempotency_key),
            "contact": {"name": conversation.contact.name, "display_name": identity.display_name},
        },
    )


def _send(entry: OutboxEntry) -> SendResult:
    if not entry.channel.is_active:
        raise SendFailed("the channel is disabled", retryable=False)
    try:
        adapter = adapter_for(entry.channel)
    except UnknownChannelKind as error:
        raise SendFailed(f"no adapter can send on {entry.channel.kind} channels", retryable=False) from error
    return adapter.send(entry.channel, outbound_message(entry))


def deliver(entry_id: int) -> Outcome:
    """Claim the entry if it is due, send it once, record the attempt; safe to call any number of times."""
    claimed = _claim(entry_id, timezone.now())
    if isinstance(claimed, Outcome):
        if claimed.result == "rate_limited":
            _enqueue_later(entry_id, timezone.now() + timedelta(seconds=float(claimed.detail)))
        return claimed
    entry, attempt = claimed.entry, claimed.attempt
    # No transaction is open here: the claim is committed before anything leaves.
    try:
        result = _send(entry)
    except SendFailed as failure:
        return _record_failure(entry, attempt, failure)
    except Exception as error:
        # An adapter bug is retried like an outage, and logged in full for the operator.
        logger.exception("Sending outbox entry %s failed unexpectedly", entry.pk)
        return _record_failure(entry, attempt, SendFailed(f"internal error: {type(error).__name__}", retryable=True))
    return _record_success(entry, attempt, result)


def _record_success(entry: OutboxEntry, attempt: DeliveryAttempt, result: SendResult) -> Outcome:
    now = timezone.now()
    with transaction.atomic():
        _finish_attempt(attempt, AttemptOutcome.SENT, now)
        OutboxEntry.all_workspaces.filter(pk=entry.pk).update(
            state=OutboxState.SENT, lease_expires_at=None, last_error=""
        )
        message = Message.all_workspaces.select_for_update().get(pk=entry.message_id)
        if result.details:
            message.metadata = {**(message.metadata or {}), "sent": dict(result.details)}
            Message.all_workspaces.filter(pk=message.pk).update(metadata=message.metadata)
        if result.provider_message_id and not message.provider_message_id:
            try:
                with transaction.atomic():
                    Message.all_workspaces.filter(pk=message.pk).update(
                        provider_message_id=result.provider_message_id[:255]
                    )
                message.provider_message_id = result.provider_message_id[:255]
            except IntegrityError:
                logger.warning(
                    "Receiver reused message id %r on channel %s", result.provider_message_id, entry.channel_id
                )
        apply_delivery_status(message, DeliveryStatus.SENT)
    _after_finish(entry)
    return Outcome("sent", entry.pk, result.provider_message_id)


def _record_failure(entry: OutboxEntry, attempt: DeliveryAttempt, failure: SendFailed) -> Outcome:
    now = timezone.now()
    final = not failure.retryable or entry.attempts >= MAX_ATTEMPTS
    with transaction.atomic():
        attempt.http_status = failure.http_status
        attempt.error = failure.reason
        _finish_attempt(attempt, AttemptOutcome.FAILED if final else AttemptOutcome.RETRY, now)
        changes: dict[str, Any] = {"lease_expires_at": None, "last_error": failure.reason}
        if final:
            changes["state"] = OutboxState.FAILED
        else:
            changes["state"] = OutboxState.PENDING
            changes["next_attempt_at"] = now + backoff(entry.attempts, failure.retry_after)
        OutboxEntry.all_workspaces.filter(pk=entry.pk).update(**changes)
        if final:
            reason = failure.reason
            if failure.retryable:
                reason = f"gave up after {entry.attempts} attempts: {reason}"[:REASON_LENGTH]
            if failure.code:
                message = entry.message
                message.metadata = {**(message.metadata or {}), "failure_code": failure.code}
                Message.all_workspaces.filter(pk=message.pk).update(metadata=message.metadata)
            apply_delivery_status(entry.message, DeliveryStatus.FAILED, reason)
    if final:
        _after_finish(entry)
        return Outcome("failed", entry.pk, failure.reason)
    _enqueue_later(entry.pk, changes["next_attempt_at"])
    return Outcome("retry", entry.pk, failure.reason)


def _finish_attempt(attempt: DeliveryAttempt, outcome: AttemptOutcome, now: datetime) -> None:
    attempt.outcome = outcome
    attempt.finished_at = now
    attempt.save(update_fields=["outcome", "finished_at", "http_status", "error"])


def _after_finish(entry: OutboxEntry) -> None:
    """The conversation's next unsent message may go now."""
    following = (
        OutboxEntry.in_workspace(entry.workspace_id)
        .filter(conversation_id=entry.conversation_id, state=OutboxState.PENDING, pk__gt=entry.pk)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    if following is not None:
        _enqueue_later(following, None)


def _enqueue_later(entry_id: int, when: datetime | None) -> None:
    from frontdesk.pipeline.tasks import enqueue_delivery

    enqueue_delivery(entry_id, when)


def apply_delivery_status(message: Message, status: DeliveryStatus | str, reason: str = "") -> bool:
    """Move an outbound message's delivery status forward (never back) and publish ``message.updated``.

    ``reason`` is kept only with ``failed``. Returns whether anything changed. Locks
    the message row; call it inside or outside a transaction.
    """
    status = DeliveryStatus(status)
    if status not in STATUS_RANK:
        raise ValueError(f"{status} is not a delivery status of an outbound message")
    with transaction.atomic():
        current = Message.all_workspaces.select_for_update().filter(pk=message.pk).values_list("status", flat=True)
        before = current.first()
        if before is None or STATUS_RANK[status] <= STATUS_RANK.get(DeliveryStatus(before), 0):
            return False
        message.status = status
        message.status_reason = reason[:REASON_LENGTH] if status == DeliveryStatus.FAILED else ""
        Message.all_workspaces.filter(pk=message.pk).update(status=message.status, status_reason=message.status_reason)
        changes: dict[str, Any] = {"status": [before, status.value]}
        if message.status_reason:
            changes["status_reason"] = message.status_reason
        publish(
            "message.updated",
            message.workspace_id,
            {
                "message": message_out(message).model_dump(mode="json"),
                "conversation_id": message.conversation_id,
                "changes": changes,
            },
        )
    return True
