"""Compliments and complaints a customer made: recorded with where they were said and by whom, audited, published."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from frontdesk.contacts.models import Contact, ContactFeedback, FeedbackKind
from frontdesk.conversations.models import Conversation
from frontdesk.core.audit import record
from frontdesk.core.models import Member
from frontdesk.pipeline.events import publish

MAX_FEEDBACK_LENGTH = 500


def record_feedback(
    actor: Member, contact: Contact, *, kind: str, text: str, source_conversation: Conversation | None = None
) -> ContactFeedback:
    """Note a compliment or a complaint of ``contact``'s, said in ``source_conversation`` (which must be theirs)."""
    text = " ".join((text or "").split())
    if kind not in FeedbackKind.values:
        raise ValidationError({"kind": _("Choose compliment or complaint.")})
    if not text:
        raise ValidationError({"text": _("Write what the customer said.")})
    if len(text) > MAX_FEEDBACK_LENGTH:
        raise ValidationError({"text": _("At most %(limit)d characters.") % {"limit": MAX_FEEDBACK_LENGTH}})
    if contact.workspace_id != actor.workspace_id:
        raise ValidationError(_("That contact is not in this workspace."))
    if source_conversation is not None and (
        source_conversation.workspace_id != contact.workspace_id or source_conversation.contact_id != contact.pk
    ):
        raise ValidationError(_("That conversation is not this contact's."))
    with transaction.atomic():
        feedback = ContactFeedback.all_workspaces.create(
            workspace_id=contact.workspace_id,
            contact=contact,
            kind=kind,
            text=text,
            source_conversation=source_conversation,
            created_by=actor,
        )
        record(
            contact.workspace_id,
            "contact.feedback_added",
            contact,
            actor=actor.user,
            changes={
                "feedback": feedback.pk,
                "kind": kind,
                "text": text,
                "conversation": source_conversation.pk if source_conversation else None,
            },
        )
        # The text stays out of the event: every subscriber (webhooks too) hears of it.
        publish(
            "contact.feedback_added",
            contact.workspace_id,
            {"contact_id": contact.pk, "feedback": {"id": feedback.pk, "kind": kind}},
        )
    return feedback


def remove_feedback(feedback: ContactFeedback, actor: Member) -> None:
    feedback_id = feedback.pk
    with transaction.atomic():
        feedback.delete()
        record(
            feedback.workspace_id,
            "contact.feedback_removed",
            feedback.contact,
            actor=actor.user,
            changes={"feedback": feedback_id, "kind": feedback.kind, "text": feedback.text},
        )
        publish(
            "contact.feedback_removed",
            feedback.workspace_id,
            {"contact_id": feedback.contact_id, "feedback": {"id": feedback_id, "kind": feedback.kind}},
        )
