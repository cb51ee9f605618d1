"""Who may define contact attributes and record feedback and business context (loaded by ContactsConfig.ready)."""

from __future__ import annotations

import rules

from frontdesk.core.rules import is_admin, is_member

rules.add_perm("contacts.view_attributedefinition", is_member)
rules.add_perm("contacts.manage_attributedefinition", is_admin)
rules.add_perm("contacts.view_contactfeedback", is_member)
rules.add_perm("contacts.change_contactfeedback", is_member)
rules.add_perm("contacts.view_contextobject", is_member)
rules.add_perm("contacts.change_contextobject", is_member)
