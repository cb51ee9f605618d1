"""Per-member API tokens: shown once, stored as a SHA-256 digest, checked in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.utils import timezone

from frontdesk.core.audit import record
from frontdesk.core.models import ApiToken, Member

TOKEN_PREFIX = "fd"  # noqa: S105 - a public marker, not a secret


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(member: Member, name: str) -> tuple[ApiToken, str]:
    """Create a token for ``member``; the returned string is the only copy of the secret."""
    prefix = secrets.token_hex(6)
    token = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    api_token = ApiToken.all_workspaces.create(
        workspace_id=member.workspace_id, member=member, name=name, prefix=prefix, digest=_digest(token)
    )
    record(member.workspace_id, "apitoken.created", api_token, actor=member.user, changes={"name": name})
    return api_token, token


def revoke_token(api_token: ApiToken, *, actor: Member) -> None:
    if api_token.revoked_at is None:
        api_token.revoked_at = timezone.now()
        api_token.save(update_fields=["revoked_at"])
        record(api_token.workspace_id, "apitoken.revoked", api_token, actor=actor.user)


def member_for_token(token: str) -> Member | None:
    """The active member a presented token belongs to, or None."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        return None
    api_token = (
        ApiToken.all_workspaces.filter(prefix=parts[1], revoked_at__isnull=True)
        .select_related("member__user", "member__workspace")
        .first()
    )
    if api_token is None or not hmac.compare_digest(api_token.digest, _digest(token)):
        return None
    member = api_token.member
    if not member.is_active or not member.user.is_active:
        return None
    now = timezone.now()
    if api_token.last_used_at is None or (now - api_token.last_used_at).total_seconds() > 60:
        ApiToken.all_workspaces.filter(pk=api_token.pk).update(last_used_at=now)
    return member
