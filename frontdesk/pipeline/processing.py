"""The worker's half of inbound: claim stored events that are due, process them in batches, retry failures.

The webhook only stores and acknowledges; everything after that happens here,
so a slow step never slows an acknowledgement (RELIABILITY T-07). A batch is
one transaction with a savepoint per event: one commit for many messages, and
an event that raises (a poison payload) is rolled back alone, rescheduled with
back-off, and dead-lettered after ``MAX_ATTEMPTS`` (T-08), while the rest of
the batch goes through. On PostgreSQL, processors claim rows with
``FOR UPDATE SKIP LOCKED``, so any number of them share the work.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from frontdesk.pipeline.events import collecting
from frontdesk.pipeline.inbound import apply_event
from frontdesk.pipeline.inbound_batch import apply_events
from frontdesk.pipeline.models import MAX_ATTEMPTS, InboundEvent
from frontdesk.pipeline.writes import BATCH_SECONDS, checkpoint, write_transaction

logger = logging.getLogger(__name__)

BATCH_SIZE = 100
# An idle processor checkpoints SQLite's write-ahead log at most this often.
CHECKPOINT_EVERY_SECONDS = 1.0


@dataclass
class BatchResult:
    outcomes: Counter[str] = field(default_factory=Counter)

    @property
    def count(self) -> int:
        return sum(self.outcomes.values())


def due_events(now: datetime) -> QuerySet[InboundEvent]:
    """Events waiting for the worker, oldest first, across every workspace (a system job)."""
    return InboundEvent.all_workspaces.filter(
        processed_at__isnull=True, attempts__lt=MAX_ATTEMPTS, retry_at__lte=now
    ).order_by("retry_at", "pk")


def retry_delay(attempts: int) -> timedelta:
    """Exponential back-off with jitter: by default about 2 s, 4 s, 8 s, 16 s after the 1st…4th failure."""
    jitter = random.uniform(0.75, 1.25)  # spreads the retries of one burst; not a secret
    seconds: float = settings.FRONTDESK_INBOUND_FIRST_RETRY_SECONDS * (1 << (attempts - 1)) * jitter
    return timedelta(seconds=seconds)


def process_due(limit: int = BATCH_SIZE, seconds: float = BATCH_SECONDS) -> BatchResult:
    """Claim and process one batch of due events; returns what happened to each."""
    result = BatchResult()
    # A plain read first: an idle processor polls often and must not take SQLite's write lock to find nothing.
    if not due_events(timezone.now()).exists():
        return result
    with write_transaction():
        claimed = (
            due_events(timezone.now())
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("channel__workspace")[:limit]
        )
        process_batch(list(claimed), result, deadline=time.monotonic() + seconds)
    return result


def process_events(events: QuerySet[InboundEvent], progress: Callable[[int], None] | None = None) -> BatchResult:
    """Process the given unprocessed events now, due or not, in batches; for ``frontdesk reprocess-events``."""
    result = BatchResult()
    last_pk = 0
    while True:
        with write_transaction():
            batch = list(
                events.filter(pk__gt=last_pk, processed_at__isnull=True)
                .select_for_update(of=("self",))
                .select_related("channel__workspace")
                .order_by("pk")[:BATCH_SIZE]
            )
            process_batch(batch, result, deadline=float("inf"))
        if not batch:
            return result
        last_pk = batch[-1].pk
        if progress is not None:
            progress(result.count)


def process_batch(events: list[InboundEvent], result: BatchResult, deadline: float) -> None:
    """Apply locked events in the caller's transaction: all at once if it works, else one at a time.

    The whole-batch path (``inbound_batch``) is all or nothing; when it raises,
    its savepoint is rolled back and each event runs alone, so only the event
    at fault fails.
    """
    if not events:
        return
    with collecting() as published:
        try:
            with transaction.atomic():
                applied = apply_events(events)
        except Exception:
            logger.info("A batch of %s inbound events failed as a whole; applying them one by one", len(events))
            del published[:]
        else:
            now = timezone.now()
            for event, outcome in zip(events, applied, strict=True):
                _mark_processed(event, outcome.outcome, outcome.notes, now, result)
            _save_processed(events, now)
            return
        _process_one_by_one(events, result, deadline, published)


def _process_one_by_one(events: list[InboundEvent], result: BatchResult, deadline: float, published: list[Any]) -> None:
    finished: list[InboundEvent] = []
    for number, event in enumerate(events):
        if number and time.monotonic() > deadline:
            break
        now = timezone.now()
        before = len(published)
        try:
            with transaction.atomic():
                outcome, notes = apply_event(event)
        except Exception as error:
            del published[before:]  # rolled back with the event's savepoint
            _record_failure(event, error, now, result)
            continue
        _mark_processed(event, outcome, notes, now, result)
        finished.append(event)
    if finished:
        _save_processed(finished, timezone.now())


def _save_processed(events: list[InboundEvent], now: datetime) -> None:
    """One UPDATE for the events that went through cleanly, one each for those with notes (rare)."""
    clean = [event.pk for event in events if not event.error]
    if clean:
        InboundEvent.all_workspaces.filter(pk__in=clean).update(processed_at=now, attempts=F("attempts") + 1, error="")
    for event in events:
        if event.error:
            InboundEvent.all_workspaces.filter(pk=event.pk).update(
                processed_at=now, attempts=event.attempts, error=event.error
            )


def _mark_processed(event: InboundEvent, outcome: str, notes: list[str], now: datetime, result: BatchResult) -> None:
    event.processed_at = now
    event.attempts += 1
    event.error = "; ".join(notes)[:2000]
    result.outcomes[outcome] += 1


def _record_failure(event: InboundEvent, error: Exception, now: datetime, result: BatchResult) -> None:
    event.attempts += 1
    result.outcomes["dead-lettered" if event.attempts >= MAX_ATTEMPTS else "failed"] += 1
    event.error = f"{type(error).__name__}: {error}"[:2000]
    event.retry_at = now + retry_delay(event.attempts)
    if event.attempts >= MAX_ATTEMPTS:
        logger.error(
            "Inbound event %s on channel %s failed %s times and is dead-lettered",
            event.pk,
            event.channel_id,
            event.attempts,
            exc_info=error,
        )
    else:
        logger.warning("Inbound event %s on channel %s failed; retrying", event.pk, event.channel_id, exc_info=error)
    InboundEvent.all_workspaces.filter(pk=event.pk).update(
        attempts=event.attempts, error=event.error, retry_at=event.retry_at
    )


def retry_dead(events: QuerySet[InboundEvent]) -> int:
    """Give dead-lettered events a fresh set of attempts, due now; returns how many."""
    return events.filter(processed_at__isnull=True, attempts__gte=MAX_ATTEMPTS).update(
        attempts=0, retry_at=timezone.now()
    )


class InboundProcessor:
    """The loop a worker thread runs: batches back to back while there is work, a short sleep when idle."""

    def __init__(self, idle_seconds: float | None = None) -> None:
        self.idle_seconds = settings.FRONTDESK_INBOUND_POLL_SECONDS if idle_seconds is None else idle_seconds
        self.running = True
        self.checkpointed_at = 0.0
        self._wake = threading.Event()

    def stop(self) -> None:
        self.running = False
        self._wake.set()

    def run(self) -> None:
        while self.running:
            try:
                result = process_due()
            except Exception:
                # The database went away or the batch could not commit: its events stay due.
                logger.exception("An inbound batch failed; its events stay due")
                connection.close()
                self._wake.wait(max(self.idle_seconds, 1.0))
                continue
            if result.count:
                logger.info("Processed %s inbound event(s): %s", result.count, dict(result.outcomes))
            else:
                self.idle()

    def idle(self) -> None:
        """Nothing due: at most once a second, tidy SQLite's log (``checkpoint``); then wait for the next poll."""
        if time.monotonic() - self.checkpointed_at >= CHECKPOINT_EVERY_SECONDS:
            self.checkpointed_at = time.monotonic()
            try:
                checkpoint()
            except Exception:
                logger.exception("Checkpointing the database failed")
                connection.close()
        self._wake.wait(self.idle_seconds)
