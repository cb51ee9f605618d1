"""The one hardened client for every outgoing HTTP request (channel sends, downloads, webhooks).

It promises:

- only ``http`` and ``https``; redirects are returned, never followed;
- connect timeout 2 s, read timeout 20 s, and an overall deadline;
- a response body cap, enforced while streaming (``ResponseTooLarge``);
- no request to a loopback, private, link-local, CGNAT, multicast, reserved
  or unspecified address (``BlockedDestination``). The host is resolved once
  and the connection goes to the very address that was checked, with the
  original name kept for the ``Host`` header and TLS, so neither an odd IP
  spelling (``2130706433``, ``0x7f000001``) nor DNS rebinding gets past it;
- environment proxies are ignored, since a proxy would connect on our behalf.

Receivers inside the operator's own network are reached by naming them in
``FRONTDESK_HTTP_ALLOWED_PRIVATE_HOSTS`` (``host`` or ``host:port``, comma-separated).
Every other module calls out through :func:`http_client`; a test forbids
importing an HTTP library anywhere else.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import ssl
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import cache
from types import TracebackType
from typing import Any, Self

import httpcore
import httpx
from django.conf import settings

CONNECT_TIMEOUT = 2.0
READ_TIMEOUT = 20.0
# A request that keeps trickling bytes must still end.
TOTAL_TIMEOUT = 30.0
MAX_RESPONSE_BYTES = 5 * 1024 * 1024
ALLOWED_SCHEMES = frozenset({"http", "https"})

type IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Networks that embed an IPv4 address which is what finally gets reached.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_SIX_TO_FOUR = ipaddress.ip_network("2002::/16")


class HttpClientError(Exception):
    """An outgoing request that did not produce a usable response."""


class BlockedDestination(HttpClientError):
    """The URL's scheme or the address it resolves to is not one we may call."""


class ResponseTooLarge(HttpClientError):
    pass


class RequestTimeout(HttpClientError):
    pass


class ConnectionFailed(HttpClientError):
    """DNS failure, refused connection, TLS error, reset: the receiver could not be reached."""


@dataclass(frozen=True)
class Response:
    status_code: int
    headers: Mapping[str, str]
    content: bytes = b""

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.content)

    def json_object(self) -> dict[str, Any]:
        """The body as a JSON object, or ``{}`` when it is not one (an HTML error page, a list, nothing)."""
        try:
            document = self.json()
        except ValueError:
            return {}
        return document if isinstance(document, dict) else {}

    def retry_after(self) -> timedelta | None:
        """The wait a ``Retry-After`` header asks for (seconds or an HTTP date), or ``None``."""
        value = self.headers.get("retry-after", "").strip()
        if not value:
            return None
        if value.isdigit():
            return timedelta(seconds=int(value))
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(when - datetime.now(UTC), timedelta(0))

    @property
    def is_success(self) -> bool:
        return 200 <= self.status_code < 300


def blocked_reason(address: IPAddress) -> str:
    """Why ``address`` may not be called, or ``""`` if it is a public address."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return blocked_reason(embedded)
    checks = [
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("private", address.is_private),
        ("reserved", address.is_reserved),
        ("not globally routable", not address.is_global),
    ]
    return next((name for name, hit in checks if hit), "")


@dataclass(frozen=True)
class Allowlist:
    """Private hosts the operator lets us reach: ``host`` (any port) or ``host:port``."""

    hosts: frozenset[str] = frozenset()
    host_ports: frozenset[tuple[str, int]] = frozenset()

    @classmethod
    def parse(cls, entries: Iterable[str]) -> Allowlist:
        hosts: set[str] = set()
        host_ports: set[tuple[str, int]] = set()
        for raw in entries:
            entry = raw.strip().lower()
            if not entry:
                continue
            host, port = _split_host_port(entry)
            if port is None:
                hosts.add(host)
            else:
                host_ports.add((host, port))
        return cls(frozenset(hosts), frozenset(host_ports))

    @classmethod
    def from_settings(cls) -> Allowlist:
        """The operator's ``FRONTDESK_HTTP_ALLOWED_PRIVATE_HOSTS``: what HTTP, IMAP and SMTP may reach inside."""
        allowed: Iterable[str] = getattr(settings, "FRONTDESK_HTTP_ALLOWED_PRIVATE_HOSTS", [])
        return cls.parse(allowed)

    def allows(self, host: str, port: int) -> bool:
        host = host.lower().strip("[]")
        return host in self.hosts or (host, port) in self.host_ports


def _split_host_port(entry: str) -> tuple[str, int | None]:
    if entry.startswith("["):
        host, _, rest = entry[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") else None
    if entry.count(":") == 1:
        host, _, port = entry.partition(":")
        return host, int(port)
    return entry, None


class GuardedNetworkBackend(httpcore.SyncBackend):
    """Resolves, checks every address, then connects to a checked address (never resolves twice)."""

    def __init__(self, allowlist: Allowlist) -> None:
        self.allowlist = allowlist

    def resolve(self, host: str, port: int) -> list[IPAddress]:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as error:
            raise ConnectionFailed(f"cannot resolve {host}: {error}") from error
        addresses: list[IPAddress] = []
        for info in infos:
            address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
            if address not in addresses:
                addresses.append(address)
        if not addresses:
            raise ConnectionFailed(f"{host} has no address")
        return addresses

    def checked_addresses(self, host: str, port: int) -> list[IPAddress]:
        addresses = self.resolve(host, port)
        if self.allowlist.allows(host, port):
            return addresses
        # One bad address refuses the host: a name that mixes public and private
        # addresses is how rebinding and split-horizon tricks work.
        for address in addresses:
            reason = blocked_reason(address)
            if reason:
                raise BlockedDestination(f"{host} resolves to a {reason} address ({address})")
        return addresses

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = self.checked_addresses(host, port)
        last_error: Exception | None = None
        for address in addresses:
            try:
                return super().connect_tcp(str(address), port, timeout, local_address, socket_options)
            except httpcore.ConnectError as error:
                last_error = error
        assert last_error is not None
        raise last_error

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        raise BlockedDestination("unix sockets are not allowed")


@cache
def shared_ssl_context() -> ssl.SSLContext:
    """One verifying TLS context per process, shared by every client and thread.

    Building one loads the CA bundle, about 20 ms of CPU: more than a whole
    profile fetch or media lookup, once per client.
    """
    return httpx.create_ssl_context()


class GuardedTransport(httpx.HTTPTransport):
    def __init__(self, allowlist: Allowlist, limits: httpx.Limits) -> None:
        ssl_context = shared_ssl_context()
        super().__init__(verify=ssl_context, trust_env=False, limits=limits)
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedNetworkBackend(allowlist),
        )


@dataclass
class HttpClient:
    """A hardened client; use as a context manager or call :meth:`close`. Safe to reuse for many requests."""

    allowlist: Allowlist = field(default_factory=Allowlist)
    connect_timeout: float = CONNECT_TIMEOUT
    read_timeout: float = READ_TIMEOUT
    total_timeout: float = TOTAL_TIMEOUT
    max_response_bytes: int = MAX_RESPONSE_BYTES

    def __post_init__(self) -> None:
        self._client = httpx.Client(
            transport=GuardedTransport(self.allowlist, httpx.Limits(max_connections=20)),
            timeout=httpx.Timeout(
                connect=self.connect_timeout, read=self.read_timeout, write=self.read_timeout, pool=self.connect_timeout
            ),
            follow_redirects=False,
            trust_env=False,
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def guarded_httpx(self) -> httpx.Client:
        """The underlying ``httpx.Client`` (address checks, no redirects, no proxies), for SDKs that take one.

        It lacks the body cap and overall deadline of :meth:`request`: hand it
        only to SDKs that talk to the provider's own API, never to a download of
        a payload-chosen URL.
        """
        return self._client

    def post(self, url: str, *, content: bytes = b"", headers: Mapping[str, str] | None = None) -> Response:
        return self.request("POST", url, content=content, headers=headers)

    def get(self, url: str, *, headers: Mapping[str, str] | None = None) -> Response:
        return self.request("GET", url, headers=headers)

    def request(
        self, method: str, url: str, *, content: bytes = b"", headers: Mapping[str, str] | None = None
    ) -> Response:
        """Send one request; a redirect comes back as a 3xx response, not followed."""
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL as error:
            raise BlockedDestination(f"not a valid URL: {error}") from error
        if parsed.scheme not in ALLOWED_SCHEMES:
            raise BlockedDestination(f"the scheme {parsed.scheme or '(none)'!r} is not allowed")
        if not parsed.host:
            raise BlockedDestination("the URL has no host")
        deadline = time.monotonic() + self.total_timeout
        try:
            with self._client.stream(method, parsed, content=content or None, headers=dict(headers or {})) as answer:
                declared = answer.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > self.max_response_bytes:
                    raise ResponseTooLarge(f"the response declares {declared} bytes")
                body = bytearray()
                for chunk in answer.iter_bytes():
                    body += chunk
                    if len(body) > self.max_response_bytes:
                        raise ResponseTooLarge(f"the response exceeds {self.max_response_bytes} bytes")
                    if time.monotonic() > deadline:
                        raise RequestTimeout(f"the response took longer than {self.total_timeout:g} s")
                return Response(status_code=answer.status_code, headers=dict(answer.headers), content=bytes(body))
        except httpx.TimeoutException as error:
            raise RequestTimeout(f"{type(error).__name__}: {error or 'timed out'}") from error
        except httpx.TransportError as error:
            raise ConnectionFailed(f"{type(error).__name__}: {error}") from error


def http_client(**options: Any) -> HttpClient:
    """A hardened client with the operator's allowlist of private hosts."""
    return HttpClient(allowlist=Allowlist.from_settings(), **options)
