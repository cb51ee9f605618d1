"""The API channel's webhook over real HTTP: signatures, bad input, dedupe (RELIABILITY T-01, T-04, T-09, T-10)."""

from __future__ import annotations

import json
import logging
import time

import pytest
from django.test import Client

from frontdesk.channels.api.adapter import sign
from frontdesk.channels.api.setup import create_api_channel
from frontdesk.channels.models import Channel
from frontdesk.conversations.models import Conversation, Message
from frontdesk.core.models import Workspace
from frontdesk.pipeline.models import InboundEvent
from frontdesk.pipeline.webhooks import CHANNEL_CACHE_SECONDS, MAX_BODY_BYTES
from tests.channels.webhooks import deliver, hook_path, message_event, stored


@pytest.fixture
def channel(workspace: Workspace) -> Channel:
    return create_api_channel(workspace, "Shop backend")


def messages(channel: Channel) -> list[Message]:
    return list(Message.in_workspace(channel.workspace_id).filter(channel=channel))


@pytest.mark.django_db
def test_signed_delivery_is_stored_and_becomes_a_message(client: Client, channel: Channel) -> None:
    response = deliver(client, channel, [message_event(text="Where is my order?")])
    assert response.status_code == 200
    assert response.json() == {"accepted": 1, "duplicates": 0}
    assert stored(channel) == 1
    [message] = messages(channel)
    assert message.text == "Where is my order?"
    assert message.kind == "inbound" and message.status == "received"
    event = InboundEvent.in_workspace(channel.workspace_id).get()
    assert event.processed_at is not None and event.error == ""


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("signature", "detail"),
    [
        ("", "missing X-Frontdesk-Signature header"),
        ("md5=abc", "X-Frontdesk-Signature must be sha256=<hex digest>"),
        ("sha256=" + "0" * 64, "signature does not match the body"),
        ("wrong-secret", "signature does not match the body"),
    ],
)
def test_unsigned_or_badly_signed_delivery_is_refused_and_stores_nothing(
    client: Client, channel: Channel, signature: str, detail: str, caplog: pytest.LogCaptureFixture
) -> None:
    body = json.dumps({"events": [message_event()]}).encode()
    if signature == "wrong-secret":
        signature = sign("not-the-channel-secret", body)
    with caplog.at_level(logging.WARNING):
        response = deliver(client, channel, body=body, signature=signature)
    assert response.status_code == 401
    assert response.json() == {"detail": detail}
    assert stored(channel) == 0 and messages(channel) == []
    assert detail in caplog.text
    assert channel.secrets["signing_secret"] not in caplog.text


@pytest.mark.django_db
def test_one_changed_byte_breaks_the_signature(client: Client, channel: Channel) -> None:
    body = json.dumps({"events": [message_event(text="pay 10")]}).encode()
    signature = sign(channel.secrets["signing_secret"], body)
    tampered = body.replace(b"pay 10", b"pay 90")
    assert deliver(client, channel, body=tampered, signature=signature).status_code == 401
    assert stored(channel) == 0


@pytest.mark.django_db
def test_signature_covers_the_raw_bytes_not_reserialised_json(client: Client, channel: Channel) -> None:
    # Non-ASCII text, unusual spacing and key order: the sender signs exactly these bytes.
    event = message_event(text="機票 退款 🙏 café")
    body = ('{ "events" :\n  [ ' + json.dumps(event, ensure_ascii=False, indent=3) + " ] }").encode()
    response = deliver(client, channel, body=body)
    assert response.status_code == 200, response.content
    assert [m.text for m in messages(channel)] == ["機票 退款 🙏 café"]
    # The same event re-serialised differently is a different body: its signature no longer fits.
    reserialised = json.dumps(json.loads(body)).encode()
    assert (
        deliver(client, channel, body=reserialised, signature=sign(channel.secrets["signing_secret"], body)).status_code
        == 401
    )


@pytest.mark.django_db
def test_replayed_webhook_is_stored_once(client: Client, channel: Channel) -> None:
    events = [message_event(event_id="evt-replay")]
    first = deliver(client, channel, events)
    second = deliver(client, channel, events)
    assert first.json() == {"accepted": 1, "duplicates": 0}
    assert second.status_code == 200
    assert second.json() == {"accepted": 0, "duplicates": 1}
    assert stored(channel) == 1 and len(messages(channel)) == 1


@pytest.mark.django_db
def test_a_storm_of_a_thousand_duplicates_in_one_batch_stores_one_message(client: Client, channel: Channel) -> None:
    event = message_event(event_id="evt-storm")
    response = deliver(client, channel, [event] * 1000)
    assert response.status_code == 200
    assert response.json() == {"accepted": 1, "duplicates": 999}
    assert stored(channel) == 1 and len(messages(channel)) == 1


@pytest.mark.django_db
def test_two_events_carrying_the_same_message_store_one_message(client: Client, channel: Channel) -> None:
    response = deliver(
        client,
        channel,
        [message_event(event_id="a", message_id="m-same"), message_event(event_id="b", message_id="m-same")],
    )
    assert response.json() == {"accepted": 2, "duplicates": 0}
    assert len(messages(channel)) == 1
    second = InboundEvent.in_workspace(channel.workspace_id).get(provider_event_id="b")
    assert second.processed_at is not None and "already stored" in second.error


@pytest.mark.django_db
def test_a_malformed_event_does_not_stop_the_rest_of_the_batch(client: Client, channel: Channel) -> None:
    good = [message_event(text="first"), message_event(text="second")]
    bad = {"id": "evt-bad", "type": "message", "contact": {"id": "x"}, "message": {"id": "m", "text": 42}}
    no_id = {"type": "message"}
    bad_email = message_event(event_id="evt-mail")
    bad_email["contact"]["email"] = "not an address"
    response = deliver(client, channel, [good[0], bad, no_id, bad_email, good[1]])
    assert response.status_code == 200
    answer = response.json()
    assert answer["accepted"] == 2 and answer["duplicates"] == 0
    assert [(item["index"], item["id"]) for item in answer["rejected"]] == [(1, "evt-bad"), (2, ""), (3, "evt-mail")]
    assert "contact.email" in answer["rejected"][2]["detail"]
    assert "message.text" in answer["rejected"][0]["detail"]
    assert sorted(m.text for m in messages(channel)) == ["first", "second"]


@pytest.mark.django_db
def test_a_batch_with_only_unusable_events_is_a_400(client: Client, channel: Channel) -> None:
    response = deliver(client, channel, [{"id": "evt-1", "type": "gossip"}])
    assert response.status_code == 400
    assert response.json()["detail"] == "No event of the delivery has a usable shape."
    assert stored(channel) == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b'{"events": [', "malformed JSON: Expecting value at line 1 column 13"),
        (b'{"events": "\xff\xfe"}', "the body is not valid UTF-8 (byte 12)"),
        (b"[]", 'the body must be a JSON object with an "events" list'),
        (b'{"event": []}', 'the body must be a JSON object with an "events" list'),
        (b"", "malformed JSON: Expecting value at line 1 column 1"),
    ],
)
def test_malformed_bodies_get_a_400_naming_the_problem(
    client: Client, channel: Channel, body: bytes, detail: str
) -> None:
    response = deliver(client, channel, body=body)
    assert response.status_code == 400
    assert response.json() == {"detail": detail}
    assert stored(channel) == 0


@pytest.mark.django_db
def test_an_empty_batch_is_acknowledged(client: Client, channel: Channel) -> None:
    response = deliver(client, channel, [])
    assert response.status_code == 200
    assert response.json() == {"accepted": 0, "duplicates": 0}


@pytest.mark.django_db
def test_nul_characters_are_stored_as_replacement_characters_not_refused(client: Client, channel: Channel) -> None:
    # JSON allows \u0000; PostgreSQL's text and jsonb do not, and a refusal would be retried forever.
    response = deliver(client, channel, [message_event(contact_id="crm\u00001", text="pay\u0000now")])
    assert response.status_code == 200
    [message] = messages(channel)
    assert message.text == "pay\ufffdnow"
    assert message.conversation.contact.identities.get().external_id == "crm\ufffd1"


@pytest.mark.django_db
def test_oversized_body_is_refused_with_413(client: Client, channel: Channel) -> None:
    body = json.dumps({"events": [message_event(text="x" * 19_000)] * 60}).encode()
    assert len(body) > MAX_BODY_BYTES
    response = deliver(client, channel, body=body)
    assert response.status_code == 413
    assert response.json() == {"detail": f"The body is larger than {MAX_BODY_BYTES} bytes."}
    assert stored(channel) == 0


@pytest.mark.django_db
def test_unknown_disabled_and_foreign_kind_channels_answer_404_alike(client: Client, channel: Channel) -> None:
    body = json.dumps({"events": [message_event()]}).encode()
    headers = {"X-Frontdesk-Signature": sign(channel.secrets["signing_secret"], body)}
    unknown = client.post("/hooks/api/no-such-token", body, content_type="application/json", headers=headers)
    wrong_kind = client.post(
        f"/hooks/whatsapp/{channel.webhook_token}", body, content_type="application/json", headers=headers
    )
    not_a_kind = client.post(
        f"/hooks/gopher/{channel.webhook_token}", body, content_type="application/json", headers=headers
    )
    assert deliver(client, channel, body=body).status_code == 200  # the channel is now remembered
    channel.is_active = False
    channel.save()
    disabled = client.post(hook_path(channel), body, content_type="application/json", headers=headers)
    for response in (unknown, wrong_kind, not_a_kind, disabled):
        assert response.status_code == 404
        assert response.json() == {"detail": "No active channel at this address."}
    assert stored(channel) == 1


@pytest.mark.django_db
def test_a_channel_disabled_by_another_process_is_refused_within_a_second(client: Client, channel: Channel) -> None:
    assert deliver(client, channel, [message_event()]).status_code == 200
    # Another process disables it: this process hears nothing and goes by its memory for up to a second.
    Channel.all_workspaces.filter(pk=channel.pk).update(is_active=False)
    time.sleep(CHANNEL_CACHE_SECONDS)
    refused = deliver(client, channel, [message_event()])
    assert refused.status_code == 404


@pytest.mark.django_db
def test_webhook_only_accepts_post(client: Client, channel: Channel) -> None:
    response = client.get(hook_path(channel))
    assert response.status_code == 405
    assert response.json() == {"detail": "Webhooks are delivered with POST."}


@pytest.mark.django_db
def test_channel_without_a_signing_secret_accepts_nothing(client: Client, workspace: Workspace) -> None:
    channel = create_api_channel(workspace, "Half set up")
    secret = channel.secrets["signing_secret"]
    channel.secrets = {}
    channel.save()
    response = deliver(client, channel, [message_event()], secret=secret)
    assert response.status_code == 401
    assert stored(channel) == 0


@pytest.mark.django_db
def test_events_of_one_channel_never_touch_another_workspace(client: Client, channel: Channel) -> None:
    # The same caller ids on two workspaces' channels are two different contacts and messages (T-03).
    other = create_api_channel(Workspace.objects.create(name="Other", slug="other"), "Other backend")
    event = message_event(event_id="evt-1", message_id="m-1", contact_id="crm-1")
    assert deliver(client, channel, [event]).json()["accepted"] == 1
    assert deliver(client, other, [event]).json()["accepted"] == 1
    mine = Conversation.in_workspace(channel.workspace_id).get()
    theirs = Conversation.in_workspace(other.workspace_id).get()
    assert mine.contact_id != theirs.contact_id
    assert len(messages(channel)) == 1 and len(messages(other)) == 1
