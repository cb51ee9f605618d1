from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from frontdesk.core.models import TenantModel

SHORTCUT_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"


class CannedResponse(TenantModel):
    """A saved reply an agent inserts by its shortcut; ``{{ variables }}`` are filled per conversation."""

    shortcut = models.CharField(
        _("shortcut"),
        max_length=40,
        validators=[
            RegexValidator(
                SHORTCUT_PATTERN,
                _("Use lowercase letters, digits, hyphens and underscores, starting with a letter or digit."),
            )
        ],
    )
    title = models.CharField(_("title"), max_length=120)
    text = models.TextField(_("text"), max_length=5000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "shortcut"], name="canned_unique_shortcut"),
            models.CheckConstraint(condition=models.Q(shortcut__regex=SHORTCUT_PATTERN), name="canned_shortcut_slug"),
        ]
        indexes = [models.Index(fields=["workspace", "shortcut"], name="canned_ws_shortcut")]
        ordering = ["shortcut"]

    def __str__(self) -> str:
        return self.shortcut
