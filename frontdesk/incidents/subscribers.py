"""Incidents' reactions to domain events: each customer message is checked for similar cases and duplicates."""

from __future__ import annotations

from datetime import datetime

from frontdesk.conversations.models import Conversation, ConversationStatus, Message, MessageKind
from frontdesk.incidents.grouping import check_messages, conversation_resolved
from frontdesk.pipeline.events import Event, collecting, subscriber


@subscriber
def group_similar_cases(events: list[Event]) -> None:
    # The incidents and duplicates the batch's checks announce reach the other subscribers in one dispatch.
    with collecting():
        messages: list[Message] = []
        for event in events:
            if event.type == "message.created":
                message = _customer_text(event)
                if message is not None:
                    messages.append(message)
            elif event.type == "conversation.updated":
                data = event.payload.get("conversation") or {}
                if data.get("status") == ConversationStatus.RESOLVED:
                    # The batch's messages so far first: they may have grouped this conversation.
                    check_messages(messages)
                    messages = []
                    conversation_resolved(Conversation(pk=data["id"], workspace_id=event.workspace_id))
        check_messages(messages)


def _customer_text(event: Event) -> Message | None:
    """The stored message an event announces, if it is a customer's text: only that says what the case is about;
    notes and replies cost nothing here."""
    data = event.payload.get("message") or {}
    if data.get("kind") != MessageKind.INBOUND or not str(data.get("text") or "").strip():
        return None
    return Message(
        pk=data["id"],
        workspace_id=event.workspace_id,
        conversation_id=data["conversation_id"],
        kind=MessageKind.INBOUND,
        text=data["text"],
        created_at=datetime.fromisoformat(data["created_at"]),
    )
