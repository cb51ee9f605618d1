"""Which addresses a channel may download from: its provider's file hosts, or its own configured API address.

Inbound payloads name files and profile pictures by URL; fetching whatever a
payload names would let anyone who can post a webhook make us call any host
(SSRF). Every channel's media and profile code asks :func:`is_provider_url`
with its provider's documented hosts; the hardened HTTP client then still
refuses private addresses.
"""

from __future__ import annotations

from collections.abc import Collection
from urllib.parse import urlsplit

DEFAULT_PORTS = {"https": 443, "http": 80}


def is_provider_url(
    url: str,
    api_base_url: str,
    *,
    hosts: Collection[str] = (),
    suffixes: tuple[str, ...] = (),
    schemes: Collection[str] = ("https",),
) -> bool:
    """Whether ``url`` is on the provider's file hosts, or on the channel's own API address.

    A provider host is one of ``hosts`` or ends in one of ``suffixes``, over
    ``schemes`` on the default port, without credentials in the URL. The API
    address must match as configured (scheme, host and port): it is how tests
    and proxies stand in for the provider.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return False
    host = (parts.hostname or "").lower().rstrip(".")
    if not host or parts.username is not None or parts.password is not None:
        return False
    api = urlsplit(api_base_url)
    if (parts.scheme, parts.netloc.lower()) == (api.scheme, api.netloc.lower()):
        return True
    if parts.scheme not in schemes or port not in (None, DEFAULT_PORTS.get(parts.scheme)):
        return False
    return host in hosts or (bool(suffixes) and host.endswith(suffixes))
