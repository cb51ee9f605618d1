"""Who may do what with callback requests (loaded by rules' autodiscovery)."""

import rules

from frontdesk.core.rules import is_member, is_supervisor

rules.add_perm("callbacks.view_callbackrequest", is_member)
rules.add_perm("callbacks.claim_callback", is_member)
rules.add_perm("callbacks.reassign_callback", is_supervisor)
