"""Rate limits for the widget's public endpoints: a fixed window per bucket (visitor, address) in the shared cache."""

from __future__ import annotations

import time

from django.core.cache import cache

# (requests, seconds) per bucket kind.
LIMITS = {
    "message": (30, 60),
    "typing": (60, 60),
    "connect": (30, 60),
    "upload": (10, 60),
    "suggest": (30, 60),
    "callback": (5, 600),
}


def allow(kind: str, who: str) -> bool:
    """Count one request of ``kind`` by ``who``; False once the window's allowance is used up."""
    limit, seconds = LIMITS[kind]
    window = int(time.time() // seconds)
    key = f"widget:rate:{kind}:{who}:{window}"
    if cache.add(key, 1, timeout=seconds + 1):
        return True
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=seconds + 1)
        return True
    return count <= limit
