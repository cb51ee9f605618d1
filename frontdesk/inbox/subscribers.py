"""Realtime fan-out: every domain event reaches the agents connected to its workspace."""

from __future__ import annotations

import json
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings

from frontdesk.inbox.consumers import workspace_group
from frontdesk.inbox.forwarding import forward
from frontdesk.pipeline.events import Event, subscriber


@subscriber
def push_to_agents(events: list[Event]) -> None:
    items = [(event.workspace_id, event.as_dict()) for event in events]
    if settings.FRONTDESK_EVENTS_FORWARD_URL:
        forward(items)
        return
    send_to_workspaces(items)


def send_to_workspaces(items: list[tuple[int, dict[str, Any]]]) -> None:
    """Send each (workspace id, payload) to its workspace's agents, in order, in one trip to the channel layer."""
    layer = get_channel_layer()
    if layer is None or not items:
        return

    async def send_all() -> None:
        for workspace_id, payload in items:
            # In order: an agent must see a message before the conversation update that follows it.
            # As JSON once here, not once per connected agent.
            text = json.dumps(payload)
            await layer.group_send(workspace_group(workspace_id), {"type": "workspace.event", "text": text})

    async_to_sync(send_all)()
