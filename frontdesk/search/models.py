"""The search index: one row per searchable thing, holding its search terms (never shown to anyone).

The full-text part lives beside the table and is database specific (migration 0001): on PostgreSQL a
``document`` tsvector column generated from ``terms`` with a GIN index, on SQLite an FTS5 table whose rowid
is the entry's id, kept in step by triggers.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from frontdesk.core.models import TenantModel


class EntryKind(models.TextChoices):
    MESSAGE = "message", _("Message")
    NOTE = "note", _("Private note")
    CONTACT = "contact", _("Contact")
    CONTACT_NOTE = "contact_note", _("Note about a contact")
    CONVERSATION = "conversation", _("Conversation")


class SearchEntry(TenantModel):
    """What one message, note, contact, contact note or conversation subject can be found by.

    ``object_id`` is the row's id in its own table (which table: ``kind``); ``conversation_id`` and
    ``contact_id`` say where a hit leads and follow merges and joins.
    """

    kind = models.CharField(max_length=16, choices=EntryKind.choices)
    object_id = models.BigIntegerField()
    conversation_id = models.BigIntegerField(null=True, blank=True)
    contact_id = models.BigIntegerField(null=True, blank=True)
    # Space-joined index terms (frontdesk.search.terms.index_terms): Simplified, segmented, stemmed.
    terms = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "kind", "object_id"], name="search_entry_unique_object"),
            models.CheckConstraint(
                condition=models.Q(kind__in=[kind.value for kind in EntryKind]), name="search_entry_kind_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "created_at"], name="search_entry_ws_created"),
            models.Index(fields=["workspace", "contact_id"], name="search_entry_ws_contact"),
            models.Index(fields=["workspace", "conversation_id"], name="search_entry_ws_conversation"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}"
