"""Who may do what with a contact's preferences, staff notes and merges (loaded by rules' autodiscovery)."""

from __future__ import annotations

from typing import Any

import rules

from frontdesk.core.rules import is_admin, is_member, is_supervisor


@rules.predicate
def is_note_author(user: Any, note: Any) -> bool:
    return note.author_id is not None and note.author.user_id == user.pk


rules.add_perm("contacts.view_contactpreference", is_member)
rules.add_perm("contacts.change_contactpreference", is_member)
rules.add_perm("contacts.view_contactnote", is_member)
rules.add_perm("contacts.add_contactnote", is_member)
# A colleague's note is theirs to take back; admins may remove any.
rules.add_perm("contacts.delete_contactnote", is_member & (is_note_author | is_admin))
# Members who may edit contacts may merge two that are one person; undoing a merge is for supervisors and admins.
rules.add_perm("contacts.merge_contact", is_member)
rules.add_perm("contacts.unmerge_contact", is_supervisor)
rules.add_perm("contacts.dismiss_match", is_member)
