"""Which existing contact a new channel identity belongs to: one person across channels.

A new identity joins an existing contact only through an identifier someone
vouched for: the phone number a WhatsApp or SMS message came from, the mailbox
an email came from, or the business's own customer id (a signed widget
identity, the API). Never by name. Exactly one visible contact must match;
with none or several the identity gets a new contact, and agents see the
similar ones as suggestions (``contacts.matching``).
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import Q

from frontdesk.callbacks.actions import InvalidPhoneNumber, normalise_phone
from frontdesk.contacts.models import Contact

if TYPE_CHECKING:
    from frontdesk.pipeline.inbound import ContactRef

E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
# Tried in this order: the business's id names one customer outright.
IDENTIFIERS = ("customer_id", "phone", "email")


def verified_identifiers(ref: ContactRef) -> dict[str, str]:
    """The identifiers of ``ref`` that were vouched for, normalised as contacts store them."""
    found: dict[str, str] = {}
    if ref.customer_id.strip():
        found["customer_id"] = ref.customer_id.strip()[:100]
    if "phone" in ref.verified and ref.phone:
        try:
            found["phone"] = normalise_phone(ref.phone)
        except InvalidPhoneNumber:
            # The provider delivered from this number, so it exists even if our numbering plan says otherwise.
            if E164.match(ref.phone):
                found["phone"] = ref.phone
    if "email" in ref.verified and ref.email.strip():
        found["email"] = ref.email.strip().lower()
    return found


def serialise(workspace_id: int, keys: Iterable[tuple[str, str]]) -> None:
    """Make concurrent ingests about one (kind, value) key wait for each other (PostgreSQL; SQLite writes one at
    a time).

    Two channels may bring the same new customer at once (a WhatsApp message
    and an email); without this both would find no contact and make one each.
    The locks are taken in one order and held to the end of the transaction;
    they are advisory, so they never wait for (or deadlock with) row locks.
    """
    if connection.vendor != "postgresql":
        return
    numbers = sorted(
        {
            int.from_bytes(
                hashlib.blake2b(f"{workspace_id}:{field}:{value}".encode(), digest_size=8).digest(),
                "big",
                signed=True,
            )
            for field, value in keys
        }
    )
    if not numbers:
        return
    # One statement however many identifiers (T-23); unnest yields the sorted list in order.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(k) FROM unnest(%s::bigint[]) AS k", [numbers])


def matching_contacts(workspace_id: int, refs: Sequence[ContactRef]) -> dict[str, Contact]:
    """For the refs of new identities, the one existing contact each belongs to, by external id.

    One query for all of them. The matched contacts are locked, so a merge
    running at the same time either finishes first (and an absorbed contact no
    longer matches) or waits for this ingest.
    """
    claims = {ref.external_id: verified_identifiers(ref) for ref in refs}
    wanted: dict[str, set[str]] = defaultdict(set)
    for identifiers in claims.values():
        for field, value in identifiers.items():
            wanted[field].add(value)
    if not wanted:
        return {}
    serialise(workspace_id, ((field, value) for field, values in wanted.items() for value in values))
    condition = Q()
    for field, values in wanted.items():
        condition |= Q(**{f"{field}__in": sorted(values)})
    contacts = (
        Contact.in_workspace(workspace_id)
        .filter(condition, merged_into__isnull=True)
        .select_for_update(of=("self",))
        .order_by("pk")
    )
    by_identifier: dict[tuple[str, str], list[Contact]] = defaultdict(list)
    for contact in contacts:
        for field in IDENTIFIERS:
            value = getattr(contact, field)
            if value and value in wanted.get(field, ()):
                by_identifier[(field, value)].append(contact)
    matched: dict[str, Contact] = {}
    for external_id, identifiers in claims.items():
        if (
            "customer_id" in identifiers
            and len(found := by_identifier[("customer_id", identifiers["customer_id"])]) == 1
        ):
            matched[external_id] = found[0]
            continue
        candidates = {
            contact.pk: contact for field, value in identifiers.items() for contact in by_identifier[(field, value)]
        }
        if len(candidates) == 1:
            matched[external_id] = next(iter(candidates.values()))
    return matched


def new_contact(workspace_id: int, ref: ContactRef) -> Contact:
    """The unsaved contact for a sender nobody knows yet, carrying the identifiers they came with."""
    identifiers = verified_identifiers(ref)
    return Contact(
        workspace_id=workspace_id,
        name=ref.name,
        email=identifiers.get("email", ref.email),
        phone=identifiers.get("phone", ref.phone),
        customer_id=identifiers.get("customer_id", ""),
    )


def first_identifier(ref: ContactRef) -> tuple[str, str] | None:
    """The identifier two new senders of one batch share when they are one new customer (or None)."""
    identifiers = verified_identifiers(ref)
    for field in IDENTIFIERS:
        if field in identifiers:
            return field, identifiers[field]
    return None
