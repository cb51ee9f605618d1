"""Merging two contacts that are one person, and undoing it.

A merge moves every row that points at the absorbed contact (identities,
conversations and so their messages, preferences, staff notes, feedback,
context objects, callback requests, and whatever another app adds later) to
the kept contact, and writes down exactly which rows moved and which of the
kept contact's fields it filled, so that an unmerge puts back those rows and
those values and nothing made since.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from frontdesk.api.serializers import contact_out
from frontdesk.contacts.models import Contact, ContactMerge, DismissedMatch
from frontdesk.core.audit import record
from frontdesk.core.models import Member
from frontdesk.pipeline.events import publish

# The kept contact's empty fields are filled from the absorbed one's, in this order.
FILLED_FIELDS = ("name", "email", "phone", "language", "customer_id")
# Rows about contacts rather than of them: they stay where they are.
_NOT_MOVED = (ContactMerge, DismissedMatch, Contact)


def contact_relations() -> list[tuple[str, type[models.Model], str]]:
    """Every foreign key to Contact whose rows belong to the contact, as (key, model, field name).

    Read from the model registry, so a model another app adds later follows a merge without a change here.
    """
    relations = []
    for relation in Contact._meta.related_objects:
        if not relation.one_to_many or relation.related_model in _NOT_MOVED:
            continue
        model = relation.related_model
        assert isinstance(model, type)
        field_name = relation.field.name
        relations.append((f"{model._meta.label_lower}.{field_name}", model, field_name))
    return sorted(relations, key=lambda item: item[0])


# How an agent reads each kind of row that moves (a model added later shows its own plural name).
MOVED_LABELS = {
    "conversations.conversation.contact": gettext_lazy("Conversations, with their messages"),
    "contacts.identity.contact": gettext_lazy("Channel addresses"),
    "contacts.contactpreference.contact": gettext_lazy("Likes and dislikes"),
    "contacts.contactnote.contact": gettext_lazy("Staff notes"),
    "contacts.contactfeedback.contact": gettext_lazy("Compliments and complaints"),
    "contacts.contextobject.contact": gettext_lazy("Orders, bookings and tickets"),
    "callbacks.callbackrequest.contact": gettext_lazy("Callback requests"),
}


def what_moves(absorbed: Contact) -> list[tuple[str, int]]:
    """What merging ``absorbed`` into another contact would move: (what, how many) for each kind it has."""
    moving = []
    for key, model, field_name in contact_relations():
        count = _rows(model, field_name, absorbed.workspace_id, absorbed.pk).count()
        if count:
            moving.append((str(MOVED_LABELS.get(key, model._meta.verbose_name_plural)), count))
    return moving


def _rows(model: type[models.Model], field_name: str, workspace_id: int, contact_id: int) -> Any:
    manager = model._default_manager if not hasattr(model, "all_workspaces") else model.all_workspaces  # type: ignore[attr-defined]
    return manager.filter(workspace_id=workspace_id, **{field_name: contact_id})


def _lock(workspace_id: int, *contact_ids: int) -> dict[int, Contact]:
    """The contacts, locked one by one in id order, so two merges of overlapping pairs never deadlock."""
    locked: dict[int, Contact] = {}
    for contact_id in sorted(set(contact_ids)):
        contact = Contact.in_workspace(workspace_id).select_for_update().filter(pk=contact_id).first()
        if contact is None:
            raise Http404
        locked[contact_id] = contact
    return locked


def merge_contacts(actor: Member, *, kept: Contact, absorbed: Contact) -> ContactMerge:
    """Make ``absorbed`` part of ``kept``; returns the merge, which records what moved so it can be undone.

    Both contacts must be in the actor's workspace (else Http404, nothing
    changed) and neither already merged into another.
    """
    workspace_id = actor.workspace_id
    if kept.workspace_id != workspace_id or absorbed.workspace_id != workspace_id:
        raise Http404
    if kept.pk == absorbed.pk:
        raise ValidationError(_("A contact cannot be merged with itself."))
    if not actor.user.has_perm("contacts.merge_contact", kept):
        raise PermissionDenied(_("You may not merge contacts."))
    with transaction.atomic():
        locked = _lock(workspace_id, kept.pk, absorbed.pk)
        kept, absorbed = locked[kept.pk], locked[absorbed.pk]
        if kept.merged_into_id is not None or absorbed.merged_into_id is not None:
            raise ValidationError(_("One of these contacts has already been merged into another."))

        rows: dict[str, list[int]] = {}
        for key, model, field_name in contact_relations():
            moving = _rows(model, field_name, workspace_id, absorbed.pk)
            ids = sorted(moving.values_list("pk", flat=True))
            if ids:
                _rows(model, field_name, workspace_id, absorbed.pk).filter(pk__in=ids).update(**{field_name: kept.pk})
                rows[key] = ids

        filled: dict[str, str] = {}
        cleared: dict[str, str] = {}
        if absorbed.customer_id:
            # The business's id is unique per workspace: it leaves the absorbed contact before it can join the kept.
            cleared["customer_id"] = absorbed.customer_id
            absorbed.customer_id = ""
            absorbed.save(update_fields=["customer_id"])
        for name in FILLED_FIELDS:
            value = cleared.get(name, getattr(absorbed, name))
            if value and not getattr(kept, name):
                setattr(kept, name, value)
                filled[name] = value

        added: dict[str, Any] = {}
        conflicts: dict[str, Any] = {}
        for key, value in absorbed.attributes.items():
            if key not in kept.attributes:
                added[key] = value
            elif kept.attributes[key] != value:
                conflicts[key] = value
        if added:
            kept.attributes = {**kept.attributes, **added}

        now = timezone.now()
        kept.updated_at = now
        kept.save()
        absorbed.merged_into = kept
        absorbed.updated_at = now
        absorbed.save(update_fields=["merged_into", "updated_at"])
        merge = ContactMerge.all_workspaces.create(
            workspace_id=workspace_id,
            kept=kept,
            absorbed=absorbed,
            merged_by=actor,
            moved={
                "rows": rows,
                "filled": filled,
                "cleared": cleared,
                "attributes_added": added,
                # The absorbed contact's values the kept one's overrode; shown in the history, restored by an unmerge.
                "attribute_conflicts": conflicts,
            },
            created_at=now,
        )
        counts = {key: len(ids) for key, ids in rows.items()}
        record(
            workspace_id,
            "contact.merged",
            kept,
            actor=actor.user,
            changes={"merge": merge.pk, "absorbed": absorbed.pk, "moved": counts, "filled": sorted(filled)},
        )
        publish(
            "contact.merged",
            workspace_id,
            {
                "contact": contact_out(kept).model_dump(mode="json"),
                "absorbed_id": absorbed.pk,
                "merge_id": merge.pk,
                "conversation_ids": rows.get("conversations.conversation.contact", []),
                "actor_id": actor.pk,
            },
        )
    return merge


def unmerge(actor: Member, merge: ContactMerge) -> None:
    """Undo ``merge``: the rows it moved go back, the fields it filled are emptied where unchanged since.

    Rows created after the merge stay with the kept contact. A merge whose
    kept contact was itself merged away since must have that merge undone first.
    """
    workspace_id = actor.workspace_id
    if merge.workspace_id != workspace_id:
        raise Http404
    if not actor.user.has_perm("contacts.unmerge_contact", merge.kept):
        raise PermissionDenied(_("Only supervisors and admins may undo a merge."))
    with transaction.atomic():
        merge = ContactMerge.in_workspace(workspace_id).select_for_update().get(pk=merge.pk)
        if merge.undone_at is not None:
            raise ValidationError(_("This merge has already been undone."))
        locked = _lock(workspace_id, merge.kept_id, merge.absorbed_id)
        kept, absorbed = locked[merge.kept_id], locked[merge.absorbed_id]
        if kept.merged_into_id is not None:
            raise ValidationError(_("The kept contact was merged into another since; undo that merge first."))

        moved: dict[str, Any] = merge.moved or {}
        rows: dict[str, list[int]] = moved.get("rows", {})
        returned: dict[str, int] = {}
        for key, model, field_name in contact_relations():
            ids = rows.get(key)
            if ids:
                returned[key] = (
                    _rows(model, field_name, workspace_id, kept.pk)
                    .filter(pk__in=ids)
                    .update(**{field_name: absorbed.pk})
                )

        for name, value in (moved.get("filled") or {}).items():
            if getattr(kept, name) == value:
                setattr(kept, name, "")
        attributes = dict(kept.attributes)
        for key, value in (moved.get("attributes_added") or {}).items():
            if attributes.get(key) == value:
                del attributes[key]
        kept.attributes = attributes
        now = timezone.now()
        kept.updated_at = now
        kept.save()
        for name, value in (moved.get("cleared") or {}).items():
            setattr(absorbed, name, value)
        absorbed.merged_into = None
        absorbed.updated_at = now
        absorbed.save()

        merge.undone_at = now
        merge.undone_by = actor
        merge.save(update_fields=["undone_at", "undone_by"])
        record(
            workspace_id,
            "contact.unmerged",
            kept,
            actor=actor.user,
            changes={"merge": merge.pk, "absorbed": absorbed.pk, "returned": returned},
        )
        publish(
            "contact.unmerged",
            workspace_id,
            {
                "contact": contact_out(kept).model_dump(mode="json"),
                "restored": contact_out(absorbed).model_dump(mode="json"),
                "merge_id": merge.pk,
                "conversation_ids": rows.get("conversations.conversation.contact", []),
                "actor_id": actor.pk,
            },
        )


def merged_into(contact: Contact) -> Contact | None:
    """The visible contact an absorbed one now lives in (following merges of merges), or None if it is visible."""
    seen = {contact.pk}
    current = contact
    while current.merged_into_id is not None and current.merged_into_id not in seen:
        seen.add(current.merged_into_id)
        following = Contact.in_workspace(contact.workspace_id).filter(pk=current.merged_into_id).first()
        if following is None:
            return None
        current = following
    return current if current.pk != contact.pk else None
