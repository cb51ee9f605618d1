from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from frontdesk.conversations.tasks import wake_snoozed_conversations
from frontdesk.core.models import ScheduledRun
from frontdesk.core.scheduler import PeriodicJob, Scheduler, registered_jobs
from frontdesk.core.tasks import prune_task_history

pytestmark = pytest.mark.django_db

WAKE = PeriodicJob(task=wake_snoozed_conversations, every=timedelta(minutes=1))


def enqueued(job: PeriodicJob) -> int:
    return DBTaskResult.objects.filter(task_path=job.name).count()


def test_two_schedulers_ticking_the_same_slot_enqueue_once() -> None:
    now = datetime(2026, 3, 1, 12, 0, 30, tzinfo=UTC)
    first, second = Scheduler([WAKE]), Scheduler([WAKE])

    assert first.tick(now) == [WAKE.name]
    assert second.tick(now + timedelta(seconds=20)) == []
    assert first.tick(now + timedelta(seconds=25)) == []

    assert enqueued(WAKE) == 1
    run = ScheduledRun.objects.get()
    assert run.slot == datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert DBTaskResult.objects.get(id=run.task_result_id).queue_name == "scheduled"


def test_each_new_slot_is_enqueued_by_exactly_one_scheduler() -> None:
    start = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
    schedulers = [Scheduler([WAKE]) for _ in range(3)]

    for second in range(0, 180, 5):
        for scheduler in schedulers:
            scheduler.tick(start + timedelta(seconds=second))

    assert enqueued(WAKE) == 3
    assert ScheduledRun.objects.count() == 3


def test_slots_are_counted_from_the_epoch_so_every_scheduler_agrees() -> None:
    daily = PeriodicJob(task=prune_task_history, every=timedelta(days=1))
    now = datetime(2026, 3, 1, 17, 45, 12, tzinfo=UTC)

    assert WAKE.slot_start(now) == datetime(2026, 3, 1, 17, 45, tzinfo=UTC)
    assert daily.slot_start(now) == datetime(2026, 3, 1, tzinfo=UTC)


def test_every_app_registers_its_periodic_jobs() -> None:
    names = {job.name for job in registered_jobs()}

    assert {wake_snoozed_conversations.module_path, prune_task_history.module_path} <= names


def test_daily_prune_removes_old_history_and_keeps_recent_and_unfinished() -> None:
    now = timezone.now()
    old_run = ScheduledRun.objects.create(job="a", slot=now - timedelta(days=3))
    recent_run = ScheduledRun.objects.create(job="a", slot=now - timedelta(hours=1))
    results = [wake_snoozed_conversations.enqueue().id for _ in range(3)]
    DBTaskResult.objects.filter(id=results[0]).update(
        status=TaskResultStatus.SUCCESSFUL, finished_at=now - timedelta(days=15)
    )
    DBTaskResult.objects.filter(id=results[1]).update(
        status=TaskResultStatus.FAILED, finished_at=now - timedelta(days=1)
    )

    assert prune_task_history.call() == {"scheduled_runs": 1, "task_results": 1}

    assert list(ScheduledRun.objects.values_list("pk", flat=True)) == [recent_run.pk]
    assert not ScheduledRun.objects.filter(pk=old_run.pk).exists()
    assert {str(pk) for pk in DBTaskResult.objects.values_list("id", flat=True)} == {results[1], results[2]}
