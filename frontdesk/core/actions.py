"""Administering a workspace: its settings, members' roles and teams, and teams.

Every change is checked against the actor's role here, not only in the view,
and written to the audit log. A refused change raises ``Refused`` with a
message meant for the person who tried.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from frontdesk.core.audit import record
from frontdesk.core.models import Member, Role, Team, TeamMembership, Workspace
from frontdesk.core.models.workspaces import ROLE_RANK


class Refused(Exception):
    """The actor may not make this change; ``str(error)`` says why, in their language."""


def assignable_roles(actor: Member) -> list[Role]:
    """Roles ``actor`` may give: never above their own (so only owners make owners)."""
    if not actor.has_role_at_least(Role.ADMIN):
        return []
    return [role for role in Role if ROLE_RANK[role] <= ROLE_RANK[Role(actor.role)]]


def _require_admin(actor: Member) -> None:
    if not actor.user.has_perm("core.manage_members", actor.workspace):
        raise Refused(_("Only admins and owners can manage members."))


def _require_outranks_or_equals(actor: Member, target: Member) -> None:
    if ROLE_RANK[Role(target.role)] > ROLE_RANK[Role(actor.role)]:
        raise Refused(_("You cannot change a member whose role is above yours."))


def _active_owners(workspace_id: int) -> int:
    return Member.in_workspace(workspace_id).filter(role=Role.OWNER, is_active=True).count()


def _lock_members(workspace_id: int) -> None:
    # Two admins demoting the last two owners at once must not both succeed.
    list(Member.in_workspace(workspace_id).filter(role=Role.OWNER).select_for_update().values_list("pk", flat=True))


@transaction.atomic
def update_workspace(
    workspace: Workspace, actor: Member, fields: dict[str, Any], request: HttpRequest | None = None
) -> Workspace:
    if not actor.user.has_perm("core.change_workspace", workspace):
        raise Refused(_("Only admins and owners can change the workspace settings."))
    changes = {name: value for name, value in fields.items() if getattr(workspace, name) != value}
    for name, value in changes.items():
        setattr(workspace, name, value)
    if changes:
        workspace.save(update_fields=list(changes))
        record(workspace, "workspace.updated", workspace, actor=actor.user, changes=changes, request=request)
    return workspace


@transaction.atomic
def change_role(target: Member, role: Role, actor: Member, request: HttpRequest | None = None) -> Member:
    _require_admin(actor)
    _require_outranks_or_equals(actor, target)
    if role not in assignable_roles(actor):
        raise Refused(_("You cannot give a role above your own."))
    if target.role == role:
        return target
    _lock_members(target.workspace_id)
    if target.role == Role.OWNER and target.is_active and _active_owners(target.workspace_id) <= 1:
        raise Refused(_("The workspace's last owner cannot be given another role. Make someone else an owner first."))
    previous = target.role
    target.role = role
    target.save(update_fields=["role"])
    record(
        target.workspace_id,
        "member.role_changed",
        target,
        actor=actor.user,
        changes={"member": str(target.user), "from": previous, "to": role.value},
        request=request,
    )
    return target


@transaction.atomic
def set_active(target: Member, active: bool, actor: Member, request: HttpRequest | None = None) -> Member:
    _require_admin(actor)
    _require_outranks_or_equals(actor, target)
    if target.is_active == active:
        return target
    if not active:
        if target.pk == actor.pk:
            raise Refused(_("You cannot deactivate yourself."))
        _lock_members(target.workspace_id)
        if target.role == Role.OWNER and _active_owners(target.workspace_id) <= 1:
            raise Refused(_("The workspace's last owner cannot be deactivated."))
    target.is_active = active
    target.save(update_fields=["is_active"])
    record(
        target.workspace_id,
        "member.reactivated" if active else "member.deactivated",
        target,
        actor=actor.user,
        changes={"member": str(target.user)},
        request=request,
    )
    return target


def _own_teams(workspace_id: int, teams: Iterable[Team]) -> list[Team]:
    teams = list(teams)
    if any(team.workspace_id != workspace_id for team in teams):
        raise Refused(_("That team does not exist."))
    return teams


@transaction.atomic
def set_teams(target: Member, teams: Iterable[Team], actor: Member, request: HttpRequest | None = None) -> Member:
    """Make ``target`` a member of exactly ``teams`` (all of the target's workspace)."""
    _require_admin(actor)
    wanted = {team.pk: team for team in _own_teams(target.workspace_id, teams)}
    current = set(
        TeamMembership.in_workspace(target.workspace_id).filter(member=target).values_list("team_id", flat=True)
    )
    added, removed = set(wanted) - current, current - set(wanted)
    if not added and not removed:
        return target
    TeamMembership.in_workspace(target.workspace_id).filter(member=target, team_id__in=removed).delete()
    TeamMembership.all_workspaces.bulk_create(
        [TeamMembership(workspace_id=target.workspace_id, member=target, team=wanted[pk]) for pk in added]
    )
    names = dict(Team.in_workspace(target.workspace_id).filter(pk__in=added | removed).values_list("pk", "name"))
    record(
        target.workspace_id,
        "member.teams_changed",
        target,
        actor=actor.user,
        changes={
            "member": str(target.user),
            "added": sorted(names[pk] for pk in added),
            "removed": sorted(names[pk] for pk in removed),
        },
        request=request,
    )
    return target


def _require_team_admin(actor: Member) -> None:
    if not actor.user.has_perm("core.manage_teams", actor.workspace):
        raise Refused(_("Only admins and owners can manage teams."))


@transaction.atomic
def save_team(team: Team, actor: Member, request: HttpRequest | None = None) -> Team:
    """Create or rename/describe ``team`` in the actor's workspace."""
    _require_team_admin(actor)
    created = team.pk is None
    team.workspace_id = actor.workspace_id
    try:
        with transaction.atomic():
            team.save()
    except IntegrityError:
        raise Refused(_("A team with this name already exists.")) from None
    record(
        actor.workspace_id,
        "team.created" if created else "team.updated",
        team,
        actor=actor.user,
        changes={"name": team.name, "description": team.description},
        request=request,
    )
    return team


@transaction.atomic
def delete_team(team: Team, actor: Member, request: HttpRequest | None = None) -> None:
    _require_team_admin(actor)
    record(actor.workspace_id, "team.deleted", team, actor=actor.user, changes={"name": team.name}, request=request)
    team.delete()


@transaction.atomic
def set_team_members(team: Team, members: Iterable[Member], actor: Member, request: HttpRequest | None = None) -> Team:
    """Make exactly ``members`` (all of the team's workspace) the members of ``team``."""
    _require_team_admin(actor)
    members = list(members)
    if any(member.workspace_id != team.workspace_id for member in members):
        raise Refused(_("That member does not exist."))
    wanted = {member.pk: member for member in members}
    current = set(TeamMembership.in_workspace(team.workspace_id).filter(team=team).values_list("member_id", flat=True))
    added, removed = set(wanted) - current, current - set(wanted)
    if not added and not removed:
        return team
    TeamMembership.in_workspace(team.workspace_id).filter(team=team, member_id__in=removed).delete()
    TeamMembership.all_workspaces.bulk_create(
        [TeamMembership(workspace_id=team.workspace_id, member=wanted[pk], team=team) for pk in added]
    )
    names = {
        pk: str(member.user)
        for pk, member in Member.in_workspace(team.workspace_id)
        .filter(pk__in=added | removed)
        .select_related("user")
        .in_bulk()
        .items()
    }
    record(
        team.workspace_id,
        "team.members_changed",
        team,
        actor=actor.user,
        changes={"added": sorted(names[pk] for pk in added), "removed": sorted(names[pk] for pk in removed)},
        request=request,
    )
    return team
