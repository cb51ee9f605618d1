from __future__ import annotations

from django.db import models
from django.utils import timezone

from frontdesk.core.models import TenantModel

# A raw event that failed this many times is dead-lettered: left for a person to look at.
MAX_ATTEMPTS = 5


class InboundEvent(TenantModel):
    """One provider event as it arrived, stored before the webhook is acknowledged.

    Unique per channel and provider event id, so a retried delivery is stored
    once; ``processed_at`` stays empty until the worker has turned the event
    into messages, so nothing acknowledged is lost to a crash. A failure is
    retried at ``retry_at`` with back-off; after ``MAX_ATTEMPTS`` the event is
    dead-lettered (shown to admins, retried only by hand).
    """

    channel = models.ForeignKey("frontdesk_channels.Channel", on_delete=models.CASCADE, related_name="+")
    provider_event_id = models.CharField(max_length=255)
    payload = models.JSONField()
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    retry_at = models.DateTimeField(default=timezone.now)
    error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "provider_event_id"], name="inboundevent_unique_per_channel"),
        ]
        indexes = [
            models.Index(fields=["workspace", "processed_at", "received_at"], name="inboundevent_ws_pending"),
            models.Index(fields=["workspace", "channel", "received_at"], name="inboundevent_ws_channel"),
            # The worker claims due events of every workspace in this order.
            models.Index(
                fields=["retry_at", "id"],
                condition=models.Q(processed_at__isnull=True, attempts__lt=MAX_ATTEMPTS),
                name="system_inboundevent_due",
            ),
        ]

    @property
    def is_dead(self) -> bool:
        return self.processed_at is None and self.attempts >= MAX_ATTEMPTS

    def __str__(self) -> str:
        return f"{self.provider_event_id} on {self.channel_id}"
