"""Periodic jobs: a registry of tasks to enqueue every so often, and the loop that enqueues them.

A job is a ``django.tasks`` task that takes no arguments, registered with
:func:`periodic`::

    @periodic(every=timedelta(minutes=1))
    @task(queue_name="scheduled")
    def wake_snoozed_conversations() -> int: ...

Time is cut into slots of ``every`` counted from the Unix epoch, so every
scheduler agrees on where a slot starts. A job is due once per slot. The
scheduler records the (job, slot) pair as a :class:`ScheduledRun` row in the
same transaction as the enqueue; the unique constraint on that pair means
that with several schedulers running (scale-out mode), exactly one of them
enqueues each slot. Missed slots (the scheduler was down) are not replayed:
the job runs once for the current slot and catches up by itself.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import DatabaseError, IntegrityError, close_old_connections, transaction
from django.tasks import Task
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from frontdesk.core.models import ScheduledRun

logger = logging.getLogger(__name__)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

type PeriodicTask = Task[[], Any]


@dataclass(frozen=True)
class PeriodicJob:
    task: PeriodicTask
    every: timedelta

    @property
    def name(self) -> str:
        return self.task.module_path

    def slot_start(self, now: datetime) -> datetime:
        """The start of the slot that ``now`` falls in."""
        slots = (now - EPOCH) // self.every
        return EPOCH + slots * self.every


_registry: dict[str, PeriodicJob] = {}


def periodic(*, every: timedelta) -> Callable[[PeriodicTask], PeriodicTask]:
    """Register a task (taking no arguments) to be enqueued once every ``every``."""
    if every <= timedelta(0):
        raise ValueError("a periodic job needs a positive interval")

    def register(task: PeriodicTask) -> PeriodicTask:
        job = PeriodicJob(task=task, every=every)
        _registry[job.name] = job
        return task

    return register


def registered_jobs() -> list[PeriodicJob]:
    """Every periodic job of every installed app (imports each app's ``tasks`` module)."""
    autodiscover_modules("tasks")
    return sorted(_registry.values(), key=lambda job: job.name)


class Scheduler:
    """Enqueues each job once per slot; any number of schedulers may tick at once."""

    def __init__(self, jobs: Iterable[PeriodicJob]) -> None:
        self.jobs = list(jobs)
        # Slots this process already knows are taken, so a tick shorter than a
        # job's interval does not hit the unique constraint on every tick.
        self._done: dict[str, datetime] = {}

    def tick(self, now: datetime | None = None) -> list[str]:
        """Enqueue every job whose current slot has not been enqueued yet; return their names."""
        now = now or timezone.now()
        enqueued = []
        for job in self.jobs:
            slot = job.slot_start(now)
            if self._done.get(job.name) == slot:
                continue
            if self._enqueue(job, slot):
                enqueued.append(job.name)
            self._done[job.name] = slot
        return enqueued

    def _enqueue(self, job: PeriodicJob, slot: datetime) -> bool:
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(job=job.name, slot=slot)
                result = job.task.enqueue()
                run.task_result_id = str(result.id)
                run.save(update_fields=["task_result_id"])
        except IntegrityError:
            logger.debug("%s for %s was enqueued by another scheduler", job.name, slot)
            return False
        logger.info("Enqueued %s for the slot starting %s", job.name, slot.isoformat())
        return True

    def run(self, tick_seconds: float, stop: threading.Event) -> None:
        """Tick every ``tick_seconds`` until ``stop`` is set."""
        while not stop.is_set():
            close_old_connections()
            try:
                self.tick()
            except DatabaseError:
                # A database that is briefly away (restart, failover) must not
                # kill the scheduler; the next tick tries again.
                logger.exception("Scheduler tick failed; retrying in %s s", tick_seconds)
            stop.wait(tick_seconds)
