"""Joining two cases of one problem into one: the same customer wrote on two channels, or twice."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from frontdesk.conversations.actions import _conversation_changed
from frontdesk.conversations.models import (
    Conversation,
    ConversationLabel,
    ConversationStatus,
    Mention,
    Message,
    OutboxEntry,
)
from frontdesk.core.audit import record
from frontdesk.core.models import Member

ACTIVE_STATUSES = (ConversationStatus.OPEN, ConversationStatus.PENDING, ConversationStatus.SNOOZED)


def join_conversations(actor: Member, *, kept: Conversation, other: Conversation) -> Conversation:
    """Move ``other``'s messages and labels into ``kept``, resolve ``other`` pointing at it; returns ``kept``.

    Both must be in the actor's workspace (else Http404, nothing changed) and
    belong to one contact: cases of two contacts are joined after the contacts
    are merged (``contacts.merging.merge_contacts``). Each message keeps its
    own channel, so the case shows where every message came from.
    """
    workspace_id = actor.workspace_id
    if kept.workspace_id != workspace_id or other.workspace_id != workspace_id:
        raise Http404
    if kept.pk == other.pk:
        raise ValidationError(_("A conversation cannot be joined with itself."))
    for conversation in (kept, other):
        if not actor.user.has_perm("conversations.change_conversation", conversation):
            raise PermissionDenied(_("You may not change this conversation."))
    with transaction.atomic():
        locked = {
            conversation.pk: conversation
            for conversation in Conversation.in_workspace(workspace_id)
            .select_for_update()
            .filter(pk__in=[kept.pk, other.pk])
            .order_by("pk")
        }
        if len(locked) != 2:
            raise Http404
        kept, other = locked[kept.pk], locked[other.pk]
        if kept.contact_id != other.contact_id:
            raise ValidationError(_("These conversations are with two contacts; merge the contacts first."))
        if kept.merged_into_id is not None or other.merged_into_id is not None:
            raise ValidationError(_("One of these conversations was already joined into another."))

        moved = list(Message.in_workspace(workspace_id).filter(conversation=other).values_list("pk", flat=True))
        Message.in_workspace(workspace_id).filter(pk__in=moved).update(conversation=kept)
        Mention.in_workspace(workspace_id).filter(conversation=other).update(conversation=kept)
        OutboxEntry.in_workspace(workspace_id).filter(conversation=other).update(conversation=kept)

        links = ConversationLabel.in_workspace(workspace_id)
        have = set(links.filter(conversation=kept).values_list("label_id", flat=True))
        labels = [link.label for link in links.filter(conversation=other).select_related("label")]
        links.filter(conversation=other).delete()

        before_status = kept.status
        if other.last_activity_at > kept.last_activity_at:
            kept.last_activity_at = other.last_activity_at
            kept.last_message_preview = other.last_message_preview
        if other.waiting_since is not None and (kept.waiting_since is None or other.waiting_since < kept.waiting_since):
            kept.waiting_since = other.waiting_since
        if other.status in ACTIVE_STATUSES and kept.status == ConversationStatus.RESOLVED:
            kept.status = ConversationStatus.OPEN
            kept.resolved_at = None
        kept.save(update_fields=["last_activity_at", "last_message_preview", "waiting_since", "status", "resolved_at"])
        ConversationLabel.all_workspaces.bulk_create(
            [ConversationLabel.linking(kept, label) for label in labels if label.pk not in have]
        )

        other_status = other.status
        now = timezone.now()
        other.status = ConversationStatus.RESOLVED
        other.resolved_at = now
        other.snoozed_until = None
        other.waiting_since = None
        other.merged_into = kept
        other.save(update_fields=["status", "resolved_at", "snoozed_until", "waiting_since", "merged_into"])

        kept_changes: dict[str, Any] = {"joined": other.pk, "messages": len(moved)}
        if kept.status != before_status:
            kept_changes["status"] = [before_status, kept.status]
        if labels:
            kept_changes["labels"] = sorted(_names(kept))
        _conversation_changed(kept, actor, kept_changes)
        _conversation_changed(
            other, actor, {"merged_into": kept.pk, "status": [other_status, ConversationStatus.RESOLVED.value]}
        )
        record(
            workspace_id,
            "conversation.joined",
            kept,
            actor=actor.user,
            changes={"other": other.pk, "messages": moved},
        )
    return kept


def _names(conversation: Conversation) -> list[str]:
    return list(
        ConversationLabel.in_workspace(conversation.workspace_id)
        .filter(conversation=conversation)
        .values_list("label__name", flat=True)
    )
