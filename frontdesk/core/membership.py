"""Which workspace a signed-in user is working in."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from frontdesk.core.models import Member, User

SESSION_KEY = "frontdesk_workspace_id"


def active_memberships(user: User) -> list[Member]:
    return list(
        Member.all_workspaces.filter(user=user, is_active=True).select_related("workspace").order_by("workspace__name")
    )


def member_for_user(user: Any, chosen_workspace_id: int | None) -> Member | None:
    """The user's active member row in the chosen workspace, else in their first workspace."""
    if not user.is_authenticated or not user.is_active:
        return None
    queryset = Member.all_workspaces.filter(user=user, is_active=True).select_related("workspace", "user")
    member = None
    if chosen_workspace_id is not None:
        member = queryset.filter(workspace_id=chosen_workspace_id).first()
    if member is None:
        member = queryset.order_by("workspace__name").first()
    return member


def current_member(request: HttpRequest) -> Member | None:
    """The member row for the workspace chosen in this session, or the user's first one."""
    chosen = request.session.get(SESSION_KEY)
    member = member_for_user(request.user, chosen)
    if member is not None and member.workspace_id != chosen:
        request.session[SESSION_KEY] = member.workspace_id
    return member


def choose_workspace(request: HttpRequest, workspace_id: int) -> Member | None:
    user = request.user
    if not user.is_authenticated:
        return None
    member = (
        Member.all_workspaces.filter(user=user, is_active=True, workspace_id=workspace_id)
        .select_related("workspace")
        .first()
    )
    if member is not None:
        request.session[SESSION_KEY] = member.workspace_id
    return member
