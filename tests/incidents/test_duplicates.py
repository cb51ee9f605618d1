"""Likely duplicates across identities: near-identical text from two contacts, shown, linked, merged or dismissed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from frontdesk.channels.models import Channel
from frontdesk.contacts.models import Contact
from frontdesk.conversations.models import Conversation, ConversationStatus
from frontdesk.core.models import AuditEntry, Member, Role, Workspace
from frontdesk.incidents.models import CaseSignature, DuplicateCandidate, DuplicateStatus
from frontdesk.pipeline.events import Event
from tests.channels.webhooks import deliver, message_event
from tests.factories import make_identity, make_member, make_workspace

TEXT = "我的CX880航班取消了，訂票編號 K7Q2PX，請幫我改簽到明天最早的航班。"


@pytest.fixture
def pair(
    customer_writes: Callable[..., Conversation], second_channel: Channel, events: list[Event]
) -> tuple[Conversation, Conversation]:
    """The same text from two identities on two channels, minutes apart: (earlier, later)."""
    earlier = customer_writes("web-ana", TEXT)
    later = customer_writes("app-ana", TEXT, on=second_channel)
    return earlier, later


@pytest.fixture
def signed_in(client: Client, agent: Member) -> Client:
    client.force_login(agent.user)
    return client


@pytest.mark.django_db
def test_near_identical_text_from_another_contact_is_recorded_once_and_announced(
    pair: tuple[Conversation, Conversation], events: list[Event]
) -> None:
    earlier, later = pair
    [duplicate] = DuplicateCandidate.all_workspaces.all()
    assert (duplicate.conversation_id, duplicate.other_id, duplicate.status) == (
        later.pk,
        earlier.pk,
        DuplicateStatus.PENDING,
    )
    assert duplicate.score >= 0.9
    announced = [e.payload["conversation_id"] for e in events if e.type == "duplicate.created"]
    assert sorted(announced) == sorted([earlier.pk, later.pk])


@pytest.mark.django_db
def test_the_banner_names_the_other_customer_channel_and_text(
    signed_in: Client, pair: tuple[Conversation, Conversation]
) -> None:
    earlier, later = pair
    banner = signed_in.get(f"/inbox/incidents/conversations/{later.pk}/").content.decode()
    assert 'data-testid="duplicate-banner"' in banner
    assert "Possibly the same customer as Ada Lovelace on Shop backend" in banner
    assert "K7Q2PX" in banner and f"/inbox/conversations/{earlier.pk}/" in banner
    # The earlier conversation shows it too, pointing the other way.
    assert "on Mobile app" in signed_in.get(f"/inbox/incidents/conversations/{earlier.pk}/").content.decode()


@pytest.mark.django_db
def test_the_same_contact_writing_on_two_channels_is_not_a_duplicate(
    customer_writes: Callable[..., Conversation],
    second_channel: Channel,
    client: Client,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    first = customer_writes("web-ana", TEXT)
    make_identity(first.contact, second_channel, external_id="app-ana")
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, second_channel, [message_event(contact_id="app-ana", text=TEXT)])
    assert not DuplicateCandidate.all_workspaces.exists()


@pytest.mark.django_db
def test_the_same_text_long_after_is_not_suggested(
    customer_writes: Callable[..., Conversation], second_channel: Channel
) -> None:
    earlier = customer_writes("web-ana", TEXT)
    CaseSignature.all_workspaces.filter(conversation=earlier).update(
        last_message_at=timezone.now() - timedelta(hours=3)
    )
    customer_writes("app-ana", TEXT, on=second_channel)
    assert not DuplicateCandidate.all_workspaces.exists()


@pytest.mark.django_db
def test_dismiss_hides_the_banner_for_good(signed_in: Client, pair: tuple[Conversation, Conversation]) -> None:
    _earlier, later = pair
    duplicate = DuplicateCandidate.all_workspaces.get()
    response = signed_in.post(f"/inbox/incidents/duplicates/{duplicate.pk}/dismiss/", {"from": later.pk})
    assert response.status_code == 302 and response["Location"] == f"/inbox/conversations/{later.pk}/"
    duplicate.refresh_from_db()
    assert duplicate.status == DuplicateStatus.DISMISSED and duplicate.decided_by is not None
    assert (
        'data-testid="duplicate-banner"'
        not in signed_in.get(f"/inbox/incidents/conversations/{later.pk}/").content.decode()
    )
    assert AuditEntry.all_workspaces.filter(action="duplicate.dismissed").count() == 1


@pytest.mark.django_db
def test_merge_contacts_makes_one_customer_of_the_two(
    signed_in: Client, pair: tuple[Conversation, Conversation], workspace: Workspace
) -> None:
    earlier, later = pair
    duplicate = DuplicateCandidate.all_workspaces.get()
    signed_in.post(f"/inbox/incidents/duplicates/{duplicate.pk}/merge/", {"from": later.pk})
    duplicate.refresh_from_db()
    assert duplicate.status == DuplicateStatus.MERGED
    absorbed = Contact.all_workspaces.get(pk=later.contact_id)
    assert absorbed.merged_into_id == earlier.contact_id
    assert Conversation.all_workspaces.get(pk=later.pk).contact_id == earlier.contact_id


@pytest.mark.django_db
def test_link_makes_one_case_of_the_two(signed_in: Client, pair: tuple[Conversation, Conversation]) -> None:
    earlier, later = pair
    duplicate = DuplicateCandidate.all_workspaces.get()
    response = signed_in.post(f"/inbox/incidents/duplicates/{duplicate.pk}/link/", {"from": later.pk})
    assert response["Location"] == f"/inbox/conversations/{earlier.pk}/"
    duplicate.refresh_from_db()
    assert duplicate.status == DuplicateStatus.LINKED
    joined = Conversation.all_workspaces.get(pk=later.pk)
    assert joined.merged_into_id == earlier.pk and joined.status == ConversationStatus.RESOLVED
    assert Conversation.all_workspaces.get(pk=earlier.pk).messages.count() == 2


@pytest.mark.django_db
def test_a_decided_suggestion_cannot_be_decided_again(
    signed_in: Client, pair: tuple[Conversation, Conversation]
) -> None:
    duplicate = DuplicateCandidate.all_workspaces.get()
    signed_in.post(f"/inbox/incidents/duplicates/{duplicate.pk}/dismiss/")
    signed_in.post(f"/inbox/incidents/duplicates/{duplicate.pk}/merge/")
    duplicate.refresh_from_db()
    assert duplicate.status == DuplicateStatus.DISMISSED
    assert Contact.all_workspaces.filter(merged_into__isnull=False).count() == 0


@pytest.mark.django_db
def test_another_workspaces_suggestion_is_a_404_and_nothing_changes(
    client: Client, pair: tuple[Conversation, Conversation]
) -> None:
    stranger = make_member(make_workspace("Elsewhere"), Role.OWNER)
    client.force_login(stranger.user)
    duplicate = DuplicateCandidate.all_workspaces.get()
    for action in ("link", "merge", "dismiss"):
        foreign = client.post(f"/inbox/incidents/duplicates/{duplicate.pk}/{action}/")
        missing = client.post(f"/inbox/incidents/duplicates/999999/{action}/")
        assert foreign.status_code == missing.status_code == 404
        assert foreign.content == missing.content
    duplicate.refresh_from_db()
    assert duplicate.status == DuplicateStatus.PENDING
    assert Contact.all_workspaces.filter(merged_into__isnull=False).count() == 0


@pytest.mark.django_db
def test_many_customers_with_the_same_words_are_an_incident_not_duplicates(
    signed_in: Client, pair: tuple[Conversation, Conversation], customer_writes: Callable[..., Conversation]
) -> None:
    earlier, later = pair
    third = customer_writes("sms-ben", TEXT)
    assert DuplicateCandidate.all_workspaces.count() == 1, "a message with several twins suggests none"
    for conversation in (earlier, later, third):
        page = signed_in.get(f"/inbox/incidents/conversations/{conversation.pk}/").content.decode()
        assert 'data-testid="duplicate-banner"' not in page
        assert 'data-testid="conversation-incident"' in page
