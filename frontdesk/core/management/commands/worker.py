"""``frontdesk worker``: runs queued tasks (django-tasks-db's worker) and processes inbound events.

Each task runner and each inbound processor is one thread; the first signal
lets them finish what they hold, a second one aborts.
"""

from __future__ import annotations

import logging
import signal
import socket
import threading
from argparse import ArgumentParser
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django.utils.crypto import get_random_string
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.management.commands.db_worker import Worker

from frontdesk.core.supervisor import stop_with_supervisor
from frontdesk.pipeline.processing import InboundProcessor

logger = logging.getLogger(__name__)


def worker_id(number: int) -> str:
    # Unique across hosts and restarts, readable in the task results.
    return f"{socket.gethostname()[:30]}-{get_random_string(8)}-{number}"


class Command(BaseCommand):
    help = "Run the task worker for scale-out; `frontdesk run` starts one for you."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--queue",
            action="append",
            dest="queues",
            help="A queue to work on; repeat or separate with commas (default: every configured queue).",
        )
        parser.add_argument(
            "--concurrency", type=int, default=1, help="Tasks run at the same time, one thread each (default: 1)."
        )
        parser.add_argument(
            "--interval", type=float, default=1.0, help="Seconds between polls of an empty queue (default: 1)."
        )
        parser.add_argument(
            "--inbound",
            type=int,
            default=1,
            metavar="N",
            help="Inbound processors: threads turning stored webhook events into messages (default: 1; 0 for none).",
        )

    def handle(
        self,
        *args: Any,
        queues: list[str] | None,
        concurrency: int,
        interval: float,
        inbound: int,
        **options: Any,
    ) -> None:
        backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
        if not isinstance(backend, DatabaseBackend):
            raise CommandError("The worker needs the database task backend (django_tasks_db.DatabaseBackend).")
        queue_names = sorted({name for value in queues or backend.queues for name in value.split(",") if name})
        unknown = set(queue_names) - backend.queues
        if unknown:
            raise CommandError(
                f"Unknown queue(s): {', '.join(sorted(unknown))}. Known: {', '.join(sorted(backend.queues))}."
            )
        if concurrency < 0 or inbound < 0 or concurrency + inbound == 0:
            raise CommandError("--concurrency and --inbound must not be negative, and not both 0")

        workers = [
            Worker(
                queue_names=queue_names,
                interval=interval,
                batch=False,
                backend_name=DEFAULT_TASK_BACKEND_ALIAS,
                startup_delay=concurrency > 1,
                max_tasks=None,
                worker_id=worker_id(number),
                excluded_queue_names=[],
            )
            for number in range(concurrency)
        ]
        loops: list[Worker | InboundProcessor] = [*workers, *(InboundProcessor() for _ in range(inbound))]
        stop_with_supervisor()
        self._run_threads(loops)

    def _run_threads(self, loops: list[Worker | InboundProcessor]) -> None:
        stopping = False

        def stop_all() -> None:
            for loop in loops:
                if isinstance(loop, InboundProcessor):
                    loop.stop()
                else:
                    loop.running = False

        def stop(signum: int, frame: FrameType | None) -> None:
            nonlocal stopping
            if stopping:
                raise SystemExit(1)
            stopping = True
            logger.warning("Received %s - finishing running work (again to abort it)", signal.strsignal(signum))
            stop_all()

        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, stop)
        threads = [
            threading.Thread(target=self._work, args=(loop,), name=_name(loop, number), daemon=True)
            for number, loop in enumerate(loops)
        ]
        for thread in threads:
            thread.start()
        crashed = False
        while alive := [thread for thread in threads if thread.is_alive()]:
            # Short joins keep the main thread able to run the signal handler.
            alive[0].join(0.5)
            if not crashed and not stopping and len(alive) < len(threads):
                # One thread died of an error: stop the others and exit non-zero,
                # so whatever supervises this process starts a fresh one.
                crashed = True
                stop_all()
        if crashed:
            raise CommandError("A worker thread failed; see the traceback above.")

    @staticmethod
    def _work(loop: Worker | InboundProcessor) -> None:
        try:
            loop.run()
        except Exception:
            logger.exception("%s failed", threading.current_thread().name)
        finally:
            connections.close_all()


def _name(loop: Worker | InboundProcessor, number: int) -> str:
    return f"inbound-{number}" if isinstance(loop, InboundProcessor) else f"tasks-{loop.worker_id}"
