"""Business context attached through the API: a contact's orders, bookings, tickets, with status and a link.

An object is named by ``(kind, external_id)`` in the workspace, so the
business's system can send the same PUT again and again (an upsert). An
integrator who does not know our contact ids names the contact by its
customer id, email or phone; a merged contact stands for the one it was
merged into.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from frontdesk.callbacks.actions import InvalidPhoneNumber, normalise_phone
from frontdesk.contacts.attributes import safe_url
from frontdesk.contacts.models import Contact, ContextObject
from frontdesk.core.audit import record
from frontdesk.core.models import Member
from frontdesk.pipeline.events import publish

KIND = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
# Printable, no markup characters: ids travel in URLs and are shown to agents.
EXTERNAL_ID = re.compile(r"^[^\x00-\x1f\x7f<>\"'`\s/]{1,100}$")
DATA_KEY = re.compile(r"^[^\x00-\x1f\x7f<>&\"'`]{1,40}$")
MAX_TITLE = 200
MAX_STATUS = 50
MAX_DATA_KEYS = 50
MAX_DATA_VALUE = 500
MAX_DATA_BYTES = 8_000
# How many merges in a row a lookup follows to the kept contact (merges are normally one hop).
MAX_MERGE_HOPS = 10


def kept_contact(contact: Contact) -> Contact:
    """``contact``, or the contact it was merged into (followed to the end), in the same workspace."""
    hops = 0
    while contact.merged_into_id is not None and hops < MAX_MERGE_HOPS:
        following = Contact.in_workspace(contact.workspace_id).filter(pk=contact.merged_into_id).first()
        if following is None:
            break
        contact, hops = following, hops + 1
    return contact


def find_contact(workspace_id: int, *, customer_id: str = "", email: str = "", phone: str = "") -> Contact | None:
    """The workspace's contact with this customer id, email or phone (the first one given), the kept one if merged."""
    contacts = Contact.in_workspace(workspace_id)
    if customer_id.strip():
        found = contacts.filter(customer_id=customer_id.strip())
    elif email.strip():
        found = contacts.filter(email__iexact=email.strip())
    elif phone.strip():
        try:
            found = contacts.filter(phone=normalise_phone(phone.strip()))
        except InvalidPhoneNumber:
            return None
    else:
        return None
    # A contact still in use before one merged away; the most recently changed first.
    contact = found.order_by("merged_into_id", "-updated_at", "-pk").first()
    return kept_contact(contact) if contact is not None else None


def _scalar(key: str, value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValidationError(_("data.%(key)s: numbers must be finite.") % {"key": key})
        return value
    if isinstance(value, str):
        if len(value) > MAX_DATA_VALUE:
            raise ValidationError(
                _("data.%(key)s: at most %(limit)d characters.") % {"key": key, "limit": MAX_DATA_VALUE}
            )
        return value
    raise ValidationError(_("data.%(key)s: only text, numbers, true/false or null.") % {"key": key})


def clean_data(data: Any) -> dict[str, Any]:
    """The business's fields: an object of at most 50 short keys with scalar values, at most 8 kB as JSON."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValidationError(_("data must be an object."))
    if len(data) > MAX_DATA_KEYS:
        raise ValidationError(_("data has at most %(limit)d keys.") % {"limit": MAX_DATA_KEYS})
    cleaned: dict[str, Any] = {}
    for key, value in data.items():
        if not isinstance(key, str) or not DATA_KEY.match(key):
            raise ValidationError(_("data keys have 1 to 40 characters, without < > & quotes or backticks."))
        cleaned[key] = _scalar(key, value)
    if len(json.dumps(cleaned, ensure_ascii=False).encode()) > MAX_DATA_BYTES:
        raise ValidationError(_("data is at most %(limit)d bytes as JSON.") % {"limit": MAX_DATA_BYTES})
    return cleaned


def clean_context(
    *, kind: str, external_id: str, title: str = "", status: str = "", url: str = "", data: Any = None
) -> dict[str, Any]:
    errors: dict[str, str] = {}
    kind, external_id = (kind or "").strip(), (external_id or "").strip()
    title, status, url = " ".join((title or "").split()), " ".join((status or "").split()), (url or "").strip()
    if not KIND.match(kind):
        errors["kind"] = _("A kind has 1 to 32 lower-case letters, digits, - or _ (order, booking, ticket).")
    if not EXTERNAL_ID.match(external_id):
        errors["external_id"] = _("An id has 1 to 100 characters, without spaces, slashes, quotes or < >.")
    if len(title) > MAX_TITLE:
        errors["title"] = _("A title has at most %(limit)d characters.") % {"limit": MAX_TITLE}
    if len(status) > MAX_STATUS:
        errors["status"] = _("A status has at most %(limit)d characters.") % {"limit": MAX_STATUS}
    if url:
        try:
            url = safe_url(url)
        except ValidationError as error:
            errors["url"] = " ".join(error.messages)
    try:
        cleaned_data = clean_data(data)
    except ValidationError as error:
        errors["data"] = " ".join(error.messages)
    if errors:
        raise ValidationError(errors)
    return {
        "kind": kind,
        "external_id": external_id,
        "title": title,
        "status": status,
        "url": url,
        "data": cleaned_data,
    }


def _publish(obj: ContextObject, contact_id: int, event: str = "context.updated") -> None:
    publish(
        event,
        obj.workspace_id,
        {
            "contact_id": contact_id,
            "context": {"id": obj.pk, "kind": obj.kind, "external_id": obj.external_id, "status": obj.status},
        },
    )


def upsert_context(actor: Member, contact: Contact, **fields: Any) -> tuple[ContextObject, bool]:
    """Attach (or update) the object ``(kind, external_id)`` to ``contact``; returns it and whether it is new.

    An object already attached to another contact of the workspace moves to this one.
    """
    cleaned = clean_context(**fields)
    if contact.workspace_id != actor.workspace_id:
        raise ValidationError(_("That contact is not in this workspace."))
    contact = kept_contact(contact)
    for attempt in range(2):
        try:
            return _upsert(actor, contact, cleaned)
        except IntegrityError:
            # Two PUTs of a new object at once: the other one created it; this one updates it.
            if attempt:
                raise
    raise AssertionError("unreachable")


def _upsert(actor: Member, contact: Contact, cleaned: dict[str, Any]) -> tuple[ContextObject, bool]:
    workspace_id = contact.workspace_id
    with transaction.atomic():
        obj = (
            ContextObject.in_workspace(workspace_id)
            .select_for_update()
            .filter(kind=cleaned["kind"], external_id=cleaned["external_id"])
            .first()
        )
        now = timezone.now()
        if obj is None:
            obj = ContextObject.all_workspaces.create(
                workspace_id=workspace_id, contact=contact, created_at=now, updated_at=now, **cleaned
            )
            record(workspace_id, "context.created", obj, actor=actor.user, changes={**cleaned, "contact": contact.pk})
            _publish(obj, contact.pk)
            return obj, True
        changes: dict[str, Any] = {
            field: [getattr(obj, field), cleaned[field]]
            for field in ("title", "status", "url", "data")
            if getattr(obj, field) != cleaned[field]
        }
        previous_contact = obj.contact_id
        if previous_contact != contact.pk:
            changes["contact"] = [previous_contact, contact.pk]
        if not changes:
            return obj, False
        for field in ("title", "status", "url", "data"):
            setattr(obj, field, cleaned[field])
        obj.contact = contact
        obj.updated_at = now
        obj.save()
        record(workspace_id, "context.updated", obj, actor=actor.user, changes=changes)
        _publish(obj, contact.pk)
        if previous_contact != contact.pk:
            _publish(obj, previous_contact, "context.removed")
        return obj, False


def remove_context(obj: ContextObject, actor: Member) -> None:
    object_id = obj.pk
    with transaction.atomic():
        obj.delete()
        obj.pk = object_id
        record(
            obj.workspace_id,
            "context.removed",
            obj,
            actor=actor.user,
            changes={"kind": obj.kind, "external_id": obj.external_id, "contact": obj.contact_id},
        )
        _publish(obj, obj.contact_id, "context.removed")
