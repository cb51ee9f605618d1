"""``frontdesk reprocess-events``: process stored webhook events now, without waiting for the worker.

The worker processes every stored event by itself and retries failures; this
is for the operator: after fixing the cause of dead-lettered events
(``--include-failed``), or to drain a backlog while no worker runs.
"""

from __future__ import annotations

from argparse import ArgumentParser
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime

from frontdesk.pipeline.models import MAX_ATTEMPTS, InboundEvent
from frontdesk.pipeline.processing import process_events


class Command(BaseCommand):
    help = "Process stored inbound events now, oldest first, without waiting for the worker. Safe to run twice."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--channel", type=int, help="Only events of this channel id.")
        parser.add_argument("--since", help="Only events received at or after this ISO 8601 time.")
        parser.add_argument(
            "--include-failed",
            action="store_true",
            help=f"Also retry dead-lettered events (those that failed {MAX_ATTEMPTS} times).",
        )

    def handle(self, *args: Any, channel: int | None, since: str | None, include_failed: bool, **options: Any) -> None:
        # A system command: it spans every workspace by design.
        pending = InboundEvent.all_workspaces.filter(processed_at__isnull=True)
        if channel is not None:
            pending = pending.filter(channel_id=channel)
        if since:
            moment: datetime | None = parse_datetime(since)
            if moment is None:
                raise CommandError(f"--since: not an ISO 8601 time: {since}")
            pending = pending.filter(received_at__gte=moment)
        if not include_failed:
            pending = pending.filter(attempts__lt=MAX_ATTEMPTS)
        total = pending.count()
        self.stdout.write(f"{total} unprocessed event(s)")
        result = process_events(pending, progress=lambda done: self.stdout.write(f"  {done}/{total}"))
        summary = ", ".join(f"{count} {outcome}" for outcome, count in sorted(result.outcomes.items()))
        self.stdout.write(self.style.SUCCESS(f"Done: {summary or 'nothing to do'}."))
