from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone

from frontdesk.core.models import TenantModel

# A raw event that failed this many times is left for a person to look at.
MAX_ATTEMPTS = 5


class InboundEvent(TenantModel):
    """One provider event as it arrived, stored before the webhook is acknowledged.

    Unique per channel and provider event id, so a retried delivery is stored
    once; ``processed_at`` stays empty until the event has been turned into
    messages, so a crash in between is recovered by ``frontdesk reprocess-events``.
    """

    channel = models.ForeignKey("frontdesk_channels.Channel", on_delete=models.CASCADE, related_name="+")
    provider_event_id = models.CharField(max_length=255)
    payload = models.JSONField()
    # The webhook request that stored the row: tells a new event from a duplicate without a second round trip.
    delivery = models.UUIDField(default=uuid.uuid4, editable=False)
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "provider_event_id"], name="inboundevent_unique_per_channel"),
        ]
        indexes = [
            models.Index(fields=["workspace", "processed_at", "received_at"], name="inboundevent_ws_pending"),
            models.Index(fields=["workspace", "channel", "received_at"], name="inboundevent_ws_channel"),
            # `frontdesk reprocess-events` scans the unprocessed events of every workspace.
            models.Index(
                fields=["received_at"],
                condition=models.Q(processed_at__isnull=True),
                name="system_inboundevent_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider_event_id} on {self.channel_id}"
