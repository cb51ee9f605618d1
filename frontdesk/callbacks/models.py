"""Callback requests ("call me now"): a customer's number in a queue agents claim, and every call attempt."""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from frontdesk.core.models import TenantModel


class CallbackStatus(models.TextChoices):
    # Waiting in the queue; a retry waits here too, hidden until ``due_at``.
    WAITING = "waiting", _("Waiting")
    CLAIMED = "claimed", _("Claimed")
    REACHED = "reached", _("Reached")
    # Wrong number, or no answer on the last allowed attempt.
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (CallbackStatus.WAITING, CallbackStatus.CLAIMED)


class CallOutcome(models.TextChoices):
    REACHED = "reached", _("Reached")
    NO_ANSWER = "no_answer", _("No answer")
    WRONG_NUMBER = "wrong_number", _("Wrong number")


class ConfirmationState(models.TextChoices):
    NONE = "", _("Not sent")
    QUEUED = "queued", _("Sent")
    REFUSED = "refused", _("Could not be sent")


class CallbackRequest(TenantModel):
    """A customer asked to be called at ``phone``; an item of its conversation and a row of the callback queue.

    ``requested_at``, ``claimed_at`` (the first claim) and ``first_attempt_at``
    are never reset, so the time to claim and to the first call can be reported.
    """

    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="callback_requests"
    )
    contact = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="callback_requests")
    channel = models.ForeignKey("frontdesk_channels.Channel", on_delete=models.CASCADE, related_name="+")
    # E.164, e.g. +85291234567.
    phone = models.CharField(_("phone"), max_length=20)
    # What the customer was looking at: order number, page URL, anything the site passed.
    context = models.JSONField(_("context"), default=dict, blank=True)
    source = models.CharField(_("source"), max_length=20, default="api")
    status = models.CharField(
        _("status"), max_length=16, choices=CallbackStatus.choices, default=CallbackStatus.WAITING
    )
    # When it (again) belongs at the top of the queue: the request time, or the time of a retry.
    due_at = models.DateTimeField(default=timezone.now)
    target_seconds = models.PositiveIntegerField(_("target (seconds)"), default=60)
    claimed_by = models.ForeignKey(
        "core.Member", on_delete=models.SET_NULL, null=True, blank=True, related_name="claimed_callbacks"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    attempt_count = models.PositiveSmallIntegerField(default=0)
    confirmation = models.CharField(max_length=16, choices=ConfirmationState.choices, default="", blank=True)
    confirmation_error = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=[status.value for status in CallbackStatus]),
                name="callbackrequest_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=CallbackStatus.CLAIMED) | models.Q(claimed_by__isnull=False),
                name="callbackrequest_claimed_has_agent",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=CallbackStatus.WAITING) | models.Q(claimed_by__isnull=True),
                name="callbackrequest_waiting_unclaimed",
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "status", "due_at"], name="callback_ws_status_due"),
            models.Index(fields=["workspace", "requested_at"], name="callback_ws_requested"),
            models.Index(fields=["workspace", "conversation"], name="callback_ws_conversation"),
        ]
        ordering = ["due_at", "id"]

    def __str__(self) -> str:
        return f"callback {self.pk} to {self.phone} ({self.status})"

    @property
    def seconds_to_claim(self) -> float | None:
        return _seconds_between(self.requested_at, self.claimed_at)

    @property
    def seconds_to_first_attempt(self) -> float | None:
        return _seconds_between(self.requested_at, self.first_attempt_at)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


def _seconds_between(start: datetime, end: datetime | None) -> float | None:
    return None if end is None else round((end - start).total_seconds(), 3)


class CallbackAttempt(TenantModel):
    """One call an agent made for a callback request, and how it went."""

    callback = models.ForeignKey(CallbackRequest, on_delete=models.CASCADE, related_name="attempts")
    agent = models.ForeignKey("core.Member", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=16, choices=CallOutcome.choices)
    notes = models.TextField(_("notes"), blank=True)
    attempted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(outcome__in=[outcome.value for outcome in CallOutcome]),
                name="callbackattempt_outcome_valid",
            ),
        ]
        indexes = [models.Index(fields=["workspace", "callback", "attempted_at"], name="callbackattempt_ws_cb")]
        ordering = ["attempted_at", "id"]

    def __str__(self) -> str:
        return f"attempt {self.pk} of callback {self.callback_id}: {self.outcome}"
