"""Housekeeping jobs of the platform itself."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.tasks import task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from frontdesk.core.models import ScheduledRun
from frontdesk.core.scheduler import periodic

logger = logging.getLogger(__name__)

# Scheduler history only guards the current slot against a second enqueue;
# a couple of days is plenty to see what ran when.
SCHEDULED_RUN_RETENTION = timedelta(days=2)
# Finished task results stay long enough to look into a failure.
TASK_RESULT_RETENTION = timedelta(days=14)


@periodic(every=timedelta(days=1))
@task(queue_name="scheduled")
def prune_task_history() -> dict[str, int]:
    """Delete old scheduler records and finished task results; return how many of each."""
    now = timezone.now()
    runs, _ = ScheduledRun.objects.filter(slot__lt=now - SCHEDULED_RUN_RETENTION).delete()
    results, _ = DBTaskResult.objects.finished().filter(finished_at__lt=now - TASK_RESULT_RETENTION).delete()
    logger.info("Pruned %d scheduler records and %d finished task results", runs, results)
    return {"scheduled_runs": runs, "task_results": results}
