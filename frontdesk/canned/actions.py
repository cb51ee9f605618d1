"""Changing canned responses; each change is written to the audit log."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from frontdesk.canned.models import CannedResponse
from frontdesk.core.audit import record
from frontdesk.core.models import Member


@transaction.atomic
def save_canned(canned: CannedResponse, actor: Member, request: HttpRequest | None = None) -> CannedResponse:
    """Create or update ``canned`` in the actor's workspace."""
    created = canned.pk is None
    canned.workspace_id = actor.workspace_id
    canned.updated_at = timezone.now()
    if created:
        canned.created_by = actor.user
    canned.save()
    record(
        actor.workspace_id,
        "canned.created" if created else "canned.updated",
        canned,
        actor=actor.user,
        changes={"shortcut": canned.shortcut, "title": canned.title},
        request=request,
    )
    return canned


@transaction.atomic
def delete_canned(canned: CannedResponse, actor: Member, request: HttpRequest | None = None) -> None:
    record(
        actor.workspace_id,
        "canned.deleted",
        canned,
        actor=actor.user,
        changes={"shortcut": canned.shortcut},
        request=request,
    )
    canned.delete()
