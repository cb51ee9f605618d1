"""What agents do with incidents and likely duplicates. Each action checks, writes, audits and publishes.

Every change to a conversation goes through ``frontdesk.conversations.actions``
(reply, assign, set_status), so an incident's bulk work is the same as doing it
conversation by conversation: the same channel rules, audit and events.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from frontdesk.canned.variables import render_canned
from frontdesk.channels.models import Channel
from frontdesk.conversations import actions as conversation_actions
from frontdesk.conversations.models import Conversation, ConversationStatus
from frontdesk.core.audit import record
from frontdesk.core.models import Member
from frontdesk.incidents.grouping import ACTIVE_STATUSES, incident_summary
from frontdesk.incidents.models import (
    DuplicateCandidate,
    DuplicateStatus,
    Incident,
    IncidentConversation,
    IncidentStatus,
)
from frontdesk.pipeline.events import publish

MAX_TITLE_LENGTH = 200


@dataclass
class Outcome:
    """What a bulk action did to each conversation: done, or refused with the reason an agent reads."""

    done: list[Conversation] = field(default_factory=list)
    refused: list[tuple[Conversation, str]] = field(default_factory=list)


def conversations_of(incident: Incident) -> QuerySet[Conversation]:
    """The incident's conversations (those not taken out of it), oldest first."""
    return (
        Conversation.in_workspace(incident.workspace_id)
        .filter(
            incident_memberships__incident=incident,
            incident_memberships__removed_at__isnull=True,
        )
        .select_related("contact", "channel", "assignee__user")
        .order_by("created_at", "pk")
    )


def visible_conversations(incident: Incident, member: Member) -> list[Conversation]:
    """The incident's conversations that ``member`` may see (``conversations.view_conversation``), oldest first."""
    return [c for c in conversations_of(incident) if member.user.has_perm("conversations.view_conversation", c)]


def reply_channels(conversations: Sequence[Conversation]) -> dict[int, Channel | None]:
    """The channel an answer to each conversation goes out on (conversation id → channel): the one its customer
    last wrote on, else the conversation's own."""
    if not conversations:
        return {}
    used = conversation_actions.last_customer_channels(conversations)
    channels = {channel.pk: channel for channel in Channel.in_workspace(conversations[0].workspace_id)}
    return {c.pk: channels.get(used.get(c.pk, c.channel_id)) for c in conversations}


def _announce(incident: Incident) -> None:
    publish("incident.updated", incident.workspace_id, {"incident": incident_summary(incident)})


def _touch(incident: Incident) -> None:
    incident.updated_at = timezone.now()
    incident.save(update_fields=["updated_at"])


def _may_change(actor: Member, conversation: Conversation) -> bool:
    return bool(actor.user.has_perm("conversations.change_conversation", conversation))


def answer_all(incident: Incident, actor: Member, text: str, *, resolve: bool = False) -> Outcome:
    """One message to every open conversation of the incident, its variables filled per conversation.

    Each goes through the reply action on the channel the customer last wrote
    on. A conversation is refused, with the reason, when the channel will not
    take it now (a closed reply window, an opt-out…), when a variable has no
    value for that customer (it would reach them as ``{{ contact.name }}``), or
    when the actor may not change it. With ``resolve``, the answered ones are
    resolved afterwards.
    """
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("Write the message to send."))
    if len(text) > conversation_actions.MAX_TEXT_LENGTH:
        raise ValidationError(
            _("A reply can be at most %(limit)d characters.") % {"limit": conversation_actions.MAX_TEXT_LENGTH}
        )
    _check_actor(incident, actor)
    conversations = [c for c in conversations_of(incident) if c.status in ACTIVE_STATUSES]
    via_channels = reply_channels(conversations)
    outcome = Outcome()
    for conversation in conversations:
        if not _may_change(actor, conversation):
            outcome.refused.append((conversation, _("You may not reply in this conversation.")))
            continue
        rendered = render_canned(text, conversation, actor)
        if rendered.missing:
            outcome.refused.append(
                (
                    conversation,
                    _("No value for %(names)s for this customer.")
                    % {"names": ", ".join("{{ " + name + " }}" for name in rendered.missing)},
                )
            )
            continue
        try:
            conversation_actions.reply(conversation, actor, rendered.text, via=via_channels[conversation.pk])
        except ValidationError as error:
            outcome.refused.append((conversation, " ".join(error.messages)))
            continue
        if resolve:
            conversation_actions.set_status(conversation, ConversationStatus.RESOLVED, actor=actor)
        outcome.done.append(conversation)
    with transaction.atomic():
        _touch(incident)
        record(
            incident.workspace_id,
            "incident.answered",
            incident,
            actor=actor.user,
            changes={
                "sent": [c.pk for c in outcome.done],
                "refused": {str(c.pk): reason for c, reason in outcome.refused},
                "resolve": resolve,
            },
        )
        _resolve_if_done(incident, actor)
        _announce(incident)
    return outcome


def resolve_all(incident: Incident, actor: Member) -> Outcome:
    """Resolve every open conversation of the incident, then the incident."""
    _check_actor(incident, actor)
    outcome = Outcome()
    for conversation in conversations_of(incident):
        if conversation.status == ConversationStatus.RESOLVED:
            continue
        if not _may_change(actor, conversation):
            outcome.refused.append((conversation, _("You may not change this conversation.")))
            continue
        conversation_actions.set_status(conversation, ConversationStatus.RESOLVED, actor=actor)
        outcome.done.append(conversation)
    with transaction.atomic():
        if not outcome.refused:
            _set_status(incident, IncidentStatus.RESOLVED)
        _touch(incident)
        record(
            incident.workspace_id,
            "incident.resolved",
            incident,
            actor=actor.user,
            changes={"conversations": [c.pk for c in outcome.done]},
        )
        _announce(incident)
    return outcome


def assign_all_to_me(incident: Incident, actor: Member) -> Outcome:
    """Give every open conversation of the incident to ``actor``."""
    _check_actor(incident, actor)
    outcome = Outcome()
    for conversation in conversations_of(incident):
        if conversation.status not in ACTIVE_STATUSES or conversation.assignee_id == actor.pk:
            continue
        if not _may_change(actor, conversation):
            outcome.refused.append((conversation, _("You may not change this conversation.")))
            continue
        try:
            conversation_actions.assign(conversation, actor, actor=actor)
        except (ValidationError, PermissionDenied) as error:
            outcome.refused.append((conversation, " ".join(getattr(error, "messages", [str(error)]))))
            continue
        outcome.done.append(conversation)
    with transaction.atomic():
        _touch(incident)
        record(
            incident.workspace_id,
            "incident.assigned",
            incident,
            actor=actor.user,
            changes={"assignee": actor.pk, "conversations": [c.pk for c in outcome.done]},
        )
        _announce(incident)
    return outcome


def remove_conversation(incident: Incident, conversation: Conversation, actor: Member) -> None:
    """Take ``conversation`` out of the incident; the grouping will not put it back into this one."""
    _check_actor(incident, actor)
    if conversation.workspace_id != incident.workspace_id:
        raise ValidationError(_("That conversation is not in this incident."))
    with transaction.atomic():
        removed = IncidentConversation.in_workspace(incident.workspace_id).filter(
            incident=incident, conversation=conversation, removed_at__isnull=True
        )
        if not removed.update(removed_at=timezone.now(), removed_by=actor):
            raise ValidationError(_("That conversation is not in this incident."))
        _touch(incident)
        record(
            incident.workspace_id,
            "incident.conversation_removed",
            incident,
            actor=actor.user,
            changes={"conversation": conversation.pk},
        )
        publish(
            "incident.updated",
            incident.workspace_id,
            {"incident": incident_summary(incident), "conversation_id": conversation.pk},
        )


def rename(incident: Incident, actor: Member, title: str) -> Incident:
    """Give the incident a clearer title than the first message's preview."""
    _check_actor(incident, actor)
    title = " ".join((title or "").split())
    if not title:
        raise ValidationError(_("An incident needs a title."))
    if len(title) > MAX_TITLE_LENGTH:
        raise ValidationError(_("A title can be at most %(limit)d characters.") % {"limit": MAX_TITLE_LENGTH})
    with transaction.atomic():
        before = incident.title
        if before == title:
            return incident
        incident.title = title
        incident.updated_at = timezone.now()
        incident.save(update_fields=["title", "updated_at"])
        record(
            incident.workspace_id, "incident.renamed", incident, actor=actor.user, changes={"title": [before, title]}
        )
        _announce(incident)
    return incident


def _check_actor(incident: Incident, actor: Member) -> None:
    if actor.workspace_id != incident.workspace_id or not actor.user.has_perm("incidents.change_incident", incident):
        raise PermissionDenied(_("You may not change this incident."))


def _set_status(incident: Incident, status: IncidentStatus) -> None:
    if incident.status == status:
        return
    incident.status = status
    incident.resolved_at = timezone.now() if status == IncidentStatus.RESOLVED else None
    incident.save(update_fields=["status", "resolved_at"])


def _resolve_if_done(incident: Incident, actor: Member) -> None:
    still_open = conversations_of(incident).filter(status__in=ACTIVE_STATUSES).exists()
    if not still_open and incident.status == IncidentStatus.OPEN:
        _set_status(incident, IncidentStatus.RESOLVED)
        record(incident.workspace_id, "incident.resolved", incident, actor=actor.user, changes={})


def _decide(duplicate: DuplicateCandidate, actor: Member, status: DuplicateStatus) -> None:
    duplicate.status = status
    duplicate.decided_by = actor
    duplicate.decided_at = timezone.now()
    duplicate.save(update_fields=["status", "decided_by", "decided_at"])
    record(
        duplicate.workspace_id,
        f"duplicate.{status.value}",
        duplicate,
        actor=actor.user,
        changes={"conversation": duplicate.conversation_id, "other": duplicate.other_id, "score": duplicate.score},
    )
    for conversation_id in (duplicate.conversation_id, duplicate.other_id):
        publish(
            "duplicate.updated",
            duplicate.workspace_id,
            {"duplicate": {"id": duplicate.pk, "status": status.value}, "conversation_id": conversation_id},
        )


def _pending(duplicate: DuplicateCandidate, actor: Member) -> DuplicateCandidate:
    if actor.workspace_id != duplicate.workspace_id:
        raise PermissionDenied(_("You may not change this conversation."))
    locked = (
        DuplicateCandidate.in_workspace(duplicate.workspace_id)
        .select_for_update(of=("self",))
        .select_related("conversation__contact", "other__contact")
        .get(pk=duplicate.pk)
    )
    if locked.status != DuplicateStatus.PENDING:
        raise ValidationError(_("This suggestion was already dealt with."))
    for conversation in (locked.conversation, locked.other):
        if not _may_change(actor, conversation):
            raise PermissionDenied(_("You may not change this conversation."))
    return locked


def dismiss_duplicate(duplicate: DuplicateCandidate, actor: Member) -> None:
    """Not the same customer: the suggestion is not shown again."""
    with transaction.atomic():
        _decide(_pending(duplicate, actor), actor, DuplicateStatus.DISMISSED)


def merge_duplicate(duplicate: DuplicateCandidate, actor: Member) -> None:
    """The same customer: the later conversation's contact becomes part of the earlier one's (both cases stay)."""
    from frontdesk.contacts.merging import merge_contacts

    with transaction.atomic():
        duplicate = _pending(duplicate, actor)
        kept, absorbed = duplicate.other.contact, duplicate.conversation.contact
        if kept.pk != absorbed.pk:
            merge_contacts(actor, kept=kept, absorbed=absorbed)
        _decide(duplicate, actor, DuplicateStatus.MERGED)


def link_duplicate(duplicate: DuplicateCandidate, actor: Member) -> Conversation:
    """The same customer about the same problem: one contact and one case, the earlier conversation kept.

    Joining needs one contact, so the contacts are merged first if they are still two.
    """
    from frontdesk.contacts.merging import merge_contacts
    from frontdesk.conversations.joining import join_conversations

    with transaction.atomic():
        duplicate = _pending(duplicate, actor)
        kept, other = duplicate.other, duplicate.conversation
        if kept.contact_id != other.contact_id:
            merge_contacts(actor, kept=kept.contact, absorbed=other.contact)
            kept = Conversation.in_workspace(kept.workspace_id).get(pk=kept.pk)
            other = Conversation.in_workspace(other.workspace_id).get(pk=other.pk)
        joined = join_conversations(actor, kept=kept, other=other)
        _decide(duplicate, actor, DuplicateStatus.LINKED)
    return joined


def merge_incidents(incident: Incident, into: Incident, actor: Member) -> Incident:
    """Move ``incident``'s conversations into ``into`` (the same problem grouped twice, e.g. once per language);
    ``incident`` is resolved, empty. Returns ``into``."""
    _check_actor(incident, actor)
    _check_actor(into, actor)
    if incident.pk == into.pk:
        raise ValidationError(_("An incident cannot be merged into itself."))
    if into.status != IncidentStatus.OPEN:
        raise ValidationError(_("Choose an open incident to merge into."))
    with transaction.atomic():
        moved = list(
            IncidentConversation.in_workspace(incident.workspace_id)
            .filter(incident=incident, removed_at__isnull=True)
            .values_list("conversation_id", flat=True)
        )
        IncidentConversation.in_workspace(incident.workspace_id).filter(
            incident=incident, removed_at__isnull=True
        ).update(incident=into)
        _set_status(incident, IncidentStatus.RESOLVED)
        _touch(incident)
        _touch(into)
        record(
            incident.workspace_id,
            "incident.merged",
            incident,
            actor=actor.user,
            changes={"into": into.pk, "conversations": moved},
        )
        _announce(incident)
        _announce(into)
    return into
