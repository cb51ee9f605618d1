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
