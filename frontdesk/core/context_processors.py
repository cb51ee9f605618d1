from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def current_member(request: HttpRequest) -> dict[str, Any]:
    member = getattr(request, "member", None)
    if member is None or not member:
        return {"member": None, "workspace": None, "can_view_audit": False}
    return {
        "member": member,
        "workspace": member.workspace,
        "can_view_audit": member.user.has_perm("core.view_audit", member.workspace),
    }
