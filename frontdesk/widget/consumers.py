"""The widget's websocket, ``/ws/widget/<channel token>/``: one visitor's chat with the business.

It is opened from the business's site, so it is not behind the agent socket's
host check: the channel's allowed sites are checked instead, and the visitor
is known only by their signed visitor token (``visitors``). The first frame is
``hello``; the server answers ``welcome`` with the visitor token to keep, the
history, whether an agent is online, and whether the identity verified.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from asgiref.sync import async_to_sync
from channels.generic.websocket import JsonWebsocketConsumer
from django.db import close_old_connections

from frontdesk.channels.models import Channel
from frontdesk.channels.webchat.setup import origin_allowed
from frontdesk.conversations.models import DeliveryStatus, Message, MessageKind
from frontdesk.inbox.subscribers import send_to_workspaces
from frontdesk.pipeline.outbound import apply_delivery_status
from frontdesk.pipeline.webhooks import ChannelNotFound, channel_for_webhook
from frontdesk.widget import conversation, limits
from frontdesk.widget.presence import agents_online
from frontdesk.widget.push import visitor_group
from frontdesk.widget.visitors import IdentityRefused, Visitor, identify, new_visitor_token, visitor_key

# Close codes the widget understands: stop retrying for these.
CLOSE_NOT_FOUND = 4404
CLOSE_FORBIDDEN = 4403
TYPING_EVERY_SECONDS = 2.0


def header(scope: dict[str, Any], name: bytes) -> str:
    for key, value in scope.get("headers") or []:
        if key == name:
            return bytes(value).decode("latin-1")
    return ""


class WidgetConsumer(JsonWebsocketConsumer):  # type: ignore[misc]
    channel: Channel | None = None
    visitor: Visitor | None = None
    group: str | None = None
    context: dict[str, str]
    last_typing: float = 0.0

    def connect(self) -> None:
        close_old_connections()
        self.context = {}
        address = (self.scope.get("client") or ["?"])[0]
        if not limits.allow("connect", str(address)):
            self.refuse(CLOSE_FORBIDDEN)
            return
        try:
            self.channel = channel_for_webhook("webchat", self.scope["url_route"]["kwargs"]["channel_token"])
        except ChannelNotFound:
            self.refuse(CLOSE_NOT_FOUND)
            return
        if not origin_allowed(self.channel, header(self.scope, b"origin")):
            self.refuse(CLOSE_FORBIDDEN)
            return
        self.accept()

    def refuse(self, code: int) -> None:
        # Accepted first: a socket refused during the handshake reaches the page as a bare 1006, and the
        # widget would keep retrying; this code tells it to stop.
        self.channel = None
        self.accept()
        self.close(code=code)

    def disconnect(self, code: int) -> None:
        if self.group is not None:
            async_to_sync(self.channel_layer.group_discard)(self.group, self.channel_name)

    def receive_json(self, content: Any, **kwargs: Any) -> None:
        close_old_connections()
        if not isinstance(content, dict) or self.channel is None:
            return
        kind = content.get("type")
        if not self.still_open():
            return
        if kind == "hello":
            address = (self.scope.get("client") or ["?"])[0]
            if limits.allow("connect", str(address)):
                self.hello(content)
        elif self.visitor is None:
            self.send_json({"type": "error", "code": "hello_first", "detail": "send hello first"})
        elif kind == "context":
            self.context = conversation.clean_context(content.get("context"))
        elif kind in ("message", "offline"):
            self.message(content, offline=kind == "offline")
        elif kind == "typing":
            self.typing(bool(content.get("typing")))
        elif kind == "received":
            self.received(content.get("id"))

    def still_open(self) -> bool:
        """Whether the channel is still active (read again at most once a second); closes the socket if not."""
        assert self.channel is not None
        try:
            self.channel = channel_for_webhook("webchat", self.channel.webhook_token)
        except ChannelNotFound:
            self.channel = None
            self.close(code=CLOSE_NOT_FOUND)
            return False
        if self.visitor is not None and self.visitor.channel is not self.channel:
            self.visitor = replace(self.visitor, channel=self.channel)
        return True

    def hello(self, content: dict[str, Any]) -> None:
        assert self.channel is not None
        token = content.get("visitor")
        key = visitor_key(self.channel, token) if isinstance(token, str) else None
        if key is None:
            key, token = new_visitor_token(self.channel)
        identity_error = ""
        try:
            visitor = identify(self.channel, key, content.get("identify"))
        except IdentityRefused as error:
            # Refused as a whole: the visitor stays the anonymous one, with nothing of the claim.
            visitor, identity_error = Visitor(self.channel, key), str(error)
        if self.group is not None:
            async_to_sync(self.channel_layer.group_discard)(self.group, self.channel_name)
        self.visitor = visitor
        conversation.remember_verified(visitor)
        self.group = visitor_group(self.channel.pk, visitor.external_id)
        async_to_sync(self.channel_layer.group_add)(self.group, self.channel_name)
        self.context = conversation.clean_context(content.get("context"))
        self.send_json(
            {
                "type": "welcome",
                "visitor": token,
                "identified": visitor.verified,
                "identity_error": identity_error,
                "online": agents_online(self.channel.workspace_id) > 0,
                "greeting": str((self.channel.config or {}).get("greeting") or ""),
                "history": conversation.history(visitor),
            }
        )

    def message(self, content: dict[str, Any], *, offline: bool) -> None:
        assert self.visitor is not None
        client_id = str(content.get("id") or "")
        if not limits.allow("message", self.visitor.key):
            self.send_json({"type": "error", "id": client_id, "code": "rate_limited", "detail": "too many messages"})
            return
        details: dict[str, str] | None = None
        if offline:
            details = {
                "email": str(content.get("email") or "").strip()[:254],
                "name": str(content.get("name") or "").strip()[:200],
            }
            if "@" not in details["email"]:
                self.send_json({"type": "error", "id": client_id, "code": "email", "detail": "an email is needed"})
                return
        try:
            new = conversation.post_message(
                self.visitor, client_id, content.get("text") or "", self.context, offline=details
            )
        except conversation.MessageRefused as error:
            self.send_json({"type": "error", "id": client_id, "code": error.code, "detail": error.detail})
            return
        self.send_json({"type": "ack", "id": client_id, "duplicate": not new})

    def typing(self, typing: bool) -> None:
        assert self.visitor is not None
        now = time.monotonic()
        if typing and now - self.last_typing < TYPING_EVERY_SECONDS:
            return
        self.last_typing = now if typing else 0.0
        if not limits.allow("typing", self.visitor.key):
            return
        open_conversation = conversation.active_conversation(self.visitor)
        if open_conversation is None:
            return
        send_to_workspaces(
            [
                (
                    open_conversation.workspace_id,
                    {"type": "widget.typing", "conversation_id": open_conversation.pk, "typing": typing},
                )
            ]
        )

    def received(self, message_id: Any) -> None:
        """The widget showed a reply: it is delivered (only a reply to this visitor, on this channel)."""
        assert self.visitor is not None
        if not isinstance(message_id, int):
            return
        identity = conversation.identity_of(self.visitor)
        if identity is None:
            return
        message = (
            Message.in_workspace(self.visitor.channel.workspace_id)
            .filter(
                pk=message_id,
                kind=MessageKind.OUTBOUND,
                channel=self.visitor.channel,
                conversation__contact_id=identity.contact_id,
            )
            .first()
        )
        if message is not None:
            apply_delivery_status(message, DeliveryStatus.DELIVERED)

    def widget_push(self, event: dict[str, Any]) -> None:
        self.send_json(event["payload"])
