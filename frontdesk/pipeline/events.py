"""Domain events: published by actions, delivered to subscribers after the transaction commits.

A subscriber reacts to events (realtime fan-out, automation, webhooks,
search…); it never calls another subscriber. A failing subscriber is logged
and does not stop the others. Subscribers receive a list: one event, or all
the events of a batch (see ``collecting``), so a fan-out can make one round
trip for many.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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


type Subscriber = Callable[[list[Event]], None]

_subscribers: dict[str, Subscriber] = {}
_collecting = threading.local()


def subscriber(function: Subscriber) -> Subscriber:
    """Register ``function`` to receive every published event (after commit), in order."""
    _subscribers[f"{function.__module__}.{function.__qualname__}"] = function
    return function


def publish(event_type: str, workspace_id: int, payload: dict[str, Any]) -> Event:
    """Announce that something happened; subscribers hear of it once the transaction commits."""
    event = Event(type=event_type, workspace_id=workspace_id, payload=payload)
    collected: list[Event] | None = getattr(_collecting, "events", None)
    if collected is not None:
        collected.append(event)
    else:
        transaction.on_commit(lambda: dispatch([event]))
    return event


@contextmanager
def collecting() -> Iterator[list[Event]]:
    """Inside a transaction: gather the events published in the block and dispatch them together after commit.

    The caller owns the list: an event published in a savepoint that was
    rolled back must be removed from it (Django forgets its own on-commit
    callbacks then, but this list is ours). Inside another ``collecting``
    block, the events join the outer block's list when this block ends
    without an error.
    """
    outer: list[Event] | None = getattr(_collecting, "events", None)
    events: list[Event] = []
    _collecting.events = events
    try:
        yield events
    finally:
        _collecting.events = outer
    if outer is not None:
        outer.extend(events)
    elif events:
        transaction.on_commit(lambda: dispatch(events))


def dispatch(events: list[Event]) -> None:
    for name, function in list(_subscribers.items()):
        try:
            function(events)
        except Exception:
            logger.exception("Subscriber %s failed on %s", name, ", ".join(sorted({event.type for event in events})))
