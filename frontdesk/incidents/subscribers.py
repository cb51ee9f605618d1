"""Incidents' reactions to domain events: each customer message is checked for similar cases and duplicates."""

from __future__ import annotations

import logging
from datetime import datetime

from frontdesk.conversations.models import Conversation, ConversationStatus, Message, MessageKind
from frontdesk.incidents.grouping import check_message, conversation_resolved
from frontdesk.pipeline.events import Event, collecting, subscriber

logger = logging.getLogger(__name__)


@subscriber
def group_similar_cases(events: list[Event]) -> None:
    # The incidents and duplicates the batch's checks announce reach the other subscribers in one dispatch.
    with collecting():
        _check_all(events)


def _check_all(events: list[Event]) -> None:
    for event in events:
        if event.type == "message.created":
            data = event.payload.get("message") or {}
            # Only a customer's text says what the case is about; notes and replies cost nothing here.
            if data.get("kind") != MessageKind.INBOUND or not str(data.get("text") or "").strip():
                continue
            message = Message(
                pk=data["id"],
                workspace_id=event.workspace_id,
                conversation_id=data["conversation_id"],
                kind=MessageKind.INBOUND,
                text=data["text"],
                created_at=datetime.fromisoformat(data["created_at"]),
            )
            try:
                check_message(message)
            except Exception:
                # One message's check failing must not stop the rest of a batch.
                logger.exception("Checking message %s for similar cases failed", data["id"])
        elif event.type == "conversation.updated":
            data = event.payload.get("conversation") or {}
            if data.get("status") == ConversationStatus.RESOLVED:
                conversation_resolved(Conversation(pk=data["id"], workspace_id=event.workspace_id))
