from __future__ import annotations

from typing import Any

from frontdesk.conversations.models import Attachment, Conversation, Label
from frontdesk.core.access import get_for_member
from frontdesk.core.models import Member


def get_conversation_for_member(member: Member, conversation_id: Any) -> Conversation:
    queryset = Conversation.in_workspace(member.workspace_id).select_related(
        "contact", "channel", "assignee__user", "team"
    )
    return get_for_member(queryset, member, conversation_id, "conversations.view_conversation")


def get_attachment_for_member(member: Member, attachment_id: Any) -> Attachment:
    return get_for_member(Attachment, member, attachment_id, "conversations.view_attachment")


def get_label_for_member(member: Member, label_id: Any) -> Label:
    return get_for_member(Label, member, label_id, "conversations.view_conversation")
