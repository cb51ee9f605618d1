"""One person, one case, on the conversation page: possible duplicates, merges and their undoing, and the offer
to join a customer's open case on another channel.

The sidebar's "Possible duplicates" section lists suggested contacts with
their reasons; Merge asks for a confirmation that says what moves and which
contact is kept; "Not the same person" dismisses a suggestion. "Merged
contacts" lists past merges, with Undo for supervisors and admins. Every
write goes through ``contacts.merging``, ``contacts.matching`` or
``conversations.joining``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from frontdesk.contacts.access import get_contact_for_member, get_merge_for_member
from frontdesk.contacts.matching import dismiss_match, suggested_matches
from frontdesk.contacts.merging import merge_contacts, unmerge, what_moves
from frontdesk.contacts.models import Contact, ContactMerge
from frontdesk.conversations.access import get_conversation_for_member
from frontdesk.conversations.joining import join_conversations
from frontdesk.conversations.models import Conversation
from frontdesk.core.decorators import member_required
from frontdesk.core.models import CrossChannelCases, Member
from frontdesk.pipeline.inbound import ACTIVE_STATUSES

MERGE_HISTORY = 10


def _conversation(request: HttpRequest, conversation_id: int) -> tuple[Member, Conversation]:
    member: Member = request.member  # type: ignore[attr-defined]
    return member, get_conversation_for_member(member, conversation_id)


def _other(member: Member, conversation: Conversation, value: str) -> Contact:
    """The contact named in the form, in the member's workspace (404 otherwise), and not the conversation's own."""
    other = get_contact_for_member(member, value if value.isdigit() else None)
    if other.pk == conversation.contact_id:
        raise Http404
    return other


def duplicates_context(member: Member, conversation: Conversation, **extra: Any) -> dict[str, Any]:
    contact = Contact.in_workspace(member.workspace_id).get(pk=conversation.contact_id)
    user = member.user
    merges = (
        ContactMerge.in_workspace(member.workspace_id)
        .filter(Q(kept=contact) | Q(absorbed=contact))
        .select_related("kept", "absorbed", "merged_by__user", "undone_by__user")
        .order_by("-created_at", "-pk")[:MERGE_HISTORY]
    )
    return {
        "conversation": conversation,
        "contact": contact,
        "suggestions": suggested_matches(contact) if contact.merged_into_id is None else [],
        "merges": merges,
        "can_merge": user.has_perm("contacts.merge_contact", contact),
        "can_unmerge": user.has_perm("contacts.unmerge_contact", contact),
        "error": "",
        **extra,
    }


def _duplicates(request: HttpRequest, conversation: Conversation, **extra: Any) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    context = duplicates_context(member, conversation, **extra)
    return render(request, "inbox/_sidebar_identity.html#duplicates", context)


def _done(request: HttpRequest, conversation: Conversation) -> HttpResponse:
    """After a merge or an undo the whole page changes (identities, history, the timeline): it is loaded again."""
    if not request.htmx:  # type: ignore[attr-defined]
        return redirect("inbox:conversation-detail", conversation.pk)
    response = _duplicates(request, conversation, return_focus=True)
    response["HX-Refresh"] = "true"
    return response


@require_GET
@member_required
def duplicates(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The "Possible duplicates" and "Merged contacts" section; ``?confirm=<id>`` asks to confirm merging that one."""
    member, conversation = _conversation(request, conversation_id)
    value = request.GET.get("confirm", "")
    if not value:
        return _duplicates(request, conversation, return_focus=bool(request.GET.get("cancel")))
    other = _other(member, conversation, value)
    return render(
        request,
        "inbox/_sidebar_identity.html#merge-confirm",
        {
            "conversation": conversation,
            "contact": Contact.in_workspace(member.workspace_id).get(pk=conversation.contact_id),
            "other": other,
            "moving": what_moves(other),
        },
    )


@require_POST
@member_required
def merge(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Merge the contact ``other`` into this conversation's contact, which is kept."""
    member, conversation = _conversation(request, conversation_id)
    kept = Contact.in_workspace(member.workspace_id).get(pk=conversation.contact_id)
    try:
        merge_contacts(member, kept=kept, absorbed=_other(member, conversation, request.POST.get("other", "")))
    except ValidationError as error:
        return _duplicates(request, conversation, error=" ".join(error.messages))
    return _done(request, conversation)


@require_POST
@member_required
def dismiss(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """ "Not the same person": the suggested contact ``other`` is not offered with this one again."""
    member, conversation = _conversation(request, conversation_id)
    if not member.user.has_perm("contacts.dismiss_match", conversation.contact):
        raise PermissionDenied
    contact = Contact.in_workspace(member.workspace_id).get(pk=conversation.contact_id)
    dismiss_match(member, contact, _other(member, conversation, request.POST.get("other", "")))
    if not request.htmx:  # type: ignore[attr-defined]
        return redirect("inbox:conversation-detail", conversation.pk)
    return _duplicates(request, conversation, return_focus=True)


@require_POST
@member_required
def undo_merge(request: HttpRequest, conversation_id: int, merge_id: int) -> HttpResponse:
    member, conversation = _conversation(request, conversation_id)
    row = get_merge_for_member(member, merge_id)
    try:
        unmerge(member, row)
    except ValidationError as error:
        return _duplicates(request, conversation, error=" ".join(error.messages))
    return _done(request, conversation)


def open_case_elsewhere(member: Member, conversation: Conversation) -> Conversation | None:
    """The contact's open case on another channel that this one could join, when the workspace offers it."""
    if conversation.status not in ACTIVE_STATUSES or conversation.merged_into_id is not None:
        return None
    if member.workspace.cross_channel_cases == CrossChannelCases.SEPARATE:
        return None
    return (
        Conversation.in_workspace(member.workspace_id)
        .filter(contact_id=conversation.contact_id, status__in=ACTIVE_STATUSES, merged_into__isnull=True)
        .exclude(pk=conversation.pk)
        .exclude(channel_id=conversation.channel_id)
        .select_related("channel")
        .order_by("-last_activity_at")
        .first()
    )


@require_GET
@member_required
def case_offer(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """'This customer has an open case #N on WhatsApp — Join it', or nothing."""
    member, conversation = _conversation(request, conversation_id)
    return render(
        request,
        "inbox/_case_offer.html",
        {
            "conversation": conversation,
            "open_case": open_case_elsewhere(member, conversation),
            "can_join": member.user.has_perm("conversations.change_conversation", conversation),
        },
    )


@require_POST
@member_required
def join_case(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Join this conversation into the open case ``into``; the agent goes on in that case."""
    member, conversation = _conversation(request, conversation_id)
    value = request.POST.get("into", "")
    into = get_conversation_for_member(member, value if value.isdigit() else None)
    try:
        kept = join_conversations(member, kept=into, other=conversation)
    except ValidationError as error:
        context = {"conversation": conversation, "open_case": into, "can_join": True, "error": " ".join(error.messages)}
        return render(request, "inbox/_case_offer.html", context)
    url = reverse("inbox:conversation-detail", args=[kept.pk])
    if request.htmx:  # type: ignore[attr-defined]
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)
