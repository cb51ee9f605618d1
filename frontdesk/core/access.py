"""The one way views and the API fetch a tenant object: scoped to the member, permission checked.

A missing object and an object the member may not see raise the same
Http404, so a response never reveals whether an id exists elsewhere.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from frontdesk.core.models import ApiToken, Invitation, Member, Team, TenantModel


def get_for_member[M: TenantModel](queryset: type[M] | QuerySet[M], member: Member, pk: Any, permission: str) -> M:
    """The object with ``pk`` in the member's workspace if the member holds ``permission`` on it."""
    if isinstance(queryset, type):
        queryset = queryset.in_workspace(member.workspace_id)
    else:
        queryset = queryset.filter(workspace_id=member.workspace_id)
    try:
        obj = queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None
    if not member.user.has_perm(permission, obj):
        raise Http404
    return obj


def get_team_for_member(member: Member, team_id: Any) -> Team:
    return get_for_member(Team, member, team_id, "core.view_team")


def get_member_for_member(member: Member, member_id: Any) -> Member:
    return get_for_member(
        Member.in_workspace(member.workspace_id).select_related("user"), member, member_id, "core.view_member"
    )


def get_api_token_for_member(member: Member, token_id: Any) -> ApiToken:
    return get_for_member(ApiToken, member, token_id, "core.manage_apitoken")


def get_invitation_for_member(member: Member, invitation_id: Any) -> Invitation:
    return get_for_member(Invitation, member, invitation_id, "core.manage_members")
