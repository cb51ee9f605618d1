"""The sidebar's possible duplicates: offered with reasons, merged after a confirmation, dismissed, undone."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from frontdesk.contacts.models import Contact, ContactMerge, DismissedMatch
from frontdesk.conversations.models import Conversation
from frontdesk.core.models import Member, Role, Workspace
from tests.factories import make_channel, make_contact, make_conversation, make_identity, make_member, make_workspace

HTMX = {"HX-Request": "true"}


@pytest.fixture
def pair(workspace: Workspace) -> tuple[Conversation, Contact]:
    """A conversation with 陳大文 and another contact who is probably the same person."""
    contact = make_contact(workspace, name="陳大文", phone="+85291234567")
    conversation = make_conversation(workspace, contact=contact)
    other = make_contact(workspace, name="陈大文", phone="+85291234568", email="tm@example.com")
    make_conversation(workspace, contact=other, channel=make_channel(workspace))
    make_identity(other, make_channel(workspace))
    return conversation, other


def url(name: str, conversation: Conversation, *args: int) -> str:
    return reverse(f"inbox:{name}", args=[conversation.pk, *args])


@pytest.mark.django_db
def test_a_suggestion_shows_its_reasons_and_merging_asks_first(
    client: Client, agent: Member, pair: tuple[Conversation, Contact]
) -> None:
    conversation, other = pair
    client.force_login(agent.user)
    page = client.get(url("conversation-detail", conversation)).content.decode()
    assert url("sidebar-duplicates", conversation) in page
    section = client.get(url("sidebar-duplicates", conversation), headers=HTMX).content.decode()
    assert "陈大文" in section and "Same name" in section and "Phone number one digit different" in section
    confirm = client.get(
        url("sidebar-duplicates", conversation) + f"?confirm={other.pk}", headers=HTMX
    ).content.decode()
    assert "陳大文 is kept." in confirm
    assert "Conversations, with their messages: 1" in confirm and "Channel addresses: 1" in confirm

    response = client.post(url("sidebar-merge", conversation), {"other": other.pk}, headers=HTMX)
    assert response.status_code == 200 and response["HX-Refresh"] == "true"
    assert Contact.all_workspaces.get(pk=other.pk).merged_into_id == conversation.contact_id
    section = client.get(url("sidebar-duplicates", conversation), headers=HTMX).content.decode()
    assert "No possible duplicates." in section and "陈大文 merged into 陳大文" in section
    assert "Unmerge" not in section  # agents merge; supervisors and admins undo


@pytest.mark.django_db
def test_a_supervisor_unmerges_from_the_history(
    client: Client, workspace: Workspace, agent: Member, pair: tuple[Conversation, Contact]
) -> None:
    conversation, other = pair
    client.force_login(agent.user)
    client.post(url("sidebar-merge", conversation), {"other": other.pk}, headers=HTMX)
    merge = ContactMerge.all_workspaces.get()
    assert client.post(url("sidebar-merge-undo", conversation, merge.pk), headers=HTMX).status_code == 403
    client.force_login(make_member(workspace, Role.SUPERVISOR).user)
    response = client.post(url("sidebar-merge-undo", conversation, merge.pk), headers=HTMX)
    assert response.status_code == 200
    assert Contact.all_workspaces.get(pk=other.pk).merged_into_id is None
    assert ContactMerge.all_workspaces.get().undone_at is not None


@pytest.mark.django_db
def test_not_the_same_person_is_remembered(client: Client, agent: Member, pair: tuple[Conversation, Contact]) -> None:
    conversation, other = pair
    client.force_login(agent.user)
    section = client.post(url("sidebar-duplicate-dismiss", conversation), {"other": other.pk}, headers=HTMX)
    assert "No possible duplicates." in section.content.decode()
    assert DismissedMatch.all_workspaces.count() == 1


@pytest.mark.django_db
def test_another_workspaces_contact_cannot_be_merged_or_dismissed(
    client: Client, agent: Member, pair: tuple[Conversation, Contact]
) -> None:
    conversation, _ = pair
    theirs = make_contact(make_workspace(), name="陳大文", phone="+85291234567")
    client.force_login(agent.user)
    for name in ("sidebar-merge", "sidebar-duplicate-dismiss"):
        assert client.post(url(name, conversation), {"other": theirs.pk}, headers=HTMX).status_code == 404
        assert client.post(url(name, conversation), {"other": 999999}, headers=HTMX).status_code == 404
    assert client.get(url("sidebar-duplicates", conversation) + f"?confirm={theirs.pk}").status_code == 404
    assert Contact.all_workspaces.get(pk=theirs.pk).merged_into_id is None
    assert not DismissedMatch.all_workspaces.exists()
