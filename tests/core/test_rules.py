from __future__ import annotations

import pytest

from frontdesk.core.models import Role, Workspace
from tests.factories import make_conversation, make_member, make_workspace

PERMISSIONS_BY_ROLE = {
    "conversations.view_conversation": {Role.AGENT, Role.SUPERVISOR, Role.ADMIN, Role.OWNER},
    "conversations.assign_others": {Role.SUPERVISOR, Role.ADMIN, Role.OWNER},
    "core.manage_members": {Role.ADMIN, Role.OWNER},
    "frontdesk_channels.manage_channel": {Role.ADMIN, Role.OWNER},
}


@pytest.mark.parametrize("permission,allowed", PERMISSIONS_BY_ROLE.items())
def test_roles_grant_what_they_should_and_nothing_across_workspaces(
    workspace: Workspace, permission: str, allowed: set[Role]
) -> None:
    conversation = make_conversation(workspace)
    elsewhere = make_conversation(make_workspace())
    for role in Role:
        member = make_member(workspace, role)
        target = workspace if permission.startswith(("core.", "frontdesk_channels.")) else conversation
        assert member.user.has_perm(permission, target) == (role in allowed), (role, permission)
        foreign = elsewhere.workspace if target is workspace else elsewhere
        assert not member.user.has_perm(permission, foreign), "no role reaches into another workspace"


def test_a_deactivated_member_loses_every_permission(workspace: Workspace) -> None:
    owner = make_member(workspace, Role.OWNER, is_active=False)
    assert not owner.user.has_perm("conversations.view_conversation", make_conversation(workspace))
