"""How a callback request looks in the API and in realtime events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema

from frontdesk.callbacks.models import CallbackAttempt, CallbackRequest


class CallbackAttemptOut(Schema):
    id: int
    agent_id: int | None
    outcome: str
    notes: str
    attempted_at: datetime


class CallbackOut(Schema):
    id: int
    conversation_id: int
    contact_id: int
    contact_name: str
    channel_id: int
    phone: str
    context: dict[str, Any]
    source: str
    status: str
    due_at: datetime
    target_seconds: int
    claimed_by_id: int | None
    requested_at: datetime
    claimed_at: datetime | None
    first_attempt_at: datetime | None
    closed_at: datetime | None
    seconds_to_claim: float | None
    seconds_to_first_attempt: float | None
    attempt_count: int
    confirmation: str
    confirmation_error: str
    attempts: list[CallbackAttemptOut] | None = None


def callback_out(callback: CallbackRequest, attempts: list[CallbackAttempt] | None = None) -> CallbackOut:
    return CallbackOut(
        id=callback.pk,
        conversation_id=callback.conversation_id,
        contact_id=callback.contact_id,
        contact_name=str(callback.contact),
        channel_id=callback.channel_id,
        phone=callback.phone,
        context=callback.context or {},
        source=callback.source,
        status=callback.status,
        due_at=callback.due_at,
        target_seconds=callback.target_seconds,
        claimed_by_id=callback.claimed_by_id,
        requested_at=callback.requested_at,
        claimed_at=callback.claimed_at,
        first_attempt_at=callback.first_attempt_at,
        closed_at=callback.closed_at,
        seconds_to_claim=callback.seconds_to_claim,
        seconds_to_first_attempt=callback.seconds_to_first_attempt,
        attempt_count=callback.attempt_count,
        confirmation=callback.confirmation,
        confirmation_error=callback.confirmation_error,
        attempts=None
        if attempts is None
        else [
            CallbackAttemptOut(
                id=attempt.pk,
                agent_id=attempt.agent_id,
                outcome=attempt.outcome,
                notes=attempt.notes,
                attempted_at=attempt.attempted_at,
            )
            for attempt in attempts
        ],
    )
