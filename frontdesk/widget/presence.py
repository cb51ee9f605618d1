"""Whether anyone of a workspace is at the inbox: a per-workspace count of open agent sockets in the shared cache.

``AgentConsumer`` counts itself in on connect and out on disconnect. A web
process killed without closing its sockets leaves the count too high until the
key expires (``TTL``, refreshed by every connect), so the widget may offer
live chat a little longer than it should; it never hides it from a live agent.
"""

from __future__ import annotations

from django.core.cache import cache

TTL = 12 * 3600


def _key(workspace_id: int) -> str:
    return f"widget:agents-online:{workspace_id}"


async def agent_connected(workspace_id: int) -> None:
    key = _key(workspace_id)
    if not await cache.aadd(key, 1, timeout=TTL):
        try:
            await cache.aincr(key)
        except ValueError:
            await cache.aset(key, 1, timeout=TTL)
        await cache.atouch(key, TTL)


async def agent_disconnected(workspace_id: int) -> None:
    key = _key(workspace_id)
    try:
        if await cache.adecr(key) < 0:
            await cache.aset(key, 0, timeout=TTL)
    except ValueError:
        pass


def agents_online(workspace_id: int) -> int:
    value = cache.get(_key(workspace_id))
    return value if isinstance(value, int) and value > 0 else 0
