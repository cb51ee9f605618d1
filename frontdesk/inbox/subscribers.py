"""Realtime fan-out: every domain event reaches the agents connected to its workspace."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings

from frontdesk.core.group_sends import send_to_groups
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
    # In order: an agent must see a message before the conversation update that follows it.
    # As JSON once here, not once per connected agent.
    send_to_groups(
        [
            (workspace_group(workspace_id), {"type": "workspace.event", "text": json.dumps(payload)})
            for workspace_id, payload in items
        ]
    )
