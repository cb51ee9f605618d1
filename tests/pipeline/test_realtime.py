"""A customer's message reaches the agents connected to the workspace, through the real ASGI socket."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from frontdesk.channels.api.setup import create_api_channel
from frontdesk.core.models import Role
from tests.channels.webhooks import deliver, message_event
from tests.factories import make_member, make_workspace
from tests.inbox.test_agent_socket import connect, session_cookie


@pytest.mark.django_db(transaction=True)
def test_message_created_reaches_a_connected_agent(client: Client) -> None:
    workspace = make_workspace()
    member = make_member(workspace, Role.AGENT)
    channel = create_api_channel(workspace, "Shop backend")
    cookie = session_cookie(client, member)

    async def scenario() -> tuple[int, list[Any]]:
        socket = connect(cookie)
        connected, _code = await socket.connect()
        assert connected
        await socket.receive_json_from()
        response = await sync_to_async(deliver)(Client(), channel, [message_event(text="Where is my parcel?")])
        received = [await socket.receive_json_from(), await socket.receive_json_from()]
        await socket.disconnect()
        return response.status_code, received

    status, received = asyncio.run(scenario())
    assert status == 200
    assert [event["type"] for event in received] == ["message.created", "conversation.created"]
    assert received[0]["message"]["text"] == "Where is my parcel?"
    assert received[0]["workspace_id"] == workspace.pk
