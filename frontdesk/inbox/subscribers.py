"""Realtime fan-out: every domain event reaches the agents connected to its workspace."""

from __future__ import annotations

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from frontdesk.inbox.consumers import workspace_group
from frontdesk.pipeline.events import Event, subscriber


@subscriber
def push_to_agents(event: Event) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    async_to_sync(layer.group_send)(
        workspace_group(event.workspace_id), {"type": "workspace.event", "payload": event.as_dict()}
    )
