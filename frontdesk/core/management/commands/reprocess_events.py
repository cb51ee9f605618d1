"""``frontdesk reprocess-events``: apply stored webhook events that were never processed (after a crash)."""

from __future__ import annotations

from argparse import ArgumentParser
from collections import Counter
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime

from frontdesk.pipeline.inbound import process_event
from frontdesk.pipeline.models import MAX_ATTEMPTS, InboundEvent

BATCH = 500


class Command(BaseCommand):
    help = "Process stored inbound events not processed yet (after a crash), oldest first. Safe to run twice."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--channel", type=int, help="Only events of this channel id.")
        parser.add_argument("--since", help="Only events received at or after this ISO 8601 time.")
        parser.add_argument(
            "--include-failed",
            action="store_true",
            help=f"Also retry events that already failed {MAX_ATTEMPTS} times.",
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
        outcomes: Counter[str] = Counter()
        last_pk = 0
        done = 0
        while True:
            batch = list(pending.filter(pk__gt=last_pk).select_related("channel__workspace").order_by("pk")[:BATCH])
            if not batch:
                break
            for event in batch:
                outcomes[process_event(event)] += 1
                done += 1
            last_pk = batch[-1].pk
            self.stdout.write(f"  {done}/{total}")
        summary = ", ".join(f"{count} {outcome}" for outcome, count in sorted(outcomes.items())) or "nothing to do"
        self.stdout.write(self.style.SUCCESS(f"Done: {summary}."))
