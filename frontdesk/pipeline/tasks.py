"""Background jobs of the pipeline: sending one outbox entry, the relay that lets none be forgotten, media downloads,
profile fetches."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.tasks import Task, default_task_backend, task
from django.utils import timezone

from frontdesk.core.scheduler import periodic
from frontdesk.pipeline import media, outbound, profiles

logger = logging.getLogger(__name__)

OUTBOX_RELAY_INTERVAL = timedelta(seconds=settings.FRONTDESK_OUTBOX_RELAY_SECONDS)
# A pending entry normally has its task queued already; the relay steps in once it is this late.
RELAY_GRACE = timedelta(seconds=10)
# How long a transiently failed download waits before the next attempt.
DOWNLOAD_RETRY_DELAY = timedelta(seconds=60)


@task(queue_name="default")
def deliver_outbox_entry(entry_id: int) -> str:
    """Send one outbox entry if it is due; a repeated or late call does nothing harmful."""
    outcome = outbound.deliver(entry_id)
    logger.info("Outbox entry %s: %s %s", entry_id, outcome.result, outcome.detail)
    return outcome.result


def enqueue_delivery(entry_id: int, when: datetime | None = None) -> None:
    """Queue a delivery (at ``when`` if the backend can defer). Call it after commit, never inside a transaction.

    A failure to enqueue loses nothing: the entry stays due and the relay finds it.
    """
    _enqueue(deliver_outbox_entry, entry_id, when, f"outbox entry {entry_id}; the relay will")


@periodic(every=OUTBOX_RELAY_INTERVAL)
@task(queue_name="scheduled")
def relay_outbox() -> int:
    """Enqueue every entry that is overdue or whose worker died mid-send; return how many."""
    due = outbound.due_entry_ids(timezone.now() - RELAY_GRACE)
    for entry_id in due:
        enqueue_delivery(entry_id)
    return len(due)


@task(queue_name="default")
def download_attachments(message_id: int) -> str:
    """Download one inbound message's pending attachments; asks again later for transient failures."""
    outcome = media.download_attachments(message_id)
    if outcome.retry:
        enqueue_download(message_id, timezone.now() + DOWNLOAD_RETRY_DELAY)
    return f"stored {outcome.stored}, failed {outcome.failed}, retrying {outcome.retry}"


def enqueue_download(message_id: int, when: datetime | None = None) -> None:
    """Queue the download of a message's attachments (at ``when`` if the backend can defer), after commit."""

    transaction.on_commit(
        lambda: _enqueue(download_attachments, message_id, when, f"the attachment download of message {message_id}")
    )


@task(queue_name="default")
def fetch_identity_profiles(identity_ids: list[int]) -> str:
    """Fetch new identities' names and pictures from their channel; asks again later after a transient failure.

    One task per inbound batch, not per customer: a burst of first-time
    customers costs one queued job, not a hundred.
    """
    outcomes = profiles.fetch_profiles(identity_ids)
    retry = [identity_id for identity_id, outcome in outcomes.items() if outcome.result == "retry"]
    if retry:
        enqueue_profile_fetch(retry, timezone.now() + DOWNLOAD_RETRY_DELAY)
    counts = Counter(outcome.result for outcome in outcomes.values())
    return ", ".join(f"{result} {count}" for result, count in sorted(counts.items()))


def enqueue_profile_fetch(identity_ids: list[int], when: datetime | None = None) -> None:
    """Queue the profile fetch of identities (at ``when`` if the backend can defer), after commit."""
    ids = list(identity_ids)
    transaction.on_commit(
        lambda: _enqueue(fetch_identity_profiles, ids, when, f"the profile fetch of identities {ids}")
    )


def _enqueue(job: Task[..., Any], argument: int | list[int], when: datetime | None, what: str) -> None:
    """Queue ``job`` for its object(s), at ``when`` if the backend can defer; a failure is logged, never raised."""
    try:
        if when is not None and default_task_backend.supports_defer:
            job.using(run_after=when).enqueue(argument)
        else:
            job.enqueue(argument)
    except Exception:
        logger.exception("Could not enqueue %s", what)
