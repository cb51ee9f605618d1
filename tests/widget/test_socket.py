"""The widget's websocket: who may open it, messages stored once, history per visitor, identity, replies, typing."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer

from frontdesk.contacts.models import Contact, Identity
from frontdesk.conversations.actions import reply
from frontdesk.conversations.models import Conversation, DeliveryStatus, Message, MessageKind, OutboxEntry
from frontdesk.core.models import Member, Role, Workspace
from frontdesk.inbox.consumers import workspace_group
from frontdesk.pipeline.outbound import deliver
from frontdesk.widget import limits
from frontdesk.widget.conversation import context_of
from frontdesk.widget.presence import agent_connected, agent_disconnected
from frontdesk.widget.visitors import user_hash
from tests.channels.webhooks import process_stored_events
from tests.factories import make_member, make_workspace
from tests.widget.chat import Widget, make_webchat

pytestmark = pytest.mark.django_db(transaction=True)


def run[T](scenario: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(scenario)


def inbound(channel: Any) -> list[Message]:
    return list(Message.in_workspace(channel.workspace_id).filter(channel=channel).order_by("pk"))


def test_a_site_not_allowed_cannot_open_the_widget(workspace: Workspace) -> None:
    channel = make_webchat(workspace)

    async def scenario() -> tuple[Any, Any]:
        return await Widget(channel, origin="https://evil.example").open(), await Widget(channel).open()

    refused, allowed = run(scenario())
    assert refused == (False, 4403)
    assert allowed[0] is True


def test_a_disabled_or_unknown_channel_refuses_the_widget(workspace: Workspace) -> None:
    channel = make_webchat(workspace)
    channel.is_active = False
    channel.save()

    async def scenario() -> tuple[Any, Any]:
        return await Widget(channel).open(), await Widget(channel, token="no-such-channel").open()

    assert run(scenario()) == ((False, 4404), (False, 4404))


def test_a_channel_disabled_during_a_chat_closes_the_widget(workspace: Workspace) -> None:
    channel = make_webchat(workspace)

    async def scenario() -> dict[str, Any]:
        widget = Widget(channel)
        await widget.hello()
        await sync_to_async(disable)(channel)
        await widget.send({"type": "message", "id": "late-00001", "text": "still there?"})
        closed: dict[str, Any] = await widget.communicator.receive_output(5)
        return closed

    assert run(scenario()) == {"type": "websocket.close", "code": 4404}
    assert stored_events(channel) == 0


def disable(channel: Any) -> None:
    channel.is_active = False
    channel.save()


def stored_events(channel: Any) -> int:
    from tests.channels.webhooks import stored

    return stored(channel)


def test_a_message_is_stored_once_even_when_sent_again_after_a_reconnect(workspace: Workspace) -> None:
    channel = make_webchat(workspace)

    async def scenario() -> list[dict[str, Any]]:
        widget = Widget(channel)
        welcome = await widget.hello(context={"order_number": "HK-1042", "page_url": "https://shop.example/o/1042"})
        frame = {"type": "message", "id": "msg-00000001", "text": "Where is my order? 我的訂單在哪裡？"}
        await widget.send(frame)
        first = await widget.receive()
        await widget.close()
        again = Widget(channel)
        await again.hello(visitor=welcome["visitor"])
        await again.send(frame)
        second = await again.receive()
        await again.close()
        return [first, second]

    first, second = run(scenario())
    assert first == {"type": "ack", "id": "msg-00000001", "duplicate": False}
    assert second == {"type": "ack", "id": "msg-00000001", "duplicate": True}
    process_stored_events()
    [message] = inbound(channel)
    assert message.text == "Where is my order? 我的訂單在哪裡？"
    assert context_of(message.conversation)["latest"]["order_number"] == "HK-1042"


def test_history_survives_a_reload_and_stays_with_its_visitor(workspace: Workspace) -> None:
    channel = make_webchat(workspace)

    async def write(visitor: str | None, text: str, message_id: str) -> str:
        widget = Widget(channel)
        welcome = await widget.hello(visitor=visitor)
        await widget.send({"type": "message", "id": message_id, "text": text})
        await widget.receive()
        await widget.close()
        token: str = welcome["visitor"]
        return token

    alice = run(write(None, "Alice's address is 1 Queen's Road", "alice-0001"))
    bob = run(write(None, "Bob here", "bob-00000001"))
    process_stored_events()

    async def history(visitor: str) -> list[str]:
        widget = Widget(channel)
        welcome = await widget.hello(visitor=visitor)
        await widget.close()
        return [item["text"] for item in welcome["history"]]

    assert run(history(alice)) == ["Alice's address is 1 Queen's Road"]
    assert run(history(bob)) == ["Bob here"]
    tampered = alice[:-2] + ("AA" if not alice.endswith("AA") else "BB")
    assert run(history(tampered)) == []


def test_a_visitor_token_of_another_channel_is_a_new_visitor(workspace: Workspace) -> None:
    shop, other_shop = make_webchat(workspace), make_webchat(make_workspace(), name="Other shop")

    async def scenario() -> list[str]:
        widget = Widget(shop)
        welcome = await widget.hello()
        await widget.send({"type": "message", "id": "secret-0001", "text": "my card ends 4242"})
        await widget.receive()
        await widget.close()
        process = sync_to_async(process_stored_events)
        await process()
        foreign = Widget(other_shop)
        stolen = await foreign.hello(visitor=welcome["visitor"])
        await foreign.close()
        return [stolen["visitor"], welcome["visitor"], str(stolen["history"])]

    stolen_token, original, history = run(scenario())
    assert stolen_token != original
    assert history == "[]"


def test_a_verified_customer_is_one_contact_on_two_devices(workspace: Workspace) -> None:
    channel = make_webchat(workspace)
    secret = channel.secrets["identity_secret"]
    claims = {
        "user_id": "cust-77",
        "user_hash": user_hash(secret, "cust-77"),
        "name": "陳大文",
        "email": "tm@example.com",
    }

    async def device(message_id: str) -> dict[str, Any]:
        widget = Widget(channel)
        welcome = await widget.hello(identify=claims)
        await widget.send({"type": "message", "id": message_id, "text": f"from {message_id}"})
        await widget.receive()
        await widget.close()
        return welcome

    phone, laptop = run(device("phone-0001")), run(device("laptop-001"))
    assert phone["identified"] is True and laptop["identified"] is True
    assert phone["visitor"] != laptop["visitor"]
    process_stored_events()
    [identity] = Identity.in_workspace(workspace).filter(channel=channel)
    assert identity.external_id == "user:cust-77"
    assert (identity.contact.name, identity.contact.email) == ("陳大文", "tm@example.com")
    assert [message.text for message in inbound(channel)] == ["from phone-0001", "from laptop-001"]
    assert Conversation.in_workspace(workspace).count() == 1

    renamed = {**claims, "name": "Chan Tai Man", "email": "ctm@example.com"}

    async def rename() -> None:
        widget = Widget(channel)
        await widget.hello(identify=renamed)
        await widget.close()

    run(rename())
    identity.contact.refresh_from_db()
    assert (identity.contact.name, identity.contact.email) == ("Chan Tai Man", "ctm@example.com")


def test_a_forged_identity_is_refused_and_nothing_reaches_the_real_customer(workspace: Workspace) -> None:
    channel = make_webchat(workspace)
    real = Contact.in_workspace(workspace).create(workspace=workspace, name="Real Customer", email="real@example.com")
    Identity.in_workspace(workspace).create(
        workspace=workspace, contact=real, channel=channel, external_id="user:cust-1"
    )
    forged = {"user_id": "cust-1", "user_hash": "0" * 64, "name": "Mallory", "email": "mallory@example.com"}

    async def scenario() -> dict[str, Any]:
        widget = Widget(channel)
        welcome = await widget.hello(identify=forged)
        await widget.send({"type": "message", "id": "forged-001", "text": "refund me"})
        await widget.receive()
        await widget.close()
        return welcome

    welcome = run(scenario())
    assert welcome["identified"] is False
    assert welcome["identity_error"] == "user_hash does not match user_id"
    process_stored_events()
    [message] = inbound(channel)
    assert message.conversation.contact_id != real.pk
    real.refresh_from_db()
    assert (real.name, real.email) == ("Real Customer", "real@example.com")
    assert not Message.in_workspace(workspace).filter(conversation__contact=real).exists()


def test_an_unverified_name_is_shown_as_unverified_and_not_stored(workspace: Workspace) -> None:
    channel = make_webchat(workspace)

    async def scenario() -> None:
        widget = Widget(channel)
        await widget.hello(identify={"name": "Claims To Be CEO"})
        await widget.send({"type": "message", "id": "unverif-01", "text": "hi"})
        await widget.receive()
        await widget.close()

    run(scenario())
    process_stored_events()
    [message] = inbound(channel)
    assert message.conversation.contact.name == ""
    context = context_of(message.conversation)
    assert (context["verified"], context["unverified_name"]) == (False, "Claims To Be CEO")


def test_the_offline_form_is_offered_only_when_no_agent_is_online(workspace: Workspace) -> None:
    channel = make_webchat(workspace)

    async def online() -> bool:
        widget = Widget(channel)
        welcome = await widget.hello()
        await widget.close()
        value: bool = welcome["online"]
        return value

    assert run(online()) is False
    asyncio.run(agent_connected(workspace.pk))
    assert run(online()) is True
    asyncio.run(agent_disconnected(workspace.pk))
    assert run(online()) is False

    async def leave_message() -> list[dict[str, Any]]:
        widget = Widget(channel)
        await widget.hello()
        await widget.send({"type": "offline", "id": "offline-01", "text": "Call me tomorrow", "email": "nope"})
        refused = await widget.receive()
        frame = {"type": "offline", "id": "offline-02", "text": "Call me tomorrow", "email": "ada@example.com"}
        await widget.send({**frame, "name": "Ada"})
        accepted = await widget.receive()
        await widget.close()
        return [refused, accepted]

    refused, accepted = run(leave_message())
    assert refused["code"] == "email"
    assert accepted == {"type": "ack", "id": "offline-02", "duplicate": False}
    process_stored_events()
    [message] = inbound(channel)
    assert context_of(message.conversation)["offline"] == {"email": "ada@example.com", "name": "Ada"}


def test_an_agent_reply_reaches_the_visitors_widget_and_is_marked_delivered(workspace: Workspace) -> None:
    channel = make_webchat(workspace)
    agent = make_member(workspace, Role.AGENT)

    async def scenario() -> dict[str, Any]:
        widget = Widget(channel)
        await widget.hello()
        await widget.send({"type": "message", "id": "ask-000001", "text": "Is it in stock?"})
        await widget.receive()
        await sync_to_async(process_stored_events)()
        message = await sync_to_async(answer)(agent)
        pushed = await widget.receive()
        await widget.send({"type": "received", "id": message.pk})
        await widget.nothing_arrives(0.5)
        await widget.close()
        return pushed

    pushed = run(scenario())
    assert pushed["from"] == "agent" and pushed["text"] == "Yes — 有貨 <b>today</b>"
    outbound = Message.in_workspace(workspace).get(kind=MessageKind.OUTBOUND)
    assert outbound.status == DeliveryStatus.DELIVERED


def answer(agent: Member) -> Message:
    conversation = Conversation.in_workspace(agent.workspace_id).get()
    message = reply(conversation, agent, "Yes — 有貨 <b>today</b>")
    deliver(OutboxEntry.in_workspace(agent.workspace_id).get(message=message).pk)
    return message


def test_a_visitor_cannot_mark_someone_elses_reply_delivered(workspace: Workspace) -> None:
    channel = make_webchat(workspace)
    agent = make_member(workspace, Role.AGENT)

    async def scenario() -> None:
        widget = Widget(channel)
        await widget.hello()
        await widget.send({"type": "message", "id": "first-0001", "text": "hello"})
        await widget.receive()
        await sync_to_async(process_stored_events)()
        message = await sync_to_async(answer)(agent)
        await widget.receive()
        intruder = Widget(channel)
        await intruder.hello()
        await intruder.send({"type": "received", "id": message.pk})
        await intruder.nothing_arrives(0.5)
        await intruder.close()
        await widget.close()

    run(scenario())
    assert Message.in_workspace(workspace).get(kind=MessageKind.OUTBOUND).status == DeliveryStatus.SENT


def test_customer_typing_reaches_the_agents_of_the_workspace_only(workspace: Workspace) -> None:
    channel = make_webchat(workspace)
    other = make_workspace()

    async def scenario() -> tuple[Any, bool]:
        layer = get_channel_layer()
        widget = Widget(channel)
        await widget.hello()
        await widget.send({"type": "message", "id": "typing-001", "text": "hello"})
        await widget.receive()
        await sync_to_async(process_stored_events)()
        own_agents = await layer.new_channel()
        other_agents = await layer.new_channel()
        await layer.group_add(workspace_group(workspace.pk), own_agents)
        await layer.group_add(workspace_group(other.pk), other_agents)
        await widget.send({"type": "typing", "typing": True})
        event = await asyncio.wait_for(layer.receive(own_agents), 5)
        try:
            await asyncio.wait_for(layer.receive(other_agents), 0.3)
            leaked = True
        except TimeoutError:
            leaked = False
        await widget.close()
        return event, leaked

    event, leaked = run(scenario())
    conversation = Conversation.in_workspace(workspace).get()
    # Workspace events travel as JSON text, serialised once for every agent (frontdesk.inbox.subscribers).
    assert json.loads(event["text"]) == {"type": "widget.typing", "conversation_id": conversation.pk, "typing": True}
    assert leaked is False


def test_too_many_messages_are_refused(workspace: Workspace, settings: Any) -> None:
    channel = make_webchat(workspace)
    allowance, _seconds = limits.LIMITS["message"]

    async def scenario() -> list[dict[str, Any]]:
        widget = Widget(channel)
        await widget.hello()
        answers = []
        for number in range(allowance + 1):
            await widget.send({"type": "message", "id": f"burst-{number:04d}", "text": "spam"})
            answers.append(await widget.receive())
        await widget.close()
        return answers

    answers = run(scenario())
    assert all(item["type"] == "ack" for item in answers[:allowance])
    assert answers[-1]["code"] == "rate_limited"


def test_overlong_and_empty_messages_get_a_clear_error(workspace: Workspace) -> None:
    channel = make_webchat(workspace)

    async def scenario() -> list[str]:
        widget = Widget(channel)
        await widget.hello()
        codes = []
        for frame in (
            {"type": "message", "id": "long-00001", "text": "x" * 5001},
            {"type": "message", "id": "empty-0001", "text": "   "},
            {"type": "message", "id": "bad id!", "text": "hi"},
        ):
            await widget.send(frame)
            codes.append((await widget.receive())["code"])
        await widget.close()
        return codes

    assert run(scenario()) == ["too_long", "empty", "invalid"]
