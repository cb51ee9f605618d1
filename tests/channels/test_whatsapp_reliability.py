"""WhatsApp deliveries as Meta batches them, and provider ids that never reach across workspaces (T-03, T-04)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from frontdesk.channels.models import Channel
from frontdesk.channels.whatsapp.setup import create_whatsapp_channel
from frontdesk.conversations.models import DeliveryStatus, Message, MessageKind
from frontdesk.pipeline.models import InboundEvent
from tests.channels.test_whatsapp import APP_SECRET, WA_ID, WABA_ID, body_of, post, text_message, wamid
from tests.factories import make_conversation, make_message, make_workspace

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(workspace: Any) -> Channel:
    return create_whatsapp_channel(
        workspace,
        "Shop WhatsApp",
        phone_number_id="106540352242922",
        access_token="token-a",
        app_secret=APP_SECRET,
    )


def sent_reply(channel: Channel, provider_id: str) -> Message:
    conversation = make_conversation(channel.workspace, channel=channel)
    return make_message(
        conversation, MessageKind.OUTBOUND, "Your order shipped", provider_message_id=provider_id, status="sent"
    )


def status(provider_id: str, name: str) -> dict[str, Any]:
    return {"id": provider_id, "status": name, "timestamp": "1763888460", "recipient_id": WA_ID}


def test_a_status_or_message_id_of_another_workspace_changes_nothing_there(client: Client, channel: Channel) -> None:
    """T-03: dedupe and status matching are scoped to the channel that received the delivery."""
    other = create_whatsapp_channel(
        make_workspace(), "Other shop", phone_number_id="999", access_token="token-b", app_secret="other-secret"
    )
    theirs = sent_reply(other, "wamid.THEIRS==")
    their_inbound = make_message(
        make_conversation(other.workspace, channel=other), text="Their customer", provider_message_id="wamid.IN=="
    )

    # (a) a status naming their message, posted to our channel
    post(client, channel, body_of(statuses=[status("wamid.THEIRS==", "read")]))
    theirs.refresh_from_db()
    assert theirs.status == DeliveryStatus.SENT

    # (b) a customer message reusing their provider id on our channel is ours, stored normally
    post(client, channel, body_of([text_message("Hello", id="wamid.IN==")]))
    ours = Message.in_workspace(channel.workspace_id).get(provider_message_id="wamid.IN==")
    assert ours.channel_id == channel.pk and ours.text == "Hello"
    their_inbound.refresh_from_db()
    assert their_inbound.text == "Their customer" and their_inbound.conversation.workspace_id == other.workspace_id
    assert Message.in_workspace(other.workspace_id).count() == 2


def test_three_entries_of_two_changes_apply_all_five_messages_and_seven_statuses(
    client: Client, channel: Channel
) -> None:
    """T-04: nothing in a batched delivery is dropped (Chatwoot once read only messages.first)."""
    replies = [sent_reply(channel, wamid()) for _ in range(7)]
    inbound = [text_message(f"message {number}") for number in range(5)]
    statuses = [status(reply.provider_message_id, "delivered") for reply in replies]
    # Five messages and seven statuses spread over 3 entries of 2 changes, as Meta may batch them.
    values: list[dict[str, Any]] = []
    for messages, changed in (
        (inbound[0:1], statuses[0:1]),
        (inbound[1:2], statuses[1:2]),
        (inbound[2:3], statuses[2:4]),
        ([], statuses[4:5]),
        (inbound[3:5], statuses[5:6]),
        ([], statuses[6:7]),
    ):
        value: dict[str, Any] = json.loads(body_of(messages or None, changed))["entry"][0]["changes"][0]["value"]
        values.append(value)
    document = {
        "object": "whatsapp_business_account",
        "entry": [
            {"id": WABA_ID, "changes": [{"value": values[n], "field": "messages"} for n in (pair, pair + 1)]}
            for pair in (0, 2, 4)
        ],
    }
    response = post(client, channel, json.dumps(document, ensure_ascii=False).encode())

    assert response.json() == {"accepted": 12, "duplicates": 0}
    assert InboundEvent.in_workspace(channel.workspace_id).count() == 12
    texts = Message.in_workspace(channel.workspace_id).filter(kind=MessageKind.INBOUND).values_list("text", flat=True)
    assert sorted(texts) == [f"message {number}" for number in range(5)]
    for reply in replies:
        reply.refresh_from_db()
        assert reply.status == DeliveryStatus.DELIVERED
