from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.errors import HttpError

from frontdesk.api.auth import request_member
from frontdesk.api.pagination import PageParams, paginate
from frontdesk.api.schemas import ContactIn, ContactOut, ContactPage, ContactPatch, ErrorOut
from frontdesk.api.serializers import contact_out
from frontdesk.contacts.access import get_contact_for_member
from frontdesk.contacts.actions import create_contact, update_contact
from frontdesk.contacts.models import Contact

router = Router(tags=["contacts"])


@router.get("", response=ContactPage)
def list_contacts(request: HttpRequest, page: Query[PageParams], q: str = "") -> ContactPage:
    member = request_member(request)
    contacts = Contact.in_workspace(member.workspace_id).prefetch_related("identities")
    if q:
        contacts = contacts.filter(Q(name__icontains=q) | Q(email__icontains=q) | Q(phone__icontains=q))
    rows, next_cursor = paginate(contacts, page, order=("-id",))
    return ContactPage(items=[contact_out(c) for c in rows], next_cursor=next_cursor)


@router.get("/{contact_id}", response={200: ContactOut, 404: ErrorOut})
def get_contact(request: HttpRequest, contact_id: int) -> ContactOut:
    return contact_out(get_contact_for_member(request_member(request), contact_id))


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
