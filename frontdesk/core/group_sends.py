"""Sending to channel-layer groups from synchronous code (subscribers, views, the widget's sync consumer).

``async_to_sync`` called from a plain thread (a worker) starts an event loop
for every call, and channels_redis keeps its connections per event loop: each
send connected to Redis again, 2 to 4 ms before the first byte. With Redis the
sends here go through one event loop per process, kept in a thread, so they
reuse one connection. The in-memory layer of embedded mode stays on
``async_to_sync``: its queues belong to the web server's loop, which
``async_to_sync`` reaches from a request's thread.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Sequence
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from channels_redis.pubsub import RedisPubSubChannelLayer
from redis.exceptions import ConnectionError as RedisConnectionError

# A send that has not reached Redis by then is given up (and raised): the caller logs it, and the agents'
# pages catch up when they reload.
SEND_TIMEOUT_SECONDS = 5.0

_loop_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_loop_pid = 0


def send_to_groups(sends: Sequence[tuple[str, dict[str, Any]]]) -> None:
    """Send each (group, message) in order, in one trip to the channel layer."""
    layer = get_channel_layer()
    if layer is None or not sends:
        return

    async def send_all() -> None:
        for group, message in sends:
            try:
                await layer.group_send(group, message)
            except RedisConnectionError:
                # A kept connection that Redis closed (a restart, an idle timeout) fails once, then is replaced.
                await layer.group_send(group, message)

    if not isinstance(layer, RedisPubSubChannelLayer):
        async_to_sync(send_all)()
        return
    future = asyncio.run_coroutine_threadsafe(send_all(), _sending_loop())
    try:
        future.result(timeout=SEND_TIMEOUT_SECONDS)
    except TimeoutError:
        future.cancel()
        raise


def _sending_loop() -> asyncio.AbstractEventLoop:
    """This process's loop for sends, started on first use (again in a forked child, whose copy has no thread)."""
    global _loop, _loop_pid
    with _loop_lock:
        if _loop is None or _loop_pid != os.getpid() or _loop.is_closed():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="channel-layer-sends", daemon=True).start()
            _loop, _loop_pid = loop, os.getpid()
        return _loop
