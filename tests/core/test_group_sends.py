"""Sends to channel-layer groups from synchronous code, against the real Redis channel layer."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from channels_redis.pubsub import RedisPubSubChannelLayer
from django.conf import settings

from frontdesk.core.group_sends import send_to_groups

pytestmark = pytest.mark.services


class Listener:
    """A consumer's side of the layer, on its own loop in a thread, as a web process's socket would be."""

    def __init__(self, group: str) -> None:
        self.group = group
        self.received: list[dict[str, Any]] = []
        self.loop = asyncio.new_event_loop()
        self.layer = RedisPubSubChannelLayer(hosts=[settings.REDIS_URL], prefix="frontdesk")
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.channel = self._run(self.layer.new_channel())
        self._run(self.layer.group_add(group, self.channel))

    def _run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=10)

    def receive(self, count: int) -> list[dict[str, Any]]:
        async def take() -> None:
            while len(self.received) < count:
                self.received.append(await asyncio.wait_for(self.layer.receive(self.channel), timeout=5))

        self._run(take())
        return self.received

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)
        # channels_redis flushes the loop's layer (its connections) when the loop closes.
        self.loop.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    listening = Listener(f"workspace.test-{uuid.uuid4().hex}")
    yield listening
    listening.close()


def _publishing_connections() -> dict[int, str]:
    """Ids (and addresses) of the clients of this test's Redis database whose last command was a PUBLISH."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    db = client.connection_pool.connection_kwargs.get("db", 0)
    return {
        int(entry["id"]): entry["addr"]
        for entry in client.client_list()
        if int(entry["db"]) == db and entry["cmd"] == "publish"
    }


def test_sends_arrive_in_order(listener: Listener) -> None:
    send_to_groups([(listener.group, {"type": "workspace.event", "n": n}) for n in range(5)])
    assert [message["n"] for message in listener.receive(5)] == [0, 1, 2, 3, 4]


def test_sends_from_many_threads_reuse_one_connection(listener: Listener) -> None:
    send_to_groups([(listener.group, {"type": "workspace.event", "n": 0})])
    before = _publishing_connections()
    assert len(before) == 1

    def send(n: int) -> None:
        send_to_groups([(listener.group, {"type": "workspace.event", "n": n})])

    threads = [threading.Thread(target=send, args=(n,)) for n in range(1, 21)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(message["n"] for message in listener.receive(21)) == list(range(21))
    assert _publishing_connections() == before


def test_a_dropped_connection_is_replaced(listener: Listener) -> None:
    send_to_groups([(listener.group, {"type": "workspace.event", "n": 0})])
    [dropped] = _publishing_connections()
    redis.Redis.from_url(settings.REDIS_URL).client_kill_filter(_id=str(dropped))

    # Redis restarted or a proxy timed the connection out: the next send goes out on a new one (redis-py retries).
    for n in (1, 2):
        send_to_groups([(listener.group, {"type": "workspace.event", "n": n})])
    assert [message["n"] for message in listener.receive(3)] == [0, 1, 2]
    assert dropped not in _publishing_connections()
