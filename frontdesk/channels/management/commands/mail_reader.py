"""``frontdesk mail-reader``: keeps every email channel's mailbox read, one thread per mailbox.

A thread stays connected and waits with IDLE where the server offers it, so
mail shows up within seconds; it polls every ``FRONTDESK_IMAP_POLL_SECONDS``
otherwise. Channels added, disabled or changed are picked up every ``--rescan``
seconds. ``frontdesk run`` starts this process beside the worker; in scale-out
mode run it on one or more hosts (the mailbox leases keep one reader per
mailbox), or rely on the scheduler's polling alone.
"""

from __future__ import annotations

import logging
import signal
import threading
from argparse import ArgumentParser
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, close_old_connections, connections

from frontdesk.channels.email.mailboxes import MailboxReader, readable_channels
from frontdesk.core.supervisor import stop_with_supervisor

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Read the mailboxes of email channels (IMAP IDLE, or polling); `frontdesk run` starts one for you."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--rescan",
            type=float,
            default=30.0,
            help="Seconds between looks for added, changed or disabled email channels (default: %(default)s).",
        )

    def handle(self, *args: Any, rescan: float, **options: Any) -> None:
        if rescan <= 0:
            raise CommandError("--rescan must be positive")
        stop = threading.Event()

        def request_stop(signum: int, frame: FrameType | None) -> None:
            logger.info("Received %s - stopping the mail readers", signal.strsignal(signum))
            stop.set()

        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, request_stop)
        stop_with_supervisor()
        threads: dict[int, threading.Thread] = {}
        while not stop.is_set():
            close_old_connections()
            try:
                channel_ids = [channel.pk for channel in readable_channels()]
            except DatabaseError:
                logger.exception("Listing the mailboxes failed; retrying in %s s", rescan)
                channel_ids = []
            for channel_id in channel_ids:
                thread = threads.get(channel_id)
                if thread is None or not thread.is_alive():
                    threads[channel_id] = self._start(channel_id, stop)
            stop.wait(rescan)
        for thread in threads.values():
            thread.join(timeout=10)
        connections.close_all()

    @staticmethod
    def _start(channel_id: int, stop: threading.Event) -> threading.Thread:
        reader = MailboxReader(channel_id, stop)

        def run() -> None:
            try:
                reader.run()
            except Exception:
                # Started again at the next rescan, not at once: a lasting fault cannot spin.
                logger.exception("The reader of channel %s failed", channel_id)
            finally:
                connections.close_all()

        thread = threading.Thread(target=run, name=f"mail-{channel_id}", daemon=True)
        thread.start()
        logger.info("Reading the mailbox of channel %s", channel_id)
        return thread
