"""The agent's pages: the conversation list and one conversation."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from frontdesk.contacts.models import Identity
from frontdesk.conversations.access import get_attachment_for_member, get_conversation_for_member
from frontdesk.conversations.models import Conversation, ConversationStatus, Label, Message
from frontdesk.core.decorators import member_required

PAGE_SIZE = 50

VIEWS = {
    "mine": _("Mine"),
    "unassigned": _("Unassigned"),
    "all": _("All"),
}
# Attachments of these types may be shown inline; everything else is downloaded.
INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp", "audio/mpeg", "audio/ogg", "video/mp4"}


@require_GET
@member_required
def conversation_list(request: HttpRequest) -> HttpResponse:
    member = request.member  # type: ignore[attr-defined]
    view = request.GET.get("view", "all")
    if view not in VIEWS:
        view = "all"
    status = request.GET.get("status", ConversationStatus.OPEN)
    if status not in ConversationStatus.values:
        status = ConversationStatus.OPEN

    conversations = Conversation.in_workspace(member.workspace_id).filter(status=status)
    if view == "mine":
        conversations = conversations.filter(assignee=member)
    elif view == "unassigned":
        conversations = conversations.filter(assignee__isnull=True)
    query = request.GET.get("q", "").strip()
    if query:
        conversations = conversations.filter(
            Q(contact__name__icontains=query) | Q(subject__icontains=query) | Q(last_message_preview__icontains=query)
        )
    conversations = (
        conversations.select_related("contact", "channel", "assignee__user", "team")
        .prefetch_related(Prefetch("labels", queryset=Label.in_workspace(member.workspace_id)))
        .order_by("-last_activity_at", "-id")
    )
    page = Paginator(conversations, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "inbox/conversation_list.html",
        {
            "page": page,
            "view": view,
            "views": VIEWS,
            "status": status,
            "statuses": ConversationStatus.choices,
            "query": query,
        },
    )


@require_GET
@member_required
def conversation_detail(request: HttpRequest, conversation_id: int) -> HttpResponse:
    member = request.member  # type: ignore[attr-defined]
    conversation = get_conversation_for_member(member, conversation_id)
    # Not "messages": that name belongs to Django's flash messages in templates.
    timeline = (
        Message.in_workspace(member.workspace_id)
        .filter(conversation=conversation)
        .select_related("author__user", "channel")
        .prefetch_related("attachments")
    )
    identities = (
        Identity.in_workspace(member.workspace_id).filter(contact=conversation.contact).select_related("channel")
    )
    past = (
        Conversation.in_workspace(member.workspace_id)
        .filter(contact=conversation.contact)
        .exclude(pk=conversation.pk)
        .select_related("channel")
        .order_by("-last_activity_at")[:10]
    )
    return render(
        request,
        "inbox/conversation_detail.html",
        {
            "conversation": conversation,
            "timeline": timeline,
            "identities": identities,
            "past_conversations": past,
            "labels": conversation.labels.all(),
        },
    )


@require_GET
@member_required
def attachment_download(request: HttpRequest, attachment_id: int) -> FileResponse:
    member = request.member  # type: ignore[attr-defined]
    attachment = get_attachment_for_member(member, attachment_id)
    inline = attachment.content_type in INLINE_TYPES
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=not inline,
        filename=attachment.filename,
        content_type=attachment.content_type if inline else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, max-age=300"
    return response
