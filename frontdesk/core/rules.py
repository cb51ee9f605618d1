"""Who may do what, as `rules` predicates over (user, object); loaded by rules' autodiscovery.

Object checks take the member's workspace into account: a predicate given
an object of another workspace is always false.
"""

from __future__ import annotations

from typing import Any

import rules

from frontdesk.core.models import Member, Role


def _member(user: Any, obj: Any) -> Member | None:
    """The user's active member row in the workspace that ``obj`` belongs to."""
    if not getattr(user, "is_authenticated", False) or obj is None:
        return None
    workspace_id = obj.pk if obj.__class__.__name__ == "Workspace" else getattr(obj, "workspace_id", None)
    if workspace_id is None:
        return None
    cache: dict[int, Member | None] = user.__dict__.setdefault("_frontdesk_members", {})
    if workspace_id not in cache:
        cache[workspace_id] = Member.all_workspaces.filter(user=user, workspace_id=workspace_id, is_active=True).first()
    return cache[workspace_id]


def _role_at_least(role: Role) -> rules.Predicate:
    @rules.predicate(name=f"role_at_least_{role.value}")
    def check(user: Any, obj: Any) -> bool:
        member = _member(user, obj)
        return member is not None and member.has_role_at_least(role)

    return check


is_member = _role_at_least(Role.AGENT)
is_supervisor = _role_at_least(Role.SUPERVISOR)
is_admin = _role_at_least(Role.ADMIN)
is_owner = _role_at_least(Role.OWNER)


@rules.predicate
def is_token_owner(user: Any, token: Any) -> bool:
    member = _member(user, token)
    return member is not None and token.member_id == member.pk


# Objects are the thing acted on; its workspace decides membership.
rules.add_perm("core.view_workspace", is_member)
rules.add_perm("core.change_workspace", is_admin)
rules.add_perm("core.view_member", is_member)
rules.add_perm("core.manage_members", is_admin)
rules.add_perm("core.view_team", is_member)
rules.add_perm("core.manage_teams", is_admin)
rules.add_perm("core.view_audit", is_admin)
rules.add_perm("pipeline.manage_inbound_events", is_admin)
rules.add_perm("core.manage_apitoken", is_token_owner | is_admin)
rules.add_perm("frontdesk_channels.view_channel", is_member)
rules.add_perm("frontdesk_channels.manage_channel", is_admin)
rules.add_perm("contacts.view_contact", is_member)
rules.add_perm("contacts.change_contact", is_member)
rules.add_perm("conversations.view_conversation", is_member)
rules.add_perm("conversations.change_conversation", is_member)
rules.add_perm("conversations.assign_others", is_supervisor)
rules.add_perm("conversations.view_attachment", is_member)
rules.add_perm("conversations.manage_labels", is_admin)
