from __future__ import annotations

from django.db import models
from django.utils import timezone


class ScheduledRun(models.Model):
    """One periodic job enqueued for one interval slot.

    The unique (job, slot) pair is what lets several schedulers run side by
    side: the first to insert the row enqueues the task, the others get an
    IntegrityError and skip it.
    """

    job = models.CharField(max_length=200)
    slot = models.DateTimeField()
    task_result_id = models.CharField(max_length=64, blank=True)
    enqueued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "slot"], name="scheduledrun_unique_job_slot"),
        ]
        indexes = [models.Index(fields=["slot"], name="scheduledrun_slot")]
        ordering = ["-slot"]

    def __str__(self) -> str:
        return f"{self.job} @ {self.slot:%Y-%m-%d %H:%M:%S}"
