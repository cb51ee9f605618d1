"""Full-text search of a workspace as one member may see it: ranked, highlighted, paged, bounded in cost.

A query goes through the same terms as the index (frontdesk.search.terms), so 機票 finds 机票, 軟體 finds
软件 and "refunds" finds "refund"; the last word is also matched as a prefix, so "canc" finds "cancelled".
Ranking (ts_rank_cd on PostgreSQL, bm25 on SQLite, newer first on a tie) looks at the newest
``CANDIDATES`` matches at most, so a word in every other message costs the same as a rare one.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils.safestring import SafeString

from frontdesk.channels.models import Channel
from frontdesk.contacts.models import Contact, ContactNote
from frontdesk.conversations.models import Conversation, Message
from frontdesk.core.models import Member
from frontdesk.search.highlight import highlight, snippet
from frontdesk.search.models import EntryKind
from frontdesk.search.terms import characters, query_terms

MAX_LIMIT = 50
# How many of the newest matches are ranked; beyond them a more precise query is the answer.
CANDIDATES = 1000
MAX_QUERY_LENGTH = 200
MAX_TERMS = 12

# Which permission lets a member see each kind of entry.
_PERMISSIONS = {
    EntryKind.MESSAGE: "conversations.view_conversation",
    EntryKind.NOTE: "conversations.view_conversation",
    EntryKind.CONVERSATION: "conversations.view_conversation",
    EntryKind.CONTACT: "contacts.view_contact",
    EntryKind.CONTACT_NOTE: "contacts.view_contactnote",
}


@dataclass(frozen=True)
class Hit:
    """One thing found: what it is, where it leads, and a highlighted snippet of its original text."""

    kind: str
    object_id: int
    rank: float
    created_at: datetime
    snippet: SafeString
    conversation: Conversation | None = None
    contact: Contact | None = None
    message: Message | None = None
    note: ContactNote | None = None
    # For a contact: the field the query was found in (email, phone, address on a channel), highlighted.
    detail: SafeString | None = None

    @property
    def conversation_id(self) -> int | None:
        return self.conversation.pk if self.conversation is not None else None

    @property
    def label(self) -> str:
        return str(EntryKind(self.kind).label)

    @property
    def channel(self) -> Channel | None:
        """The channel a message came or went by, else the conversation's."""
        if self.message is not None and self.message.channel_id is not None:
            return self.message.channel
        return self.conversation.channel if self.conversation is not None else None


@dataclass(frozen=True)
class SearchPage:
    query: str
    terms: list[str]
    hits: list[Hit] = field(default_factory=list)
    offset: int = 0
    has_more: bool = False

    def __bool__(self) -> bool:
        return bool(self.hits)

    @property
    def next_offset(self) -> int | None:
        return self.offset + len(self.hits) if self.has_more else None


@dataclass(frozen=True)
class _Row:
    id: int
    kind: str
    object_id: int
    conversation_id: int | None
    contact_id: int | None
    created_at: datetime
    rank: float


def visible_kinds(member: Member, kinds: Iterable[str] | None = None) -> list[str]:
    """The kinds of entry ``member`` may see, of ``kinds`` (default: all)."""
    wanted = [EntryKind(kind) for kind in kinds] if kinds is not None else list(EntryKind)
    return [kind.value for kind in wanted if member.user.has_perm(_PERMISSIONS[kind], member.workspace)]


def search(
    member: Member, query: str, *, kinds: Iterable[str] | None = None, limit: int = 20, offset: int = 0
) -> SearchPage:
    """The ``limit`` best matches of ``query`` from ``offset`` that ``member`` may see, best first.

    ``kinds`` narrows to some of EntryKind's values (an unknown one raises ValueError). Contacts merged
    into another are never found.
    """
    query = query.strip()[:MAX_QUERY_LENGTH]
    terms = query_terms(query)[:MAX_TERMS]
    limit = max(1, min(limit, MAX_LIMIT))
    offset = max(0, min(offset, CANDIDATES))
    allowed = visible_kinds(member, kinds)
    if not terms or not allowed:
        return SearchPage(query=query, terms=terms, offset=offset)
    rows = _rows(member.workspace_id, query, terms, allowed, limit + 1, offset)
    hits = _hits(member.workspace_id, rows[:limit], terms)
    return SearchPage(query=query, terms=terms, hits=hits, offset=offset, has_more=len(rows) > limit)


def branches(query: str, terms: Sequence[str]) -> list[tuple[list[str], bool]]:
    """The alternatives a query matches, each (terms all present, last term also as a prefix).

    Always the query's terms; for a query of Chinese only, also each of its characters (contact names are
    indexed by character, so 大文 finds 陳大文); for a query of numbers only (+852 9123 4567), also the
    digits run together (phones are indexed whole and by their endings).
    """
    found: list[tuple[list[str], bool]] = [(list(terms), True)]
    chinese = all(not term.isascii() and not any(c.isdigit() for c in term) for term in terms)
    if chinese and (singles := characters(query)):
        found.append((singles, False))
    if len(terms) > 1 and all(term.isdigit() for term in terms):
        found.append((["".join(terms)], True))
    return found


def postgresql_query(query: str, terms: Sequence[str]) -> str:
    """A to_tsquery text (terms hold only letters and digits, so quoting them is safe)."""
    return " | ".join(
        "("
        + " & ".join(
            f"'{term}'" + (":*" if prefix and index == len(words) - 1 else "") for index, term in enumerate(words)
        )
        + ")"
        for words, prefix in branches(query, terms)
    )


def sqlite_query(query: str, terms: Sequence[str]) -> str:
    """An FTS5 MATCH text with the same meaning as ``postgresql_query``."""
    return " OR ".join(
        "("
        + " AND ".join(
            f'"{term}"' + ("*" if prefix and index == len(words) - 1 else "") for index, term in enumerate(words)
        )
        + ")"
        for words, prefix in branches(query, terms)
    )


# Every kind a member may see is listed, so the kinds never widen what the workspace and permissions allow.
#
# PostgreSQL gets one of two plans, chosen here rather than by the planner, which takes the words of a
# query for independent and so misjudges words that go together (商务 and 舱) by a factor of 20:
# - "matches": every match through the GIN index (at most MATCH_CAP), the newest CANDIDATES ranked. Costs
#   what the query matches: right for rare words and codes.
# - "newest": the workspace's newest entries (at most NEWEST_BUDGET), read newest first until CANDIDATES
#   match. Costs CANDIDATES ÷ how common the words are: right for common words.
# Which one: the rarest word's frequency in PostgreSQL's own statistics (``_frequencies``).
_MATCHES = """
WITH matches AS MATERIALIZED (
    SELECT id, kind, object_id, conversation_id, contact_id, created_at, document FROM search_searchentry
    WHERE workspace_id = %(workspace)s AND document @@ to_tsquery('simple', %(query)s) AND kind = ANY(%(kinds)s)
    LIMIT %(cap)s
), candidates AS MATERIALIZED (
    SELECT * FROM matches ORDER BY created_at DESC LIMIT %(candidates)s
)
SELECT id, kind, object_id, conversation_id, contact_id, created_at,
       ts_rank_cd(document, to_tsquery('simple', %(query)s), 1) AS rank
FROM candidates
ORDER BY rank DESC, created_at DESC, id DESC
LIMIT %(limit)s OFFSET %(offset)s
"""

_NEWEST = """
WITH candidates AS MATERIALIZED (
    SELECT * FROM (
        SELECT id, kind, object_id, conversation_id, contact_id, created_at, document FROM search_searchentry
        WHERE workspace_id = %(workspace)s ORDER BY created_at DESC LIMIT %(budget)s
    ) newest
    WHERE document @@ to_tsquery('simple', %(query)s) AND kind = ANY(%(kinds)s)
    LIMIT %(candidates)s
)
SELECT id, kind, object_id, conversation_id, contact_id, created_at,
       ts_rank_cd(document, to_tsquery('simple', %(query)s), 1) AS rank, count(*) OVER () AS found
FROM candidates
ORDER BY rank DESC, created_at DESC, id DESC
LIMIT %(limit)s OFFSET %(offset)s
"""

# Each plan is held to its own access path: the other is switched off for the one statement.
_ONLY = {
    "matches": ("SET LOCAL enable_seqscan = off", "SET LOCAL enable_indexscan = off", "SET LOCAL work_mem = '64MB'"),
    "newest": ("SET LOCAL enable_seqscan = off", "SET LOCAL enable_bitmapscan = off"),
}
MATCH_CAP = 20_000
NEWEST_BUDGET = 50_000
# Queries whose rarest word is estimated in fewer entries than this read their matches.
RARE_ROWS = 20_000
STATISTICS_SECONDS = 300

_SQLITE = """
WITH candidates AS (
    SELECT e.id, e.kind, e.object_id, e.conversation_id, e.contact_id, e.created_at, bm25(search_entry_fts) AS cost
    FROM search_entry_fts JOIN search_searchentry e ON e.id = search_entry_fts.rowid
    WHERE search_entry_fts MATCH %(query)s AND e.workspace_id = %(workspace)s
      AND e.kind IN (SELECT value FROM json_each(%(kinds)s))
    ORDER BY e.created_at DESC
    LIMIT %(candidates)s
)
SELECT id, kind, object_id, conversation_id, contact_id, created_at, -cost AS rank FROM candidates
ORDER BY rank DESC, created_at DESC, id DESC
LIMIT %(limit)s OFFSET %(offset)s
"""


@dataclass
class _Statistics:
    at: float = -STATISTICS_SECONDS
    frequencies: dict[str, float] = field(default_factory=dict)
    floor: float = 0.0
    rows: float = 0.0


_statistics = _Statistics()


def _frequencies() -> _Statistics:
    """PostgreSQL's statistics of the index's words (the most common ones and the share of entries holding
    each), read again every few minutes."""
    if time.monotonic() - _statistics.at < STATISTICS_SECONDS:
        return _statistics
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
            "WHERE tablename = 'search_searchentry' AND attname = 'document'"
        )
        found = cursor.fetchone()
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'search_searchentry'")
        rows = cursor.fetchone()
    elements, shares = (found[0] or [], found[1] or []) if found else ([], [])
    _statistics.frequencies = dict(zip(elements, shares, strict=False))
    # A word beyond the most common ones is rarer than the rarest of them (PostgreSQL guesses half).
    _statistics.floor = min(_statistics.frequencies.values(), default=0.0) / 2
    _statistics.rows = max(float(rows[0]) if rows else 0.0, 0.0)
    _statistics.at = time.monotonic()
    return _statistics


def estimated_rows(query: str, terms: Sequence[str]) -> float:
    """How many entries may match at most: per alternative, its rarest word (a prefix counts every word it
    begins); the alternatives added up."""
    statistics = _frequencies()
    total = 0.0
    for words, prefix in branches(query, terms):
        shares = []
        for index, word in enumerate(words):
            share = statistics.frequencies.get(word, statistics.floor)
            if prefix and index == len(words) - 1:
                share = statistics.floor + sum(
                    value for element, value in statistics.frequencies.items() if element.startswith(word)
                )
            shares.append(share)
        total += min(shares, default=0.0)
    return min(1.0, total) * statistics.rows


def _postgresql(params: dict[str, Any], query: str, terms: list[str]) -> list[tuple[Any, ...]]:
    if estimated_rows(query, terms) > RARE_ROWS:
        found = _run("newest", params)
        # Whether the newest entries held CANDIDATES matches does not depend on the page: every page agrees.
        if found and found[0][-1] >= CANDIDATES:
            return [row[:-1] for row in found]
    # Rare words; or common ones, but rarely together or not lately: read their matches (capped).
    return _run("matches", params)


def _run(plan: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    with transaction.atomic(), connection.cursor() as cursor:
        for setting in _ONLY[plan]:
            cursor.execute(setting)
        cursor.execute(_NEWEST if plan == "newest" else _MATCHES, params)
        return list(cursor.fetchall())


def _rows(workspace_id: int, query: str, terms: list[str], kinds: list[str], limit: int, offset: int) -> list[_Row]:
    params: dict[str, Any] = {
        "workspace": workspace_id,
        "candidates": CANDIDATES,
        "limit": limit,
        "offset": offset,
        "cap": MATCH_CAP,
        "budget": NEWEST_BUDGET,
    }
    if connection.vendor == "postgresql":
        params |= {"query": postgresql_query(query, terms), "kinds": kinds}
        found = _postgresql(params, query, terms)
    else:
        params |= {"query": sqlite_query(query, terms), "kinds": json.dumps(kinds)}
        with connection.cursor() as cursor:
            cursor.execute(_SQLITE, params)
            found = cursor.fetchall()
    rows = []
    for id_, kind, object_id, conversation_id, contact_id, created_at, rank in found:
        if isinstance(created_at, str):  # SQLite hands raw SQL's dates back as text
            created_at = datetime.fromisoformat(created_at).replace(tzinfo=UTC)
        rows.append(_Row(id_, kind, object_id, conversation_id, contact_id, created_at, float(rank or 0)))
    return rows


def _ids(rows: list[_Row], *kinds: str) -> list[int]:
    return [row.object_id for row in rows if row.kind in kinds]


def _hits(workspace_id: int, rows: list[_Row], terms: list[str]) -> list[Hit]:
    """The rows' things, each loaded in one query per kind; a thing gone since it was indexed is left out."""
    messages = {
        message.pk: message
        for message in Message.in_workspace(workspace_id)
        .filter(pk__in=_ids(rows, EntryKind.MESSAGE, EntryKind.NOTE))
        .select_related("conversation__contact", "conversation__channel", "channel", "author__user")
    }
    contacts = {
        contact.pk: contact
        for contact in Contact.in_workspace(workspace_id)
        .filter(pk__in=_ids(rows, EntryKind.CONTACT), merged_into__isnull=True)
        .prefetch_related("identities")
    }
    notes = {
        note.pk: note
        for note in ContactNote.in_workspace(workspace_id)
        .filter(pk__in=_ids(rows, EntryKind.CONTACT_NOTE))
        .select_related("contact", "author__user")
    }
    conversations = {
        conversation.pk: conversation
        for conversation in Conversation.in_workspace(workspace_id)
        .filter(pk__in=_ids(rows, EntryKind.CONVERSATION))
        .select_related("contact", "channel")
    }
    latest = _latest_conversations(
        workspace_id, {row.contact_id for row in rows if row.kind in (EntryKind.CONTACT, EntryKind.CONTACT_NOTE)}
    )
    hits: list[Hit] = []
    for row in rows:
        common = {"kind": row.kind, "object_id": row.object_id, "rank": row.rank, "created_at": row.created_at}
        if row.kind in (EntryKind.MESSAGE, EntryKind.NOTE) and (message := messages.get(row.object_id)):
            hits.append(
                Hit(
                    **common,  # type: ignore[arg-type]
                    snippet=snippet(message.text, terms),
                    message=message,
                    conversation=message.conversation,
                    contact=message.conversation.contact,
                )
            )
        elif row.kind == EntryKind.CONTACT and (contact := contacts.get(row.object_id)):
            hits.append(
                Hit(
                    **common,  # type: ignore[arg-type]
                    snippet=highlight(str(contact), terms),
                    contact=contact,
                    conversation=latest.get(contact.pk),
                    detail=_contact_detail(contact, terms),
                )
            )
        elif row.kind == EntryKind.CONTACT_NOTE and (note := notes.get(row.object_id)):
            hits.append(
                Hit(
                    **common,  # type: ignore[arg-type]
                    snippet=snippet(note.text, terms),
                    note=note,
                    contact=note.contact,
                    conversation=latest.get(note.contact_id),
                )
            )
        elif row.kind == EntryKind.CONVERSATION and (conversation := conversations.get(row.object_id)):
            hits.append(
                Hit(
                    **common,  # type: ignore[arg-type]
                    snippet=highlight(conversation.subject, terms),
                    conversation=conversation,
                    contact=conversation.contact,
                )
            )
    return hits


def _latest_conversations(workspace_id: int, contact_ids: set[int | None]) -> dict[int, Conversation]:
    """Each contact's most recently active conversation, where a contact's hit leads (two bounded queries)."""
    wanted = {contact_id for contact_id in contact_ids if contact_id is not None}
    if not wanted:
        return {}
    latest = Conversation.in_workspace(workspace_id).filter(contact=OuterRef("pk")).order_by("-last_activity_at", "-id")
    ids = dict(
        Contact.in_workspace(workspace_id)
        .filter(pk__in=wanted)
        .annotate(latest_id=Subquery(latest.values("pk")[:1]))
        .values_list("latest_id", "pk")
    )
    conversations = Conversation.in_workspace(workspace_id).filter(pk__in=[pk for pk in ids if pk is not None])
    return {ids[conversation.pk]: conversation for conversation in conversations.select_related("channel")}


def _contact_detail(contact: Contact, terms: list[str]) -> SafeString | None:
    """The first of the contact's other fields that holds a match, highlighted."""
    candidates = [contact.email, contact.phone, contact.customer_id]
    for identity in contact.identities.all():
        candidates += [identity.display_name, identity.external_id]
    for text in candidates:
        if text and "<mark>" in (marked := highlight(text, terms)):
            return marked
    fallback = contact.email or contact.phone
    return highlight(fallback, terms) if fallback else None


def conversations_matching(member: Member, query: str) -> tuple[list[int], list[int]] | None:
    """For the inbox's filter: (conversation ids, contact ids) of the newest ``CANDIDATES`` matches of ``query``.

    A conversation matches through its messages, notes or subject, or through its contact. None when the
    query has no terms (the filter then matches nothing rather than everything).
    """
    terms = query_terms(query.strip()[:MAX_QUERY_LENGTH])[:MAX_TERMS]
    allowed = visible_kinds(member, [EntryKind.MESSAGE, EntryKind.NOTE, EntryKind.CONVERSATION, EntryKind.CONTACT])
    if not terms:
        return None
    rows = _rows(member.workspace_id, query, terms, allowed, CANDIDATES, 0) if allowed else []
    conversation_ids = {row.conversation_id for row in rows if row.kind != EntryKind.CONTACT and row.conversation_id}
    contact_ids = {row.contact_id for row in rows if row.kind == EntryKind.CONTACT and row.contact_id}
    return sorted(conversation_ids), sorted(contact_ids)  # type: ignore[type-var]
