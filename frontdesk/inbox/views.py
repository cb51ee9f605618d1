"""The agent's pages: the conversation list and one conversation."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages as django_messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import reswap, retarget

from frontdesk.contacts.models import Identity
from frontdesk.conversations import actions
from frontdesk.conversations.access import get_attachment_for_member, get_conversation_for_member
from frontdesk.conversations.attachments import detect_content_type
from frontdesk.conversations.models import Conversation, Message
from frontdesk.conversations.reply_rules import reply_window
from frontdesk.core.decorators import member_required
from frontdesk.core.models import Member
from frontdesk.inbox import forwarding, reads
from frontdesk.inbox.subscribers import send_to_workspaces

# Attachments of these types may be shown inline; everything else is downloaded.
INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp", "audio/mpeg", "audio/ogg", "video/mp4"}


def _timeline(member: Member, conversation: Conversation) -> QuerySet[Message]:
    # Not "messages": that name belongs to Django's flash messages in templates.
    return (
        Message.in_workspace(member.workspace_id)
        .filter(conversation=conversation)
        .select_related("author__user", "channel")
        .prefetch_related("attachments")
    )


@require_GET
@member_required
def conversation_detail(request: HttpRequest, conversation_id: int) -> HttpResponse:
    member = request.member  # type: ignore[attr-defined]
    conversation = get_conversation_for_member(member, conversation_id)
    reads.mark_read(member, conversation)
    timeline = _timeline(member, conversation)
    if request.GET.get("partial") == "timeline":
        return render(
            request, "inbox/conversation_detail.html#timeline", {"conversation": conversation, "timeline": timeline}
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
            **_composer_context(conversation),
        },
    )


def _composer_context(conversation: Conversation) -> dict[str, Any]:
    """What the composer offers on this channel: its reply window, templates and message tags."""
    channel = conversation.channel
    window = reply_window(conversation.contact_id, channel)
    templates = (channel.config or {}).get("templates") or [] if "template" in window.exempt_content else []
    tags = MESSAGE_TAGS if "tag" in window.exempt_content else []
    return {"reply_window": window, "templates": templates, "message_tags": tags}


# Messenger's and Instagram's message tags that let a business answer after the 24-hour window.
MESSAGE_TAGS = [
    ("HUMAN_AGENT", gettext_lazy("Human agent (up to 7 days after the customer's message)")),
    ("ACCOUNT_UPDATE", gettext_lazy("Account update")),
    ("CONFIRMED_EVENT_UPDATE", gettext_lazy("Confirmed event update")),
    ("POST_PURCHASE_UPDATE", gettext_lazy("Post-purchase update")),
]


def _reply_content(post: QueryDict) -> dict[str, Any]:
    """The structured content the composer's fields describe."""
    content: dict[str, Any] = {}
    name, _separator, language = post.get("template", "").partition("|")
    if name:
        parameters = [line.strip() for line in post.get("template_parameters", "").splitlines() if line.strip()]
        content["template"] = {"name": name, "language": language, "parameters": {"body": parameters}}
    if post.get("tag"):
        content["tag"] = post["tag"]
    return content


@require_POST
@member_required
def compose(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Send what the agent wrote: a private note, or a reply to the customer."""
    member: Member = request.member  # type: ignore[attr-defined]
    conversation = get_conversation_for_member(member, conversation_id)
    kind = request.POST.get("kind", "note")
    text = request.POST.get("text", "")
    try:
        if kind == "note":
            actions.add_note(conversation, member, text)
        elif kind == "reply":
            files = [
                actions.ReplyFile(upload.name or "attachment", upload.read())
                for upload in request.FILES.getlist("files")
            ]
            actions.reply(conversation, member, text, files=files, content=_reply_content(request.POST))
        else:
            raise ValidationError(_("Choose a reply or a private note."))
    except ValidationError as error:
        if request.htmx:  # type: ignore[attr-defined]
            return reswap(retarget(HttpResponse(" ".join(error.messages)), "#composer-error"), "innerHTML")
        django_messages.error(request, " ".join(error.messages))
        return redirect("inbox:conversation-detail", conversation.pk)
    if request.htmx:  # type: ignore[attr-defined]
        return render(
            request,
            "inbox/conversation_detail.html#timeline",
            {"conversation": conversation, "timeline": _timeline(member, conversation)},
        )
    return redirect("inbox:conversation-detail", conversation.pk)


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


@require_GET
@member_required
def identity_avatar(request: HttpRequest, identity_id: int) -> FileResponse:
    """A customer's channel picture (stored only after its bytes proved it an image)."""
    member: Member = request.member  # type: ignore[attr-defined]
    identity = Identity.in_workspace(member.workspace_id).filter(pk=identity_id).exclude(avatar="").first()
    if identity is None:
        raise Http404(_("No such picture."))
    content_type = detect_content_type(identity.avatar.read(512), "avatar")
    identity.avatar.seek(0)
    response = FileResponse(identity.avatar.open("rb"), content_type=content_type)
    response["Cache-Control"] = "private, max-age=86400"
    return response


@csrf_exempt
@require_POST
def forwarded_event(request: HttpRequest) -> HttpResponse:
    """Events from this machine's worker or scheduler, for the agents connected here (embedded mode)."""
    if not forwarding.is_signed(request.body, request.headers.get(forwarding.SIGNATURE_HEADER, "")):
        return HttpResponse(status=403)
    try:
        items = [(int(event["workspace_id"]), dict(event["payload"])) for event in json.loads(request.body)["events"]]
    except (ValueError, KeyError, TypeError):
        return HttpResponse(status=400)
    send_to_workspaces(items)
    return HttpResponse(status=204)
