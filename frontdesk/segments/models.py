from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from frontdesk.core.models import TenantModel


def empty_definition() -> dict[str, Any]:
    return {"match": "all", "rules": []}


class Segment(TenantModel):
    """A saved filter over the workspace's contacts ("passengers on flight CX123 on 2026-12-01").

    ``definition`` is checked by ``segments.definition.clean_definition`` before it is stored and
    compiled to one query by ``segments.evaluate``; the matching contacts are never stored.
    """

    name = models.CharField(_("name"), max_length=120)
    description = models.CharField(_("description"), max_length=500, blank=True)
    definition = models.JSONField(_("definition"), default=empty_definition)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="segment_unique_name"),
        ]
        indexes = [models.Index(fields=["workspace", "name"], name="segment_ws_name")]

    def __str__(self) -> str:
        return self.name
