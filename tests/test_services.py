"""Scale-out mode against the real services: PostgreSQL with a pool, Redis for cache and channel layer."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.db import connection

pytestmark = pytest.mark.services


def test_database_is_postgresql_with_a_connection_pool(db: None) -> None:
    assert connection.vendor == "postgresql"
    assert settings.DATABASES["default"]["OPTIONS"].get("pool")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        assert int(cursor.fetchone()[0].split(".")[0]) >= 13


def test_cache_is_shared_through_redis() -> None:
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    key = f"probe-{uuid.uuid4()}"
    cache.set(key, {"机票": "機票"}, 30)
    import redis

    raw = redis.Redis.from_url(settings.REDIS_URL)
    assert any(key in str(name) for name in raw.keys(f"*{key}*"))  # type: ignore[union-attr]
    assert cache.get(key) == {"机票": "機票"}


def test_channel_layer_delivers_group_messages_between_two_layer_instances() -> None:
    async def round_trip() -> dict[str, object]:
        receiver_layer = get_channel_layer()
        from channels_redis.pubsub import RedisPubSubChannelLayer

        sender_layer = RedisPubSubChannelLayer(hosts=[settings.REDIS_URL], prefix="frontdesk")
        group = f"workspace.test-{uuid.uuid4().hex}"
        channel_name = await receiver_layer.new_channel()
        await receiver_layer.group_add(group, channel_name)
        try:
            await asyncio.sleep(0.1)
            await sender_layer.group_send(group, {"type": "workspace.event", "payload": {"hello": "你好"}})
            return dict(await asyncio.wait_for(receiver_layer.receive(channel_name), timeout=5))
        finally:
            await receiver_layer.group_discard(group, channel_name)
            await sender_layer.flush()

    message = asyncio.run(round_trip())
    assert message["payload"] == {"hello": "你好"}
