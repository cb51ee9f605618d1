"""The agent's pages: the conversation list and one conversation."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.contrib import messages as django_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import reswap, retarget

from frontdesk.channels.base import Capabilities, UnknownChannelKind, adapter_for
from frontdesk.channels.email.compose import reply_subject
from frontdesk.channels.models import Channel, ChannelKind
from frontdesk.contacts.models import Identity
from frontdesk.conversations import actions
from frontdesk.conversations.access import get_attachment_for_member, get_conversation_for_member
from frontdesk.conversations.attachments import detect_content_type
from frontdesk.conversations.models import Conversation, ConversationStatus, Message, Priority
from frontdesk.conversations.reply_rules import ReplyWindow, reply_window
from frontdesk.core.access import get_for_member, get_member_for_member, get_team_for_member
from frontdesk.core.decorators import member_required
from frontdesk.core.models import Member, Team
from frontdesk.inbox import forwarding, reads
from frontdesk.inbox.subscribers import send_to_workspaces

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Attachments of these types may be shown inline; everything else is downloaded.
INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp", "audio/mpeg", "audio/ogg", "video/mp4"}


def _timeline(member: Member, conversation: Conversation) -> QuerySet[Message]:
    # Not "messages": that name belongs to Django's flash messages in templates.
    return (
        Message.in_workspace(member.workspace_id)
        .filter(conversation=conversation)
        .select_related("author__user", "channel")
        .prefetch_related("attachments", "mentions__member__user")
    )


def _render_timeline(request: HttpRequest, member: Member, conversation: Conversation) -> HttpResponse:
    return render(
        request,
        "inbox/_timeline.html",
        {
            "conversation": conversation,
            "timeline": _timeline(member, conversation),
            **_permissions(member, conversation),
        },
    )


def _permissions(member: Member, conversation: Conversation) -> dict[str, bool]:
    return {
        "can_change": member.user.has_perm("conversations.change_conversation", conversation),
        "can_assign_others": member.user.has_perm("conversations.assign_others", conversation),
    }


def _header_context(member: Member, conversation: Conversation) -> dict[str, Any]:
    """What the conversation's header shows and offers: its state and the controls that change it."""
    return {
        "conversation": conversation,
        "member": member,
        "labels": conversation.labels.all(),
        "assignable_members": Member.in_workspace(member.workspace_id)
        .filter(is_active=True)
        .select_related("user")
        .order_by("user__name", "user__email"),
        "teams": Team.in_workspace(member.workspace_id).order_by("name"),
        "priorities": Priority.choices,
        "snooze_choices": SNOOZE_CHOICES,
        **_permissions(member, conversation),
    }


@require_GET
@member_required
def conversation_detail(request: HttpRequest, conversation_id: int) -> HttpResponse:
    member = request.member  # type: ignore[attr-defined]
    conversation = get_conversation_for_member(member, conversation_id)
    reads.mark_read(member, conversation)
    partial = request.GET.get("partial")
    if partial == "timeline":
        return _render_timeline(request, member, conversation)
    if partial == "header":
        return render(request, "inbox/_conversation_header.html", _header_context(member, conversation))
    identities = (
        Identity.in_workspace(member.workspace_id).filter(contact=conversation.contact).select_related("channel")
    )
    return render(
        request,
        "inbox/conversation_detail.html",
        {
            "timeline": _timeline(member, conversation),
            "earlier_count": _earlier(member, conversation).count(),
            **_header_context(member, conversation),
            **_composer_context(member, conversation, identities),
        },
    )


def _earlier(member: Member, conversation: Conversation) -> QuerySet[Conversation]:
    """The contact's conversations that started before this one."""
    return Conversation.in_workspace(member.workspace_id).filter(
        contact_id=conversation.contact_id, created_at__lt=conversation.created_at
    )


@require_GET
@member_required
def earlier_conversations(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The contact's earlier conversations with their messages, loaded on demand above the timeline."""
    member: Member = request.member  # type: ignore[attr-defined]
    conversation = get_conversation_for_member(member, conversation_id)
    earlier = list(
        _earlier(member, conversation).select_related("channel", "assignee__user").order_by("-created_at")[:EARLIER]
    )
    earlier.reverse()
    by_conversation: dict[int, list[Message]] = {item.pk: [] for item in earlier}
    for message in (
        Message.in_workspace(member.workspace_id)
        .filter(conversation__in=earlier)
        .select_related("author__user", "channel")
        .prefetch_related("attachments", "mentions__member__user")
    ):
        by_conversation[message.conversation_id].append(message)
    return render(
        request,
        "inbox/_timeline_earlier.html",
        {
            "conversation": conversation,
            "earlier": [(item, by_conversation[item.pk]) for item in earlier],
            "earlier_count": _earlier(member, conversation).count(),
            "loaded": True,
        },
    )


@dataclass(frozen=True)
class ChannelOption:
    """One channel the agent can reply on, with what it allows right now."""

    channel: Channel
    selected: bool
    window: ReplyWindow
    media_kinds: list[str]
    content_kinds: list[str]
    templates: list[dict[str, Any]]
    message_tags: list[tuple[str, StrOrPromise]]
    subject: str


def _composer_context(member: Member, conversation: Conversation, identities: QuerySet[Identity]) -> dict[str, Any]:
    """The channels the composer can reply on (the contact's), each with its rules; the latest inbound one chosen."""
    channels = {conversation.channel_id: conversation.channel}
    for identity in identities:
        if identity.channel.is_active:
            channels.setdefault(identity.channel_id, identity.channel)
    last_inbound = actions.last_customer_channels([conversation]).get(conversation.pk)
    chosen = last_inbound if last_inbound in channels else conversation.channel_id
    options = [_channel_option(conversation, channel, channel.pk == chosen) for channel in channels.values()]
    try:
        canned_url = reverse("canned:search")
    except NoReverseMatch:
        canned_url = ""
    return {
        "channel_options": options,
        "canned_search_url": canned_url,
        "max_length": actions.MAX_TEXT_LENGTH,
        "emoji": EMOJI,
    }


def _channel_option(conversation: Conversation, channel: Channel, selected: bool) -> ChannelOption:
    window = reply_window(conversation.contact_id, channel)
    try:
        capabilities: Capabilities | None = adapter_for(channel).capabilities
    except UnknownChannelKind:
        capabilities = None
    return ChannelOption(
        channel=channel,
        selected=selected,
        window=window,
        media_kinds=[
            str(MEDIA_KINDS[kind]) for kind in MEDIA_KINDS if capabilities and kind in capabilities.media_kinds
        ],
        content_kinds=sorted(capabilities.content_kinds) if capabilities else [],
        templates=(channel.config or {}).get("templates") or [] if "template" in window.exempt_content else [],
        message_tags=MESSAGE_TAGS if "tag" in window.exempt_content else [],
        # Mail threads by subject; the customer sees this one.
        subject=reply_subject(conversation.subject) if channel.kind == ChannelKind.EMAIL else "",
    )


MEDIA_KINDS: dict[str, StrOrPromise] = {
    "image": gettext_lazy("images"),
    "audio": gettext_lazy("audio"),
    "video": gettext_lazy("video"),
    "file": gettext_lazy("files"),
}
# Messenger's and Instagram's message tags that let a business answer after the 24-hour window.
MESSAGE_TAGS: list[tuple[str, StrOrPromise]] = [
    ("HUMAN_AGENT", gettext_lazy("Human agent (up to 7 days after the customer's message)")),
    ("ACCOUNT_UPDATE", gettext_lazy("Account update")),
    ("CONFIRMED_EVENT_UPDATE", gettext_lazy("Confirmed event update")),
    ("POST_PURCHASE_UPDATE", gettext_lazy("Post-purchase update")),
]
# The composer's emoji picker: common ones in support conversations, each with a name screen readers read.
EMOJI: list[tuple[str, StrOrPromise]] = [
    ("😊", gettext_lazy("Smiling face")),
    ("🙂", gettext_lazy("Slight smile")),
    ("😀", gettext_lazy("Grinning face")),
    ("😂", gettext_lazy("Tears of joy")),
    ("😉", gettext_lazy("Winking face")),
    ("😍", gettext_lazy("Heart eyes")),
    ("🤔", gettext_lazy("Thinking face")),
    ("😢", gettext_lazy("Crying face")),
    ("🙏", gettext_lazy("Folded hands")),
    ("👍", gettext_lazy("Thumbs up")),
    ("👌", gettext_lazy("OK hand")),
    ("👋", gettext_lazy("Waving hand")),
    ("🎉", gettext_lazy("Party popper")),
    ("❤️", gettext_lazy("Red heart")),
    ("✅", gettext_lazy("Check mark")),
    ("📦", gettext_lazy("Package")),
]
SNOOZE_CHOICES: list[tuple[str, StrOrPromise]] = [
    ("1h", gettext_lazy("For an hour")),
    ("4h", gettext_lazy("For four hours")),
    ("tomorrow", gettext_lazy("Until tomorrow morning")),
    ("week", gettext_lazy("Until next week")),
]
# How many of the contact's earlier conversations "Show earlier conversations" loads.
EARLIER = 5


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


def _member_ids(values: list[str]) -> list[int]:
    try:
        return [int(value) for value in values if value]
    except ValueError:
        raise ValidationError(_("Only active members of this workspace can be mentioned.")) from None


def _reply_channel(member: Member, conversation: Conversation, value: str) -> Channel | None:
    if not value or value == str(conversation.channel_id):
        return None
    channel = Channel.in_workspace(member.workspace_id).filter(pk=value).first() if value.isdigit() else None
    if channel is None:
        raise ValidationError(_("Choose one of the customer's channels."))
    return channel


class TakeoverNeeded(Exception):
    """The conversation is someone else's; the agent has to say whether to take it or answer anyway."""

    def __init__(self, assignee: Member) -> None:
        super().__init__(assignee.display_name)
        self.assignee = assignee


def _send(request: HttpRequest, member: Member, conversation: Conversation) -> None:
    """What the composer asked for, in one transaction: a note, or a reply (taking the case first, resolving after)."""
    post = request.POST
    kind = post.get("kind", "note")
    with transaction.atomic():
        if kind == "note":
            actions.add_note(conversation, member, post.get("text", ""), mentions=_member_ids(post.getlist("mentions")))
            return
        if kind != "reply":
            raise ValidationError(_("Choose a reply or a private note."))
        takeover = post.get("takeover", "")
        assignee = conversation.assignee
        if assignee is not None and assignee.pk != member.pk:
            if takeover == "assign":
                conversation = actions.assign(conversation, member, actor=member)
            elif takeover != "reply":
                raise TakeoverNeeded(assignee)
        files = [
            actions.ReplyFile(upload.name or "attachment", upload.read()) for upload in request.FILES.getlist("files")
        ]
        actions.reply(
            conversation,
            member,
            post.get("text", ""),
            via=_reply_channel(member, conversation, post.get("channel", "")),
            files=files,
            content=_reply_content(post),
        )
        if post.get("resolve"):
            actions.set_status(conversation, ConversationStatus.RESOLVED, actor=member)


@require_POST
@member_required
def compose(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Send what the agent wrote: a private note, or a reply to the customer.

    A reply to a conversation assigned to another member is refused unless the
    form says ``takeover=assign`` (take it, then send) or ``takeover=reply``.
    """
    member: Member = request.member  # type: ignore[attr-defined]
    conversation = get_conversation_for_member(member, conversation_id)
    if not request.user.has_perm("conversations.change_conversation", conversation):
        raise Http404
    try:
        _send(request, member, conversation)
    except TakeoverNeeded as needed:
        question = _("Assigned to %(name)s.") % {"name": needed.assignee.display_name}
        if request.htmx:  # type: ignore[attr-defined]
            response = reswap(retarget(HttpResponse(question), "#composer-error"), "innerHTML")
            response["HX-Trigger"] = json.dumps({"frontdesk-takeover": {"question": question}})
            return response
        django_messages.error(request, question + " " + _("Choose whether to assign it to yourself first."))
        return redirect("inbox:conversation-detail", conversation.pk)
    except (ValidationError, PermissionDenied) as error:
        text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        if request.htmx:  # type: ignore[attr-defined]
            return reswap(retarget(HttpResponse(text), "#composer-error"), "innerHTML")
        django_messages.error(request, text)
        return redirect("inbox:conversation-detail", conversation.pk)
    if request.htmx:  # type: ignore[attr-defined]
        return _render_timeline(request, member, conversation)
    return redirect("inbox:conversation-detail", conversation.pk)


@require_POST
@member_required
def retry_message(request: HttpRequest, message_id: int) -> HttpResponse:
    """Send a failed reply again."""
    member: Member = request.member  # type: ignore[attr-defined]
    message = get_for_member(Message, member, message_id, "conversations.change_conversation")
    conversation = get_conversation_for_member(member, message.conversation_id)
    try:
        actions.retry_failed(message, member)
    except ValidationError as error:
        django_messages.error(request, " ".join(error.messages))
    if request.htmx:  # type: ignore[attr-defined]
        return _render_timeline(request, member, conversation)
    return redirect("inbox:conversation-detail", conversation.pk)


@require_POST
@member_required
def update_conversation(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The header's controls: assignee, status (resolve, reopen, snooze), priority, team; one field per request."""
    member: Member = request.member  # type: ignore[attr-defined]
    conversation = get_conversation_for_member(member, conversation_id)
    if not request.user.has_perm("conversations.change_conversation", conversation):
        raise Http404
    post = request.POST
    try:
        if "assignee" in post:
            assignee = get_member_for_member(member, post["assignee"]) if post["assignee"] else None
            conversation = actions.assign(conversation, assignee, actor=member)
        elif "status" in post:
            status = post["status"]
            if status not in (ConversationStatus.OPEN, ConversationStatus.PENDING, ConversationStatus.RESOLVED):
                raise ValidationError(_("Choose open, pending or resolved."))
            conversation = actions.set_status(conversation, ConversationStatus(status), actor=member)
        elif "snooze" in post:
            until = snooze_until(post["snooze"], timezone.localtime())
            conversation = actions.set_status(
                conversation, ConversationStatus.SNOOZED, actor=member, snoozed_until=until
            )
        elif "priority" in post:
            if post["priority"] not in {str(value) for value in Priority.values}:
                raise ValidationError(_("Choose a priority from the list."))
            conversation = actions.set_priority(conversation, Priority(int(post["priority"])), actor=member)
        elif "team" in post:
            team = get_team_for_member(member, post["team"]) if post["team"] else None
            conversation = actions.set_team(conversation, team, actor=member)
    except (ValidationError, PermissionDenied) as error:
        problem = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
    else:
        problem = ""
    conversation = get_conversation_for_member(member, conversation.pk)
    if request.htmx:  # type: ignore[attr-defined]
        context = _header_context(member, conversation) | {"header_error": problem}
        return render(request, "inbox/_conversation_header.html", context)
    if problem:
        django_messages.error(request, problem)
    return redirect("inbox:conversation-detail", conversation.pk)


def snooze_until(choice: str, now: datetime) -> datetime:
    """When a snooze chosen in the header ends, in the member's time zone (``now`` is local)."""
    if choice == "1h":
        return now + timedelta(hours=1)
    if choice == "4h":
        return now + timedelta(hours=4)
    if choice == "tomorrow":
        return (now + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    if choice == "week":
        return (now + timedelta(days=7 - now.weekday())).replace(hour=9, minute=0, second=0, microsecond=0)
    raise ValidationError(_("Choose how long to snooze."))


@require_GET
@member_required
def mentionable_members(request: HttpRequest) -> JsonResponse:
    """The workspace's active members whose name or email contains ``q``: the note composer's @ picker."""
    member: Member = request.member  # type: ignore[attr-defined]
    query = request.GET.get("q", "").strip()
    members = Member.in_workspace(member.workspace_id).filter(is_active=True).select_related("user")
    if query:
        members = members.filter(Q(user__name__icontains=query) | Q(user__email__icontains=query))
    return JsonResponse(
        {
            "results": [
                {"id": item.pk, "name": item.display_name, "email": item.user.email}
                for item in members.order_by("user__name", "user__email")[:MENTION_RESULTS]
            ]
        }
    )


MENTION_RESULTS = 8


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
