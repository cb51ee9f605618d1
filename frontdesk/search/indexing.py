"""Turning rows into search entries and keeping them in step: one bulk write per batch of things.

The subscribers (on events) and ``frontdesk reindex-search`` (from the tables) both come here, so an
entry is built one way whichever path wrote it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from django.db.models import Model, QuerySet

from frontdesk.contacts.models import Contact, ContactNote
from frontdesk.conversations.models import Conversation, Message, MessageKind
from frontdesk.search.models import EntryKind, SearchEntry
from frontdesk.search.terms import characters, index_terms, joined, phone_terms

_UPDATED = ["terms", "conversation_id", "contact_id", "created_at"]


@functools.lru_cache(maxsize=20_000)
def text_terms(text: str) -> str:
    """The space-joined index terms of a text; "Thank you" and "好的" are segmented once, not per message."""
    return " ".join(index_terms(text))


def message_entry(
    workspace_id: int,
    *,
    message_id: int,
    kind: str,
    text: str,
    conversation_id: int,
    contact_id: int | None,
    created_at: datetime,
) -> SearchEntry:
    return SearchEntry(
        workspace_id=workspace_id,
        kind=EntryKind.NOTE if kind == MessageKind.NOTE else EntryKind.MESSAGE,
        object_id=message_id,
        conversation_id=conversation_id,
        contact_id=contact_id,
        terms=text_terms(text),
        created_at=created_at,
    )


def message_entries(messages: Iterable[Message]) -> list[SearchEntry]:
    """Entries of messages loaded with ``conversation`` (for its contact)."""
    return [
        message_entry(
            message.workspace_id,
            message_id=message.pk,
            kind=message.kind,
            text=message.text,
            conversation_id=message.conversation_id,
            contact_id=message.conversation.contact_id,
            created_at=message.created_at,
        )
        for message in messages
    ]


def contact_terms(contact: Contact) -> str:
    """A contact is found by name (words and single characters), email, phone, customer id and channel addresses."""
    names = [contact.name] + [identity.display_name for identity in contact.identities.all()]
    addresses = [contact.email, contact.customer_id] + [identity.external_id for identity in contact.identities.all()]
    return joined(
        [
            *(index_terms(name) for name in names if name),
            *(characters(name) for name in names if name),
            *(index_terms(address) for address in addresses if address),
            phone_terms(contact.phone),
        ]
    )


def contact_entries(contacts: Iterable[Contact]) -> list[SearchEntry]:
    """Entries of contacts loaded with their identities; a contact merged into another has none."""
    return [
        SearchEntry(
            workspace_id=contact.workspace_id,
            kind=EntryKind.CONTACT,
            object_id=contact.pk,
            contact_id=contact.pk,
            terms=contact_terms(contact),
            created_at=contact.created_at,
        )
        for contact in contacts
        if contact.merged_into_id is None
    ]


def contact_note_entries(notes: Iterable[ContactNote]) -> list[SearchEntry]:
    return [
        SearchEntry(
            workspace_id=note.workspace_id,
            kind=EntryKind.CONTACT_NOTE,
            object_id=note.pk,
            contact_id=note.contact_id,
            terms=text_terms(note.text),
            created_at=note.created_at,
        )
        for note in notes
    ]


def conversation_entries(conversations: Iterable[Conversation]) -> list[SearchEntry]:
    """A conversation is found by its subject (an email's subject line, a subject an agent gave it)."""
    return [
        SearchEntry(
            workspace_id=conversation.workspace_id,
            kind=EntryKind.CONVERSATION,
            object_id=conversation.pk,
            conversation_id=conversation.pk,
            contact_id=conversation.contact_id,
            terms=text_terms(conversation.subject),
            created_at=conversation.created_at,
        )
        for conversation in conversations
    ]


def save(entries: Sequence[SearchEntry]) -> int:
    """Write ``entries`` in one statement, replacing those of the same things; an entry without terms is dropped."""
    kept = [entry for entry in entries if entry.terms]
    empty = [entry for entry in entries if not entry.terms]
    for entry in empty:
        forget(entry.workspace_id, entry.kind, [entry.object_id])
    if kept:
        SearchEntry.all_workspaces.bulk_create(
            kept,
            update_conflicts=True,
            unique_fields=["workspace", "kind", "object_id"],
            update_fields=_UPDATED,
        )
    return len(kept)


def forget(workspace_id: int, kind: str, object_ids: Sequence[int]) -> None:
    if object_ids:
        SearchEntry.in_workspace(workspace_id).filter(kind=kind, object_id__in=object_ids).delete()


def contacts_for_index(workspace_id: int) -> QuerySet[Contact]:
    return Contact.in_workspace(workspace_id).prefetch_related("identities")


def index_contacts(workspace_id: int, contact_ids: Iterable[int]) -> None:
    """(Re)index these contacts as they are now; a merged or deleted one leaves the index."""
    wanted = set(contact_ids)
    if not wanted:
        return
    contacts = list(contacts_for_index(workspace_id).filter(pk__in=wanted))
    save(contact_entries(contacts))
    gone = wanted - {contact.pk for contact in contacts if contact.merged_into_id is None}
    forget(workspace_id, EntryKind.CONTACT, sorted(gone))


def index_contact_notes(workspace_id: int, note_ids: Iterable[int]) -> None:
    wanted = set(note_ids)
    # Most events carry no note: no query built for them (it cost about as much as the rest of the subscriber).
    if wanted:
        save(contact_note_entries(ContactNote.in_workspace(workspace_id).filter(pk__in=wanted)))


def follow_contacts(workspace_id: int, contact_ids: Iterable[int]) -> None:
    """After a merge or an unmerge: entries lead to whichever of these contacts owns their row now."""
    contact_ids = set(contact_ids)
    entries = SearchEntry.in_workspace(workspace_id)
    by_contact: dict[int, list[int]] = {}
    for conversation_id, contact_id in (
        Conversation.in_workspace(workspace_id).filter(contact_id__in=contact_ids).values_list("pk", "contact_id")
    ):
        by_contact.setdefault(contact_id, []).append(conversation_id)
    notes: dict[int, list[int]] = {}
    for note_id, contact_id in (
        ContactNote.in_workspace(workspace_id).filter(contact_id__in=contact_ids).values_list("pk", "contact_id")
    ):
        notes.setdefault(contact_id, []).append(note_id)
    for contact_id in contact_ids:
        if by_contact.get(contact_id):
            entries.filter(conversation_id__in=by_contact[contact_id]).exclude(contact_id=contact_id).update(
                contact_id=contact_id
            )
        if notes.get(contact_id):
            entries.filter(kind=EntryKind.CONTACT_NOTE, object_id__in=notes[contact_id]).exclude(
                contact_id=contact_id
            ).update(contact_id=contact_id)
    index_contacts(workspace_id, contact_ids)


def follow_join(workspace_id: int, kept_id: int, other_id: int) -> None:
    """After two conversations were joined: the other's messages lead to the kept one."""
    SearchEntry.in_workspace(workspace_id).filter(
        conversation_id=other_id, kind__in=[EntryKind.MESSAGE, EntryKind.NOTE]
    ).update(conversation_id=kept_id)


def _batches[M: Model](queryset: QuerySet[M], size: int, after: int) -> Iterator[list[M]]:
    last = after
    while True:
        batch = list(queryset.filter(pk__gt=last).order_by("pk")[:size])
        if not batch:
            return
        yield batch
        last = batch[-1].pk


def reindex(
    workspace_id: int,
    *,
    kinds: Sequence[str] = tuple(EntryKind.values),
    batch_size: int = 2000,
    after: int = 0,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, int]:
    """Rebuild the workspace's entries from its tables, in batches by id (``after``: resume past that id).

    Writes replace entries in place, so running it again, or over a live workspace, is safe. Returns how
    many entries of each kind were written; ``progress(kind, done, last_id)`` hears after every batch.
    """
    sources: dict[str, tuple[QuerySet[Any], Callable[[list[Any]], list[SearchEntry]]]] = {
        EntryKind.MESSAGE: (
            Message.in_workspace(workspace_id)
            .select_related("conversation")
            .only("id", "workspace_id", "kind", "text", "created_at", "conversation__contact_id"),
            message_entries,
        ),
        EntryKind.CONTACT: (contacts_for_index(workspace_id), contact_entries),
        EntryKind.CONTACT_NOTE: (ContactNote.in_workspace(workspace_id), contact_note_entries),
        EntryKind.CONVERSATION: (Conversation.in_workspace(workspace_id), conversation_entries),
    }
    written: dict[str, int] = {}
    for kind, (queryset, build) in sources.items():
        if kind not in kinds and not (kind == EntryKind.MESSAGE and EntryKind.NOTE in kinds):
            continue
        done = 0
        for batch in _batches(queryset, batch_size, after):
            done += save(build(batch))
            if progress is not None:
                progress(kind, done, batch[-1].pk)
        written[kind] = done
    return written
