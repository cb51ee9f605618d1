from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError

from frontdesk.api.auth import request_member
from frontdesk.api.pagination import PageParams, paginate
from frontdesk.api.schemas import ContactIn, ContactOut, ContactPage, ContactPatch, ErrorOut
from frontdesk.api.serializers import contact_out
from frontdesk.contacts.access import get_contact_for_member, get_merge_for_member
from frontdesk.contacts.actions import create_contact, update_contact
from frontdesk.contacts.matching import suggested_matches
from frontdesk.contacts.merging import merge_contacts, merged_into, unmerge
from frontdesk.contacts.models import Contact, ContactMerge

router = Router(tags=["contacts"])


class SuggestionOut(Schema):
    """A contact that may be the same person, never merged without an agent."""

    contact: ContactOut
    # Codes: same_name, same_phone, phone_country_code, phone_one_digit, same_email, email_local_part.
    reasons: list[str]
    # The same reasons in the caller's language.
    reason_labels: list[str]


class MergeIn(Schema):
    """The id of the contact to merge into this one; it is hidden afterwards, and its rows move here."""

    absorb: int


class MergeOut(Schema):
    id: int
    kept_id: int
    absorbed_id: int
    merged_by_id: int | None
    created_at: datetime
    undone_at: datetime | None
    undone_by_id: int | None
    # What moved: row ids per kind ("rows"), the kept contact's fields filled ("filled"), attributes added
    # ("attributes_added") and the absorbed contact's values that lost to the kept one's ("attribute_conflicts").
    moved: dict[str, Any]


def merge_out(merge: ContactMerge) -> MergeOut:
    return MergeOut(
        id=merge.pk,
        kept_id=merge.kept_id,
        absorbed_id=merge.absorbed_id,
        merged_by_id=merge.merged_by_id,
        created_at=merge.created_at,
        undone_at=merge.undone_at,
        undone_by_id=merge.undone_by_id,
        moved=merge.moved,
    )


@router.get("", response=ContactPage)
def list_contacts(request: HttpRequest, page: Query[PageParams], q: str = "") -> ContactPage:
    member = request_member(request)
    # Contacts merged into another are hidden: their rows live on in the one they were merged into.
    contacts = Contact.in_workspace(member.workspace_id).filter(merged_into__isnull=True).prefetch_related("identities")
    if q:
        contacts = contacts.filter(Q(name__icontains=q) | Q(email__icontains=q) | Q(phone__icontains=q))
    rows, next_cursor = paginate(contacts, page, order=("-id",))
    return ContactPage(items=[contact_out(c) for c in rows], next_cursor=next_cursor)


@router.get("/{contact_id}", response={200: ContactOut, 404: ErrorOut})
def get_contact(request: HttpRequest, contact_id: int) -> ContactOut:
    """One contact. A contact merged into another still answers, with ``merged_into_id`` naming the contact it
    now lives in (following merges of merges), so a stored id keeps leading to the customer."""
    contact = get_contact_for_member(request_member(request), contact_id)
    out = contact_out(contact)
    if contact.merged_into_id is not None:
        living = merged_into(contact)
        out.merged_into_id = living.pk if living is not None else contact.merged_into_id
    return out


@router.get("/{contact_id}/suggestions", response={200: list[SuggestionOut], 404: ErrorOut})
def suggestions(request: HttpRequest, contact_id: int) -> list[SuggestionOut]:
    """Contacts that may be the same person (the same name plus a similar phone or email), with the reasons."""
    contact = get_contact_for_member(request_member(request), contact_id)
    return [
        SuggestionOut(
            contact=contact_out(suggestion.contact),
            reasons=list(suggestion.reasons),
            reason_labels=suggestion.reason_labels,
        )
        for suggestion in suggested_matches(contact)
    ]


@router.post("/{contact_id}/merge", response={201: MergeOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def merge(request: HttpRequest, contact_id: int, body: MergeIn) -> Status[MergeOut]:
    """Merge the contact ``absorb`` into this one: everything it has moves here, and it is hidden. Undo with
    ``POST /contacts/merges/{id}/undo``. Either id in another workspace answers 404 and changes nothing."""
    member = request_member(request)
    kept = get_contact_for_member(member, contact_id)
    absorbed = get_contact_for_member(member, body.absorb)
    return Status(201, merge_out(merge_contacts(member, kept=kept, absorbed=absorbed)))


@router.get("/{contact_id}/merges", response={200: list[MergeOut], 404: ErrorOut})
def merges(request: HttpRequest, contact_id: int) -> list[MergeOut]:
    """The merges into this contact and of it into others, newest first, undone ones included."""
    member = request_member(request)
    contact = get_contact_for_member(member, contact_id)
    rows = ContactMerge.in_workspace(member.workspace_id).filter(Q(kept=contact) | Q(absorbed=contact))
    return [merge_out(row) for row in rows.order_by("-created_at", "-pk")]


@router.post("/merges/{merge_id}/undo", response={200: MergeOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def undo_merge(request: HttpRequest, merge_id: int) -> MergeOut:
    """Undo a merge (supervisors and admins): the rows it moved go back, rows made since stay."""
    member = request_member(request)
    row = get_merge_for_member(member, merge_id)
    unmerge(member, row)
    return merge_out(ContactMerge.in_workspace(member.workspace_id).get(pk=row.pk))


@router.post("", response={201: ContactOut, 422: ErrorOut})
def create(request: HttpRequest, body: ContactIn) -> Status[ContactOut]:
    member = request_member(request)
    contact = create_contact(member, **body.model_dump())
    return Status(201, contact_out(contact))


@router.patch("/{contact_id}", response={200: ContactOut, 404: ErrorOut, 422: ErrorOut})
def update(request: HttpRequest, contact_id: int, body: ContactPatch) -> ContactOut:
    member = request_member(request)
    contact = get_contact_for_member(member, contact_id)
    if not member.user.has_perm("contacts.change_contact", contact):
        raise HttpError(403, "You may not change this contact.")
    fields = body.model_dump(exclude_unset=True)
    contact = update_contact(contact, member, **fields)
    return contact_out(Contact.in_workspace(member.workspace_id).prefetch_related("identities").get(pk=contact.pk))
