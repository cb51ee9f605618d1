"""REST v1 /search: the workspace's messages, notes, contacts and conversations, ranked and highlighted."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Query, Router, Schema

from frontdesk.api.auth import request_member
from frontdesk.search.models import EntryKind
from frontdesk.search.query import MAX_LIMIT, Hit, search

router = Router(tags=["search"])


class SearchParams(Schema):
    q: str = Field(..., min_length=1, max_length=200, description="Words in any script: 機票 finds 机票 too.")
    kind: list[EntryKind] = Field(default=[], description="Only these kinds (repeat the parameter); default all.")
    limit: int = Field(20, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=1000)


class HitOut(Schema):
    kind: EntryKind
    id: int = Field(description="The id of the message, contact, note or conversation found.")
    snippet: str = Field(description="HTML: the original text, escaped, with the matched words in <mark>.")
    rank: float
    created_at: datetime
    conversation_id: int | None
    conversation_url: str | None = Field(description="The agent UI's page of the conversation it leads to.")
    contact_id: int | None
    contact_name: str
    channel_id: int | None
    channel_kind: str | None


class SearchOut(Schema):
    query: str
    terms: list[str] = Field(description="What the query was searched as: Simplified, segmented, stemmed.")
    items: list[HitOut]
    next_offset: int | None


def hit_out(hit: Hit) -> HitOut:
    conversation_url = None
    if hit.conversation is not None:
        anchor = f"#message-{hit.message.pk}" if hit.message is not None else ""
        conversation_url = reverse("inbox:conversation-detail", args=[hit.conversation.pk]) + anchor
    channel = hit.channel
    return HitOut(
        kind=EntryKind(hit.kind),
        id=hit.object_id,
        snippet=str(hit.snippet),
        rank=hit.rank,
        created_at=hit.created_at,
        conversation_id=hit.conversation_id,
        conversation_url=conversation_url,
        contact_id=hit.contact.pk if hit.contact is not None else None,
        contact_name=str(hit.contact) if hit.contact is not None else "",
        channel_id=channel.pk if channel is not None else None,
        channel_kind=channel.kind if channel is not None else None,
    )


@router.get("", response=SearchOut, summary="Search messages, notes, contacts and conversations")
def search_workspace(request: HttpRequest, params: Query[SearchParams]) -> SearchOut:
    """Full-text search as the token's member may see: best first, paged by ``offset`` (up to the 1,000 newest
    matches are ranked). Snippets are HTML-escaped original text with <mark> around the matches."""
    page = search(
        request_member(request), params.q, kinds=params.kind or None, limit=params.limit, offset=params.offset
    )
    return SearchOut(
        query=page.query, terms=page.terms, items=[hit_out(hit) for hit in page.hits], next_offset=page.next_offset
    )
