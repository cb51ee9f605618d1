"""What agents and automations do to conversations. Each action checks, writes, audits and publishes.

Views, the API, automations and tasks all call these; none of them writes a
conversation or a message directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from frontdesk.api.serializers import conversation_out, message_out
from frontdesk.channels.models import Channel
from frontdesk.contacts.models import Identity
from frontdesk.conversations.attachments import AttachmentRejected, detect_content_type, store_attachment
from frontdesk.conversations.models import (
    Attachment,
    Conversation,
    ConversationLabel,
    ConversationStatus,
    DeliveryStatus,
    Label,
    Mention,
    Message,
    MessageKind,
    OutboxEntry,
    OutboxState,
    Priority,
)
from frontdesk.conversations.reply_rules import check_reply
from frontdesk.core.audit import record
from frontdesk.core.models import Member, Team
from frontdesk.pipeline.events import publish

MAX_TEXT_LENGTH = 20_000
PREVIEW_LENGTH = 200


def _locked(conversation: Conversation) -> Conversation:
    """The conversation row, locked until the transaction ends (a no-op lock on SQLite)."""
    return Conversation.in_workspace(conversation.workspace_id).select_for_update().get(pk=conversation.pk)


def _conversation_changed(conversation: Conversation, actor: Member | None, changes: dict[str, Any]) -> None:
    record(
        conversation.workspace_id,
        "conversation.updated",
        conversation,
        actor=actor.user if actor is not None else None,
        changes=changes,
    )
    publish(
        "conversation.updated",
        conversation.workspace_id,
        {
            "conversation": conversation_out(conversation).model_dump(mode="json"),
            "changes": changes,
            # Who made the change (a member id; None for the customer or an automation).
            "actor_id": actor.pk if actor is not None else None,
        },
    )


def _set_column(conversation: Conversation, column: str, value: Any, *, actor: Member) -> Conversation:
    """Set one column (a foreign key by its id) under the row lock; audit and announce a real change."""
    with transaction.atomic():
        conversation = _locked(conversation)
        before = getattr(conversation, column)
        if before == value:
            return conversation
        setattr(conversation, column, value)
        conversation.save(update_fields=[column])
        _conversation_changed(conversation, actor, {column: [before, value]})
    return conversation


def add_note(conversation: Conversation, author: Member, text: str, *, mentions: Iterable[int] = ()) -> Message:
    """A private note: visible to the team, never sent to the customer.

    ``mentions`` are the ids of the members @mentioned in it; each must be an
    active member of the conversation's workspace. Each one gets a ``Mention``
    and a ``mention.created`` event (which notifies them).
    """
    text = text.strip()
    if not text:
        raise ValidationError(_("A note cannot be empty."))
    if len(text) > MAX_TEXT_LENGTH:
        raise ValidationError(_("A note can be at most %(limit)d characters.") % {"limit": MAX_TEXT_LENGTH})
    mentioned = _mentionable(conversation.workspace_id, mentions)
    with transaction.atomic():
        note = Message.all_workspaces.create(
            workspace_id=conversation.workspace_id,
            conversation=conversation,
            kind=MessageKind.NOTE,
            author=author,
            text=text,
            status=DeliveryStatus.SENT,
        )
        publish(
            "message.created",
            conversation.workspace_id,
            {"message": message_out(note).model_dump(mode="json"), "conversation_id": conversation.pk},
        )
        for member_id in mentioned:
            mention = Mention.all_workspaces.create(
                workspace_id=conversation.workspace_id, message=note, conversation=conversation, member_id=member_id
            )
            publish(
                "mention.created",
                conversation.workspace_id,
                {
                    "mention": {
                        "id": mention.pk,
                        "member_id": member_id,
                        "conversation_id": conversation.pk,
                        "message_id": note.pk,
                        "author_id": author.pk,
                    }
                },
            )
    return note


def _mentionable(workspace_id: int, member_ids: Iterable[int]) -> list[int]:
    """The given member ids, without repeats, once each is known to be an active member of the workspace."""
    wanted = list(dict.fromkeys(int(member_id) for member_id in member_ids))
    found = set(Member.in_workspace(workspace_id).filter(pk__in=wanted, is_active=True).values_list("pk", flat=True))
    if len(found) != len(wanted):
        raise ValidationError(_("Only active members of this workspace can be mentioned."))
    return wanted


@dataclass(frozen=True)
class ReplyFile:
    """A file an agent attaches to a reply, as uploaded."""

    filename: str
    content: bytes


def last_customer_channels(conversations: Sequence[Conversation]) -> dict[int, int]:
    """The active channel each conversation's customer last wrote on (conversation id → channel id), in one query.

    A case can span channels, and replies go out where the customer last wrote unless the agent chooses
    otherwise; a conversation whose customer has not written on an active channel is left out.
    """
    if not conversations:
        return {}
    found: dict[int, int] = {}
    rows = (
        Message.in_workspace(conversations[0].workspace_id)
        .filter(conversation__in=conversations, kind=MessageKind.INBOUND, channel__is_active=True)
        .order_by("conversation_id", "-created_at", "-pk")
        .values_list("conversation_id", "channel_id")
    )
    for conversation_id, channel_id in rows:
        found.setdefault(conversation_id, channel_id)
    return found


def reply(
    conversation: Conversation,
    author: Member | None,
    text: str,
    via: Channel | None = None,
    *,
    files: Sequence[ReplyFile] = (),
    content: Mapping[str, Any] | None = None,
) -> Message:
    """A message to the customer, through ``via`` or else the channel they last wrote on in this conversation
    (else the conversation's own); queued, sent by a worker.

    ``via`` may be any active channel on which the contact has an identity
    (the worker sends to that identity); the conversation's own channel is
    always allowed.
    ``files`` are stored as the message's attachments; ``content`` is structured
    content the channel can carry (a WhatsApp template, buttons, a LINE sticker…,
    docs/outbound.md). The channel's rules are checked first (its reply window,
    an SMS opt-out, what it can carry), so the agent reads the reason now.

    The message and its outbox entry are written in one transaction, so a reply
    is either stored and will be sent, or neither. The delivery task is queued
    once the transaction commits; if that is lost, the outbox relay sends it.
    """
    from frontdesk.pipeline.tasks import enqueue_delivery

    text = text.strip()
    content = dict(content or {})
    if not text and not files and not content:
        raise ValidationError(_("A reply cannot be empty."))
    if len(text) > MAX_TEXT_LENGTH:
        raise ValidationError(_("A reply can be at most %(limit)d characters.") % {"limit": MAX_TEXT_LENGTH})
    if author is not None and author.workspace_id != conversation.workspace_id:
        raise ValidationError(_("That member is not in this workspace."))
    if via is not None:
        channel_id = via.pk
    else:
        channel_id = last_customer_channels([conversation]).get(conversation.pk, conversation.channel_id)
    channel = Channel.in_workspace(conversation.workspace_id).filter(pk=channel_id).first()
    if channel is None:
        raise ValidationError(_("That channel is not in this workspace."))
    if not channel.is_active:
        raise ValidationError(_("The channel %(name)s is disabled.") % {"name": channel.name})
    if (
        channel.pk != conversation.channel_id
        and not Identity.in_workspace(conversation.workspace_id)
        .filter(contact_id=conversation.contact_id, channel=channel)
        .exists()
    ):
        raise ValidationError(
            _("This customer has no address on %(name)s, so the reply cannot be sent there.") % {"name": channel.name}
        )
    content_types = [detect_content_type(item.content, item.filename) for item in files]
    check_reply(conversation.contact_id, channel, content, content_types)
    with transaction.atomic():
        conversation = _locked(conversation)
        now = timezone.now()
        message = Message.all_workspaces.create(
            workspace_id=conversation.workspace_id,
            conversation=conversation,
            kind=MessageKind.OUTBOUND,
            channel=channel,
            author=author,
            text=text,
            metadata={"content": content} if content else {},
            status=DeliveryStatus.QUEUED,
            created_at=now,
        )
        stored = []
        for item in files:
            try:
                stored.append(store_attachment(message, item.filename, item.content))
            except AttachmentRejected as error:
                raise ValidationError(str(error)) from error
        entry = OutboxEntry.all_workspaces.create(
            workspace_id=conversation.workspace_id,
            message=message,
            channel=channel,
            conversation=conversation,
            next_attempt_at=now,
            created_at=now,
        )
        conversation.last_activity_at = now
        conversation.last_message_preview = (text or _reply_preview(content, stored))[:PREVIEW_LENGTH]
        conversation.waiting_since = None
        conversation.save(update_fields=["last_activity_at", "last_message_preview", "waiting_since"])
        publish(
            "message.created",
            conversation.workspace_id,
            {"message": message_out(message, stored).model_dump(mode="json"), "conversation_id": conversation.pk},
        )
        publish(
            "conversation.updated",
            conversation.workspace_id,
            {
                "conversation": conversation_out(conversation).model_dump(mode="json"),
                "changes": {"last_activity_at": now.isoformat(), "waiting_since": None},
            },
        )
        transaction.on_commit(lambda: enqueue_delivery(entry.pk))
    return message


def _reply_preview(content: Mapping[str, Any], stored: Sequence[Attachment]) -> str:
    if stored:
        return "📎 " + stored[0].filename
    if "template" in content:
        return "📝 " + str((content["template"] or {}).get("name", ""))
    if "sticker" in content:
        return _("Sticker")
    return str((content.get("flex") or {}).get("alt_text") or "")


def retry_failed(message: Message, actor: Member) -> Message:
    """Send a failed reply again: its outbox entry goes back to pending for a fresh round of attempts.

    The earlier attempts stay on record; the message reads "queued" until the worker reports again.
    """
    from frontdesk.pipeline.tasks import enqueue_delivery

    if message.workspace_id != actor.workspace_id:
        raise ValidationError(_("That message is not in this workspace."))
    with transaction.atomic():
        message = Message.in_workspace(message.workspace_id).select_for_update().get(pk=message.pk)
        entry = OutboxEntry.in_workspace(message.workspace_id).filter(message=message).first()
        if message.kind != MessageKind.OUTBOUND or message.status != DeliveryStatus.FAILED or entry is None:
            raise ValidationError(_("Only a reply that failed can be sent again."))
        if entry.state in (OutboxState.PENDING, OutboxState.SENDING):
            raise ValidationError(_("This reply is already being sent again."))
        now = timezone.now()
        OutboxEntry.all_workspaces.filter(pk=entry.pk).update(
            state=OutboxState.PENDING, attempts=0, next_attempt_at=now, lease_expires_at=None, last_error=""
        )
        reason = message.status_reason
        message.status = DeliveryStatus.QUEUED
        message.status_reason = ""
        message.metadata = {key: value for key, value in (message.metadata or {}).items() if key != "failure_code"}
        message.save(update_fields=["status", "status_reason", "metadata"])
        changes: dict[str, Any] = {"status": [DeliveryStatus.FAILED.value, DeliveryStatus.QUEUED.value]}
        record(message.workspace_id, "message.retried", message, actor=actor.user, changes=changes | {"reason": reason})
        publish(
            "message.updated",
            message.workspace_id,
            {
                "message": message_out(message).model_dump(mode="json"),
                "conversation_id": message.conversation_id,
                "changes": changes,
            },
        )
        entry_id = entry.pk
        transaction.on_commit(lambda: enqueue_delivery(entry_id))
    return message


def assign(conversation: Conversation, assignee: Member | None, *, actor: Member) -> Conversation:
    """Give the conversation to ``assignee`` (None: unassign). Agents may only take it themselves."""
    if assignee is not None and assignee.workspace_id != conversation.workspace_id:
        raise ValidationError(_("That member is not in this workspace."))
    if assignee is not None and not assignee.is_active:
        raise ValidationError(_("That member is no longer active."))
    if assignee not in (None, actor) and not actor.user.has_perm("conversations.assign_others", conversation):
        raise PermissionDenied(_("Only supervisors and admins can assign conversations to others."))
    return _set_column(conversation, "assignee_id", assignee.pk if assignee else None, actor=actor)


def set_status(
    conversation: Conversation,
    status: ConversationStatus,
    *,
    actor: Member | None,
    snoozed_until: datetime | None = None,
) -> Conversation:
    """Open, mark pending, snooze until a time, or resolve."""
    if status == ConversationStatus.SNOOZED:
        if snoozed_until is None or snoozed_until <= timezone.now():
            raise ValidationError(_("Snoozing needs a time in the future."))
    else:
        snoozed_until = None
    with transaction.atomic():
        conversation = _locked(conversation)
        before = conversation.status
        if before == status and conversation.snoozed_until == snoozed_until:
            return conversation
        conversation.status = status
        conversation.snoozed_until = snoozed_until
        conversation.resolved_at = timezone.now() if status == ConversationStatus.RESOLVED else None
        conversation.save(update_fields=["status", "snoozed_until", "resolved_at"])
        changes: dict[str, Any] = {"status": [before, status.value]}
        if snoozed_until is not None:
            changes["snoozed_until"] = snoozed_until.isoformat()
        _conversation_changed(conversation, actor, changes)
    return conversation


def set_priority(conversation: Conversation, priority: Priority, *, actor: Member) -> Conversation:
    return _set_column(conversation, "priority", priority.value, actor=actor)


def set_team(conversation: Conversation, team: Team | None, *, actor: Member) -> Conversation:
    if team is not None and team.workspace_id != conversation.workspace_id:
        raise ValidationError(_("That team is not in this workspace."))
    return _set_column(conversation, "team_id", team.pk if team else None, actor=actor)


def set_labels(conversation: Conversation, labels: Iterable[Label], *, actor: Member) -> Conversation:
    """Replace the conversation's labels with ``labels``."""
    wanted = {label.pk: label for label in labels}
    if any(label.workspace_id != conversation.workspace_id for label in wanted.values()):
        raise ValidationError(_("That label is not in this workspace."))
    with transaction.atomic():
        conversation = _locked(conversation)
        links = ConversationLabel.in_workspace(conversation.workspace_id).filter(conversation=conversation)
        current = set(links.values_list("label_id", flat=True))
        if current == set(wanted):
            return conversation
        links.exclude(label_id__in=wanted).delete()
        ConversationLabel.all_workspaces.bulk_create(
            [
                ConversationLabel.linking(conversation, label)
                for label_id, label in wanted.items()
                if label_id not in current
            ]
        )
        names = sorted(label.name for label in wanted.values())
        _conversation_changed(conversation, actor, {"labels": names})
    return conversation
