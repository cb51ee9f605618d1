from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def current_member(request: HttpRequest) -> dict[str, Any]:
    member = getattr(request, "member", None)
    if member is None or not member:
        return {"member": None, "workspace": None}
    return {"member": member, "workspace": member.workspace}
