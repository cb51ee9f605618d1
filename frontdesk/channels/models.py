from __future__ import annotations

import secrets
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from frontdesk.core.fields import EncryptedJSONField
from frontdesk.core.models import TenantModel


class ChannelKind(models.TextChoices):
    API = "api", _("API")
    WHATSAPP = "whatsapp", _("WhatsApp")
    MESSENGER = "messenger", _("Messenger")
    INSTAGRAM = "instagram", _("Instagram")
    LINE = "line", _("LINE")
    TELEGRAM = "telegram", _("Telegram")
    WECHAT = "wechat", _("WeChat")
    X = "x", _("X")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    WEBCHAT = "webchat", _("Web chat")


def new_webhook_token() -> str:
    return secrets.token_urlsafe(24)


class Channel(TenantModel):
    """One connected account on one provider: a WhatsApp number, a LINE OA, a mailbox, a widget.

    ``config`` holds settings that are safe to show (phone number, page id);
    ``secrets`` holds credentials and is encrypted at rest.
    """

    kind = models.CharField(_("kind"), max_length=16, choices=ChannelKind.choices)
    name = models.CharField(_("display name"), max_length=120)
    config = models.JSONField(_("settings"), default=dict, blank=True)
    secrets = EncryptedJSONField(_("credentials"), default=dict, blank=True)
    # The public id in /hooks/<kind>/<channel-id>: unguessable, unlike the primary key.
    webhook_token = models.CharField(max_length=64, unique=True, default=new_webhook_token)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=[kind.value for kind in ChannelKind]),
                name="channel_kind_valid",
            ),
        ]
        indexes = [models.Index(fields=["workspace", "kind"], name="channel_ws_kind")]
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    def secret_names(self) -> list[str]:
        """Names of the stored credentials, for display without their values."""
        value: dict[str, Any] = self.secrets or {}
        return sorted(value)


class Mailbox(TenantModel):
    """Where reading an email channel's IMAP folder has got to, and who is reading it now.

    ``last_uid`` is the highest UID already stored as events; it only moves
    after the events are stored, so a crash re-fetches (harmless: events are
    keyed by Message-ID) rather than skips. When the server's UIDVALIDITY
    changes, UIDs start over and the folder is read again from the start.
    The lease (``lease_owner`` until ``lease_until``) keeps two readers off one
    mailbox; ``failures`` and ``retry_at`` space out attempts after errors.
    """

    channel = models.OneToOneField(Channel, on_delete=models.CASCADE, related_name="mailbox")
    folder = models.CharField(_("folder"), max_length=255, default="INBOX")
    uidvalidity = models.BigIntegerField(null=True, blank=True)
    last_uid = models.BigIntegerField(default=0)
    # None until the server has been asked (CAPABILITY).
    idle_supported = models.BooleanField(null=True, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    last_error_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveIntegerField(default=0)
    retry_at = models.DateTimeField(null=True, blank=True)
    lease_owner = models.CharField(max_length=100, blank=True, default="")
    lease_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "channel"], name="mailbox_ws_channel")]

    def __str__(self) -> str:
        return f"{self.folder} of channel {self.channel_id}"
