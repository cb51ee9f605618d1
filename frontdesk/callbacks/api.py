"""REST v1 /callbacks: ask for a call for a contact, list requests with their timings, claim and record calls."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from frontdesk.api.auth import request_member
from frontdesk.api.pagination import PageParams, paginate
from frontdesk.api.schemas import ErrorOut
from frontdesk.callbacks import actions
from frontdesk.callbacks.access import get_callback_for_member
from frontdesk.callbacks.models import CallbackAttempt, CallbackRequest, CallbackStatus, CallOutcome
from frontdesk.callbacks.reporting import summarise
from frontdesk.callbacks.schemas import CallbackOut, callback_out
from frontdesk.channels.access import get_channel_for_member
from frontdesk.contacts.access import get_contact_for_member
from frontdesk.contacts.models import Identity
from frontdesk.conversations.access import get_conversation_for_member
from frontdesk.core.access import get_member_for_member
from frontdesk.core.models import Member

router = Router(tags=["callbacks"])


class IdentityRef(Schema):
    channel_id: int
    external_id: str = Field(max_length=255)


class CallbackIn(Schema):
    """Who to call (``contact_id`` or ``identity``) and where to confirm (conversation, channel or identity)."""

    phone: str = Field(max_length=40)
    contact_id: int | None = None
    identity: IdentityRef | None = None
    conversation_id: int | None = None
    channel_id: int | None = None
    context: dict[str, Any] | None = None


class CallbackPage(Schema):
    items: list[CallbackOut]
    next_cursor: str | None


class CallbackFilters(Schema):
    status: CallbackStatus | None = None
    since: datetime | None = Field(None, alias="from")
    until: datetime | None = Field(None, alias="to")


class OutcomeIn(Schema):
    outcome: CallOutcome
    notes: str = Field("", max_length=5000)


class ReassignIn(Schema):
    member_id: int


class SummaryOut(Schema):
    count: int
    claimed: int
    median_seconds_to_claim: float | None
    p90_seconds_to_claim: float | None
    median_seconds_to_first_attempt: float | None
    p90_seconds_to_first_attempt: float | None
    within_target_share: float | None


def _not_found() -> HttpError:
    return HttpError(404, "Not found.")


def _identity(member: Member, ref: IdentityRef) -> Identity:
    identity = (
        Identity.in_workspace(member.workspace_id)
        .filter(channel_id=ref.channel_id, external_id=ref.external_id)
        .select_related("contact", "channel")
        .first()
    )
    if identity is None or not member.user.has_perm("contacts.view_contact", identity.contact):
        raise _not_found()
    return identity


@router.post("", response={201: CallbackOut, 404: ErrorOut, 422: ErrorOut})
def create(request: HttpRequest, body: CallbackIn) -> Status[CallbackOut]:
    """A customer asks to be called; the answer is the queued request (the same one again for a repeat)."""
    member = request_member(request)
    try:
        identity = _identity(member, body.identity) if body.identity is not None else None
        if body.contact_id is not None:
            contact = get_contact_for_member(member, body.contact_id)
            if identity is not None and identity.contact_id != contact.pk:
                raise HttpError(422, "The identity belongs to another contact.")
        elif identity is not None:
            contact = identity.contact
        else:
            raise HttpError(422, "Give the contact: contact_id or identity.")
        conversation = None
        if body.conversation_id is not None:
            conversation = get_conversation_for_member(member, body.conversation_id)
            channel = conversation.channel
        elif body.channel_id is not None:
            channel = get_channel_for_member(member, body.channel_id)
        elif identity is not None:
            channel = identity.channel
        else:
            raise HttpError(422, "Give the channel to confirm on: channel_id, conversation_id or identity.")
    except Http404:
        raise _not_found() from None
    try:
        callback = actions.request_callback(
            channel=channel,
            contact=contact,
            phone=body.phone,
            conversation=conversation,
            context=body.context,
            source="api",
        )
    except actions.InvalidPhoneNumber as error:
        raise HttpError(422, str(error)) from None
    return Status(201, callback_out(callback))


@router.get("", response=CallbackPage)
def list_callbacks(request: HttpRequest, filters: Query[CallbackFilters], page: Query[PageParams]) -> CallbackPage:
    """Requests, newest first, with their timings; ``from``/``to`` bound the request time, ``to`` excluded."""
    member = request_member(request)
    callbacks = CallbackRequest.in_workspace(member.workspace_id).select_related("contact")
    if filters.status is not None:
        callbacks = callbacks.filter(status=filters.status)
    if filters.since is not None:
        callbacks = callbacks.filter(requested_at__gte=filters.since)
    if filters.until is not None:
        callbacks = callbacks.filter(requested_at__lt=filters.until)
    rows, next_cursor = paginate(callbacks, page, order=("-requested_at", "-id"))
    return CallbackPage(items=[callback_out(callback) for callback in rows], next_cursor=next_cursor)


@router.get("/summary", response=SummaryOut)
def summary(request: HttpRequest, filters: Query[CallbackFilters]) -> SummaryOut:
    """Count, median and p90 seconds to claim and to first call, and the share claimed within target."""
    member = request_member(request)
    figures = summarise(member.workspace_id, since=filters.since, until=filters.until)
    return SummaryOut(**figures.__dict__)


def _detail(member: Member, callback: CallbackRequest) -> CallbackOut:
    attempts = list(CallbackAttempt.in_workspace(member.workspace_id).filter(callback=callback))
    return callback_out(callback, attempts)


def _fetch(member: Member, callback_id: int) -> CallbackRequest:
    try:
        return get_callback_for_member(member, callback_id)
    except Http404:
        raise _not_found() from None


@router.get("/{callback_id}", response={200: CallbackOut, 404: ErrorOut})
def get_callback(request: HttpRequest, callback_id: int) -> CallbackOut:
    member = request_member(request)
    return _detail(member, _fetch(member, callback_id))


@router.post("/{callback_id}/claim", response={200: CallbackOut, 404: ErrorOut, 409: ErrorOut})
def claim(request: HttpRequest, callback_id: int) -> CallbackOut:
    """Take the callback for the token's member; 409 when someone else was first."""
    member = request_member(request)
    try:
        callback = actions.claim(_fetch(member, callback_id), member)
    except actions.CallbackTaken as error:
        raise HttpError(409, " ".join(error.messages)) from None
    return _detail(member, callback)


@router.post("/{callback_id}/release", response={200: CallbackOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def release(request: HttpRequest, callback_id: int) -> CallbackOut:
    member = request_member(request)
    return _detail(member, actions.release(_fetch(member, callback_id), member))


@router.post("/{callback_id}/dialling", response={200: CallbackOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def start_call(request: HttpRequest, callback_id: int) -> CallbackOut:
    """The member holding the callback starts calling: sets ``first_attempt_at`` if no call has started yet."""
    member = request_member(request)
    return _detail(member, actions.start_call(_fetch(member, callback_id), member))


@router.post("/{callback_id}/attempts", response={201: CallbackOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def record_attempt(request: HttpRequest, callback_id: int, body: OutcomeIn) -> Status[CallbackOut]:
    """Record a call made by the member holding the callback: reached, no_answer or wrong_number."""
    member = request_member(request)
    callback = _fetch(member, callback_id)
    actions.record_outcome(callback, member, body.outcome, body.notes)
    return Status(201, _detail(member, _fetch(member, callback_id)))


@router.post("/{callback_id}/reassign", response={200: CallbackOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def reassign(request: HttpRequest, callback_id: int, body: ReassignIn) -> CallbackOut:
    member = request_member(request)
    callback = _fetch(member, callback_id)
    try:
        target = get_member_for_member(member, body.member_id)
    except Http404:
        raise _not_found() from None
    return _detail(member, actions.reassign(callback, target, actor=member))
