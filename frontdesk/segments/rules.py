"""Who may do what with segments (loaded by rules' autodiscovery): supervisors and admins build them."""

import rules

from frontdesk.core.rules import is_supervisor

rules.add_perm("segments.view_segment", is_supervisor)
rules.add_perm("segments.manage_segment", is_supervisor)
