"""The agent websocket: a signed-in member joins their workspace's live stream and their own.

Besides listening, a tab reports presence on a conversation:
``{"type": "presence", "conversation_id": N, "state": "viewing"|"typing"|"idle"|"left"}``
(see ``frontdesk.inbox.presence``), and may ask who is on a list of conversations:
``{"type": "presence.query", "conversation_ids": [...]}``. Anything else is ignored.
"""

from __future__ import annotations

import json
import time
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from frontdesk.conversations.models import Conversation
from frontdesk.core.membership import SESSION_KEY, member_for_user
from frontdesk.core.models import Member
from frontdesk.inbox import presence
from frontdesk.widget.presence import agent_connected, agent_disconnected

# A tab reports a few times a minute; more than this is a misbehaving client.
REPORTS_PER_WINDOW = 20
REPORT_WINDOW = 10.0
# "Still typing" needs saying only every few seconds.
TYPING_INTERVAL = 2.0
QUERY_LIMIT = 200


# Events handed to the socket as they are: "payload" (or "text", the payload already as JSON).
PUSHED = {"workspace.event", "member.event"}


def workspace_group(workspace_id: int) -> str:
    return f"workspace.{workspace_id}"


def member_group(member_id: int) -> str:
    """Events for one member only (their notifications), on every tab they have open."""
    return f"member.{member_id}"


class AgentConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    group: str | None = None
    workspace_id: int | None = None
    member: Member | None = None

    async def connect(self) -> None:
        member = await self._member()
        if member is None:
            await self.close(code=4403)
            return
        self.member = member
        self.member_name = member.display_name
        self.group = workspace_group(member.workspace_id)
        self.viewable: set[int] = set()
        self.present: set[int] = set()
        # Recent messages per kind, for the rate limit: a burst of list queries never crowds out presence.
        self.recent: dict[str, list[float]] = {"presence": [], "presence.query": []}
        self.typed_at: dict[int, float] = {}
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.channel_layer.group_add(member_group(member.pk), self.channel_name)
        await self.accept()
        # Counted as online for the web-chat widget's offline form (frontdesk.widget.presence).
        self.workspace_id = member.workspace_id
        await agent_connected(member.workspace_id)
        await self.send_json({"type": "hello", "workspace": member.workspace_id, "member": member.pk})

    async def disconnect(self, code: int) -> None:
        if self.member is not None:
            for conversation_id in list(self.present):
                await self._report(conversation_id, presence.State.LEFT)
            await self.channel_layer.group_discard(member_group(self.member.pk), self.channel_name)
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
        if self.workspace_id is not None:
            await agent_disconnected(self.workspace_id)

    @classmethod
    async def decode_json(cls, text_data: str) -> Any:
        try:
            return json.loads(text_data)
        except ValueError:
            return None

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if self.member is None or not isinstance(content, dict) or content.get("type") not in self.recent:
            return
        if not self._within_rate(content["type"]):
            return
        if content["type"] == "presence":
            await self._presence(content.get("conversation_id"), content.get("state"))
        else:
            await self._query(content.get("conversation_ids"))

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels closes stale database connections on one shared thread before every handler; pushing an
        # event touches no database, and with hundreds of agents that hop alone outgrew a core (bench/ui.py).
        if message["type"] in PUSHED:
            await self.send(text_data=message.get("text") or json.dumps(message["payload"]))
            return
        await super().dispatch(message)

    async def _presence(self, conversation_id: Any, reported: Any) -> None:
        try:
            state = presence.State(reported)
        except (ValueError, TypeError):
            return
        if type(conversation_id) is not int:
            return
        if state == presence.State.TYPING:
            now = time.monotonic()
            if now - self.typed_at.get(conversation_id, -TYPING_INTERVAL) < TYPING_INTERVAL:
                return
            self.typed_at[conversation_id] = now
        if not await self._may_view(conversation_id):
            return
        await self._report(conversation_id, state)

    async def _report(self, conversation_id: int, state: presence.State) -> None:
        assert self.member is not None and self.group is not None
        if state == presence.State.LEFT:
            self.present.discard(conversation_id)
        else:
            self.present.add(conversation_id)
        viewers = await presence.report(
            self.member.workspace_id,
            conversation_id,
            self.channel_name,
            member_id=self.member.pk,
            name=self.member_name,
            state=state,
        )
        if viewers is not None:
            await self.channel_layer.group_send(
                self.group, {"type": "workspace.event", "payload": _presence_changed(conversation_id, viewers)}
            )

    async def _query(self, conversation_ids: Any) -> None:
        assert self.member is not None
        if not isinstance(conversation_ids, list):
            return
        wanted = [value for value in conversation_ids[:QUERY_LIMIT] if type(value) is int]
        # Keys are per workspace: another workspace's ids simply find nobody.
        found = await presence.viewers_of(self.member.workspace_id, wanted)
        for conversation_id, viewers in found.items():
            await self.send_json(_presence_changed(conversation_id, viewers))

    def _within_rate(self, kind: str) -> bool:
        now = time.monotonic()
        recent = [at for at in self.recent[kind] if now - at < REPORT_WINDOW]
        self.recent[kind] = recent
        if len(recent) >= REPORTS_PER_WINDOW:
            return False
        recent.append(now)
        return True

    async def _may_view(self, conversation_id: int) -> bool:
        if conversation_id not in self.viewable:
            if not await self._conversation_in_workspace(conversation_id):
                return False
            self.viewable.add(conversation_id)
        return True

    @database_sync_to_async
    def _conversation_in_workspace(self, conversation_id: int) -> bool:
        assert self.member is not None
        conversation = Conversation.in_workspace(self.member.workspace_id).filter(pk=conversation_id).first()
        return conversation is not None and self.member.user.has_perm("conversations.view_conversation", conversation)

    @database_sync_to_async
    def _member(self) -> Member | None:
        user = self.scope.get("user")
        if user is None:
            return None
        session = self.scope.get("session") or {}
        return member_for_user(user, session.get(SESSION_KEY))


def _presence_changed(conversation_id: int, viewers: list[presence.Viewer]) -> dict[str, Any]:
    return {
        "type": "presence.changed",
        "conversation_id": conversation_id,
        "viewers": [viewer.as_dict() for viewer in viewers],
    }
