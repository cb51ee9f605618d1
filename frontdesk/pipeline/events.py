"""Domain events: published by actions, delivered to subscribers after the transaction commits.

A subscriber reacts to an event (realtime fan-out, automation, webhooks,
search…); it never calls another subscriber. A failing subscriber is logged
and does not stop the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    type: str
    workspace_id: int
    payload: dict[str, Any]
    occurred_at: str = field(default_factory=lambda: timezone.now().isoformat())

    def as_dict(self) -> dict[str, Any]:
        return {"type": self.type, "workspace_id": self.workspace_id, "occurred_at": self.occurred_at, **self.payload}


type Subscriber = Callable[[Event], None]

_subscribers: dict[str, Subscriber] = {}


def subscriber(function: Subscriber) -> Subscriber:
    """Register ``function`` to receive every published event (after commit)."""
    _subscribers[f"{function.__module__}.{function.__qualname__}"] = function
    return function


def publish(event_type: str, workspace_id: int, payload: dict[str, Any]) -> Event:
    """Announce that something happened; subscribers hear of it once the transaction commits."""
    event = Event(type=event_type, workspace_id=workspace_id, payload=payload)
    transaction.on_commit(lambda: dispatch(event))
    return event


def dispatch(event: Event) -> None:
    for name, function in list(_subscribers.items()):
        try:
            function(event)
        except Exception:
            logger.exception("Subscriber %s failed on %s", name, event.type)
