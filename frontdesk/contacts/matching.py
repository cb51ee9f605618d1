"""Contacts that may be the same person as another: offered to agents with the reasons, never merged silently.

A suggestion needs the same name (compared in one normal form, so 陳大文 and
陈大文 match) and something more: a similar phone number (the same number
with another country code, or one digit different) or the same email address
or local part. The same name alone is not enough. A pair an agent marked as
"not the same person" is not suggested again.
"""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from frontdesk.contacts.models import Contact, DismissedMatch
from frontdesk.core.audit import record
from frontdesk.core.models import Member
from frontdesk.pipeline.events import publish
from frontdesk.text import normalise
from frontdesk.text.normalise import traditional_forms

MAX_SUGGESTIONS = 5
# Contacts read per look-up: a very common name is not worth scanning further.
MAX_CANDIDATES = 200

REASONS: dict[str, Promise] = {
    "same_name": _("Same name"),
    "same_phone": _("Same phone number"),
    "phone_country_code": _("Same phone number with another country code"),
    "phone_one_digit": _("Phone number one digit different"),
    "same_email": _("Same email address"),
    "email_local_part": _("Same email name at another domain"),
}


@dataclass(frozen=True)
class Suggestion:
    """A contact that may be the same person, and why (codes from ``REASONS``)."""

    contact: Contact
    reasons: tuple[str, ...]

    @property
    def reason_labels(self) -> list[str]:
        return [str(REASONS[code]) for code in self.reasons]


def name_key(name: str) -> str:
    """A name as suggestions compare it: one script, case folded, without spaces."""
    return normalise(name).replace(" ", "")


def _spellings(name: str) -> set[str]:
    """The ways ``name`` may be stored: as written, simplified, and in Traditional (standard, Hong Kong, Taiwan)."""
    simplified = normalise(name)
    spellings = {name.strip(), simplified, *traditional_forms(simplified)}
    return {spelling for spelling in spellings if spelling}


def _phone_reason(one: str, other: str) -> str | None:
    if not one or not other:
        return None
    if one == other:
        return "same_phone"
    try:
        first, second = phonenumbers.parse(one), phonenumbers.parse(other)
    except phonenumbers.NumberParseException:
        return None
    if first.national_number == second.national_number and first.country_code != second.country_code:
        return "phone_country_code"
    digits, others = one.lstrip("+"), other.lstrip("+")
    if len(digits) == len(others) and sum(a != b for a, b in zip(digits, others, strict=True)) == 1:
        return "phone_one_digit"
    return None


def _email_reason(one: str, other: str) -> str | None:
    if not one or not other or "@" not in one or "@" not in other:
        return None
    if one.casefold() == other.casefold():
        return "same_email"
    if one.rsplit("@", 1)[0].casefold() == other.rsplit("@", 1)[0].casefold():
        return "email_local_part"
    return None


def _dismissed(contact: Contact) -> set[int]:
    rows = DismissedMatch.in_workspace(contact.workspace_id).filter(Q(contact=contact) | Q(other=contact))
    return {other if first == contact.pk else first for first, other in rows.values_list("contact_id", "other_id")}


def suggested_matches(contact: Contact) -> list[Suggestion]:
    """Visible contacts that may be the same person as ``contact``, most reasons first (at most five)."""
    if not contact.name.strip() or contact.merged_into_id is not None:
        return []
    key = name_key(contact.name)
    candidates = (
        Contact.in_workspace(contact.workspace_id)
        .filter(Q(name__in=sorted(_spellings(contact.name))) | Q(name__iexact=contact.name.strip()))
        .filter(merged_into__isnull=True)
        .exclude(pk=contact.pk)
        .order_by("-updated_at")[:MAX_CANDIDATES]
    )
    dismissed = _dismissed(contact)
    found: list[Suggestion] = []
    for candidate in candidates:
        if candidate.pk in dismissed or name_key(candidate.name) != key:
            continue
        more = [
            reason
            for reason in (
                _phone_reason(contact.phone, candidate.phone),
                _email_reason(contact.email, candidate.email),
            )
            if reason is not None
        ]
        if more:
            found.append(Suggestion(candidate, ("same_name", *more)))
    found.sort(key=lambda suggestion: -len(suggestion.reasons))
    return found[:MAX_SUGGESTIONS]


def dismiss_match(actor: Member, contact: Contact, other: Contact) -> DismissedMatch | None:
    """Note that ``contact`` and ``other`` are not the same person; they are not suggested together again."""
    if contact.workspace_id != actor.workspace_id or other.workspace_id != actor.workspace_id:
        raise Http404
    first, second = sorted((contact.pk, other.pk))
    if first == second:
        return None
    try:
        with transaction.atomic():
            dismissal = DismissedMatch.all_workspaces.create(
                workspace_id=actor.workspace_id, contact_id=first, other_id=second, dismissed_by=actor
            )
            record(
                actor.workspace_id, "contact.match_dismissed", contact, actor=actor.user, changes={"other": other.pk}
            )
            publish("contact.match_dismissed", actor.workspace_id, {"contact_id": contact.pk, "other_id": other.pk})
    except IntegrityError:
        return None  # already dismissed
    return dismissal
