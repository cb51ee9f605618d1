from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from frontdesk.api.auth import request_member
from frontdesk.api.schemas import ErrorOut, LabelOut, MemberOut, MeOut, TeamOut, WorkspaceOut
from frontdesk.api.serializers import member_out
from frontdesk.conversations.models import Label
from frontdesk.core.access import get_member_for_member, get_team_for_member
from frontdesk.core.models import Member, Team

router = Router(tags=["workspace"])


@router.get("/me", response=MeOut)
def me(request: HttpRequest) -> MeOut:
    member = request_member(request)
    workspace = member.workspace
    return MeOut(
        member=member_out(member), workspace=WorkspaceOut(id=workspace.pk, name=workspace.name, slug=workspace.slug)
    )


@router.get("/members", response=list[MemberOut])
def list_members(request: HttpRequest) -> list[MemberOut]:
    member = request_member(request)
    members = (
        Member.in_workspace(member.workspace_id).filter(is_active=True).select_related("user").prefetch_related("teams")
    )
    return [member_out(m) for m in members.order_by("pk")]


@router.get("/members/{member_id}", response={200: MemberOut, 404: ErrorOut})
def get_member(request: HttpRequest, member_id: int) -> MemberOut:
    return member_out(get_member_for_member(request_member(request), member_id))


@router.get("/teams", response=list[TeamOut])
def list_teams(request: HttpRequest) -> list[TeamOut]:
    member = request_member(request)
    return [TeamOut(id=t.pk, name=t.name, description=t.description) for t in Team.in_workspace(member.workspace_id)]


@router.get("/teams/{team_id}", response={200: TeamOut, 404: ErrorOut})
def get_team(request: HttpRequest, team_id: int) -> TeamOut:
    team = get_team_for_member(request_member(request), team_id)
    return TeamOut(id=team.pk, name=team.name, description=team.description)


@router.get("/labels", response=list[LabelOut])
def list_labels(request: HttpRequest) -> list[LabelOut]:
    member = request_member(request)
    return [
        LabelOut(id=label.pk, name=label.name, color=label.color) for label in Label.in_workspace(member.workspace_id)
    ]
