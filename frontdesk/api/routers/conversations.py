from __future__ import annotations

import base64
import binascii

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError

from frontdesk.api.auth import request_member
from frontdesk.api.pagination import PageParams, paginate
from frontdesk.api.schemas import (
    ConversationOut,
    ConversationPage,
    ConversationPatch,
    ErrorOut,
    MessageIn,
    MessageOut,
    MessagePage,
)
from frontdesk.api.serializers import conversation_out, message_out
from frontdesk.channels.models import Channel
from frontdesk.conversations import actions
from frontdesk.conversations.access import get_conversation_for_member
from frontdesk.conversations.models import (
    Conversation,
    ConversationLabel,
    ConversationStatus,
    Label,
    Message,
    Priority,
)
from frontdesk.core.access import get_member_for_member, get_team_for_member
from frontdesk.core.models import Member

router = Router(tags=["conversations"])


class ConversationFilters(Schema):
    status: ConversationStatus | None = None
    assignee: str | None = None
    team_id: int | None = None
    channel_id: int | None = None
    label: str | None = None
    priority: int | None = None


@router.get("", response=ConversationPage)
def list_conversations(
    request: HttpRequest, filters: Query[ConversationFilters], page: Query[PageParams]
) -> ConversationPage:
    """Conversations, most recently active first. ``assignee`` is a member id, ``me`` or ``unassigned``."""
    member = request_member(request)
    conversations = Conversation.in_workspace(member.workspace_id).prefetch_related(
        Prefetch("labels", queryset=Label.in_workspace(member.workspace_id))
    )
    # Lookups on the conversation's own columns other than status, which a label link copies.
    where: dict[str, object] = {}
    if filters.assignee == "me":
        where["assignee"] = member
    elif filters.assignee == "unassigned":
        where["assignee__isnull"] = True
    elif filters.assignee:
        where["assignee_id"] = int(filters.assignee) if filters.assignee.isdigit() else -1
    if filters.team_id is not None:
        where["team_id"] = filters.team_id
    if filters.channel_id is not None:
        where["channel_id"] = filters.channel_id
    if filters.priority is not None:
        where["priority"] = filters.priority
    if filters.label:
        rows, next_cursor = _labelled_page(member, conversations, filters.label, filters.status, where, page)
    else:
        if filters.status:
            where["status"] = filters.status
        rows, next_cursor = paginate(conversations.filter(**where), page, order=("-last_activity_at", "-id"))
    return ConversationPage(items=[conversation_out(c) for c in rows], next_cursor=next_cursor)


def _labelled_page(
    member: Member,
    conversations: QuerySet[Conversation],
    label: str,
    status: ConversationStatus | None,
    where: dict[str, object],
    page: PageParams,
) -> tuple[list[Conversation], str | None]:
    """A page of the label's conversations, read in order from the links' copies of status and last activity.

    The links are paged by (last activity, conversation id): the order and the
    cursor of the unfiltered list, read straight from the index on (workspace,
    label, status, last activity) instead of sorting all the label's links.
    """
    # A constant label id (not a join on the name) matches the link index on its leading columns.
    label_ids = list(Label.in_workspace(member.workspace_id).filter(name=label).values_list("pk", flat=True))
    links = ConversationLabel.in_workspace(member.workspace_id).filter(
        label_id__in=label_ids, **{f"conversation__{lookup}": value for lookup, value in where.items()}
    )
    if status:
        links = links.filter(status=status)
    links_page, next_cursor = paginate(
        links.only("conversation", "last_activity_at"), page, order=("-last_activity_at", "-conversation_id")
    )
    found = conversations.in_bulk([link.conversation_id for link in links_page])
    return [found[link.conversation_id] for link in links_page if link.conversation_id in found], next_cursor


@router.get("/{conversation_id}", response={200: ConversationOut, 404: ErrorOut})
def get_conversation(request: HttpRequest, conversation_id: int) -> ConversationOut:
    return conversation_out(get_conversation_for_member(request_member(request), conversation_id))


@router.get("/{conversation_id}/messages", response={200: MessagePage, 404: ErrorOut})
def list_messages(request: HttpRequest, conversation_id: int, page: Query[PageParams]) -> MessagePage:
    member = request_member(request)
    conversation = get_conversation_for_member(member, conversation_id)
    messages = (
        Message.in_workspace(member.workspace_id).filter(conversation=conversation).prefetch_related("attachments")
    )
    rows, next_cursor = paginate(messages, page, order=("created_at", "id"))
    return MessagePage(items=[message_out(m) for m in rows], next_cursor=next_cursor)


@router.patch("/{conversation_id}", response={200: ConversationOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def update_conversation(request: HttpRequest, conversation_id: int, body: ConversationPatch) -> ConversationOut:
    """Change status (with ``snoozed_until`` to snooze), priority, assignee, team or labels."""
    member = request_member(request)
    conversation = get_conversation_for_member(member, conversation_id)
    if not member.user.has_perm("conversations.change_conversation", conversation):
        raise HttpError(403, "You may not change this conversation.")
    sent = body.model_fields_set
    # Every referenced id is looked up in the caller's workspace first, so a
    # foreign id changes nothing and reads like a missing one.
    try:
        assignee = get_member_for_member(member, body.assignee_id) if body.assignee_id is not None else None
    except Http404:
        raise HttpError(422, "Unknown assignee.") from None
    try:
        team = get_team_for_member(member, body.team_id) if body.team_id is not None else None
    except Http404:
        raise HttpError(422, "Unknown team.") from None
    labels = None
    if body.labels is not None:
        labels = list(Label.in_workspace(member.workspace_id).filter(name__in=body.labels))
        missing = set(body.labels) - {label.name for label in labels}
        if missing:
            raise HttpError(422, f"Unknown labels: {', '.join(sorted(missing))}.")
    status = None
    if "status" in sent:
        try:
            status = ConversationStatus(body.status or "")
        except ValueError:
            raise HttpError(422, "Unknown status.") from None
    priority = None
    if "priority" in sent:
        try:
            priority = Priority(body.priority if body.priority is not None else -1)
        except ValueError:
            raise HttpError(422, "Unknown priority.") from None

    with transaction.atomic():
        if status is not None:
            conversation = actions.set_status(conversation, status, actor=member, snoozed_until=body.snoozed_until)
        if priority is not None:
            conversation = actions.set_priority(conversation, priority, actor=member)
        if "assignee_id" in sent:
            conversation = actions.assign(conversation, assignee, actor=member)
        if "team_id" in sent:
            conversation = actions.set_team(conversation, team, actor=member)
        if labels is not None:
            conversation = actions.set_labels(conversation, labels, actor=member)
    return conversation_out(get_conversation_for_member(member, conversation_id))


@router.post("/{conversation_id}/messages", response={201: MessageOut, 404: ErrorOut, 422: ErrorOut})
def create_message(request: HttpRequest, conversation_id: int, body: MessageIn) -> Status[MessageOut]:
    """Add a private note (``kind: note``) or reply to the customer (``kind: reply``, status ``queued``)."""
    member = request_member(request)
    conversation = get_conversation_for_member(member, conversation_id)
    if body.kind == "note":
        return Status(201, message_out(actions.add_note(conversation, member, body.text)))
    via = None
    if body.channel_id is not None:
        via = Channel.in_workspace(member.workspace_id).filter(pk=body.channel_id).first()
        if via is None:
            raise HttpError(422, "Unknown channel.")
    files = []
    for item in body.files:
        try:
            data = base64.b64decode(item.content_base64, validate=True)
        except binascii.Error as error:
            raise HttpError(422, f"{item.filename}: content_base64 is not valid base64.") from error
        files.append(actions.ReplyFile(item.filename, data))
    message = actions.reply(conversation, member, body.text, via=via, files=files, content=body.content)
    return Status(201, message_out(message))
