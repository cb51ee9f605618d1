"""Global search (a page and the command palette's JSON) and the palette's language switch."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language

from frontdesk.core.decorators import member_required
from frontdesk.core.forms import ProfileForm
from frontdesk.core.models import Member
from frontdesk.inbox import search
from frontdesk.search import query as full_text
from frontdesk.search.models import EntryKind

PAGE_LIMIT = 20
PALETTE_LIMIT = 5


def _limit(request: HttpRequest, default: int) -> int:
    try:
        return min(int(request.GET.get("limit", default)), search.MAX_LIMIT)
    except ValueError:
        return default


def _offset(request: HttpRequest) -> int:
    try:
        return max(0, min(int(request.GET.get("offset", 0)), full_text.CANDIDATES))
    except ValueError:
        return 0


@require_GET
@member_required
def search_page(request: HttpRequest) -> HttpResponse:
    """Every kind grouped (the newest best of each), or with ``kind``, one kind ranked and paged."""
    member: Member = request.member  # type: ignore[attr-defined]
    query = request.GET.get("q", "").strip()
    kinds = full_text.visible_kinds(member)
    kind = request.GET.get("kind", "")
    kind = kind if kind in kinds else ""
    context: dict[str, Any] = {
        "query": query,
        "searchable": search.is_searchable(query),
        "limit": PAGE_LIMIT,
        "kind": kind,
        "kinds": [(value, EntryKind(value).label) for value in kinds],
    }
    if kind:
        offset = _offset(request)
        page = (
            full_text.search(member, query, kinds=[kind], limit=PAGE_LIMIT, offset=offset)
            if context["searchable"]
            else None
        )
        context |= {"page": page, "results": page, "previous_offset": max(0, offset - PAGE_LIMIT) if offset else None}
    else:
        context["results"] = search.search(member, query, PAGE_LIMIT)
    return render(request, "inbox/search.html", context)


def _conversation_url(conversation_id: int | None, anchor: str = "") -> str | None:
    if conversation_id is None:
        return None
    return reverse("inbox:conversation-detail", args=[conversation_id]) + anchor


def _text(text: str, query: str) -> list[dict[str, Any]]:
    # Pieces, not HTML: the palette puts each one in the page as text.
    return [{"text": piece, "mark": matched} for piece, matched in search.segments(text, query)]


@require_GET
@member_required
def search_json(request: HttpRequest) -> JsonResponse:
    """The palette's live results: the same search as the page, as JSON."""
    member: Member = request.member  # type: ignore[attr-defined]
    query = request.GET.get("q", "").strip()
    results = search.search(member, query, _limit(request, PALETTE_LIMIT))
    return JsonResponse(
        {
            "query": results.query,
            "contacts": [
                {
                    "id": hit.contact.pk,
                    "title": _text(str(hit.contact), query),
                    "detail": _text(hit.matched, query),
                    "url": _conversation_url(hit.conversation_id),
                }
                for hit in results.contacts
            ],
            "conversations": [
                {
                    "id": hit.conversation.pk,
                    "title": _text(str(hit.conversation), query),
                    "detail": _text(str(hit.conversation.contact), query),
                    "url": _conversation_url(hit.conversation.pk),
                }
                for hit in results.conversations
            ],
            "messages": [
                {
                    "id": hit.message.pk,
                    "title": _text(hit.snippet, query),
                    "detail": _text(str(hit.message.conversation.contact), query),
                    "url": _conversation_url(hit.message.conversation_id, f"#message-{hit.message.pk}"),
                }
                for hit in results.messages
            ],
        }
    )


@require_POST
@member_required
def switch_language(request: HttpRequest) -> HttpResponse:
    """Make ``language`` the member's own language (their profile's), then go back to ``next``.

    The profile's language wins over Django's language cookie, so the palette
    changes the profile; Django's ``set_language`` then sets the cookie and
    checks that ``next`` is a page of this site.
    """
    user = request.user
    language = request.POST.get("language", "")
    # Only a language the product speaks; an empty choice would quietly reset the profile to "as the browser asks".
    if language in dict(settings.LANGUAGES):
        form = ProfileForm(
            {"name": user.name, "language": language, "time_zone": user.time_zone},  # type: ignore[union-attr]
            instance=user,  # type: ignore[arg-type]
        )
        if form.is_valid():
            form.save()
    return set_language(request)
