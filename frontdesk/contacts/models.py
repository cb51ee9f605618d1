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
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
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
