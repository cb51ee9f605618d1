from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from frontdesk.core.models import TenantModel


class Contact(TenantModel):
    """One customer, across every channel they use."""

    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    language = models.CharField(_("language"), max_length=16, blank=True)
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    # The business's own id for this customer (from the widget or the API): a verified identifier.
    customer_id = models.CharField(_("customer id"), max_length=100, blank=True)
    # Set when this contact was merged into another; it is then hidden everywhere and kept only to unmerge.
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="absorbed_contacts"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "customer_id"],
                condition=~models.Q(customer_id=""),
                name="contact_unique_customer_id",
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "email"], name="contact_ws_email"),
            models.Index(fields=["workspace", "phone"], name="contact_ws_phone"),
            models.Index(fields=["workspace", "-updated_at"], name="contact_ws_updated"),
        ]

    def __str__(self) -> str:
        return self.name or self.email or self.phone or f"#{self.pk}"


def avatar_path(instance: Identity, filename: str) -> str:
    # The stored name never contains anything the provider chose.
    return f"avatars/{instance.workspace_id}/{uuid.uuid4().hex}"


class Identity(TenantModel):
    """A contact's address on one channel: a phone number, a LINE user id, an email, a PSID."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="identities")
    channel = models.ForeignKey("frontdesk_channels.Channel", on_delete=models.CASCADE, related_name="identities")
    external_id = models.CharField(_("address on the channel"), max_length=255)
    display_name = models.CharField(_("name on the channel"), max_length=200, blank=True)
    # The picture the customer chose on the channel, fetched once by a task (pipeline.profiles).
    avatar = models.FileField(_("picture"), upload_to=avatar_path, max_length=255, blank=True)
    profile_fetched_at = models.DateTimeField(null=True, blank=True)
    profile_attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = _("identities")
        constraints = [
            models.UniqueConstraint(fields=["channel", "external_id"], name="identity_unique_per_channel"),
        ]
        indexes = [models.Index(fields=["workspace", "contact"], name="identity_ws_contact")]

    def __str__(self) -> str:
        return f"{self.external_id} on {self.channel_id}"


class PreferenceKind(models.TextChoices):
    LIKE = "like", _("Likes")
    DISLIKE = "dislike", _("Dislikes")


class ContactPreference(TenantModel):
    """Something the customer likes or dislikes ("vegetarian meal", "hates phone calls"), and where we learnt it."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="preferences")
    kind = models.CharField(_("kind"), max_length=8, choices=PreferenceKind.choices)
    text = models.CharField(_("text"), max_length=200)
    source_conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Kept when the member leaves: what the customer said stays true.
    created_by = models.ForeignKey("core.Member", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=[kind.value for kind in PreferenceKind]),
                name="contactpreference_kind_valid",
            ),
        ]
        indexes = [models.Index(fields=["workspace", "contact", "created_at"], name="contactpref_ws_contact")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.text}"


class ContactNote(TenantModel):
    """A staff-only note about the contact (not about one conversation); never shown to the customer."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="staff_notes")
    # Null only once the author's membership is deleted; the note outlives it.
    author = models.ForeignKey("core.Member", on_delete=models.SET_NULL, null=True, related_name="+")
    text = models.TextField(_("text"), max_length=5000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["workspace", "contact", "-created_at"], name="contactnote_ws_contact")]

    def __str__(self) -> str:
        return f"Note {self.pk} on contact {self.contact_id}"


class ContactMerge(TenantModel):
    """One merge of two contacts, with what moved, so it can be audited and undone."""

    kept = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="merges_kept")
    absorbed = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="merges_absorbed")
    merged_by = models.ForeignKey("core.Member", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # Ids of the rows that moved, per kind, and the kept contact's fields and attributes before the merge.
    moved = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey("core.Member", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "kept", "-created_at"], name="contactmerge_ws_kept"),
            models.Index(fields=["workspace", "absorbed"], name="contactmerge_ws_absorbed"),
        ]

    def __str__(self) -> str:
        return f"Contact {self.absorbed_id} merged into {self.kept_id}"


class AttributeType(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    BOOLEAN = "boolean", _("Yes or no")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice")
    URL = "url", _("Link")


class AttributeDefinition(TenantModel):
    """A custom contact attribute the workspace defined, with its type ("membership tier": a choice of gold, silver)."""

    key = models.SlugField(_("key"), max_length=40)
    label = models.CharField(_("label"), max_length=80)
    type = models.CharField(_("type"), max_length=8, choices=AttributeType.choices, default=AttributeType.TEXT)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "label"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "key"], name="attributedefinition_unique_key"),
            models.CheckConstraint(
                condition=models.Q(type__in=[kind.value for kind in AttributeType]),
                name="attributedefinition_type_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.label


class FeedbackKind(models.TextChoices):
    COMPLIMENT = "compliment", _("Compliment")
    COMPLAINT = "complaint", _("Complaint")


class ContactFeedback(TenantModel):
    """A compliment or a complaint the customer made, and where."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="feedback")
    kind = models.CharField(_("kind"), max_length=10, choices=FeedbackKind.choices)
    text = models.CharField(_("text"), max_length=500)
    source_conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey("core.Member", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = _("feedback")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=[kind.value for kind in FeedbackKind]),
                name="contactfeedback_kind_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "contact", "-created_at"], name="contactfeedback_ws_contact"),
            models.Index(fields=["workspace", "kind", "created_at"], name="contactfeedback_ws_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.text}"


class ContextObject(TenantModel):
    """Something of the business's attached to a contact through the API: an order, a booking, a ticket."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="context_objects")
    kind = models.SlugField(_("kind"), max_length=32)
    external_id = models.CharField(_("id"), max_length=100)
    title = models.CharField(_("title"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=50, blank=True)
    url = models.URLField(_("link"), max_length=500, blank=True)
    # The business's own fields ("flight": "CX123", "date": "2026-12-01"), which segments can filter on.
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "kind", "external_id"], name="contextobject_unique_id"),
        ]
        indexes = [models.Index(fields=["workspace", "contact", "-updated_at"], name="contextobject_ws_contact")]

    def __str__(self) -> str:
        return f"{self.kind} {self.external_id}"


class DismissedMatch(TenantModel):
    """An agent's word that two contacts suggested as one person are not: the pair is not suggested again.

    The pair is stored lower id first, so (a, b) and (b, a) are one row.
    """

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    dismissed_by = models.ForeignKey("core.Member", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contact", "other"], name="dismissedmatch_unique_pair"),
            models.CheckConstraint(condition=models.Q(contact__lt=models.F("other")), name="dismissedmatch_ordered"),
        ]
        indexes = [
            models.Index(fields=["workspace", "contact"], name="dismissedmatch_ws_contact"),
            models.Index(fields=["workspace", "other"], name="dismissedmatch_ws_other"),
        ]

    def __str__(self) -> str:
        return f"Contacts {self.contact_id} and {self.other_id} are not one person"
