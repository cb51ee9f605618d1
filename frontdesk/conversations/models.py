from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from frontdesk.core.html import sanitize_html
from frontdesk.core.models import TenantModel


class Label(TenantModel):
    name = models.CharField(_("name"), max_length=60)
    color = models.CharField(_("colour"), max_length=7, default="#6b7280")
    description = models.CharField(_("description"), max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="label_unique_name"),
            models.CheckConstraint(condition=models.Q(color__regex=r"^#[0-9a-fA-F]{6}$"), name="label_color_hex"),
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ConversationStatus(models.TextChoices):
    OPEN = "open", _("Open")
    PENDING = "pending", _("Pending")
    SNOOZED = "snoozed", _("Snoozed")
    RESOLVED = "resolved", _("Resolved")


class Priority(models.IntegerChoices):
    NONE = 0, _("None")
    LOW = 1, _("Low")
    MEDIUM = 2, _("Medium")
    HIGH = 3, _("High")
    URGENT = 4, _("Urgent")


class Conversation(TenantModel):
    """One problem of one contact (a case), possibly spanning several channels."""

    contact = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="conversations")
    channel = models.ForeignKey("frontdesk_channels.Channel", on_delete=models.RESTRICT, related_name="conversations")
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ConversationStatus.choices, default=ConversationStatus.OPEN
    )
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.NONE)
    assignee = models.ForeignKey(
        "core.Member", on_delete=models.SET_NULL, null=True, blank=True, related_name="assigned_conversations"
    )
    team = models.ForeignKey(
        "core.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="conversations"
    )
    labels = models.ManyToManyField(Label, blank=True, through="ConversationLabel", related_name="+")
    last_message_preview = models.CharField(max_length=200, blank=True)
    last_activity_at = models.DateTimeField(default=timezone.now)
    # Set when the customer wrote and nobody has answered yet; cleared by a reply.
    waiting_since = models.DateTimeField(null=True, blank=True)
    snoozed_until = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # Set when this case was joined into another (the same problem on another channel); it is then resolved.
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="joined_conversations"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in ConversationStatus]),
                name="conversation_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=ConversationStatus.SNOOZED) | models.Q(snoozed_until__isnull=False),
                name="conversation_snoozed_has_until",
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "status", "-last_activity_at"], name="conv_ws_status_activity"),
            models.Index(
                fields=["workspace", "assignee", "status", "-last_activity_at"], name="conv_ws_assignee_activity"
            ),
            models.Index(fields=["workspace", "team", "status", "-last_activity_at"], name="conv_ws_team_activity"),
            models.Index(
                fields=["workspace", "channel", "status", "-last_activity_at"], name="conv_ws_channel_activity"
            ),
            # The inbox sorted by priority, or filtered to one priority, most recently active first.
            models.Index(
                fields=["workspace", "status", "-priority", "-last_activity_at"], name="conv_ws_status_priority"
            ),
            models.Index(fields=["workspace", "contact", "-last_activity_at"], name="conv_ws_contact_activity"),
            # "Waiting longest" first; the id breaks ties in index order (a resolved list has no waiting times).
            models.Index(fields=["workspace", "status", "waiting_since", "id"], name="conv_ws_status_waiting_id"),
            models.Index(fields=["workspace", "status", "snoozed_until"], name="conv_ws_status_snoozed"),
        ]

    def __str__(self) -> str:
        return self.subject or f"#{self.pk}"

    def save(self, **kwargs: Any) -> None:
        adding = self._state.adding
        super().save(**kwargs)
        if adding:
            return
        saved = kwargs.get("update_fields")
        ConversationLabel.follow(
            [self.pk],
            status=self.status if saved is None or "status" in saved else None,
            last_activity_at=self.last_activity_at if saved is None or "last_activity_at" in saved else None,
        )


class ConversationLabel(TenantModel):
    """A label on a conversation.

    ``status`` and ``last_activity_at`` are copies of the conversation's, so a
    label's open conversations, most recently active first, are read in index
    order. ``Conversation.save`` keeps them in step; code that changes those
    columns another way (``QuerySet.update``, raw SQL) calls ``follow`` itself.
    """

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE)
    label = models.ForeignKey(Label, on_delete=models.CASCADE)
    status = models.CharField(max_length=16, choices=ConversationStatus.choices)
    last_activity_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "label"], name="conversationlabel_unique"),
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in ConversationStatus]),
                name="conversationlabel_status_valid",
            ),
        ]
        indexes = [
            models.Index(
                fields=["workspace", "label", "status", "-last_activity_at"], name="convlabel_ws_label_activity"
            ),
        ]

    def save(self, **kwargs: Any) -> None:
        if self._state.adding:
            # Read from the row, not the instance, which may be older than the row.
            self.status, self.last_activity_at = (
                Conversation.all_workspaces.filter(pk=self.conversation_id)
                .values_list("status", "last_activity_at")
                .get()
            )
        super().save(**kwargs)

    @classmethod
    def linking(cls, conversation: Conversation, label: Label) -> ConversationLabel:
        """A new, unsaved link carrying the conversation's current status and last activity (for bulk_create)."""
        return cls(
            workspace_id=conversation.workspace_id,
            conversation=conversation,
            label=label,
            status=conversation.status,
            last_activity_at=conversation.last_activity_at,
        )

    @classmethod
    def follow(
        cls,
        conversation_ids: Iterable[int],
        *,
        status: str | None = None,
        last_activity_at: datetime | None = None,
    ) -> None:
        """Copy a new status or last activity of these conversations onto their label links."""
        changes: dict[str, Any] = {}
        if status is not None:
            changes["status"] = status
        if last_activity_at is not None:
            changes["last_activity_at"] = last_activity_at
        if changes:
            cls.all_workspaces.filter(conversation_id__in=list(conversation_ids)).update(**changes)


class MessageKind(models.TextChoices):
    INBOUND = "inbound", _("From the customer")
    OUTBOUND = "outbound", _("To the customer")
    NOTE = "note", _("Private note")


class DeliveryStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    READ = "read", _("Read")
    FAILED = "failed", _("Failed")


class Message(TenantModel):
    """One item in a conversation: from the customer, to the customer, or a private note."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(_("kind"), max_length=16, choices=MessageKind.choices)
    # The channel it arrived on or leaves by; a note has none.
    channel = models.ForeignKey(
        "frontdesk_channels.Channel", on_delete=models.RESTRICT, null=True, blank=True, related_name="+"
    )
    author = models.ForeignKey("core.Member", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    text = models.TextField(_("text"), blank=True)
    html = models.TextField(_("HTML"), blank=True)
    provider_message_id = models.CharField(max_length=255, blank=True)
    # Structured parts beyond text: location, contact card, reply-to, interactive
    # answer, attachments still to download, the business context passed in.
    metadata = models.JSONField(default=dict, blank=True)
    status = models.CharField(_("delivery status"), max_length=16, choices=DeliveryStatus.choices)
    status_reason = models.CharField(_("reason"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "provider_message_id"],
                condition=~models.Q(provider_message_id=""),
                name="message_unique_provider_id",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=[k.value for k in MessageKind]), name="message_kind_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(kind=MessageKind.NOTE) | models.Q(channel__isnull=True),
                name="message_note_has_no_channel",
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "conversation", "created_at"], name="message_ws_conv_created"),
        ]
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.text[:40]}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.html = sanitize_html(self.html)
        super().save(*args, **kwargs)

    @property
    def failure_explanation(self) -> str:
        """What the provider's refusal means, in the reader's language (empty when it has no known code)."""
        from frontdesk.pipeline.outbound import FAILURE_CODES

        code = (self.metadata or {}).get("failure_code", "")
        return str(FAILURE_CODES.get(code, "")) if code else ""

    @property
    def is_note(self) -> bool:
        return self.kind == MessageKind.NOTE


class Mention(TenantModel):
    """A member @mentioned in a private note; feeds the mentions view and their notifications."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="mentions")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey("core.Member", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["message", "member"], name="mention_unique_member")]
        indexes = [models.Index(fields=["workspace", "member", "-created_at"], name="mention_ws_member_created")]


def attachment_path(instance: Attachment, filename: str) -> str:
    # The stored name never contains the sender's file name.
    return f"attachments/{instance.workspace_id}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class Attachment(TenantModel):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=255)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=127)
    size = models.PositiveBigIntegerField(_("size"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["workspace", "message"], name="attachment_ws_message")]

    def __str__(self) -> str:
        return self.filename


class OutboxState(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutboxEntry(TenantModel):
    """A message waiting to leave through its channel, written in the same transaction as the message.

    A worker claims it (state ``sending`` until ``lease_expires_at``); a worker
    that dies mid-send leaves an expired lease, and the relay hands the entry to
    another worker. ``idempotency_key`` is the same on every attempt, so the
    receiver can recognise a repeat.
    """

    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="outbox_entry")
    channel = models.ForeignKey("frontdesk_channels.Channel", on_delete=models.CASCADE, related_name="+")
    # Denormalised from the message so "an older unsent message of this conversation" is one index lookup.
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    state = models.CharField(max_length=16, choices=OutboxState.choices, default=OutboxState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=[state.value for state in OutboxState]), name="outboxentry_state_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(state=OutboxState.SENDING) | models.Q(lease_expires_at__isnull=False),
                name="outboxentry_sending_has_lease",
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "state"], name="outboxentry_ws_state"),
            models.Index(fields=["workspace", "conversation", "state"], name="outboxentry_ws_conv_state"),
            # The relay scans every workspace for due entries and expired leases.
            models.Index(fields=["state", "next_attempt_at"], name="system_outbox_due"),
            models.Index(fields=["state", "lease_expires_at"], name="system_outbox_lease"),
        ]

    def __str__(self) -> str:
        return f"outbox {self.pk} ({self.state})"


class AttemptOutcome(models.TextChoices):
    SENT = "sent", _("Sent")
    RETRY = "retry", _("Will retry")
    FAILED = "failed", _("Failed")
    CRASHED = "crashed", _("Worker stopped mid-send")


class DeliveryAttempt(TenantModel):
    """One try at sending an outbox entry: when, what came back. ``error`` never holds a credential."""

    entry = models.ForeignKey(OutboxEntry, on_delete=models.CASCADE, related_name="delivery_attempts")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=AttemptOutcome.choices, blank=True)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "entry", "started_at"], name="deliveryattempt_ws_entry")]
        ordering = ["started_at", "id"]

    def __str__(self) -> str:
        return f"attempt {self.pk} of outbox {self.entry_id}: {self.outcome or 'running'}"
