from frontdesk.core.models.audit import AuditEntry
from frontdesk.core.models.invitations import Invitation
from frontdesk.core.models.scheduling import ScheduledRun
from frontdesk.core.models.tenancy import TenantModel, TenantQuerySet
from frontdesk.core.models.tokens import ApiToken
from frontdesk.core.models.users import User
from frontdesk.core.models.workspaces import CrossChannelCases, Member, Role, Team, TeamMembership, Workspace

__all__ = [
    "ApiToken",
    "AuditEntry",
    "CrossChannelCases",
    "Invitation",
    "Member",
    "Role",
    "ScheduledRun",
    "Team",
    "TeamMembership",
    "TenantModel",
    "TenantQuerySet",
    "User",
    "Workspace",
]
