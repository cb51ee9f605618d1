"""Indexing on write: every event that adds or changes searchable text updates the index, one bulk write per batch."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from frontdesk.contacts.models import Contact
from frontdesk.conversations.models import Conversation
from frontdesk.pipeline.events import Event, subscriber
from frontdesk.search import indexing
from frontdesk.search.models import EntryKind, SearchEntry

_CONTACT_EVENTS = {"contact.created", "contact.updated"}
_MERGE_EVENTS = {"contact.merged", "contact.unmerged"}


@subscriber
def index_search_entries(events: list[Event]) -> None:
    by_workspace: dict[int, list[Event]] = defaultdict(list)
    for event in events:
        by_workspace[event.workspace_id].append(event)
    for workspace_id, workspace_events in by_workspace.items():
        _index(workspace_id, workspace_events)


def _index(workspace_id: int, events: list[Event]) -> None:
    messages: list[dict[str, Any]] = []
    conversations: dict[int, dict[str, Any]] = {}
    contact_ids: set[int] = set()
    note_ids: set[int] = set()
    deleted_note_ids: set[int] = set()
    merged_contacts: set[int] = set()
    joins: list[tuple[int, int]] = []
    for event in events:
        payload = event.payload
        if event.type == "message.created" or (
            event.type == "message.updated" and "text" in (payload.get("changes") or {})
        ):
            messages.append(payload["message"])
        elif event.type == "conversation.created":
            conversations[int(payload["conversation"]["id"])] = payload["conversation"]
        elif event.type == "conversation.updated":
            changes = payload.get("changes") or {}
            if "subject" in changes:
                conversations[int(payload["conversation"]["id"])] = payload["conversation"]
            if isinstance(changes.get("joined"), int):
                joins.append((int(payload["conversation"]["id"]), changes["joined"]))
        elif event.type in _CONTACT_EVENTS:
            contact_ids.add(int(payload["contact"]["id"]))
        elif event.type == "contact.note_added":
            note_ids.add(int(payload["note"]["id"]))
        elif event.type == "contact.note_deleted":
            deleted_note_ids.add(int(payload["note"]["id"]))
        elif event.type in _MERGE_EVENTS:
            merged_contacts.add(int(payload["contact"]["id"]))
            other = payload.get("absorbed_id") or (payload.get("restored") or {}).get("id")
            if isinstance(other, int):
                merged_contacts.add(other)
    if messages:
        contact_ids |= _index_messages(workspace_id, messages)
    if conversations:
        indexing.save(indexing.conversation_entries(_conversations(workspace_id, conversations.values())))
    for kept_id, other_id in joins:
        indexing.follow_join(workspace_id, kept_id, other_id)
    indexing.index_contacts(workspace_id, contact_ids - merged_contacts)
    indexing.index_contact_notes(workspace_id, note_ids - deleted_note_ids)
    indexing.forget(workspace_id, EntryKind.CONTACT_NOTE, sorted(deleted_note_ids))
    if merged_contacts:
        indexing.follow_contacts(workspace_id, merged_contacts)


def _conversations(workspace_id: int, payloads: Any) -> list[Conversation]:
    return [
        Conversation(
            workspace_id=workspace_id,
            pk=int(payload["id"]),
            contact_id=int(payload["contact_id"]),
            subject=payload.get("subject") or "",
            created_at=datetime.fromisoformat(payload["created_at"]),
        )
        for payload in payloads
    ]


def _index_messages(workspace_id: int, messages: list[dict[str, Any]]) -> set[int]:
    """Index the messages (from their events, which carry the text) and return the contacts not yet indexed.

    A contact that first wrote through a channel was made by the inbound pipeline, which announces no
    ``contact.created``: its first message is when search hears of it.
    """
    conversation_ids = {int(message["conversation_id"]) for message in messages}
    contact_of = dict(
        Conversation.in_workspace(workspace_id).filter(pk__in=conversation_ids).values_list("pk", "contact_id")
    )
    indexing.save(
        [
            indexing.message_entry(
                workspace_id,
                message_id=int(message["id"]),
                kind=message["kind"],
                text=message.get("text") or "",
                conversation_id=int(message["conversation_id"]),
                contact_id=contact_of.get(int(message["conversation_id"])),
                created_at=datetime.fromisoformat(message["created_at"]),
            )
            for message in messages
            if int(message["conversation_id"]) in contact_of
        ]
    )
    contacts = set(contact_of.values())
    known = set(
        SearchEntry.in_workspace(workspace_id)
        .filter(kind=EntryKind.CONTACT, object_id__in=contacts)
        .values_list("object_id", flat=True)
    )
    unknown = contacts - known
    if not unknown:
        return set()
    # Only those that exist and were never indexed: a contact with nothing to find by stays unknown, cheaply.
    return set(Contact.in_workspace(workspace_id).filter(pk__in=unknown).values_list("pk", flat=True))
