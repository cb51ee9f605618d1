"""Saving and deleting segments; each change is checked, written to the audit log and announced."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from frontdesk.core.audit import record
from frontdesk.core.models import Member
from frontdesk.pipeline.events import publish
from frontdesk.segments.definition import clean_definition
from frontdesk.segments.models import Segment

MAX_NAME = 120
MAX_DESCRIPTION = 500


def _clean_text(name: str, description: str) -> tuple[str, str]:
    name, description = (name or "").strip(), (description or "").strip()
    if not name:
        raise ValidationError(_("Give the segment a name."))
    if len(name) > MAX_NAME:
        raise ValidationError(_("The name is too long (at most %(limit)d characters).") % {"limit": MAX_NAME})
    if len(description) > MAX_DESCRIPTION:
        raise ValidationError(
            _("The description is too long (at most %(limit)d characters).") % {"limit": MAX_DESCRIPTION}
        )
    return name, description


def _payload(segment: Segment) -> dict[str, Any]:
    # Every agent's socket hears workspace events and agents may not see segments: the id only, never the name.
    return {"segment_id": segment.pk}


@transaction.atomic
def save_segment(
    segment: Segment,
    actor: Member,
    *,
    name: str,
    description: str = "",
    definition: Any,
    request: HttpRequest | None = None,
) -> Segment:
    """Create or update ``segment`` in the actor's workspace; ``ValidationError`` says what is wrong."""
    name, description = _clean_text(name, description)
    cleaned = clean_definition(actor.workspace_id, definition)
    taken = Segment.in_workspace(actor.workspace_id).filter(name=name)
    if segment.pk:
        taken = taken.exclude(pk=segment.pk)
    if taken.exists():
        raise ValidationError(_("Another segment already has this name."))
    created = segment.pk is None
    segment.workspace_id = actor.workspace_id
    segment.name, segment.description, segment.definition = name, description, cleaned
    segment.updated_at = timezone.now()
    if created:
        segment.created_by = actor.user
    segment.save()
    record(
        actor.workspace_id,
        "segment.created" if created else "segment.updated",
        segment,
        actor=actor.user,
        changes={"name": name, "definition": cleaned},
        request=request,
    )
    publish("segment.created" if created else "segment.updated", actor.workspace_id, _payload(segment))
    return segment


@transaction.atomic
def delete_segment(segment: Segment, actor: Member, request: HttpRequest | None = None) -> None:
    payload = _payload(segment)
    record(
        actor.workspace_id,
        "segment.deleted",
        segment,
        actor=actor.user,
        changes={"name": segment.name},
        request=request,
    )
    segment.delete()
    publish("segment.deleted", actor.workspace_id, payload)
