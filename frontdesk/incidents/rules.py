"""Who may do what with incidents and duplicate suggestions (loaded by rules' autodiscovery).

Like the inbox's bulk actions: any member may work on an incident; each
conversation in it is still checked with ``conversations.change_conversation``.
"""

import rules

from frontdesk.core.rules import is_member

rules.add_perm("incidents.view_incident", is_member)
rules.add_perm("incidents.change_incident", is_member)
rules.add_perm("incidents.view_duplicatecandidate", is_member)
