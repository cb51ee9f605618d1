"""What the inbox remembers per member: filters they saved and how far they have read each conversation."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from frontdesk.core.models import TenantModel


class SavedFilter(TenantModel):
    """A named inbox filter (the list's querystring); a shared one is offered to the whole workspace."""

    member = models.ForeignKey("core.Member", on_delete=models.CASCADE, related_name="saved_filters")
    name = models.CharField(_("name"), max_length=80)
    query = models.CharField(_("filter"), max_length=500, blank=True)
    shared = models.BooleanField(_("shared with the workspace"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "member"], name="savedfilter_ws_member"),
            models.Index(fields=["workspace", "shared"], name="savedfilter_ws_shared"),
        ]
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class ConversationRead(TenantModel):
    """When a member last opened a conversation; newer customer activity makes it unread for them."""

    member = models.ForeignKey("core.Member", on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey("conversations.Conversation", on_delete=models.CASCADE, related_name="+")
    last_read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "conversation"], name="conversationread_unique_member"),
        ]
        indexes = [models.Index(fields=["workspace", "member", "conversation"], name="convread_ws_member_conv")]

    def __str__(self) -> str:
        return f"{self.member_id} read {self.conversation_id} at {self.last_read_at:%Y-%m-%d %H:%M}"
