from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from frontdesk.core.models import Member
from frontdesk.core.tokens import member_for_token


class MemberToken(HttpBearer):
    """``Authorization: Bearer fd_…``: the request acts as the token's member."""

    def authenticate(self, request: HttpRequest, token: str) -> Member | None:
        member = member_for_token(token)
        if member is not None:
            request.member = member  # type: ignore[attr-defined]
            request.user = member.user
        return member


def request_member(request: Any) -> Member:
    member: Member = request.auth
    return member
