from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from frontdesk.channels.api.setup import create_api_channel
from frontdesk.channels.models import Channel, ChannelKind
from frontdesk.conversations.models import Conversation
from frontdesk.core.models import Workspace
from frontdesk.incidents.grouping import check_message
from frontdesk.incidents.models import Incident, IncidentConversation
from frontdesk.pipeline.events import Event, _subscribers
from tests.channels.webhooks import deliver, message_event
from tests.factories import make_channel, make_contact, make_conversation, make_identity, make_message

# One flight cancelled, as customers write about it: reworded, in Traditional Chinese (Hong Kong and Taiwan),
# Simplified Chinese and English.
CANCELLED_ZH = [
    "你好，我明天飛香港的CX880航班被取消了，請問可以退款或者改簽嗎？",  # Taiwan
    "你好，我明天飛香港嘅CX880航班被取消咗，請問可以退款或者改簽嗎？",  # Hong Kong, Cantonese particles
    "你好，我明天飞香港的CX880航班被取消了，请问可以退款或者改签吗？",  # Simplified
    "我明天飛香港的CX880航班被取消了，可以退款或者改簽嗎？謝謝",
    "我明天飛往香港的CX880航班被取消了，請問怎樣退款或者改簽？",
]
CANCELLED_EN = [
    "Hi, my flight CX880 to Hong Kong tomorrow was cancelled. Can I get a refund or rebook?",
    "Flight CX880 to Hong Kong tomorrow cancelled - how do I rebook or get a refund?",
    "CX880 to Hong Kong was cancelled tomorrow, I want a refund or to rebook please",
]
# Share words with the cancellation (Hong Kong, flight) but are other problems: miles not credited, a discount.
OTHER_ZH = "請問香港航班的會員積分幾時會入賬？"
OTHER_EN = "I want to book a flight to Hong Kong next month, is there a student discount?"


@pytest.fixture
def channel(workspace: Workspace) -> Channel:
    return create_api_channel(workspace, "Shop backend")


@pytest.fixture
def second_channel(workspace: Workspace) -> Channel:
    """Another channel of the workspace, for one customer writing from two identities."""
    return create_api_channel(workspace, "Mobile app")


@pytest.fixture
def events() -> Iterator[list[Event]]:
    received: list[Event] = []
    _subscribers["tests.incidents"] = received.extend
    yield received
    del _subscribers["tests.incidents"]


@pytest.fixture
def customer_writes(
    client: Client, channel: Channel, django_capture_on_commit_callbacks: Callable[..., Any]
) -> Callable[..., Conversation]:
    """A customer's message arrives through the channel's webhook and the worker; their conversation."""

    def write(contact_id: str, text: str, on: Channel | None = None) -> Conversation:
        target = on or channel
        with django_capture_on_commit_callbacks(execute=True):
            deliver(client, target, [message_event(contact_id=contact_id, text=text)])
        return (
            Conversation.in_workspace(target.workspace_id)
            .filter(channel=target, contact__identities__external_id=contact_id)
            .get()
        )

    return write


def customer_case(
    workspace: Workspace, name: str, text: str, kind: ChannelKind = ChannelKind.API, **message: Any
) -> Conversation:
    """A customer of their own on a channel of ``kind``, whose message has been through the incidents check."""
    channel = make_channel(workspace, kind)
    contact = make_contact(workspace, name=name)
    make_identity(contact, channel)
    conversation = make_conversation(workspace, contact=contact, channel=channel, last_message_preview=text)
    check_message(make_message(conversation, text=text, **message))
    return conversation


def incident_of(conversation: Conversation) -> Incident:
    return IncidentConversation.in_workspace(conversation.workspace_id).get(conversation=conversation).incident


@pytest.fixture
def grouped(workspace: Workspace) -> list[Conversation]:
    """Three customers about the cancelled flight; the third wrote on WhatsApp 30 hours ago (window closed)."""
    return [
        customer_case(workspace, "Chan Tai Man", CANCELLED_ZH[0]),
        customer_case(workspace, "Lin Mei", CANCELLED_ZH[2]),
        customer_case(
            workspace,
            "Wong Siu Ming",
            CANCELLED_ZH[3],
            ChannelKind.WHATSAPP,
            created_at=timezone.now() - timedelta(hours=30),
        ),
    ]
