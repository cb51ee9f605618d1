"""Creating and changing contacts: validated, audited, published."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from frontdesk.api.serializers import contact_out
from frontdesk.callbacks.actions import InvalidPhoneNumber, normalise_phone
from frontdesk.contacts.attributes import coerce_attributes, coerce_value, definition_for
from frontdesk.contacts.models import Contact, ContactNote, ContactPreference, PreferenceKind
from frontdesk.conversations.models import Conversation
from frontdesk.core.audit import record
from frontdesk.core.models import Member
from frontdesk.pipeline.events import publish

EDITABLE_FIELDS = ("name", "email", "phone", "language", "customer_id")
MAX_ATTRIBUTES = 100
MAX_ATTRIBUTE_VALUE = 500
MAX_PREFERENCE_LENGTH = 200
MAX_NOTE_LENGTH = 5000
# A BCP 47 language tag such as "en", "zh-Hant" or "zh-HK"; the sidebar offers Django's list of languages.
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
# Attribute names are short labels: no markup characters, no control characters.
ATTRIBUTE_KEY = re.compile(r"^[^<>&\"'`\x00-\x1f\x7f]{1,40}$")


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    cleaned = {key: (value or "").strip() for key, value in fields.items() if key in EDITABLE_FIELDS}
    for key, value in cleaned.items():
        limit = getattr(Contact._meta.get_field(key), "max_length", None)
        if limit is not None and len(value) > limit:
            raise ValidationError({key: _("At most %(limit)d characters.") % {"limit": limit}})
    if cleaned.get("email"):
        try:
            validate_email(cleaned["email"])
        except ValidationError:
            raise ValidationError({"email": _("Enter a valid email address.")}) from None
        cleaned["email"] = cleaned["email"].lower()
    if cleaned.get("phone"):
        try:
            cleaned["phone"] = normalise_phone(cleaned["phone"])
        except InvalidPhoneNumber as error:
            raise ValidationError({"phone": str(error)}) from None
    if cleaned.get("language") and not LANGUAGE_TAG.match(cleaned["language"]):
        raise ValidationError({"language": _("Choose a language from the list.")})
    return cleaned


def _check_customer_id(workspace_id: int, customer_id: str | None, contact_id: int | None = None) -> None:
    """The business's id names one customer: another contact holding it is an error, not a silent merge."""
    others = Contact.in_workspace(workspace_id).filter(customer_id=customer_id)
    if contact_id is not None:
        others = others.exclude(pk=contact_id)
    if customer_id and others.exists():
        raise ValidationError({"customer_id": _("Another contact already has this customer id.")})


def _check_attributes(attributes: dict[str, Any]) -> None:
    if len(attributes) > MAX_ATTRIBUTES:
        raise ValidationError(_("A contact can have at most %(limit)d attributes.") % {"limit": MAX_ATTRIBUTES})


def create_contact(actor: Member, *, attributes: dict[str, Any] | None = None, **fields: Any) -> Contact:
    cleaned = _clean(fields)
    attributes = {
        key: value
        for key, value in coerce_attributes(actor.workspace_id, attributes or {}).items()
        if value is not None
    }
    _check_attributes(attributes)
    if not any(cleaned.get(key) for key in ("name", "email", "phone", "customer_id")):
        raise ValidationError(_("A contact needs a name, an email or a phone number."))
    _check_customer_id(actor.workspace_id, cleaned.get("customer_id"))
    with transaction.atomic():
        contact = Contact.all_workspaces.create(workspace_id=actor.workspace_id, attributes=attributes or {}, **cleaned)
        record(actor.workspace_id, "contact.created", contact, actor=actor.user, changes=cleaned)
        publish("contact.created", actor.workspace_id, {"contact": contact_out(contact).model_dump(mode="json")})
    return contact


def update_contact(
    contact: Contact, actor: Member, *, attributes: dict[str, Any] | None = None, **fields: Any
) -> Contact:
    """Change the given fields; ``attributes`` are merged, a None value removes one.

    The workspace's defined attributes are checked and coerced to their types (contacts.attributes).
    """
    cleaned = _clean(fields)
    _check_customer_id(contact.workspace_id, cleaned.get("customer_id"), contact.pk)
    if attributes:
        attributes = coerce_attributes(contact.workspace_id, attributes)
    with transaction.atomic():
        contact = Contact.in_workspace(contact.workspace_id).select_for_update().get(pk=contact.pk)
        changes = {
            key: [getattr(contact, key), value] for key, value in cleaned.items() if getattr(contact, key) != value
        }
        if attributes:
            merged = {**contact.attributes, **attributes}
            merged = {key: value for key, value in merged.items() if value is not None}
            _check_attributes(merged)
            if merged != contact.attributes:
                changes["attributes"] = [contact.attributes, merged]
                contact.attributes = merged
        if not changes:
            return contact
        for key, value in cleaned.items():
            setattr(contact, key, value)
        contact.updated_at = timezone.now()
        contact.save()
        record(contact.workspace_id, "contact.updated", contact, actor=actor.user, changes=changes)
        publish("contact.updated", contact.workspace_id, {"contact": contact_out(contact).model_dump(mode="json")})
    return contact


def _clean_attribute(key: str, value: str) -> tuple[str, str]:
    key, value = (key or "").strip(), (value or "").strip()
    if not ATTRIBUTE_KEY.match(key):
        raise ValidationError(
            {"key": _("A name has 1 to 40 characters, without < > & quotes or backticks.")}, code="invalid"
        )
    if len(value) > MAX_ATTRIBUTE_VALUE:
        raise ValidationError(
            {"value": _("A value has at most %(limit)d characters.") % {"limit": MAX_ATTRIBUTE_VALUE}}
        )
    return key, value


def set_attribute(contact: Contact, actor: Member, key: str, value: str, *, previous_key: str = "") -> Contact:
    """Give the contact the attribute ``key`` = ``value``; with ``previous_key``, that attribute is renamed."""
    key, value = _clean_attribute(key, value)
    definition = definition_for(contact.workspace_id, key)
    if definition is not None:
        try:
            coerce_value(definition, value)
        except ValidationError as error:
            raise ValidationError({"value": error.messages}) from None
    current = Contact.in_workspace(contact.workspace_id).values_list("attributes", flat=True).get(pk=contact.pk)
    if key in current and key != previous_key:
        raise ValidationError({"key": _("This contact already has an attribute named %(key)s.") % {"key": key}})
    change: dict[str, Any] = {key: value}
    if previous_key and previous_key != key:
        change[previous_key] = None
    return update_contact(contact, actor, attributes=change)


def remove_attribute(contact: Contact, actor: Member, key: str) -> Contact:
    return update_contact(contact, actor, attributes={key: None})


def add_preference(
    contact: Contact, actor: Member, kind: str, text: str, *, conversation: Conversation | None = None
) -> ContactPreference:
    """Note that the customer likes or dislikes ``text``, learnt in ``conversation`` (if given) by ``actor``."""
    text = " ".join((text or "").split())
    if kind not in PreferenceKind.values:
        raise ValidationError({"kind": _("Choose likes or dislikes.")})
    if not text:
        raise ValidationError({"text": _("Write what the customer likes or dislikes.")})
    if len(text) > MAX_PREFERENCE_LENGTH:
        raise ValidationError(
            {"text": _("A preference has at most %(limit)d characters.") % {"limit": MAX_PREFERENCE_LENGTH}}
        )
    if conversation is not None and (
        conversation.workspace_id != contact.workspace_id or conversation.contact_id != contact.pk
    ):
        raise ValidationError(_("That conversation is not this contact's."))
    preferences = ContactPreference.in_workspace(contact.workspace_id).filter(contact=contact)
    if preferences.filter(kind=kind, text__iexact=text).exists():
        raise ValidationError({"text": _("This is already noted.")})
    with transaction.atomic():
        preference = ContactPreference.all_workspaces.create(
            workspace_id=contact.workspace_id,
            contact=contact,
            kind=kind,
            text=text,
            source_conversation=conversation,
            created_by=actor,
        )
        record(
            contact.workspace_id,
            "contact.preference_added",
            contact,
            actor=actor.user,
            changes={"kind": kind, "text": text, "conversation": conversation.pk if conversation else None},
        )
        publish(
            "contact.preference_added",
            contact.workspace_id,
            {"contact_id": contact.pk, "preference": {"id": preference.pk, "kind": kind, "text": text}},
        )
    return preference


def remove_preference(preference: ContactPreference, actor: Member) -> None:
    preference_id = preference.pk
    with transaction.atomic():
        preference.delete()
        record(
            preference.workspace_id,
            "contact.preference_removed",
            preference.contact,
            actor=actor.user,
            changes={"kind": preference.kind, "text": preference.text},
        )
        publish(
            "contact.preference_removed",
            preference.workspace_id,
            {"contact_id": preference.contact_id, "preference": {"id": preference_id}},
        )


def add_contact_note(contact: Contact, author: Member, text: str) -> ContactNote:
    """A staff-only note about the contact. It is never sent or shown to the customer."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write the note first.")})
    if len(text) > MAX_NOTE_LENGTH:
        raise ValidationError({"text": _("A note has at most %(limit)d characters.") % {"limit": MAX_NOTE_LENGTH}})
    with transaction.atomic():
        note = ContactNote.all_workspaces.create(
            workspace_id=contact.workspace_id, contact=contact, author=author, text=text
        )
        record(contact.workspace_id, "contact.note_added", contact, actor=author.user, changes={"note": note.pk})
        # The text stays out of the event: every subscriber (webhooks too) hears of it.
        publish("contact.note_added", contact.workspace_id, {"contact_id": contact.pk, "note": {"id": note.pk}})
    return note


def delete_contact_note(note: ContactNote, actor: Member) -> None:
    """Remove a staff note: its author may, and admins may remove anyone's."""
    if not actor.user.has_perm("contacts.delete_contactnote", note):
        raise PermissionDenied(_("Only the note's author or an admin may delete it."))
    note_id = note.pk
    with transaction.atomic():
        note.delete()
        record(
            note.workspace_id,
            "contact.note_deleted",
            note.contact,
            actor=actor.user,
            changes={"note": note_id, "text": note.text},
        )
        publish("contact.note_deleted", note.workspace_id, {"contact_id": note.contact_id, "note": {"id": note_id}})
