"""Who has a conversation open right now, and who is typing in it: never two on one case unknowingly.

Kept in the shared cache, one key per conversation, one entry per open tab
(socket), stamped each time the tab reports. Tabs report again every
``HEARTBEAT`` seconds, so a tab that vanished without closing its socket (a
killed process, a laptop closed) drops out after ``TTL``; a closed socket
removes its entries at once (``AgentConsumer.disconnect``). Two tabs writing
the same key at the same instant can lose one update; the next heartbeat puts
it back.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from django.core.cache import cache

HEARTBEAT = 20
TTL = 50


class State(StrEnum):
    VIEWING = "viewing"
    TYPING = "typing"
    IDLE = "idle"
    LEFT = "left"


@dataclass(frozen=True)
class Viewer:
    member_id: int
    name: str
    typing: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _key(workspace_id: int, conversation_id: int) -> str:
    return f"inbox:presence:{workspace_id}:{conversation_id}"


async def report(
    workspace_id: int,
    conversation_id: int,
    tab: str,
    *,
    member_id: int,
    name: str,
    state: State,
    now: float | None = None,
) -> list[Viewer] | None:
    """Record what one tab is doing; the conversation's viewers when that changes what others see, else None."""
    now = time.time() if now is None else now
    key = _key(workspace_id, conversation_id)
    stored: dict[str, Any] = await cache.aget(key) or {}
    tabs = {name: entry for name, entry in stored.get("tabs", {}).items() if now - entry["seen"] < TTL}
    if state == State.LEFT:
        tabs.pop(tab, None)
    else:
        tabs[tab] = {"member_id": member_id, "name": name, "typing": state == State.TYPING, "seen": now}
    viewers = _viewers(tabs)
    shown = [Viewer(**viewer) for viewer in stored.get("shown", [])]
    if tabs:
        await cache.aset(key, {"tabs": tabs, "shown": [viewer.as_dict() for viewer in viewers]}, timeout=TTL)
    else:
        await cache.adelete(key)
    return viewers if viewers != shown else None


async def viewers_of(
    workspace_id: int, conversation_ids: list[int], now: float | None = None
) -> dict[int, list[Viewer]]:
    """The current viewers of those conversations of the workspace that have any."""
    now = time.time() if now is None else now
    keys = {_key(workspace_id, conversation_id): conversation_id for conversation_id in conversation_ids}
    found = await cache.aget_many(list(keys))
    result = {}
    for key, stored in found.items():
        tabs = {name: entry for name, entry in stored.get("tabs", {}).items() if now - entry["seen"] < TTL}
        if tabs:
            result[keys[key]] = _viewers(tabs)
    return result


def _viewers(tabs: dict[str, dict[str, Any]]) -> list[Viewer]:
    """One viewer per member (typing if they type in any of their tabs), in name order."""
    members: dict[int, Viewer] = {}
    for entry in tabs.values():
        known = members.get(entry["member_id"])
        typing = entry["typing"] or (known is not None and known.typing)
        members[entry["member_id"]] = Viewer(entry["member_id"], entry["name"], typing)
    return sorted(members.values(), key=lambda viewer: (viewer.name, viewer.member_id))
