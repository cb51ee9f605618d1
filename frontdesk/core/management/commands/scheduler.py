"""``frontdesk scheduler``: enqueues periodic jobs when they are due, for scale-out."""

from __future__ import annotations

import logging
import signal
import threading
from argparse import ArgumentParser
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from frontdesk.core.scheduler import Scheduler, registered_jobs
from frontdesk.core.supervisor import stop_with_supervisor

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Run the scheduler for scale-out; `frontdesk run` starts one for you. "
        "Several may run at once: each job is still enqueued once per interval."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--tick",
            type=float,
            default=settings.FRONTDESK_SCHEDULER_TICK_SECONDS,
            help="Seconds between checks for due jobs (default: FRONTDESK_SCHEDULER_TICK, %(default)s).",
        )

    def handle(self, *args: Any, tick: float, **options: Any) -> None:
        if tick <= 0:
            raise CommandError("--tick must be positive")
        jobs = registered_jobs()
        for job in jobs:
            logger.info("Periodic job %s every %s", job.name, job.every)
        stop = threading.Event()

        def request_stop(signum: int, frame: FrameType | None) -> None:
            logger.info("Received %s - stopping the scheduler", signal.strsignal(signum))
            stop.set()

        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, request_stop)
        stop_with_supervisor()
        Scheduler(jobs).run(tick, stop)
