"""Inviting people into a workspace by an emailed, single-use link (RELIABILITY T-27).

The link carries a random token; only its SHA-256 digest is stored and an
invitation is found by looking that digest up, so the token is never compared
in Python. The link is built from FRONTDESK_PUBLIC_URL, never from the Host
header of the request that sent it.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import smtplib
import zoneinfo
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from frontdesk.core.actions import Refused, assignable_roles
from frontdesk.core.audit import record
from frontdesk.core.middleware import SUPPORTED_LANGUAGES
from frontdesk.core.models import Invitation, Member, Role, Team, TeamMembership, User
from frontdesk.core.models.invitations import INVITATION_LIFETIME

logger = logging.getLogger(__name__)


class InvitationUnusable(Exception):
    """The link is unknown, expired, revoked or already used; ``str(error)`` says which."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, _digest(token)


def invitation_url(token: str) -> str:
    return settings.PUBLIC_URL + reverse("core:invitation-accept", kwargs={"token": token})


def _send(invitation: Invitation, token: str) -> None:
    """Email the link; when the mail server refuses, ``sent_at`` stays empty and the admin is told to resend."""
    workspace = invitation.workspace
    language = workspace.default_language if workspace.default_language in SUPPORTED_LANGUAGES else "en"
    try:
        zone = zoneinfo.ZoneInfo(workspace.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    with translation.override(language), timezone.override(zone):
        context = {
            "invitation": invitation,
            "workspace": workspace,
            "inviter": str(invitation.invited_by or workspace.name),
            "role": Role(invitation.role).label,
            "url": invitation_url(token),
            "expires_at": invitation.expires_at,
        }
        subject = render_to_string("core/email/invitation_subject.txt", context).strip()
        body = render_to_string("core/email/invitation_body.txt", context)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email])
    except (smtplib.SMTPException, OSError):
        logger.exception("The invitation email to workspace %s could not be sent", invitation.workspace_id)
        invitation.sent_at = None
        invitation.save(update_fields=["sent_at"])
        return
    invitation.sent_at = timezone.now()
    invitation.save(update_fields=["sent_at"])


def _check_inviter(actor: Member, role: Role, teams: list[Team]) -> None:
    if not actor.user.has_perm("core.manage_members", actor.workspace):
        raise Refused(_("Only admins and owners can invite people."))
    if role not in assignable_roles(actor):
        raise Refused(_("You cannot invite someone with a role above your own."))
    if any(team.workspace_id != actor.workspace_id for team in teams):
        raise Refused(_("That team does not exist."))


def invite(
    actor: Member, email: str, role: Role, teams: Iterable[Team] = (), request: HttpRequest | None = None
) -> tuple[Invitation, str]:
    """Create an invitation and email its link; the returned token is the only copy of the secret."""
    teams = list(teams)
    _check_inviter(actor, role, teams)
    email = email.strip().lower()
    if Member.in_workspace(actor.workspace_id).filter(user__email__iexact=email, is_active=True).exists():
        raise Refused(_("%(email)s is already a member of this workspace.") % {"email": email})
    pending = Invitation.in_workspace(actor.workspace_id).filter(
        email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    )
    if pending.exists():
        raise Refused(_("%(email)s already has a pending invitation; resend it instead.") % {"email": email})
    token, digest = _new_token()
    with transaction.atomic():
        invitation = Invitation.all_workspaces.create(
            workspace_id=actor.workspace_id, email=email, role=role, token_digest=digest, invited_by=actor.user
        )
        invitation.teams.set(teams)
        record(
            actor.workspace_id,
            "invitation.created",
            invitation,
            actor=actor.user,
            changes={"email": email, "role": role.value, "teams": sorted(team.name for team in teams)},
            request=request,
        )
    _send(invitation, token)
    return invitation, token


def resend(invitation: Invitation, actor: Member, request: HttpRequest | None = None) -> str:
    """A fresh link (the old one stops working) with a new expiry, emailed again."""
    _check_inviter(actor, Role(invitation.role), [])
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise Refused(_("This invitation was already used or revoked."))
    token, digest = _new_token()
    invitation.token_digest = digest
    invitation.expires_at = timezone.now() + INVITATION_LIFETIME
    invitation.save(update_fields=["token_digest", "expires_at"])
    record(actor.workspace_id, "invitation.resent", invitation, actor=actor.user, changes={"email": invitation.email})
    _send(invitation, token)
    return token


def revoke(invitation: Invitation, actor: Member, request: HttpRequest | None = None) -> None:
    _check_inviter(actor, Role(invitation.role), [])
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        return
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    record(
        actor.workspace_id,
        "invitation.revoked",
        invitation,
        actor=actor.user,
        changes={"email": invitation.email},
        request=request,
    )


def _usable(invitation: Invitation | None) -> Invitation:
    if invitation is None:
        raise InvitationUnusable(_("This invitation link is not valid. Ask for a new invitation."))
    if invitation.accepted_at is not None:
        raise InvitationUnusable(_("This invitation was already used. Sign in to open the workspace."))
    if invitation.revoked_at is not None:
        raise InvitationUnusable(_("This invitation was withdrawn. Ask an admin of the workspace for a new one."))
    if invitation.expires_at <= timezone.now():
        raise InvitationUnusable(_("This invitation has expired. Ask an admin of the workspace to send it again."))
    return invitation


def find_invitation(token: str) -> Invitation:
    """The usable invitation the link's ``token`` belongs to; ``InvitationUnusable`` otherwise."""
    found = Invitation.all_workspaces.filter(token_digest=_digest(token)).select_related("workspace").first()
    return _usable(found)


def accept(token: str, user: User, request: HttpRequest | None = None) -> Member:
    """Join ``user`` to the invitation's workspace, once; the invitation must be for the user's email."""
    with transaction.atomic():
        invitation = _usable(Invitation.all_workspaces.select_for_update().filter(token_digest=_digest(token)).first())
        if user.email.lower() != invitation.email.lower():
            raise InvitationUnusable(
                _("This invitation is for %(email)s. Sign out and open the link again.") % {"email": invitation.email}
            )
        member = Member.in_workspace(invitation.workspace_id).filter(user=user).first()
        if member is None:
            member = Member.all_workspaces.create(workspace_id=invitation.workspace_id, user=user, role=invitation.role)
        else:
            member.role, member.is_active = invitation.role, True
            member.save(update_fields=["role", "is_active"])
        teams = list(invitation.teams.filter(workspace_id=invitation.workspace_id))
        existing = set(
            TeamMembership.in_workspace(invitation.workspace_id).filter(member=member).values_list("team_id", flat=True)
        )
        TeamMembership.all_workspaces.bulk_create(
            [
                TeamMembership(workspace_id=invitation.workspace_id, member=member, team=team)
                for team in teams
                if team.pk not in existing
            ]
        )
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        record(
            invitation.workspace_id,
            "invitation.accepted",
            invitation,
            actor=user,
            changes={"email": invitation.email, "role": invitation.role},
            request=request,
        )
    return member
