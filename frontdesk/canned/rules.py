"""Who may do what with canned responses (loaded by rules' autodiscovery)."""

import rules

from frontdesk.core.rules import is_admin, is_member

rules.add_perm("canned.view_cannedresponse", is_member)
rules.add_perm("canned.manage_cannedresponse", is_admin)
