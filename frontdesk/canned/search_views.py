"""The composer's lookup: canned responses matching what the agent typed, filled for the conversation."""

from __future__ import annotations

from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from frontdesk.canned.search import search_canned
from frontdesk.canned.variables import fill, variables_for
from frontdesk.conversations.access import get_conversation_for_member
from frontdesk.core.decorators import member_required
from frontdesk.core.models import Member


@require_GET
@member_required
def search(request: HttpRequest) -> JsonResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    if not member.user.has_perm("canned.view_cannedresponse", member.workspace):
        raise Http404
    conversation_id = request.GET.get("conversation", "").strip()
    variables = None
    if conversation_id:
        variables = variables_for(get_conversation_for_member(member, conversation_id), member)
    results = []
    for canned in search_canned(member.workspace_id, request.GET.get("q", "")[:100]):
        rendered = fill(canned.text, variables) if variables is not None else None
        results.append(
            {
                "id": canned.pk,
                "shortcut": canned.shortcut,
                "title": canned.title,
                "text": rendered.text if rendered is not None else canned.text,
                "missing": rendered.missing if rendered is not None else [],
            }
        )
    return JsonResponse({"results": results})
