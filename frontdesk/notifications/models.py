"""What a member is told about personally: a conversation given to them, a note that mentions them."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from frontdesk.core.models import TenantModel


class NotificationKind(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned to you")
    MENTION = "mention", _("Mentioned you")


class Notification(TenantModel):
    member = models.ForeignKey("core.Member", on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=16, choices=NotificationKind.choices)
    conversation = models.ForeignKey("conversations.Conversation", on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(
        "conversations.Message", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey("core.Member", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=[kind.value for kind in NotificationKind]), name="notification_kind_valid"
            ),
            # A note mentions a member once, however often its event is handled.
            models.UniqueConstraint(
                fields=["message", "member"], condition=Q(kind="mention"), name="notification_unique_mention"
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "member", "-created_at"], name="notification_ws_member_created"),
            models.Index(
                fields=["workspace", "member"], condition=Q(read_at__isnull=True), name="notification_ws_member_unread"
            ),
        ]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} for member {self.member_id}"


class NotificationPreferences(TenantModel):
    """How a member wants to hear of new notifications besides the bell."""

    member = models.OneToOneField("core.Member", on_delete=models.CASCADE, related_name="notification_preferences")
    browser = models.BooleanField(_("browser notifications"), default=False)
    sound = models.BooleanField(_("sound"), default=False)

    def __str__(self) -> str:
        return f"notification preferences of member {self.member_id}"
