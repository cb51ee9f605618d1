"""``frontdesk worker``: runs queued tasks (django-tasks-db's worker) for scale-out."""

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

    def handle(self, *args: Any, queues: list[str] | None, concurrency: int, interval: float, **options: Any) -> None:
        backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
        if not isinstance(backend, DatabaseBackend):
            raise CommandError("The worker needs the database task backend (django_tasks_db.DatabaseBackend).")
        queue_names = sorted({name for value in queues or backend.queues for name in value.split(",") if name})
        unknown = set(queue_names) - backend.queues
        if unknown:
            raise CommandError(
                f"Unknown queue(s): {', '.join(sorted(unknown))}. Known: {', '.join(sorted(backend.queues))}."
            )
        if concurrency < 1:
            raise CommandError("--concurrency must be at least 1")

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
        stop_with_supervisor()
        if concurrency == 1:
            # django-tasks-db's own handling: the first signal lets the running
            # task finish, a second one aborts it.
            workers[0].configure_signals()
            workers[0].run()
            return
        self._run_threads(workers)

    def _run_threads(self, workers: list[Worker]) -> None:
        def stop(signum: int, frame: FrameType | None) -> None:
            if not workers[0].running:
                raise SystemExit(1)
            logger.warning("Received %s - finishing running tasks (again to abort them)", signal.strsignal(signum))
            for worker in workers:
                worker.running = False

        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, stop)
        threads = [
            threading.Thread(target=self._work, args=(worker,), name=f"worker-{number}", daemon=True)
            for number, worker in enumerate(workers)
        ]
        for thread in threads:
            thread.start()
        crashed = False
        while alive := [thread for thread in threads if thread.is_alive()]:
            # Short joins keep the main thread able to run the signal handler.
            alive[0].join(0.5)
            if not crashed and workers[0].running and len(alive) < len(threads):
                # One thread died of an error: stop the others and exit non-zero,
                # so whatever supervises this process starts a fresh one.
                crashed = True
                for worker in workers:
                    worker.running = False
        if crashed:
            raise CommandError("A worker thread failed; see the traceback above.")

    @staticmethod
    def _work(worker: Worker) -> None:
        try:
            worker.run()
        except Exception:
            logger.exception("Worker %s failed", worker.worker_id)
        finally:
            connections.close_all()
