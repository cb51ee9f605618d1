"""Global search over a workspace's contacts, conversations and messages.

A simple first version: case-insensitive substring matching (which also finds
Chinese text inside longer text), newest first, always bounded by ``limit``.
Everything goes through ``search(member, query, limit)`` so a full-text
version (the customer-360 work) can replace the queries without touching the
pages that show the results.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from django.db.models import F, OuterRef, Q, Subquery
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from frontdesk.contacts.models import Contact, Identity
from frontdesk.conversations.models import Conversation, Message
from frontdesk.core.models import Member

MAX_LIMIT = 50
# How many of the newest message ids are walked newest first before the rest is read straight through.
RECENT_MESSAGES = 50_000
# Characters of context kept on each side of the first match in a message's snippet.
SNIPPET_CONTEXT = 60


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

    Each group is ordered newest first. A query too short to mean anything
    (see ``is_searchable``) or a member who may not see conversations gets
    no results.
    """
    query = query.strip()
    limit = max(1, min(limit, MAX_LIMIT))
    workspace = member.workspace
    user = member.user
    if not is_searchable(query) or not user.has_perm("conversations.view_conversation", workspace):
        return SearchResults(query=query)
    return SearchResults(
        query=query,
        contacts=_contacts(member, query, limit) if user.has_perm("contacts.view_contact", workspace) else [],
        conversations=_conversations(member, query, limit),
        messages=_messages(member, query, limit),
    )


def _containing(query: str, *fields: str) -> Q:
    """Any of ``fields`` contains ``query``, ignoring case.

    Chinese text, digits and phone numbers have no case: comparing them as they
    are spares the database upper-casing every row, which halves the time of a
    search that reads the whole table.
    """
    lookup = "contains" if query.upper() == query.lower() else "icontains"
    condition = Q()
    for name in fields:
        condition |= Q(**{f"{name}__{lookup}": query})
    return condition


def _contacts(member: Member, query: str, limit: int) -> list[ContactHit]:
    workspace_id = member.workspace_id
    by_address = Identity.in_workspace(workspace_id).filter(_containing(query, "external_id", "display_name"))
    latest_conversation = (
        Conversation.in_workspace(workspace_id).filter(contact=OuterRef("pk")).order_by("-last_activity_at", "-id")
    )
    contacts = (
        Contact.in_workspace(workspace_id)
        .filter(_containing(query, "name", "email", "phone") | Q(pk__in=by_address.values("contact_id")))
        .annotate(latest_conversation_id=Subquery(latest_conversation.values("pk")[:1]))
        .prefetch_related("identities")
        .order_by("-updated_at", "-id")[:limit]
    )
    return [
        ContactHit(
            contact=contact, conversation_id=contact.latest_conversation_id, matched=_matched_field(contact, query)
        )
        for contact in contacts
    ]


def _matched_field(contact: Contact, query: str) -> str:
    """The piece of the contact the query was found in, to show beside the name."""
    pattern = _pattern(query)
    candidates = [contact.email, contact.phone]
    for identity in contact.identities.all():
        candidates += [identity.external_id, identity.display_name]
    return next((text for text in candidates if text and pattern.search(text)), contact.email or contact.phone)


def _conversations(member: Member, query: str, limit: int) -> list[ConversationHit]:
    conversations = (
        Conversation.in_workspace(member.workspace_id)
        .filter(_containing(query, "subject"))
        .select_related("contact", "channel")
        .order_by("-last_activity_at", "-id")[:limit]
    )
    return [ConversationHit(conversation) for conversation in conversations]


def _messages(member: Member, query: str, limit: int) -> list[MessageHit]:
    """Messages of every kind (from the customer, to the customer, private notes), newest first.

    Read in two steps, because without a text index the database must choose
    between two plans: walking the primary key backwards stops as soon as
    ``limit`` matches are found (instant for common words, but slow page by
    page for rare ones), while reading the table straight through costs the
    same whatever the words. The newest messages are walked; only if they hold
    too few matches is the rest read straight through.
    """
    workspace_messages = Message.in_workspace(member.workspace_id)
    newest = workspace_messages.order_by("-id").values_list("id", flat=True).first()
    if newest is None:
        return []
    matching = workspace_messages.filter(_containing(query, "text")).select_related(
        "conversation__contact", "author__user"
    )
    boundary = newest - RECENT_MESSAGES
    found = list(matching.filter(id__gt=boundary).order_by("-id")[:limit])
    if len(found) < limit:
        # "id + 0" cannot be read from the key's index, so the database reads the rest straight through.
        older = matching.filter(id__lte=boundary).order_by((F("id") + 0).desc())[: limit - len(found)]
        found += list(older)
    return [MessageHit(message, snippet(message.text, query)) for message in found]


def _pattern(query: str) -> re.Pattern[str]:
    return re.compile(re.escape(query), re.IGNORECASE)


def snippet(text: str, query: str, context: int = SNIPPET_CONTEXT) -> str:
    """The part of ``text`` around the first match of ``query``, with an ellipsis where text was cut."""
    text = " ".join(text.split())
    match = _pattern(query).search(text)
    if match is None:
        return text[: context * 2] + ("…" if len(text) > context * 2 else "")
    start = max(0, match.start() - context)
    end = min(len(text), match.end() + context)
    return ("…" if start > 0 else "") + text[start:end] + ("…" if end < len(text) else "")


def segments(text: str, query: str) -> list[tuple[str, bool]]:
    """``text`` cut into (piece, is_match) pairs, matches of ``query`` found case-insensitively."""
    pieces: list[tuple[str, bool]] = []
    position = 0
    if query:
        for match in _pattern(query).finditer(text):
            if match.start() > position:
                pieces.append((text[position : match.start()], False))
            pieces.append((match.group(), True))
            position = match.end()
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
