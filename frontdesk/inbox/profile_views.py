"""The sidebar's compliments-and-complaints and business-context sections (inbox/_sidebar_profile.html).

They follow sidebar_views: a GET answers the section (``?add=…`` for its
form), a POST saves through an action and answers the section again.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from frontdesk.contacts import feedback as feedback_actions
from frontdesk.contacts.access import get_feedback_for_member
from frontdesk.contacts.models import FeedbackKind
from frontdesk.conversations.models import Conversation
from frontdesk.core.decorators import member_required
from frontdesk.core.models import Member
from frontdesk.inbox.sidebar_views import _conversation, _require, sidebar_context


def _section(request: HttpRequest, conversation: Conversation, section: str, **extra: Any) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    return render(request, f"inbox/_sidebar_profile.html#{section}", sidebar_context(member, conversation, **extra))


def _saved(request: HttpRequest, conversation: Conversation, section: str) -> HttpResponse:
    if not request.htmx:  # type: ignore[attr-defined]
        return redirect("inbox:conversation-detail", conversation.pk)
    return _section(request, conversation, section, return_focus=True)


@require_http_methods(["GET", "POST"])
@member_required
def feedback(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """GET ``?add=compliment`` or ``?add=complaint`` asks for the form; POST records one said in this conversation."""
    member, conversation = _conversation(request, conversation_id)
    if request.method == "GET":
        adding = request.GET.get("add", "")
        return _section(
            request,
            conversation,
            "feedback",
            editing=adding if adding in FeedbackKind.values else "",
            return_focus=bool(request.GET.get("cancel")),
        )
    _require(member, "contacts.change_contactfeedback", conversation.contact)
    kind = request.POST.get("kind", "")
    try:
        feedback_actions.record_feedback(
            member,
            conversation.contact,
            kind=kind,
            text=request.POST.get("text", ""),
            source_conversation=conversation,
        )
    except ValidationError as error:
        found = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
        errors = {("form" if field == "__all__" else field): messages for field, messages in found.items()}
        editing = kind if kind in FeedbackKind.values else FeedbackKind.COMPLAINT.value
        return _section(request, conversation, "feedback", errors=errors, values=request.POST, editing=editing)
    return _saved(request, conversation, "feedback")


@require_POST
@member_required
def feedback_remove(request: HttpRequest, conversation_id: int, feedback_id: int) -> HttpResponse:
    member, conversation = _conversation(request, conversation_id)
    row = get_feedback_for_member(member, feedback_id)
    if row.contact_id != conversation.contact_id:
        raise Http404
    _require(member, "contacts.change_contactfeedback", row)
    feedback_actions.remove_feedback(row, member)
    return _saved(request, conversation, "feedback")


@require_GET
@member_required
def context(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The business context as shown; it is written only through the API, so this section has no form."""
    _member, conversation = _conversation(request, conversation_id)
    return _section(request, conversation, "context")
