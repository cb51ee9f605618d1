"""Realtime fan-out: every domain event reaches the agents connected to its workspace."""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings

from frontdesk.inbox.consumers import workspace_group
from frontdesk.inbox.forwarding import forward
from frontdesk.pipeline.events import Event, subscriber


@subscriber
def push_to_agents(event: Event) -> None:
    if settings.FRONTDESK_EVENTS_FORWARD_URL:
        forward(event.workspace_id, event.as_dict())
        return
    send_to_workspace(event.workspace_id, event.as_dict())


def send_to_workspace(workspace_id: int, payload: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(workspace_group(workspace_id), {"type": "workspace.event", "payload": payload})
