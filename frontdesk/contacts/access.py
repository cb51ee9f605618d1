from __future__ import annotations

from typing import Any

from frontdesk.contacts.models import (
    AttributeDefinition,
    Contact,
    ContactFeedback,
    ContactMerge,
    ContactNote,
    ContactPreference,
    ContextObject,
)
from frontdesk.core.access import get_for_member
from frontdesk.core.models import Member


def get_contact_for_member(member: Member, contact_id: Any) -> Contact:
    return get_for_member(Contact, member, contact_id, "contacts.view_contact")


def get_merge_for_member(member: Member, merge_id: Any) -> ContactMerge:
    return get_for_member(ContactMerge, member, merge_id, "contacts.view_contact")


def get_preference_for_member(member: Member, preference_id: Any) -> ContactPreference:
    return get_for_member(ContactPreference, member, preference_id, "contacts.view_contactpreference")


def get_note_for_member(member: Member, note_id: Any) -> ContactNote:
    return get_for_member(ContactNote, member, note_id, "contacts.view_contactnote")


def get_feedback_for_member(member: Member, feedback_id: Any) -> ContactFeedback:
    return get_for_member(ContactFeedback, member, feedback_id, "contacts.view_contactfeedback")


def get_attribute_definition_for_member(member: Member, definition_id: Any) -> AttributeDefinition:
    return get_for_member(AttributeDefinition, member, definition_id, "contacts.view_attributedefinition")


def get_context_for_member(member: Member, contact: Contact, kind: str, external_id: str) -> ContextObject:
    """``contact``'s object ``(kind, external_id)``; Http404 when the contact has none such."""
    found = ContextObject.in_workspace(member.workspace_id).filter(contact=contact, kind=kind, external_id=external_id)
    return get_for_member(found, member, found.values_list("pk", flat=True).first(), "contacts.view_contextobject")
