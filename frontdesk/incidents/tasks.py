"""Background jobs of incidents: forgetting the signatures of cases that can no longer be grouped."""

from __future__ import annotations

from datetime import timedelta

from django.tasks import task
from django.utils import timezone

from frontdesk.conversations.models import ConversationStatus
from frontdesk.core.scheduler import periodic
from frontdesk.incidents.grouping import RETENTION
from frontdesk.incidents.models import CaseSignature

BATCH_SIZE = 1000


@periodic(every=timedelta(minutes=15))
@task(queue_name="scheduled")
def prune_case_signatures() -> int:
    """Delete the signatures (and band keys) of resolved conversations and of ones quiet for longer than
    the grouping window; return how many. Keeps the band index as small as the open, recent cases."""
    cutoff = timezone.now() - RETENTION
    pruned = 0
    while True:
        ids = list(
            CaseSignature.all_workspaces.filter(last_message_at__lt=cutoff).values_list("pk", flat=True)[:BATCH_SIZE]
        ) or list(
            CaseSignature.all_workspaces.filter(conversation__status=ConversationStatus.RESOLVED).values_list(
                "pk", flat=True
            )[:BATCH_SIZE]
        )
        if not ids:
            return pruned
        CaseSignature.all_workspaces.filter(pk__in=ids).delete()
        pruned += len(ids)
