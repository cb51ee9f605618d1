"""Creating and changing contacts: validated, audited, published."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from frontdesk.api.serializers import contact_out
from frontdesk.contacts.models import Contact
from frontdesk.core.audit import record
from frontdesk.core.models import Member
from frontdesk.pipeline.events import publish

EDITABLE_FIELDS = ("name", "email", "phone", "language")
MAX_ATTRIBUTES = 100


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    cleaned = {key: (value or "").strip() for key, value in fields.items() if key in EDITABLE_FIELDS}
    if cleaned.get("email"):
        validate_email(cleaned["email"])
        cleaned["email"] = cleaned["email"].lower()
    return cleaned


def _check_attributes(attributes: dict[str, Any]) -> None:
    if len(attributes) > MAX_ATTRIBUTES:
        raise ValidationError(_("A contact can have at most %(limit)d attributes.") % {"limit": MAX_ATTRIBUTES})


def create_contact(actor: Member, *, attributes: dict[str, Any] | None = None, **fields: Any) -> Contact:
    cleaned = _clean(fields)
    _check_attributes(attributes or {})
    if not any(cleaned.get(key) for key in ("name", "email", "phone")):
        raise ValidationError(_("A contact needs a name, an email or a phone number."))
    with transaction.atomic():
        contact = Contact.all_workspaces.create(workspace_id=actor.workspace_id, attributes=attributes or {}, **cleaned)
        record(actor.workspace_id, "contact.created", contact, actor=actor.user, changes=cleaned)
        publish("contact.created", actor.workspace_id, {"contact": contact_out(contact).model_dump(mode="json")})
    return contact


def update_contact(
    contact: Contact, actor: Member, *, attributes: dict[str, Any] | None = None, **fields: Any
) -> Contact:
    """Change the given fields; ``attributes`` are merged, a None value removes one."""
    cleaned = _clean(fields)
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
