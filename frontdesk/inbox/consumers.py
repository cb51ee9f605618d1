"""The agent websocket: a signed-in member joins their workspace's live stream."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from frontdesk.core.membership import SESSION_KEY, member_for_user
from frontdesk.core.models import Member
from frontdesk.widget.presence import agent_connected, agent_disconnected


def workspace_group(workspace_id: int) -> str:
    return f"workspace.{workspace_id}"


class AgentConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    group: str | None = None
    workspace_id: int | None = None

    async def connect(self) -> None:
        member = await self._member()
        if member is None:
            await self.close(code=4403)
            return
        self.group = workspace_group(member.workspace_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        # Counted as online for the web-chat widget's offline form (frontdesk.widget.presence).
        self.workspace_id = member.workspace_id
        await agent_connected(member.workspace_id)
        await self.send_json({"type": "hello", "workspace": member.workspace_id, "member": member.pk})

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
        if self.workspace_id is not None:
            await agent_disconnected(self.workspace_id)

    async def workspace_event(self, event: dict[str, Any]) -> None:
        await self.send_json(event["payload"])

    @database_sync_to_async
    def _member(self) -> Member | None:
        user = self.scope.get("user")
        if user is None:
            return None
        session = self.scope.get("session") or {}
        return member_for_user(user, session.get(SESSION_KEY))
