"""Global search over a workspace's contacts, conversations and messages (the page and the Ctrl+K palette).

The finding is ``frontdesk.search``'s full-text index (ranked, Chinese-aware, either script); this module
groups its hits the way the pages show them: contacts, conversations, messages (notes included).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from frontdesk.contacts.models import Contact
from frontdesk.conversations.models import Conversation, Message
from frontdesk.core.models import Member
from frontdesk.search import query as full_text
from frontdesk.search.highlight import SNIPPET_CONTEXT, matches
from frontdesk.search.models import EntryKind
from frontdesk.search.terms import query_terms

MAX_LIMIT = 50


@dataclass(frozen=True)
class ContactHit:
    contact: Contact
    # The contact's most recently active conversation, where the result leads; None when they have none.
    conversation_id: int | None
    matched: str


@dataclass(frozen=True)
class ConversationHit:
    conversation: Conversation


@dataclass(frozen=True)
class MessageHit:
    message: Message
    snippet: str


@dataclass(frozen=True)
class SearchResults:
    query: str
    contacts: list[ContactHit] = field(default_factory=list)
    conversations: list[ConversationHit] = field(default_factory=list)
    messages: list[MessageHit] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.contacts or self.conversations or self.messages)


def _is_wide(character: str) -> bool:
    # CJK ideographs, kana and hangul are full width: one of them already says a lot.
    return unicodedata.east_asian_width(character) in {"W", "F"} and character.isalpha()


def is_searchable(query: str) -> bool:
    """Whether ``query`` is long enough to search: two characters, or one CJK character."""
    query = query.strip()
    return len(query) >= 2 or (len(query) == 1 and _is_wide(query))


def search(member: Member, query: str, limit: int = 10) -> SearchResults:
    """Up to ``limit`` contacts, conversations and messages of the member's workspace matching ``query``.

    Each group is ranked best first (newer first among equals). A query too short to mean anything
    (see ``is_searchable``) gets no results; each group holds only what the member may see.
    """
    query = query.strip()
    limit = max(1, min(limit, MAX_LIMIT))
    if not is_searchable(query):
        return SearchResults(query=query)
    contacts = full_text.search(member, query, kinds=[EntryKind.CONTACT], limit=limit).hits
    conversations = full_text.search(member, query, kinds=[EntryKind.CONVERSATION], limit=limit).hits
    messages = full_text.search(member, query, kinds=[EntryKind.MESSAGE, EntryKind.NOTE], limit=limit).hits
    return SearchResults(
        query=query,
        contacts=[
            ContactHit(
                contact=hit.contact, conversation_id=hit.conversation_id, matched=_matched_field(hit.contact, query)
            )
            for hit in contacts
            if hit.contact is not None
        ],
        conversations=[ConversationHit(hit.conversation) for hit in conversations if hit.conversation is not None],
        messages=[
            MessageHit(hit.message, snippet(hit.message.text, query)) for hit in messages if hit.message is not None
        ],
    )


def _matched_field(contact: Contact, query: str) -> str:
    """The piece of the contact the query was found in, to show beside the name."""
    terms = query_terms(query)
    candidates = [contact.email, contact.phone, contact.customer_id]
    for identity in contact.identities.all():
        candidates += [identity.external_id, identity.display_name]
    return next((text for text in candidates if text and matches(text, terms)), contact.email or contact.phone)


def snippet(text: str, query: str, context: int = SNIPPET_CONTEXT) -> str:
    """The part of ``text`` around the first match of ``query``, with an ellipsis where text was cut."""
    text = " ".join(text.split())
    found = matches(text, query_terms(query))
    if not found:
        return text[: context * 2] + ("…" if len(text) > context * 2 else "")
    start = max(0, found[0][0] - context)
    end = min(len(text), found[0][1] + context)
    return ("…" if start > 0 else "") + text[start:end] + ("…" if end < len(text) else "")


def segments(text: str, query: str) -> list[tuple[str, bool]]:
    """``text`` cut into (piece, is_match) pairs; matched as the index matches (either script, stems, prefix)."""
    pieces: list[tuple[str, bool]] = []
    position = 0
    if query:
        for start, end in matches(text, query_terms(query)):
            if start > position:
                pieces.append((text[position:start], False))
            pieces.append((text[start:end], True))
            position = end
    if position < len(text):
        pieces.append((text[position:], False))
    return pieces


def highlight(text: str, query: str) -> SafeString:
    """``text`` escaped for HTML, with each match of ``query`` inside <mark>."""
    return mark_safe(  # noqa: S308 - every piece is escaped here
        "".join(
            f"<mark>{escape(piece)}</mark>" if matched else str(escape(piece))
            for piece, matched in segments(text, query)
        )
    )
