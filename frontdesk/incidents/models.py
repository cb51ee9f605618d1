"""Incidents (many customers with the same problem, handled together) and the signatures that find them.

A ``CaseSignature`` is what an open conversation is about, as a MinHash of its
customer's first messages; its ``SignatureBand`` rows are the LSH band keys,
so the conversations probably similar to one are found by one indexed query.
The same index finds likely duplicates: near-identical text from a contact not
yet known to be the same person (``DuplicateCandidate``).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from frontdesk.core.models import TenantModel


class CaseSignature(TenantModel):
    """What an open conversation is about: the text of its first customer messages and its MinHash.

    ``contact`` and ``last_message_at`` are copies of the conversation's, so the
    candidate query neither joins contacts nor reads messages.
    """

    conversation = models.OneToOneField(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="case_signature"
    )
    contact = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="+")
    # The first inbound texts, joined (at most CASE_MESSAGES of them and CASE_TEXT_LENGTH characters).
    text = models.TextField(blank=True)
    message_count = models.PositiveSmallIntegerField(default=0)
    # ``frontdesk.text.similarity.to_bytes``: 128 32-bit hash values.
    minhash = models.BinaryField(max_length=512)
    first_message_at = models.DateTimeField(default=timezone.now)
    last_message_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["workspace", "last_message_at"], name="casesig_ws_last_message")]

    def __str__(self) -> str:
        return f"signature of conversation {self.conversation_id}"


class SignatureBand(TenantModel):
    """One LSH band key of a case signature (``frontdesk.text.similarity.band_keys``).

    Every checked message writes its signature's rows (48), so the table has only the indexes the check needs:
    (workspace, key, signature) answers the candidate query from the index alone and also serves the workspace
    alone, where another index would only be one more write. Nor has it foreign-key constraints: checking them
    was half the cost of committing a check on PostgreSQL (96 lookups a message). The rows are an index of
    their signature, written and deleted with it (Django's deletion cascades, or by the check itself); a row
    left over would only make a candidate the query cannot join, so finds nothing.
    """

    workspace = models.ForeignKey(
        "core.Workspace", on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    signature = models.ForeignKey(CaseSignature, on_delete=models.CASCADE, related_name="bands", db_constraint=False)
    key = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["workspace", "key", "signature"], name="sigband_ws_key_signature")]


class IncidentStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")


class Incident(TenantModel):
    """Open conversations of different customers about the same problem (a cancelled flight, an outage)."""

    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(_("status"), max_length=16, choices=IncidentStatus.choices, default=IncidentStatus.OPEN)
    # None when the grouping made it.
    created_by = models.ForeignKey("core.Member", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=[status.value for status in IncidentStatus]),
                name="incident_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["workspace", "status", "-updated_at"], name="incident_ws_status_updated")]
        ordering = ["-updated_at", "-id"]

    def __str__(self) -> str:
        return self.title


class IncidentConversation(TenantModel):
    """A conversation in an incident; ``removed_at`` set when an agent took it out (never grouped back in).

    A conversation is in at most one incident at a time (the partial unique constraint).
    """

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="memberships")
    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="incident_memberships"
    )
    # How similar it was to the conversation that brought it in (1.0 for the one that started it).
    score = models.FloatField(default=1.0)
    added_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey("core.Member", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["conversation"],
                condition=models.Q(removed_at__isnull=True),
                name="incidentconv_one_incident",
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "incident", "removed_at"], name="incidentconv_ws_incident"),
            models.Index(fields=["workspace", "conversation"], name="incidentconv_ws_conversation"),
        ]


class DuplicateStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    LINKED = "linked", _("Linked")
    MERGED = "merged", _("Merged")
    DISMISSED = "dismissed", _("Dismissed")


class DuplicateCandidate(TenantModel):
    """Near-identical text in two open conversations of different contacts, close in time: maybe one person.

    ``conversation`` is the later one (where the banner shows), ``other`` the earlier.
    """

    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="duplicate_candidates"
    )
    other = models.ForeignKey("conversations.Conversation", on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    status = models.CharField(max_length=16, choices=DuplicateStatus.choices, default=DuplicateStatus.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey("core.Member", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "other"], name="duplicate_unique_pair"),
            models.CheckConstraint(
                condition=models.Q(status__in=[status.value for status in DuplicateStatus]),
                name="duplicate_status_valid",
            ),
            models.CheckConstraint(condition=~models.Q(conversation=models.F("other")), name="duplicate_not_self"),
        ]
        indexes = [
            models.Index(fields=["workspace", "conversation", "status"], name="duplicate_ws_conv_status"),
            models.Index(fields=["workspace", "other"], name="duplicate_ws_other"),
        ]
        ordering = ["-score", "-created_at"]
