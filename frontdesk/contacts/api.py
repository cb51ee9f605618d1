"""REST v1 for customer profiles: attribute definitions, preferences, compliments and complaints, business context.

Three routers: ``attributes`` (/attributes), ``profile`` (beside the contacts
router, under /contacts/{id}/…) and ``context`` (/context, for integrators
who name the contact by customer id, email or phone). Every id is looked up
in the caller's workspace: another workspace's id answers 404 like a missing one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from frontdesk.api.auth import request_member
from frontdesk.api.schemas import ErrorOut
from frontdesk.contacts import actions, attributes, context, feedback
from frontdesk.contacts.access import get_contact_for_member, get_context_for_member
from frontdesk.contacts.models import (
    AttributeDefinition,
    AttributeType,
    Contact,
    ContactFeedback,
    ContactPreference,
    ContextObject,
)
from frontdesk.conversations.access import get_conversation_for_member
from frontdesk.conversations.models import Conversation
from frontdesk.core.models import Member

attributes_router = Router(tags=["attributes"])
profile_router = Router(tags=["contacts"])
context_router = Router(tags=["context"])
# A contact's lists are short by nature; the API answers them whole, newest first, up to this many.
MAX_LISTED = 500


def _not_found() -> HttpError:
    return HttpError(404, "Not found.")


def _member(request: HttpRequest) -> Member:
    return request_member(request)


def _contact(member: Member, contact_id: int, permission: str) -> Contact:
    try:
        contact = get_contact_for_member(member, contact_id)
    except Http404:
        raise _not_found() from None
    if contact.merged_into_id is not None:
        # A merged contact is hidden everywhere; its id reads as missing.
        raise _not_found()
    if not member.user.has_perm(permission, contact):
        raise HttpError(403, "You may not do that with this contact.")
    return contact


def _source(member: Member, conversation_id: int | None) -> Conversation | None:
    if conversation_id is None:
        return None
    try:
        return get_conversation_for_member(member, conversation_id)
    except Http404:
        raise _not_found() from None


class AttributeDefinitionOut(Schema):
    key: str
    label: str
    type: AttributeType
    choices: list[str]
    position: int


class AttributeDefinitionIn(Schema):
    key: str = Field(max_length=100)
    label: str = Field(max_length=200)
    type: AttributeType = AttributeType.TEXT
    choices: list[str] = Field(default_factory=list, max_length=200)


class AttributeDefinitionPatch(Schema):
    label: str | None = Field(None, max_length=200)
    type: AttributeType | None = None
    choices: list[str] | None = Field(None, max_length=200)


def _definition_out(definition: AttributeDefinition) -> AttributeDefinitionOut:
    return AttributeDefinitionOut(
        key=definition.key,
        label=definition.label,
        type=AttributeType(definition.type),
        choices=list(definition.choices),
        position=definition.position,
    )


def _require_admin(member: Member) -> None:
    if not member.user.has_perm("contacts.manage_attributedefinition", member.workspace):
        raise HttpError(403, "Only admins may define contact attributes.")


def _definition(member: Member, key: str) -> AttributeDefinition:
    definition = AttributeDefinition.in_workspace(member.workspace_id).filter(key=key).first()
    if definition is None:
        raise _not_found()
    return definition


@attributes_router.get("", response=list[AttributeDefinitionOut])
def list_attributes(request: HttpRequest) -> list[AttributeDefinitionOut]:
    """The workspace's defined contact attributes, in the order the sidebar shows them."""
    member = _member(request)
    return [_definition_out(definition) for definition in attributes.definitions(member.workspace_id)]


@attributes_router.post("", response={201: AttributeDefinitionOut, 403: ErrorOut, 422: ErrorOut})
def create_attribute(request: HttpRequest, body: AttributeDefinitionIn) -> Status[AttributeDefinitionOut]:
    member = _member(request)
    _require_admin(member)
    definition = attributes.create_definition(
        member, key=body.key, label=body.label, type=body.type.value, choices=body.choices
    )
    return Status(201, _definition_out(definition))


@attributes_router.patch("/{key}", response={200: AttributeDefinitionOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def update_attribute(request: HttpRequest, key: str, body: AttributeDefinitionPatch) -> AttributeDefinitionOut:
    """Change the label, type or choices (the key stays: contacts' values are stored under it)."""
    member = _member(request)
    definition = _definition(member, key)
    _require_admin(member)
    definition = attributes.update_definition(
        definition,
        member,
        label=body.label if body.label is not None else definition.label,
        type=body.type.value if body.type is not None else definition.type,
        choices=body.choices if body.choices is not None else list(definition.choices),
    )
    return _definition_out(definition)


@attributes_router.delete("/{key}", response={204: None, 403: ErrorOut, 404: ErrorOut})
def delete_attribute(request: HttpRequest, key: str) -> Status[None]:
    """Forget the definition; contacts keep their values under the key, as free text."""
    member = _member(request)
    definition = _definition(member, key)
    _require_admin(member)
    attributes.delete_definition(definition, member)
    return Status(204, None)


class SourceOut(Schema):
    conversation_id: int | None
    member_id: int | None
    member_name: str


class PreferenceOut(Schema):
    id: int
    kind: str
    text: str
    source: SourceOut
    created_at: datetime


class PreferenceIn(Schema):
    kind: str = Field(max_length=20)
    text: str = Field(max_length=1000)
    source_conversation_id: int | None = None


class FeedbackOut(Schema):
    id: int
    kind: str
    text: str
    source: SourceOut
    created_at: datetime


class FeedbackIn(Schema):
    kind: str = Field(max_length=20)
    text: str = Field(max_length=2000)
    source_conversation_id: int | None = None


def _source_out(row: ContactPreference | ContactFeedback) -> SourceOut:
    author = row.created_by
    return SourceOut(
        conversation_id=row.source_conversation_id,
        member_id=row.created_by_id,
        member_name=(author.display_name or str(author.user)) if author is not None else "",
    )


def _preference_out(row: ContactPreference) -> PreferenceOut:
    return PreferenceOut(id=row.pk, kind=row.kind, text=row.text, source=_source_out(row), created_at=row.created_at)


def _feedback_out(row: ContactFeedback) -> FeedbackOut:
    return FeedbackOut(id=row.pk, kind=row.kind, text=row.text, source=_source_out(row), created_at=row.created_at)


@profile_router.get("/{contact_id}/preferences", response={200: list[PreferenceOut], 404: ErrorOut})
def list_preferences(request: HttpRequest, contact_id: int) -> list[PreferenceOut]:
    """What the customer likes and dislikes, with where it was learnt and who noted it."""
    member = _member(request)
    contact = _contact(member, contact_id, "contacts.view_contactpreference")
    rows = (
        ContactPreference.in_workspace(member.workspace_id)
        .filter(contact=contact)
        .select_related("created_by__user")
        .order_by("-created_at", "-pk")[:MAX_LISTED]
    )
    return [_preference_out(row) for row in rows]


@profile_router.post(
    "/{contact_id}/preferences", response={201: PreferenceOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
)
def add_preference(request: HttpRequest, contact_id: int, body: PreferenceIn) -> Status[PreferenceOut]:
    """``source_conversation_id``, when given, must be one of this contact's conversations."""
    member = _member(request)
    contact = _contact(member, contact_id, "contacts.change_contactpreference")
    conversation = _source(member, body.source_conversation_id)
    preference = actions.add_preference(contact, member, body.kind, body.text, conversation=conversation)
    return Status(201, _preference_out(preference))


@profile_router.delete("/{contact_id}/preferences/{preference_id}", response={204: None, 403: ErrorOut, 404: ErrorOut})
def delete_preference(request: HttpRequest, contact_id: int, preference_id: int) -> Status[None]:
    member = _member(request)
    contact = _contact(member, contact_id, "contacts.change_contactpreference")
    preference = ContactPreference.in_workspace(member.workspace_id).filter(contact=contact, pk=preference_id).first()
    if preference is None:
        raise _not_found()
    actions.remove_preference(preference, member)
    return Status(204, None)


@profile_router.get("/{contact_id}/feedback", response={200: list[FeedbackOut], 404: ErrorOut})
def list_feedback(request: HttpRequest, contact_id: int) -> list[FeedbackOut]:
    """The customer's compliments and complaints, newest first."""
    member = _member(request)
    contact = _contact(member, contact_id, "contacts.view_contactfeedback")
    rows = (
        ContactFeedback.in_workspace(member.workspace_id)
        .filter(contact=contact)
        .select_related("created_by__user")
        .order_by("-created_at", "-pk")[:MAX_LISTED]
    )
    return [_feedback_out(row) for row in rows]


@profile_router.post("/{contact_id}/feedback", response={201: FeedbackOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def add_feedback(request: HttpRequest, contact_id: int, body: FeedbackIn) -> Status[FeedbackOut]:
    """Record a compliment or a complaint; ``source_conversation_id`` must be one of this contact's conversations."""
    member = _member(request)
    contact = _contact(member, contact_id, "contacts.change_contactfeedback")
    conversation = _source(member, body.source_conversation_id)
    row = feedback.record_feedback(member, contact, kind=body.kind, text=body.text, source_conversation=conversation)
    return Status(201, _feedback_out(row))


@profile_router.delete("/{contact_id}/feedback/{feedback_id}", response={204: None, 403: ErrorOut, 404: ErrorOut})
def delete_feedback(request: HttpRequest, contact_id: int, feedback_id: int) -> Status[None]:
    member = _member(request)
    contact = _contact(member, contact_id, "contacts.change_contactfeedback")
    row = ContactFeedback.in_workspace(member.workspace_id).filter(contact=contact, pk=feedback_id).first()
    if row is None:
        raise _not_found()
    feedback.remove_feedback(row, member)
    return Status(204, None)


class ContextIn(Schema):
    """An order, booking or ticket: its title, status, an http(s) link and up to 50 scalar fields."""

    title: str = Field("", max_length=1000)
    status: str = Field("", max_length=1000)
    url: str = Field("", max_length=2000)
    data: dict[str, Any] = Field(default_factory=dict)


class ContactRef(Schema):
    """The contact, named the way the business knows it: the first of these given is used."""

    customer_id: str = Field("", max_length=100)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=40)


class ContextLookupIn(ContextIn):
    contact: ContactRef


class ContextOut(Schema):
    id: int
    contact_id: int
    kind: str
    external_id: str
    title: str
    status: str
    url: str
    data: dict[str, Any]
    created_at: datetime
    updated_at: datetime


def _context_out(obj: ContextObject) -> ContextOut:
    return ContextOut(
        id=obj.pk,
        contact_id=obj.contact_id,
        kind=obj.kind,
        external_id=obj.external_id,
        title=obj.title,
        status=obj.status,
        url=obj.url,
        data=obj.data,
        created_at=obj.created_at,
        updated_at=obj.updated_at,
    )


def _put(member: Member, contact: Contact, kind: str, external_id: str, body: ContextIn) -> Status[ContextOut]:
    obj, created = context.upsert_context(
        member,
        contact,
        kind=kind,
        external_id=external_id,
        title=body.title,
        status=body.status,
        url=body.url,
        data=body.data,
    )
    return Status(201 if created else 200, _context_out(obj))


@profile_router.get("/{contact_id}/context", response={200: list[ContextOut], 404: ErrorOut})
def list_context(request: HttpRequest, contact_id: int) -> list[ContextOut]:
    """The contact's orders, bookings and tickets, the most recently updated first."""
    member = _member(request)
    contact = _contact(member, contact_id, "contacts.view_contextobject")
    rows = ContextObject.in_workspace(member.workspace_id).filter(contact=contact).order_by("-updated_at", "-pk")
    return [_context_out(row) for row in rows[:MAX_LISTED]]


@profile_router.put(
    "/{contact_id}/context/{kind}/{external_id}",
    response={200: ContextOut, 201: ContextOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
def put_context(
    request: HttpRequest, contact_id: int, kind: str, external_id: str, body: ContextIn
) -> Status[ContextOut]:
    """Attach or update the object: 201 when new, 200 when updated (an object of another contact moves here)."""
    member = _member(request)
    contact = _contact(member, contact_id, "contacts.change_contextobject")
    return _put(member, contact, kind, external_id, body)


@profile_router.delete("/{contact_id}/context/{kind}/{external_id}", response={204: None, 403: ErrorOut, 404: ErrorOut})
def delete_context(request: HttpRequest, contact_id: int, kind: str, external_id: str) -> Status[None]:
    member = _member(request)
    contact = _contact(member, contact_id, "contacts.change_contextobject")
    try:
        obj = get_context_for_member(member, contact, kind, external_id)
    except Http404:
        raise _not_found() from None
    context.remove_context(obj, member)
    return Status(204, None)


@context_router.put(
    "/{kind}/{external_id}", response={200: ContextOut, 201: ContextOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
)
def put_context_by_lookup(
    request: HttpRequest, kind: str, external_id: str, body: ContextLookupIn
) -> Status[ContextOut]:
    """Attach to the contact with this customer id, email or phone (a merged one: its kept one); 404 if none."""
    member = _member(request)
    ref = body.contact
    if not (ref.customer_id.strip() or ref.email.strip() or ref.phone.strip()):
        raise HttpError(422, "Name the contact: contact.customer_id, contact.email or contact.phone.")
    found = context.find_contact(member.workspace_id, customer_id=ref.customer_id, email=ref.email, phone=ref.phone)
    if found is None:
        raise HttpError(404, "No contact matches.")
    contact = _contact(member, found.pk, "contacts.change_contextobject")
    return _put(member, contact, kind, external_id, body)
