"""Scheduled mailbox polling: every ``FRONTDESK_IMAP_POLL_SECONDS`` one task per mailbox, run by any worker.

``frontdesk.channels.tasks`` imports this module so the scheduler finds the job.
A mailbox held by a ``frontdesk mail-reader`` thread (IDLE) is skipped by its lease.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.tasks import task

from frontdesk.channels.email.mailboxes import poll_mailbox, readable_channels, reads_mail
from frontdesk.channels.models import Channel
from frontdesk.core.scheduler import periodic

logger = logging.getLogger(__name__)

IMAP_POLL_INTERVAL = timedelta(seconds=settings.FRONTDESK_IMAP_POLL_SECONDS)


@periodic(every=IMAP_POLL_INTERVAL)
@task(queue_name="scheduled")
def poll_mailboxes() -> int:
    """Queue one poll per readable mailbox; return how many were queued."""
    channel_ids = [channel.pk for channel in readable_channels()]
    for channel_id in channel_ids:
        read_mailbox.enqueue(channel_id)
    return len(channel_ids)


@task(queue_name="default")
def read_mailbox(channel_id: int) -> str:
    """One pass over one mailbox: "read 3 new", "busy", "waiting", "failed: reason"."""
    channel = Channel.all_workspaces.filter(pk=channel_id).first()
    if channel is None or not reads_mail(channel):
        return "not read (channel gone, disabled or without IMAP)"
    outcome = poll_mailbox(channel)
    if outcome.read is not None:
        return f"read {outcome.read.stored} new, {outcome.read.duplicates} known"
    return f"{outcome.result}: {outcome.detail}" if outcome.detail else outcome.result
