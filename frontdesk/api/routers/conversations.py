from __future__ import annotations

from django.db.models import Prefetch
from django.http import HttpRequest
from ninja import Query, Router, Schema

from frontdesk.api.auth import request_member
from frontdesk.api.pagination import PageParams, paginate
from frontdesk.api.schemas import ConversationOut, ConversationPage, ErrorOut, MessagePage
from frontdesk.api.serializers import conversation_out, message_out
from frontdesk.conversations.access import get_conversation_for_member
from frontdesk.conversations.models import Conversation, ConversationStatus, Label, Message

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
    if filters.status:
        conversations = conversations.filter(status=filters.status)
    if filters.assignee == "me":
        conversations = conversations.filter(assignee=member)
    elif filters.assignee == "unassigned":
        conversations = conversations.filter(assignee__isnull=True)
    elif filters.assignee:
        conversations = conversations.filter(assignee_id=int(filters.assignee) if filters.assignee.isdigit() else -1)
    if filters.team_id is not None:
        conversations = conversations.filter(team_id=filters.team_id)
    if filters.channel_id is not None:
        conversations = conversations.filter(channel_id=filters.channel_id)
    if filters.priority is not None:
        conversations = conversations.filter(priority=filters.priority)
    if filters.label:
        conversations = conversations.filter(labels__name=filters.label)
    rows, next_cursor = paginate(conversations, page, order=("-last_activity_at", "-id"))
    return ConversationPage(items=[conversation_out(c) for c in rows], next_cursor=next_cursor)


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
