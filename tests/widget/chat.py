"""A visitor's widget, as the tests drive it: the real ASGI application spoken to over the websocket protocol.

(``channels.testing.WebsocketCommunicator`` needs daphne installed, for its live
server; this is the same few lines over asgiref's ``ApplicationCommunicator``.)
"""

from __future__ import annotations

import json
from typing import Any

from asgiref.testing import ApplicationCommunicator

from frontdesk.asgi import application
from frontdesk.channels.models import Channel
from frontdesk.channels.webchat.setup import create_webchat_channel
from frontdesk.core.models import Workspace

SITE = "https://shop.example"


def make_webchat(workspace: Workspace, **fields: Any) -> Channel:
    fields.setdefault("origins", SITE)
    return create_webchat_channel(workspace, fields.pop("name", "Shop chat"), **fields)


class Widget:
    """One open widget: connect, say hello, send frames, read what the server pushes."""

    def __init__(self, channel: Channel, origin: str = SITE, token: str | None = None) -> None:
        path = f"/ws/widget/{token or channel.webhook_token}/"
        scope = {
            "type": "websocket",
            "path": path,
            "headers": [(b"origin", origin.encode()), (b"host", b"chat.frontdesk.example")],
            "subprotocols": [],
            "query_string": b"",
            "client": ("203.0.113.9", 50000),
        }
        self.communicator = ApplicationCommunicator(application, scope)

    async def open(self) -> tuple[bool, int | None]:
        await self.communicator.send_input({"type": "websocket.connect"})
        response = await self.communicator.receive_output(5)
        if response["type"] == "websocket.accept" and not await self.communicator.receive_nothing(0.1):
            # Accepted only to be closed with a reason the browser can read.
            response = await self.communicator.receive_output(1)
        if response["type"] == "websocket.close":
            return False, response.get("code")
        return True, None

    async def hello(
        self, visitor: str | None = None, identify: dict[str, str] | None = None, context: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        connected, code = await self.open()
        assert connected, code
        await self.send({"type": "hello", "visitor": visitor, "identify": identify, "context": context or {}})
        welcome = await self.receive()
        assert welcome["type"] == "welcome", welcome
        return welcome

    async def send(self, frame: dict[str, Any]) -> None:
        await self.communicator.send_input({"type": "websocket.receive", "text": json.dumps(frame)})

    async def receive(self, timeout: float = 5) -> dict[str, Any]:
        response = await self.communicator.receive_output(timeout)
        frame: dict[str, Any] = json.loads(response["text"])
        return frame

    async def nothing_arrives(self, timeout: float = 0.3) -> bool:
        nothing: bool = await self.communicator.receive_nothing(timeout)
        return nothing

    async def close(self) -> None:
        await self.communicator.send_input({"type": "websocket.disconnect", "code": 1000})
        await self.communicator.wait(1)
