"""REST v1 /segments: saved filters over contacts, their live count and their contacts page by page."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from frontdesk.api.auth import request_member
from frontdesk.api.pagination import PageParams, paginate
from frontdesk.api.schemas import ContactPage, ErrorOut
from frontdesk.api.serializers import contact_out
from frontdesk.core.models import Member
from frontdesk.segments import actions, evaluate
from frontdesk.segments.access import get_segment_for_member
from frontdesk.segments.models import Segment

router = Router(tags=["segments"])


class SegmentIn(Schema):
    name: str = Field(max_length=120)
    description: str = Field("", max_length=500)
    definition: dict[str, Any] = Field(default_factory=lambda: {"match": "all", "rules": []})


class SegmentPatch(Schema):
    name: str | None = Field(None, max_length=120)
    description: str | None = Field(None, max_length=500)
    definition: dict[str, Any] | None = None


class SegmentOut(Schema):
    id: int
    name: str
    description: str
    definition: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class SegmentPage(Schema):
    items: list[SegmentOut]
    next_cursor: str | None


class CountOut(Schema):
    count: int


def segment_out(segment: Segment) -> SegmentOut:
    return SegmentOut(
        id=segment.pk,
        name=segment.name,
        description=segment.description,
        definition=segment.definition,
        created_at=segment.created_at,
        updated_at=segment.updated_at,
    )


def _member(request: HttpRequest, permission: str = "segments.view_segment") -> Member:
    member = request_member(request)
    if not member.user.has_perm(permission, member.workspace):
        raise HttpError(403, "Segments are for supervisors and admins.")
    return member


def _fetch(member: Member, segment_id: int) -> Segment:
    try:
        return get_segment_for_member(member, segment_id)
    except Http404:
        raise HttpError(404, "Not found.") from None


@router.get("", response={200: SegmentPage, 403: ErrorOut})
def list_segments(request: HttpRequest, page: Query[PageParams]) -> SegmentPage:
    member = _member(request)
    rows, next_cursor = paginate(Segment.in_workspace(member.workspace_id), page, order=("-id",))
    return SegmentPage(items=[segment_out(segment) for segment in rows], next_cursor=next_cursor)


@router.post("", response={201: SegmentOut, 403: ErrorOut, 422: ErrorOut})
def create(request: HttpRequest, body: SegmentIn) -> Status[SegmentOut]:
    """Save a segment; the definition is checked against this workspace (its channels, labels, attributes)."""
    member = _member(request, "segments.manage_segment")
    segment = actions.save_segment(
        Segment(workspace_id=member.workspace_id),
        member,
        name=body.name,
        description=body.description,
        definition=body.definition,
    )
    return Status(201, segment_out(segment))


@router.get("/{segment_id}", response={200: SegmentOut, 404: ErrorOut})
def get_segment(request: HttpRequest, segment_id: int) -> SegmentOut:
    return segment_out(_fetch(request_member(request), segment_id))


@router.patch("/{segment_id}", response={200: SegmentOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def update(request: HttpRequest, segment_id: int, body: SegmentPatch) -> SegmentOut:
    member = request_member(request)
    segment = _fetch(member, segment_id)
    _member(request, "segments.manage_segment")
    segment = actions.save_segment(
        segment,
        member,
        name=body.name if body.name is not None else segment.name,
        description=body.description if body.description is not None else segment.description,
        definition=body.definition if body.definition is not None else segment.definition,
    )
    return segment_out(segment)


@router.delete("/{segment_id}", response={204: None, 403: ErrorOut, 404: ErrorOut})
def delete(request: HttpRequest, segment_id: int) -> Status[None]:
    member = request_member(request)
    segment = _fetch(member, segment_id)
    _member(request, "segments.manage_segment")
    actions.delete_segment(segment, member)
    return Status(204, None)


@router.get("/{segment_id}/count", response={200: CountOut, 404: ErrorOut})
def count(request: HttpRequest, segment_id: int) -> CountOut:
    """How many contacts the segment holds now."""
    return CountOut(count=evaluate.count(_fetch(request_member(request), segment_id)))


@router.get("/{segment_id}/contacts", response={200: ContactPage, 404: ErrorOut})
def contacts(request: HttpRequest, segment_id: int, page: Query[PageParams]) -> ContactPage:
    """The segment's contacts in ascending id order, by cursor (``next_cursor`` until it is null)."""
    segment = _fetch(request_member(request), segment_id)
    with evaluate.planned():
        matching = evaluate.segment_contacts(segment).prefetch_related("identities")
        rows, next_cursor = paginate(matching, page, order=("id",))
    return ContactPage(items=[contact_out(contact) for contact in rows], next_cursor=next_cursor)
