from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from asgiref.testing import ApplicationCommunicator
from django.test import Client

from frontdesk.asgi import application
from frontdesk.core.models import Member, Role
from frontdesk.inbox.consumers import workspace_group
from tests.factories import make_member, make_workspace


class WebsocketClient(ApplicationCommunicator):  # type: ignore[misc]
    """Speaks the ASGI websocket protocol to the application, as a browser's socket would."""

    def __init__(self, headers: list[tuple[bytes, bytes]]) -> None:
        super().__init__(
            application,
            {"type": "websocket", "path": "/ws/agent/", "headers": headers, "subprotocols": [], "query_string": b""},
        )

    async def connect(self) -> tuple[bool, int | None]:
        await self.send_input({"type": "websocket.connect"})
        response = await self.receive_output(5)
        if response["type"] == "websocket.close":
            return False, response.get("code")
        return True, None

    async def receive_json_from(self, timeout: float = 5) -> Any:
        response = await self.receive_output(timeout)
        return json.loads(response["text"])

    async def disconnect(self) -> None:
        await self.send_input({"type": "websocket.disconnect", "code": 1000})
        await self.wait(1)


def connect(cookie: str | None) -> WebsocketClient:
    headers = [(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    return WebsocketClient(headers)


def session_cookie(client: Client, member: Member) -> str:
    client.force_login(member.user)
    client.get("/inbox/")
    return f"sessionid={client.cookies['sessionid'].value}"


async def exchange(cookie: str | None, group_event: dict[str, Any] | None = None) -> list[Any]:
    communicator = connect(cookie)
    connected, code = await communicator.connect()
    if not connected:
        return [("closed", code)]
    received = [await communicator.receive_json_from()]
    if group_event is not None:
        from channels.layers import get_channel_layer

        await get_channel_layer().group_send(group_event["group"], group_event["message"])
        try:
            received.append(await communicator.receive_json_from(timeout=1))
        except TimeoutError:
            return received  # nothing arrived; the test harness has already stopped the consumer
    await communicator.disconnect()
    return received


@pytest.mark.django_db(transaction=True)
def test_anonymous_socket_is_refused() -> None:
    assert asyncio.run(exchange(None)) == [("closed", 4403)]


@pytest.mark.django_db(transaction=True)
def test_member_socket_joins_only_its_own_workspace_stream(client: Client) -> None:
    workspace, other = make_workspace(), make_workspace()
    member = make_member(workspace, Role.AGENT)
    cookie = session_cookie(client, member)
    own = asyncio.run(
        exchange(
            cookie,
            {
                "group": workspace_group(workspace.pk),
                "message": {"type": "workspace.event", "payload": {"type": "ping", "text": "你好"}},
            },
        )
    )
    assert own[0] == {"type": "hello", "workspace": workspace.pk, "member": member.pk}
    assert own[1] == {"type": "ping", "text": "你好"}
    foreign = asyncio.run(
        exchange(
            cookie,
            {"group": workspace_group(other.pk), "message": {"type": "workspace.event", "payload": {"type": "leak"}}},
        )
    )
    assert foreign == [{"type": "hello", "workspace": workspace.pk, "member": member.pk}]


@pytest.mark.django_db(transaction=True)
def test_socket_from_a_foreign_origin_is_refused(client: Client) -> None:
    member = make_member(make_workspace(), Role.AGENT)
    cookie = session_cookie(client, member)
    communicator = WebsocketClient([(b"origin", b"https://evil.example"), (b"cookie", cookie.encode())])

    async def attempt() -> bool:
        connected, _code = await communicator.connect()
        await communicator.disconnect()
        return bool(connected)

    assert asyncio.run(attempt()) is False


@pytest.mark.django_db(transaction=True)
def test_events_forwarded_by_other_roles_reach_agents_only_when_signed(client: Client) -> None:
    from frontdesk.inbox import forwarding

    workspace = make_workspace()
    cookie = session_cookie(client, make_member(workspace, Role.AGENT))
    events = [{"workspace_id": workspace.pk, "payload": {"type": "message.updated", "id": n}} for n in (7, 8)]
    body = json.dumps({"events": events}).encode()
    unsigned = client.post("/inbox/internal/events/", body, content_type="application/json")
    forged = client.post(
        "/inbox/internal/events/",
        body,
        content_type="application/json",
        headers={forwarding.SIGNATURE_HEADER: "0" * 64},
    )
    assert unsigned.status_code == forged.status_code == 403

    async def listen_while_forwarding() -> list[Any]:
        communicator = connect(cookie)
        await communicator.connect()
        received = [await communicator.receive_json_from()]
        from asgiref.sync import sync_to_async

        response = await sync_to_async(client.post)(
            "/inbox/internal/events/",
            body,
            content_type="application/json",
            headers={forwarding.SIGNATURE_HEADER: forwarding.signature(body)},
        )
        assert response.status_code == 204
        received.append(await communicator.receive_json_from(timeout=2))
        received.append(await communicator.receive_json_from(timeout=2))
        await communicator.disconnect()
        return received

    assert asyncio.run(listen_while_forwarding())[1:] == [
        {"type": "message.updated", "id": 7},
        {"type": "message.updated", "id": 8},
    ]
