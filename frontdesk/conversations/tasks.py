"""Background jobs of conversations."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from frontdesk.api.serializers import conversation_out
from frontdesk.conversations.models import Conversation, ConversationLabel, ConversationStatus
from frontdesk.core.audit import record
from frontdesk.core.scheduler import periodic
from frontdesk.pipeline.events import publish

# How late a snoozed conversation may come back.
SNOOZE_WAKE_INTERVAL = timedelta(seconds=settings.FRONTDESK_SNOOZE_WAKE_SECONDS)
BATCH_SIZE = 500


@periodic(every=SNOOZE_WAKE_INTERVAL)
@task(queue_name="scheduled")
def wake_snoozed_conversations() -> int:
    """Reopen every snoozed conversation whose snooze has run out; return how many."""
    woken = 0
    while True:
        batch = _wake_batch(timezone.now())
        woken += batch
        if batch < BATCH_SIZE:
            return woken


def _wake_batch(now: datetime) -> int:
    with transaction.atomic():
        # The row lock (PostgreSQL) makes an agent's concurrent change wait,
        # and skip_locked lets a second copy of this job take other rows.
        due = list(
            Conversation.all_workspaces.select_for_update(skip_locked=True)
            .filter(status=ConversationStatus.SNOOZED, snoozed_until__lte=now)
            .only("pk", "workspace_id", "snoozed_until")
            .order_by("snoozed_until", "pk")[:BATCH_SIZE]
        )
        if not due:
            return 0
        due_ids = [conversation.pk for conversation in due]
        Conversation.all_workspaces.filter(pk__in=due_ids).update(
            status=ConversationStatus.OPEN, snoozed_until=None, last_activity_at=now
        )
        ConversationLabel.follow(due_ids, status=ConversationStatus.OPEN, last_activity_at=now)
        for conversation in due:
            snoozed_until = conversation.snoozed_until
            record(
                conversation.workspace_id,
                "conversation.unsnoozed",
                conversation,
                changes={
                    "status": [ConversationStatus.SNOOZED.value, ConversationStatus.OPEN.value],
                    "snoozed_until": [snoozed_until.isoformat() if snoozed_until else None, None],
                },
            )
        # Agents' screens move the woken conversations back into the open list.
        woken = Conversation.all_workspaces.filter(pk__in=due_ids).prefetch_related("labels")
        for conversation in woken:
            publish(
                "conversation.updated",
                conversation.workspace_id,
                {
                    "conversation": conversation_out(conversation).model_dump(mode="json"),
                    "changes": {"status": [ConversationStatus.SNOOZED.value, ConversationStatus.OPEN.value]},
                },
            )
    return len(due)
