"""Suggested matches: the same name plus a similar phone or email, offered with reasons, dismissable."""

from __future__ import annotations

import pytest

from frontdesk.contacts.matching import Suggestion, dismiss_match, suggested_matches
from frontdesk.contacts.merging import merge_contacts
from frontdesk.core.models import Member, Workspace
from tests.factories import make_contact, make_workspace


def reasons_for(contact_id: int, suggestions: list[Suggestion]) -> tuple[str, ...]:
    return next(suggestion.reasons for suggestion in suggestions if suggestion.contact.pk == contact_id)


@pytest.mark.django_db
def test_the_same_name_in_either_script_with_a_similar_phone_is_suggested(workspace: Workspace) -> None:
    contact = make_contact(workspace, name="陳大文", phone="+85291234567")
    other_code = make_contact(workspace, name="陈大文", phone="+8691234567")
    one_digit = make_contact(workspace, name="陳大文", phone="+85291234568")
    same_mail_name = make_contact(workspace, name="陈大文", email="taiman@gmail.com")
    contact.email = "taiman@example.hk"
    contact.save()
    suggestions = suggested_matches(contact)
    assert reasons_for(other_code.pk, suggestions) == ("same_name", "phone_country_code")
    assert reasons_for(one_digit.pk, suggestions) == ("same_name", "phone_one_digit")
    assert reasons_for(same_mail_name.pk, suggestions) == ("same_name", "email_local_part")
    assert suggestions[0].reason_labels[0] == "Same name"


@pytest.mark.django_db
def test_the_same_name_alone_or_a_similar_phone_alone_is_not_suggested(workspace: Workspace) -> None:
    contact = make_contact(workspace, name="Ada Lovelace", phone="+85291234567")
    make_contact(workspace, name="Ada Lovelace", phone="+85298765432")
    make_contact(workspace, name="Grace Hopper", phone="+85291234567")
    make_contact(make_workspace(), name="Ada Lovelace", phone="+85291234567")
    assert suggested_matches(contact) == []


@pytest.mark.django_db
def test_latin_names_compare_without_case(workspace: Workspace) -> None:
    contact = make_contact(workspace, name="Chan Tai Man", email="tm@example.com")
    other = make_contact(workspace, name="chan tai man", email="TM@example.com")
    assert reasons_for(other.pk, suggested_matches(contact)) == ("same_name", "same_email")


@pytest.mark.django_db
def test_a_dismissed_pair_and_an_absorbed_contact_are_not_suggested(workspace: Workspace, agent: Member) -> None:
    contact = make_contact(workspace, name="陳大文", phone="+85291234567")
    dismissed = make_contact(workspace, name="陳大文", phone="+85291234567")
    absorbed = make_contact(workspace, name="陳大文", phone="+85291234568")
    dismiss_match(agent, dismissed, contact)
    assert dismiss_match(agent, contact, dismissed) is None  # once is enough
    merge_contacts(agent, kept=make_contact(workspace, name="Someone"), absorbed=absorbed)
    assert suggested_matches(contact) == []
    assert suggested_matches(dismissed) == []
