"""The hardened outgoing HTTP client (RELIABILITY T-31). Only 127.0.0.1 is ever connected to."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from frontdesk.core.http_client import (
    Allowlist,
    BlockedDestination,
    ConnectionFailed,
    HttpClient,
    RequestTimeout,
    ResponseTooLarge,
    blocked_reason,
    http_client,
)
from tests.fake_receiver import FakeReceiver, running_receiver


@pytest.fixture(autouse=True)
def only_loopback_connections(monkeypatch: pytest.MonkeyPatch) -> None:
    """A safety net: the suite fails rather than open a connection to anything but loopback."""
    connect = socket.create_connection

    def guarded(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        assert ipaddress.ip_address(address[0]).is_loopback, f"the test tried to connect to {address[0]}"
        return connect(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", guarded)


@pytest.fixture
def receiver() -> Iterator[FakeReceiver]:
    with running_receiver() as receiver:
        yield receiver


def allowing(*hosts: str, **options: Any) -> HttpClient:
    return HttpClient(allowlist=Allowlist.parse(hosts), **options)


BLOCKED_TARGETS = [
    "http://127.0.0.1/",
    "http://127.1.2.3:8080/",
    "http://localhost/",
    "http://0.0.0.0/",
    "http://10.0.0.1/",
    "http://10.255.255.254/",
    "http://172.16.0.1/",
    "http://172.31.255.1/",
    "http://192.168.1.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://100.64.0.1/",
    "http://224.0.0.1/",
    "http://[::1]/",
    "http://[::]/",
    "http://[fc00::1]/",
    "http://[fd12:3456::1]/",
    "http://[fe80::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:169.254.169.254]/",
    "http://[64:ff9b::a00:1]/",
    "http://2130706433/",
    "http://0x7f000001/",
    "http://017700000001/",
    "http://0177.0.0.1/",
    "http://127.1/",
    "https://10.0.0.1/",
]


@pytest.mark.parametrize("url", BLOCKED_TARGETS)
def test_private_and_special_addresses_are_refused_before_connecting(url: str) -> None:
    with http_client() as client, pytest.raises(BlockedDestination):
        client.get(url)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "gopher://127.0.0.1:70/_x", "ftp://example.com/", "//x/y"])
def test_only_http_and_https_are_allowed(url: str) -> None:
    with http_client() as client, pytest.raises(BlockedDestination, match="scheme"):
        client.get(url)


def test_a_loopback_receiver_is_refused_unless_allowlisted(receiver: FakeReceiver) -> None:
    with http_client() as client, pytest.raises(BlockedDestination, match="loopback"):
        client.post(receiver.url(), content=b"{}")
    assert receiver.received == []

    with allowing(receiver.host_port) as client:
        response = client.post(receiver.url(), content=b'{"a": 1}', headers={"X-Test": "yes"})
    assert response.status_code == 200 and response.json() == {"id": "provider-1"}
    assert receiver.received[0].body == b'{"a": 1}' and receiver.received[0].headers["X-Test"] == "yes"


def test_the_allowlist_names_one_port_and_nothing_else(receiver: FakeReceiver) -> None:
    with allowing(f"127.0.0.1:{receiver.port + 1}", "10.0.0.1:80") as client:
        with pytest.raises(BlockedDestination):
            client.get(receiver.url())
        with pytest.raises(BlockedDestination):
            client.get("http://10.0.0.2/")
    assert receiver.received == []


def test_the_allowlist_comes_from_settings(receiver: FakeReceiver, settings: Any) -> None:
    settings.FRONTDESK_HTTP_ALLOWED_PRIVATE_HOSTS = [receiver.host_port]
    with http_client() as client:
        assert client.get(receiver.url()).status_code == 200


def test_a_redirect_to_a_private_address_is_returned_not_followed(receiver: FakeReceiver) -> None:
    receiver.then(302, b"", headers={"Location": "http://169.254.169.254/latest/meta-data/"})
    receiver.then(302, b"", headers={"Location": receiver.url("/elsewhere")})
    with allowing(receiver.host_port) as client:
        assert client.get(receiver.url()).status_code == 302
        assert client.get(receiver.url()).status_code == 302
    assert [request.path for request in receiver.received] == ["/inbox", "/inbox"]


def test_a_name_resolving_to_a_private_address_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", fake_dns({"internal.example.com": ["93.184.216.34", "10.1.2.3"]}))
    with http_client() as client, pytest.raises(BlockedDestination, match="private"):
        client.get("http://internal.example.com/")


def test_the_connection_goes_to_the_address_that_was_checked(
    receiver: FakeReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Rebinding needs a second lookup between the check and the connect; there is none.
    lookups: list[str] = []
    dns = fake_dns({"receiver.example.com": ["127.0.0.1"]})

    def counting(host: str, *args: Any, **kwargs: Any) -> Any:
        lookups.append(host)
        return dns(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", counting)
    with allowing(f"receiver.example.com:{receiver.port}") as client:
        assert client.get(f"http://receiver.example.com:{receiver.port}/inbox").status_code == 200
    # The connect step is handed the checked address itself (a literal, no DNS query).
    assert lookups == ["receiver.example.com", "127.0.0.1"]
    assert receiver.received[0].headers["Host"] == f"receiver.example.com:{receiver.port}"


def test_a_declared_oversized_body_is_refused(receiver: FakeReceiver) -> None:
    receiver.then(200, b"x" * 2000)
    with allowing(receiver.host_port, max_response_bytes=1000) as client, pytest.raises(ResponseTooLarge):
        client.get(receiver.url())


def test_an_undeclared_oversized_body_stops_at_the_cap(receiver: FakeReceiver) -> None:
    receiver.then(200, b"x" * 200_000, headers={"Content-Length": ""})
    with allowing(receiver.host_port, max_response_bytes=1000) as client, pytest.raises(ResponseTooLarge):
        client.get(receiver.url())
    receiver.then(200, b"x" * 1000, headers={"Content-Length": ""})
    with allowing(receiver.host_port, max_response_bytes=1000) as client:
        assert len(client.get(receiver.url()).content) == 1000


def test_a_slow_receiver_times_out(receiver: FakeReceiver) -> None:
    receiver.then(200, b"{}", delay=1.0)
    with allowing(receiver.host_port, read_timeout=0.2) as client, pytest.raises(RequestTimeout):
        client.get(receiver.url())


def test_a_closed_port_is_a_connection_failure(receiver: FakeReceiver) -> None:
    port = receiver.port
    receiver.stop()
    with allowing(f"127.0.0.1:{port}") as client, pytest.raises(ConnectionFailed):
        client.get(f"http://127.0.0.1:{port}/")


def test_the_timeouts_and_cap_are_the_hardened_defaults() -> None:
    client = http_client()
    assert client.connect_timeout <= 2 and client.read_timeout <= 20
    assert 0 < client.max_response_bytes <= 40 * 1024 * 1024
    client.close()


@pytest.mark.parametrize(
    ("address", "blocked"),
    [("8.8.8.8", False), ("2606:4700:4700::1111", False), ("198.18.0.1", True), ("2002:7f00:1::1", True)],
)
def test_public_addresses_pass_the_check(address: str, blocked: bool) -> None:
    assert bool(blocked_reason(ipaddress.ip_address(address))) is blocked


def fake_dns(table: dict[str, list[str]]) -> Any:
    def getaddrinfo(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        if host not in table:
            try:
                return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (str(ipaddress.ip_address(host)), port))]
            except ValueError:
                pass
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)) for address in table[host]]

    return getaddrinfo
