"""Finding canned responses as an agent types a shortcut or a few words."""

from __future__ import annotations

from django.db.models import Q

from frontdesk.canned.models import CannedResponse

LIMIT = 10


def search_canned(workspace_id: int, query: str, limit: int = LIMIT) -> list[CannedResponse]:
    """Up to ``limit`` responses: shortcuts starting with ``query`` first, then titles or texts containing it."""
    query = query.strip().lstrip("/").strip()
    responses = CannedResponse.in_workspace(workspace_id)
    if not query:
        return list(responses.order_by("shortcut")[:limit])
    found = list(responses.filter(shortcut__istartswith=query).order_by("shortcut")[:limit])
    if len(found) < limit:
        found += (
            responses.filter(Q(title__icontains=query) | Q(text__icontains=query))
            .exclude(pk__in=[canned.pk for canned in found])
            .order_by("shortcut")[: limit - len(found)]
        )
    return found
