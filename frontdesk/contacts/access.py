from __future__ import annotations

from typing import Any

from frontdesk.contacts.models import Contact
from frontdesk.core.access import get_for_member
from frontdesk.core.models import Member


def get_contact_for_member(member: Member, contact_id: Any) -> Contact:
    return get_for_member(Contact, member, contact_id, "contacts.view_contact")
