from __future__ import annotations

from typing import Any

from frontdesk.contacts.models import Contact, ContactNote, ContactPreference
from frontdesk.core.access import get_for_member
from frontdesk.core.models import Member


def get_contact_for_member(member: Member, contact_id: Any) -> Contact:
    return get_for_member(Contact, member, contact_id, "contacts.view_contact")


def get_preference_for_member(member: Member, preference_id: Any) -> ContactPreference:
    return get_for_member(ContactPreference, member, preference_id, "contacts.view_contactpreference")


def get_note_for_member(member: Member, note_id: Any) -> ContactNote:
    return get_for_member(ContactNote, member, note_id, "contacts.view_contactnote")
