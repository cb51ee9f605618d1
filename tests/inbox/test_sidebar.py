"""The customer sidebar on the conversation page: shown, edited in place, audited, and kept to the workspace."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from frontdesk.channels.models import ChannelKind
from frontdesk.contacts.actions import add_contact_note, add_preference
from frontdesk.contacts.models import Contact, ContactNote, ContactPreference
from frontdesk.conversations.models import Conversation, ConversationLabel
from frontdesk.core.models import AuditEntry, Member, Role
from frontdesk.pipeline.events import Event, subscriber
from tests.factories import (
    make_channel,
    make_contact,
    make_conversation,
    make_identity,
    make_label,
    make_member,
    make_workspace,
)

HTMX = {"HX-Request": "true"}


@pytest.fixture
def conversation(agent: Member) -> Conversation:
    contact = make_contact(agent.workspace, name="陳大文", email="tai.man@example.com", attributes={"tier": "gold"})
    return make_conversation(agent.workspace, contact=contact, subject="Seat change")


@pytest.fixture
def signed_in(client: Client, agent: Member) -> Client:
    client.force_login(agent.user)
    return client


def sidebar_url(conversation: Conversation, section: str) -> str:
    return f"/inbox/conversations/{conversation.pk}/sidebar/{section}/"


def page_of(client: Client, conversation: Conversation) -> str:
    response = client.get(f"/inbox/conversations/{conversation.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def post(client: Client, url: str, data: dict[str, Any]) -> str:
    response = client.post(url, data, headers=HTMX)
    assert response.status_code == 200, response.content
    return response.content.decode()


def test_conversation_page_shows_the_customer_sidebar(signed_in: Client, conversation: Conversation) -> None:
    contact = conversation.contact
    channel = make_channel(conversation.workspace, ChannelKind.LINE, name="Shop LINE")
    make_identity(contact, channel, external_id="U1234")
    earlier = make_conversation(conversation.workspace, contact=contact, channel=channel, subject="Lost bag")
    page = page_of(signed_in, conversation)
    assert 'data-testid="customer-sidebar"' in page
    assert "tai.man@example.com" in page and "tier" in page and "gold" in page
    assert "Shop LINE" in page and "U1234" in page
    assert f"/inbox/conversations/{earlier.pk}/" in page and "Lost bag" in page
    assert "conversation-callbacks" in page
