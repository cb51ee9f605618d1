"""What customers and agents do with callback requests. Each action checks, writes, audits and publishes.

The widget, the API and (later) the customer portal ask for a call through
``request_callback``; the queue page and the API claim, release, reassign and
record outcomes through the other actions here.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from frontdesk.api.serializers import conversation_out, message_out
from frontdesk.callbacks.models import (
    OPEN_STATUSES,
    CallbackAttempt,
    CallbackRequest,
    CallbackStatus,
    CallOutcome,
    ConfirmationState,
)
from frontdesk.callbacks.schemas import callback_out
from frontdesk.channels.models import Channel
from frontdesk.contacts.models import Contact
from frontdesk.conversations import actions as conversation_actions
from frontdesk.conversations.models import Conversation, ConversationStatus, DeliveryStatus, Message, MessageKind
from frontdesk.core.audit import record
from frontdesk.core.models import Member, Workspace
from frontdesk.pipeline.events import publish

# Conversations a new callback request joins instead of opening another (as for a new message).
ACTIVE_STATUSES = (ConversationStatus.OPEN, ConversationStatus.PENDING, ConversationStatus.SNOOZED)
MAX_CONTEXT_CHARS = 4000
MAX_NOTES_LENGTH = 5000
SOURCES = ("api", "widget", "portal", "agent")


class InvalidPhoneNumber(ValueError):
    """The number the customer gave cannot be called; the message says why, in the reader's language."""


class CallbackTaken(ValidationError):
    """Another agent claimed the callback first, or it left the queue."""


def normalise_phone(raw: str, region: str | None = None) -> str:
    """``raw`` as an E.164 number (``+85291234567``); numbers without ``+`` are read as in ``region``."""
    text = (raw or "").strip()
    if not text:
        raise InvalidPhoneNumber(_("Enter a phone number."))
    if len(text) > 40:
        raise InvalidPhoneNumber(_("That phone number is too long."))
    try:
        number = phonenumbers.parse(text, (region or settings.FRONTDESK_PHONE_REGION).upper())
    except phonenumbers.NumberParseException:
        raise InvalidPhoneNumber(
            _("%(number)s is not a phone number. Include the country code, e.g. +852 9123 4567.") % {"number": text}
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneNumber(
            _("%(number)s is not a valid phone number. Include the country code, e.g. +852 9123 4567.")
            % {"number": text}
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str) -> str:
    """An E.164 number spaced for reading (``+852 9123 4567``)."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def customer_language(contact: Contact, workspace: Workspace) -> str:
    """The language to write to the customer in: theirs if we know and speak it, else the workspace's."""
    for code in (contact.language, workspace.default_language):
        language = _supported_language(code)
        if language is not None:
            return language
    return str(settings.LANGUAGE_CODE)


def _supported_language(code: str) -> str | None:
    code = (code or "").lower().replace("_", "-")
    if code.startswith("zh"):
        return "zh-hant" if any(part in code for part in ("hant", "tw", "hk", "mo")) else "zh-hans"
    if code.startswith("en"):
        return "en"
    return None


def _clean_context(context: Mapping[str, Any] | None) -> dict[str, Any]:
    if context is None:
        return {}
    if not isinstance(context, Mapping):
        raise ValidationError(_("The context must be an object of names and values."))
    cleaned = {str(key)[:100]: value for key, value in context.items()}
    try:
        size = len(json.dumps(cleaned))
    except (TypeError, ValueError):
        raise ValidationError(_("The context must be an object of names and values.")) from None
    if size > MAX_CONTEXT_CHARS:
        raise ValidationError(_("The context can be at most %(limit)d characters.") % {"limit": MAX_CONTEXT_CHARS})
    return cleaned


def _target_seconds() -> int:
    return max(1, int(settings.FRONTDESK_CALLBACK_TARGET_SECONDS))


def _conversation_for(channel: Channel, contact: Contact, now: datetime) -> tuple[Conversation, bool]:
    """The contact's active conversation on ``channel`` (locked), or a new one."""
    active = (
        Conversation.in_workspace(channel.workspace_id)
        .select_for_update()
        .filter(contact=contact, channel=channel, status__in=ACTIVE_STATUSES)
        .order_by("-last_activity_at")
        .first()
    )
    if active is not None:
        return active, False
    conversation = Conversation.all_workspaces.create(
        workspace_id=channel.workspace_id, contact=contact, channel=channel, last_activity_at=now
    )
    return conversation, True


def _timeline_entry(conversation: Conversation, text: str, callback: CallbackRequest, author: Member | None) -> None:
    """A line in the conversation for the agents only (a note), pointing at the callback."""
    note = Message.all_workspaces.create(
        workspace_id=conversation.workspace_id,
        conversation=conversation,
        kind=MessageKind.NOTE,
        author=author,
        text=text,
        metadata={"callback": callback.pk},
        status=DeliveryStatus.SENT,
    )
    publish(
        "message.created",
        conversation.workspace_id,
        {"message": message_out(note).model_dump(mode="json"), "conversation_id": conversation.pk},
    )


def _announce(event_type: str, callback: CallbackRequest) -> None:
    publish(
        event_type,
        callback.workspace_id,
        {"callback": callback_out(callback).model_dump(mode="json"), "conversation_id": callback.conversation_id},
    )


def _tell_customer(callback: CallbackRequest, text_for_customer: str) -> None:
    """Send ``text_for_customer`` on the callback's channel; when the channel refuses, note why for the agents."""
    conversation = callback.conversation
    try:
        conversation_actions.reply(conversation, None, text_for_customer, via=callback.channel)
    except ValidationError as error:
        reason = " ".join(error.messages)[:500]
        callback.confirmation = ConfirmationState.REFUSED
        callback.confirmation_error = reason
        _timeline_entry(
            conversation,
            _("The message to the customer could not be sent: %(reason)s") % {"reason": reason},
            callback,
            None,
        )
    else:
        callback.confirmation = ConfirmationState.QUEUED
        callback.confirmation_error = ""
    callback.save(update_fields=["confirmation", "confirmation_error"])


def _in_customer_language(callback: CallbackRequest) -> translation.override:
    return translation.override(customer_language(callback.contact, callback.conversation.workspace))


def request_callback(
    *,
    channel: Channel,
    contact: Contact,
    phone: str,
    conversation: Conversation | None = None,
    context: Mapping[str, Any] | None = None,
    source: str = "api",
) -> CallbackRequest:
    """The customer asks to be called at ``phone``: a queue row, a line in their conversation, a confirmation.

    The conversation is ``conversation`` if given, else the contact's active one
    on ``channel``, else a new one. A second request for the same number while
    one is still open returns the open one (a double click is one request).
    Raises ``InvalidPhoneNumber`` for a number that cannot be called and
    ``ValidationError`` for anything else that does not fit.
    """
    if contact.workspace_id != channel.workspace_id:
        raise ValidationError(_("That contact is not in this workspace."))
    if conversation is not None and (
        conversation.workspace_id != channel.workspace_id or conversation.contact_id != contact.pk
    ):
        raise ValidationError(_("That conversation is not this contact's."))
    if not channel.is_active:
        raise ValidationError(_("The channel %(name)s is disabled.") % {"name": channel.name})
    e164 = normalise_phone(phone)
    cleaned_context = _clean_context(context)
    if source not in SOURCES:
        source = "api"
    with transaction.atomic():
        now = timezone.now()
        open_request = (
            CallbackRequest.in_workspace(channel.workspace_id)
            .filter(contact=contact, phone=e164, status__in=OPEN_STATUSES)
            .select_related("conversation", "contact", "channel")
            .first()
        )
        if open_request is not None:
            return open_request
        created = False
        if conversation is None:
            conversation, created = _conversation_for(channel, contact, now)
        callback = CallbackRequest.all_workspaces.create(
            workspace_id=channel.workspace_id,
            conversation=conversation,
            contact=contact,
            channel=channel,
            phone=e164,
            context=cleaned_context,
            source=source,
            due_at=now,
            requested_at=now,
            target_seconds=_target_seconds(),
        )
        shown = display_phone(e164)
        _timeline_entry(conversation, _("Callback requested: %(phone)s") % {"phone": shown}, callback, None)
        conversation.last_activity_at = now
        conversation.last_message_preview = "📞 " + shown
        conversation.save(update_fields=["last_activity_at", "last_message_preview"])
        payload = {"conversation": conversation_out(conversation, [] if created else None).model_dump(mode="json")}
        if created:
            publish("conversation.created", conversation.workspace_id, payload)
        else:
            publish("conversation.updated", conversation.workspace_id, {**payload, "changes": {}})
        record(channel.workspace_id, "callback.requested", callback, changes={"source": source, "channel": channel.pk})
        with _in_customer_language(callback):
            confirmation = _confirmation_text(callback)
        _tell_customer(callback, confirmation)
        _announce("callback.created", callback)
    return callback


def _confirmation_text(callback: CallbackRequest) -> str:
    minutes = math.ceil(callback.target_seconds / 60)
    shown = display_phone(callback.phone)
    if minutes <= 1:
        return _("Thank you. We'll call you at %(phone)s within a minute.") % {"phone": shown}
    return _("Thank you. We'll call you at %(phone)s within %(minutes)d minutes.") % {
        "phone": shown,
        "minutes": minutes,
    }


def _locked(callback: CallbackRequest) -> CallbackRequest:
    return (
        CallbackRequest.in_workspace(callback.workspace_id)
        .select_for_update(of=("self",))
        .select_related("conversation__workspace", "contact", "channel")
        .get(pk=callback.pk)
    )


def _refreshed(callback: CallbackRequest) -> CallbackRequest:
    return (
        CallbackRequest.in_workspace(callback.workspace_id)
        .select_related("conversation__workspace", "contact", "channel", "claimed_by__user")
        .get(pk=callback.pk)
    )


def claim(callback: CallbackRequest, member: Member) -> CallbackRequest:
    """Take a waiting callback for ``member``; exactly one of several agents claiming at once wins.

    The claim is one conditional UPDATE (``WHERE claimed_by IS NULL``), so the
    database decides the winner; the others get ``CallbackTaken``. The
    conversation goes to the agent if nobody has it yet.
    """
    if member.workspace_id != callback.workspace_id or not member.is_active:
        raise PermissionDenied(_("That member is not in this workspace."))
    now = timezone.now()
    with transaction.atomic():
        won = (
            CallbackRequest.in_workspace(callback.workspace_id)
            .filter(pk=callback.pk, status=CallbackStatus.WAITING, claimed_by__isnull=True, due_at__lte=now)
            .update(
                status=CallbackStatus.CLAIMED,
                claimed_by=member,
                claimed_at=Coalesce("claimed_at", now),
            )
        )
        if not won:
            raise CallbackTaken(_("Someone else has already taken this callback."))
        callback = _refreshed(callback)
        conversation = callback.conversation
        if conversation.assignee_id is None:
            conversation_actions.assign(conversation, member, actor=member)
        record(callback.workspace_id, "callback.claimed", callback, actor=member.user)
        _announce("callback.updated", callback)
    return callback


def _may_manage_others(member: Member, callback: CallbackRequest) -> bool:
    return bool(member.user.has_perm("callbacks.reassign_callback", callback))


def release(callback: CallbackRequest, member: Member) -> CallbackRequest:
    """Put a claimed callback back in the queue (its holder, or a supervisor)."""
    with transaction.atomic():
        callback = _locked(callback)
        if callback.status != CallbackStatus.CLAIMED:
            raise ValidationError(_("This callback is not claimed."))
        if callback.claimed_by_id != member.pk and not _may_manage_others(member, callback):
            raise PermissionDenied(_("Only the agent who took this callback, or a supervisor, can release it."))
        before = callback.claimed_by_id
        callback.status = CallbackStatus.WAITING
        callback.claimed_by = None
        callback.save(update_fields=["status", "claimed_by"])
        record(callback.workspace_id, "callback.released", callback, actor=member.user, changes={"claimed_by": before})
        _announce("callback.updated", callback)
    return _refreshed(callback)


def reassign(callback: CallbackRequest, to: Member, *, actor: Member) -> CallbackRequest:
    """Give an open callback to another agent; for supervisors and admins."""
    if not _may_manage_others(actor, callback):
        raise PermissionDenied(_("Only supervisors and admins can give a callback to someone else."))
    if to.workspace_id != callback.workspace_id or not to.is_active:
        raise ValidationError(_("That member is not in this workspace."))
    with transaction.atomic():
        callback = _locked(callback)
        if callback.status not in OPEN_STATUSES:
            raise ValidationError(_("This callback is already finished."))
        before = callback.claimed_by_id
        callback.status = CallbackStatus.CLAIMED
        callback.claimed_by = to
        callback.claimed_at = callback.claimed_at or timezone.now()
        callback.due_at = min(callback.due_at, timezone.now())
        callback.save(update_fields=["status", "claimed_by", "claimed_at", "due_at"])
        record(
            callback.workspace_id,
            "callback.reassigned",
            callback,
            actor=actor.user,
            changes={"claimed_by": [before, to.pk]},
        )
        _announce("callback.updated", callback)
    return _refreshed(callback)


def start_call(callback: CallbackRequest, member: Member) -> CallbackRequest:
    """The agent holding the callback pressed "Call": the first attempt starts now, if none has yet.

    Recorded when the call starts rather than when its outcome is written down,
    so the time to the first call is what the customer waited for the phone to ring.
    """
    with transaction.atomic():
        callback = _locked(callback)
        if callback.status != CallbackStatus.CLAIMED:
            raise ValidationError(_("Take the callback before recording a call."))
        if callback.claimed_by_id != member.pk:
            raise PermissionDenied(_("This callback is held by another agent."))
        if callback.first_attempt_at is None:
            callback.first_attempt_at = timezone.now()
            callback.save(update_fields=["first_attempt_at"])
    return callback


def record_outcome(callback: CallbackRequest, member: Member, outcome: CallOutcome, notes: str = "") -> CallbackAttempt:
    """The agent who holds the callback called: reached, no answer (retried later, up to a limit) or wrong number."""
    notes = (notes or "").strip()
    if len(notes) > MAX_NOTES_LENGTH:
        raise ValidationError(_("Notes can be at most %(limit)d characters.") % {"limit": MAX_NOTES_LENGTH})
    outcome = CallOutcome(outcome)
    with transaction.atomic():
        callback = _locked(callback)
        if callback.status != CallbackStatus.CLAIMED:
            raise ValidationError(_("Take the callback before recording a call."))
        if callback.claimed_by_id != member.pk:
            raise PermissionDenied(_("This callback is held by another agent."))
        now = timezone.now()
        attempt = CallbackAttempt.all_workspaces.create(
            workspace_id=callback.workspace_id,
            callback=callback,
            agent=member,
            outcome=outcome,
            notes=notes,
            attempted_at=now,
        )
        callback.attempt_count += 1
        callback.first_attempt_at = callback.first_attempt_at or now
        retry_at: datetime | None = None
        if outcome == CallOutcome.NO_ANSWER and callback.attempt_count < settings.FRONTDESK_CALLBACK_MAX_ATTEMPTS:
            retry_at = now + timedelta(minutes=settings.FRONTDESK_CALLBACK_RETRY_MINUTES)
            callback.status = CallbackStatus.WAITING
            callback.claimed_by = None
            callback.due_at = retry_at
        else:
            callback.status = CallbackStatus.REACHED if outcome == CallOutcome.REACHED else CallbackStatus.CLOSED
            callback.closed_at = now
        callback.save(
            update_fields=["attempt_count", "first_attempt_at", "status", "claimed_by", "due_at", "closed_at"]
        )
        workspace = callback.conversation.workspace
        _timeline_entry(
            callback.conversation, _attempt_summary(callback, attempt, retry_at, workspace), callback, member
        )
        record(
            callback.workspace_id,
            "callback.attempted",
            callback,
            actor=member.user,
            changes={"outcome": outcome.value, "attempt": callback.attempt_count, "status": callback.status},
        )
        with _in_customer_language(callback):
            told = _outcome_text(callback, outcome, retry_at, workspace)
        if told:
            _tell_customer(callback, told)
        _announce("callback.updated", callback)
    return attempt


def _local_time(moment: datetime, workspace: Workspace) -> str:
    try:
        zone = ZoneInfo(workspace.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return moment.astimezone(zone).strftime("%H:%M")


def _attempt_summary(
    callback: CallbackRequest, attempt: CallbackAttempt, retry_at: datetime | None, workspace: Workspace
) -> str:
    values = {
        "phone": display_phone(callback.phone),
        "attempt": callback.attempt_count,
        "outcome": attempt.get_outcome_display(),
    }
    text = _("Call %(attempt)d to %(phone)s: %(outcome)s.") % values
    if retry_at is not None:
        text += " " + _("Next try at %(time)s.") % {"time": _local_time(retry_at, workspace)}
    elif attempt.outcome == CallOutcome.NO_ANSWER:
        text += " " + _("No more tries: the callback is closed.")
    if attempt.notes:
        text += "\n" + attempt.notes
    return text


def _outcome_text(
    callback: CallbackRequest, outcome: CallOutcome, retry_at: datetime | None, workspace: Workspace
) -> str:
    """What the customer is told after a call, or "" when the call itself said it all."""
    shown = display_phone(callback.phone)
    if outcome == CallOutcome.NO_ANSWER and retry_at is not None:
        return _("We tried to call you at %(phone)s but could not reach you. We'll try again at %(time)s.") % {
            "phone": shown,
            "time": _local_time(retry_at, workspace),
        }
    if outcome == CallOutcome.NO_ANSWER:
        return _(
            "We tried to call you at %(phone)s but could not reach you. Reply here if you would still like a call."
        ) % {"phone": shown}
    if outcome == CallOutcome.WRONG_NUMBER:
        return _(
            "We could not reach you at %(phone)s. Reply here with the right number if you would still like a call."
        ) % {"phone": shown}
    return ""
