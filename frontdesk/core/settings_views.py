"""The Settings area: workspace settings, members and invitations, teams."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from frontdesk.core import actions, invitations
from frontdesk.core.access import get_invitation_for_member, get_member_for_member, get_team_for_member
from frontdesk.core.actions import Refused
from frontdesk.core.decorators import member_required
from frontdesk.core.forms import InvitationForm, MemberForm, TeamForm, TeamMembersForm, WorkspaceForm
from frontdesk.core.models import Invitation, Member, Role, Team
from frontdesk.core.templatetags.settings_nav import settings_sections


def _require(member: Member, permission: str) -> None:
    if not member.user.has_perm(permission, member.workspace):
        raise PermissionDenied


@require_GET
@member_required
def settings_home(request: HttpRequest) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    sections = settings_sections(member)
    return redirect(sections[0][0] if sections else "core:profile")


@member_required
def workspace_settings(request: HttpRequest) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    _require(member, "core.change_workspace")
    workspace = member.workspace
    form = WorkspaceForm(request.POST or None, instance=workspace)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        # The form wrote into the instance while validating; compare with the stored row instead.
        workspace.refresh_from_db()
        actions.update_workspace(workspace, member, fields, request)
        messages.success(request, _("The workspace settings were saved."))
        return redirect("core:settings-workspace")
    return render(request, "core/settings/workspace.html", {"form": form})


def _members_context(
    member: Member, invite_form: InvitationForm | None = None, query: str = "", role: str = ""
) -> dict[str, Any]:
    workspace_id = member.workspace_id
    members = (
        Member.in_workspace(workspace_id)
        .select_related("user")
        .prefetch_related(Prefetch("teams", queryset=Team.in_workspace(workspace_id)))
        .order_by("-is_active", "user__name", "user__email")
    )
    if query:
        members = members.filter(Q(user__name__icontains=query) | Q(user__email__icontains=query))
    if role in Role.values:
        members = members.filter(role=role)
    pending = (
        Invitation.in_workspace(workspace_id)
        .filter(accepted_at__isnull=True, revoked_at__isnull=True)
        .select_related("invited_by")
        .prefetch_related(Prefetch("teams", queryset=Team.in_workspace(workspace_id)))
    )
    return {
        "members": members,
        "invitations": pending,
        "invite_form": invite_form or InvitationForm(actor=member),
        "now": timezone.now(),
        "query": query,
        "role": role,
        "roles": Role.choices,
    }


def _tell_if_sent(request: HttpRequest, invitation: Invitation, sent: str) -> None:
    if invitation.sent_at is None:
        messages.error(
            request,
            _("The invitation to %(email)s was saved, but the email could not be sent. Try Resend in a moment.")
            % {"email": invitation.email},
        )
    else:
        messages.success(request, sent % {"email": invitation.email})


@require_GET
@member_required
def member_list(request: HttpRequest) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    _require(member, "core.manage_members")
    query, role = request.GET.get("q", "").strip()[:100], request.GET.get("role", "")
    return render(request, "core/settings/members.html", _members_context(member, query=query, role=role))


@require_POST
@member_required
def member_invite(request: HttpRequest) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    _require(member, "core.manage_members")
    form = InvitationForm(request.POST, actor=member)
    if form.is_valid():
        try:
            invitation, _token = invitations.invite(
                member, form.cleaned_data["email"], Role(form.cleaned_data["role"]), form.cleaned_data["teams"], request
            )
        except Refused as refused:
            form.add_error(None, str(refused))
        else:
            _tell_if_sent(request, invitation, _("An invitation was sent to %(email)s."))
            return redirect("core:settings-members")
    return render(request, "core/settings/members.html", _members_context(member, form), status=400)


@member_required
def member_edit(request: HttpRequest, member_id: int) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    target = get_member_for_member(member, member_id)
    _require(member, "core.manage_members")
    initial = {"role": target.role, "teams": list(target.teams.all())}
    form = MemberForm(request.POST or None, actor=member, initial=initial)
    if target.role not in [value for value, _label in form.fields["role"].choices]:  # type: ignore[attr-defined]
        form.fields["role"].choices = [(target.role, target.get_role_display())]  # type: ignore[attr-defined]
        form.fields["role"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            actions.set_teams(target, form.cleaned_data["teams"], member, request)
            if not form.fields["role"].disabled:
                actions.change_role(target, Role(form.cleaned_data["role"]), member, request)
        except Refused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("%(name)s was saved.") % {"name": target.display_name})
            return redirect("core:settings-members")
    return render(request, "core/settings/member_edit.html", {"form": form, "target": target})


@require_POST
@member_required
def member_set_active(request: HttpRequest, member_id: int) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    target = get_member_for_member(member, member_id)
    _require(member, "core.manage_members")
    active = request.POST.get("active") == "1"
    try:
        actions.set_active(target, active, member, request)
    except Refused as refused:
        messages.error(request, str(refused))
    else:
        if active:
            messages.success(
                request, _("%(name)s can sign in to this workspace again.") % {"name": target.display_name}
            )
        else:
            messages.success(request, _("%(name)s was deactivated.") % {"name": target.display_name})
    return redirect("core:settings-members")


@require_POST
@member_required
def invitation_resend(request: HttpRequest, invitation_id: int) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    invitation = get_invitation_for_member(member, invitation_id)
    try:
        invitations.resend(invitation, member, request)
    except Refused as refused:
        messages.error(request, str(refused))
    else:
        _tell_if_sent(request, invitation, _("The invitation was sent again to %(email)s."))
    return redirect("core:settings-members")


@require_POST
@member_required
def invitation_revoke(request: HttpRequest, invitation_id: int) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    invitation = get_invitation_for_member(member, invitation_id)
    try:
        invitations.revoke(invitation, member, request)
    except Refused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("The invitation to %(email)s was withdrawn.") % {"email": invitation.email})
    return redirect("core:settings-members")


@member_required
def team_list(request: HttpRequest) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    _require(member, "core.manage_teams")
    form = TeamForm(request.POST or None, workspace_id=member.workspace_id)
    if request.method == "POST" and form.is_valid():
        try:
            team = actions.save_team(form.instance, member, request)
        except Refused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("The team %(name)s was created.") % {"name": team.name})
            return redirect("core:settings-team", team_id=team.pk)
    teams = Team.in_workspace(member.workspace_id).prefetch_related(
        Prefetch("members", queryset=Member.in_workspace(member.workspace_id).select_related("user"))
    )
    return render(request, "core/settings/teams.html", {"teams": teams, "form": form})


@member_required
def team_edit(request: HttpRequest, team_id: int) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    team = get_team_for_member(member, team_id)
    _require(member, "core.manage_teams")
    data = request.POST or None
    form = TeamForm(data, instance=team, workspace_id=member.workspace_id)
    members_form = TeamMembersForm(
        data, workspace_id=member.workspace_id, initial={"members": list(team.members.all())}
    )
    if request.method == "POST" and form.is_valid() and members_form.is_valid():
        try:
            actions.save_team(form.instance, member, request)
            actions.set_team_members(team, members_form.cleaned_data["members"], member, request)
        except Refused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("The team %(name)s was saved.") % {"name": team.name})
            return redirect("core:settings-teams")
    return render(request, "core/settings/team_edit.html", {"form": form, "members_form": members_form, "team": team})


@require_POST
@member_required
def team_delete(request: HttpRequest, team_id: int) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    team = get_team_for_member(member, team_id)
    _require(member, "core.manage_teams")
    name = team.name
    actions.delete_team(team, member, request)
    messages.success(request, _("The team %(name)s was deleted.") % {"name": name})
    return redirect("core:settings-teams")
