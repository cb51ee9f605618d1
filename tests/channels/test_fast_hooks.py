"""The web server's fast path for webhooks answers exactly as the Django view does, through the real ASGI app."""

from __future__ import annotations

import json
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator

from frontdesk.asgi import application
from frontdesk.channels.api.adapter import sign
from frontdesk.channels.api.setup import create_api_channel
from frontdesk.channels.models import Channel, ChannelKind
from frontdesk.conversations.models import Message
from frontdesk.pipeline.models import InboundEvent
from frontdesk.pipeline.webhooks import MAX_BODY_BYTES
from tests.channels.webhooks import hook_path, message_event, process_stored_events
from tests.factories import make_workspace

# The fast path runs the pipeline in a worker thread, which needs committed data.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def channel() -> Channel:
    return create_api_channel(make_workspace(), "Shop backend")


def request(
    path: str,
    *,
    method: str = "POST",
    chunks: tuple[bytes, ...] = (b"",),
    headers: dict[str, str] | None = None,
    host: str = "127.0.0.1:8000",
    query: str = "",
) -> tuple[int, dict[str, str], Any]:
    """One HTTP request through ``frontdesk.asgi.application``, as uvicorn would hand it over."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query.encode(),
        "headers": [(b"host", host.encode())]
        + [(name.lower().encode(), value.encode()) for name, value in (headers or {}).items()],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }

    async def run() -> tuple[int, dict[str, str], Any]:
        communicator = ApplicationCommunicator(application, scope)
        for number, chunk in enumerate(chunks):
            await communicator.send_input(
                {"type": "http.request", "body": chunk, "more_body": number < len(chunks) - 1}
            )
        start = await communicator.receive_output(10)
        body = b""
        while True:
            message = await communicator.receive_output(10)
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        answer_headers = {name.decode(): value.decode() for name, value in start["headers"]}
        parsed = json.loads(body) if answer_headers.get("content-type") == "application/json" else body
        return start["status"], answer_headers, parsed

    return async_to_sync(run)()


def signed(channel: Channel, body: bytes) -> dict[str, str]:
    return {"Content-Type": "application/json", "X-Frontdesk-Signature": sign(channel.secrets["signing_secret"], body)}


def stored(channel: Channel) -> int:
    return InboundEvent.in_workspace(channel.workspace_id).count()


def test_a_signed_delivery_is_stored_acknowledged_and_then_processed(channel: Channel) -> None:
    body = json.dumps({"events": [message_event(text="Where is my parcel?")]}).encode()
    status, headers, answer = request(hook_path(channel), chunks=(body,), headers=signed(channel, body))
    assert (status, answer) == (200, {"accepted": 1, "duplicates": 0})
    assert headers["x-content-type-options"] == "nosniff"
    assert stored(channel) == 1
    assert not Message.in_workspace(channel.workspace_id).exists()  # the worker's job, not the request's
    assert process_stored_events() == 1
    assert Message.in_workspace(channel.workspace_id).get().text == "Where is my parcel?"


def test_a_body_in_several_chunks_is_read_whole(channel: Channel) -> None:
    body = json.dumps({"events": [message_event(text="分段送達的訊息")]}).encode()
    status, _headers, answer = request(
        hook_path(channel), chunks=(body[:10], body[10:40], body[40:]), headers=signed(channel, body)
    )
    assert (status, answer) == (200, {"accepted": 1, "duplicates": 0})


def test_a_replayed_delivery_is_acknowledged_and_stored_once(channel: Channel) -> None:
    body = json.dumps({"events": [message_event(event_id="evt-replayed")]}).encode()
    answers = [request(hook_path(channel), chunks=(body,), headers=signed(channel, body))[2] for _ in range(3)]
    assert answers == [{"accepted": 1, "duplicates": 0}] + [{"accepted": 0, "duplicates": 1}] * 2
    assert stored(channel) == 1


def test_a_bad_signature_is_refused_and_stores_nothing(channel: Channel) -> None:
    body = json.dumps({"events": [message_event()]}).encode()
    headers = {"Content-Type": "application/json", "X-Frontdesk-Signature": sign("not-the-secret", body)}
    status, _headers, answer = request(hook_path(channel), chunks=(body,), headers=headers)
    assert (status, answer) == (401, {"detail": "signature does not match the body"})
    assert stored(channel) == 0


def test_oversized_bodies_are_refused_declared_or_streamed(channel: Channel) -> None:
    too_big = {"Content-Length": str(MAX_BODY_BYTES + 1)}
    status, _headers, answer = request(hook_path(channel), headers=too_big)
    assert (status, answer) == (413, {"detail": f"The body is larger than {MAX_BODY_BYTES} bytes."})
    # No Content-Length (chunked): the limit applies while reading.
    chunk = b"x" * (256 * 1024)
    status, _headers, _answer = request(hook_path(channel), chunks=(chunk,) * 5)
    assert status == 413
    assert stored(channel) == 0


def test_other_methods_unknown_channels_and_foreign_hosts_get_json_errors(channel: Channel) -> None:
    status, headers, answer = request(hook_path(channel), method="GET")
    assert (status, headers["allow"], answer) == (405, "POST", {"detail": "Webhooks are delivered with POST."})
    status, _headers, answer = request("/hooks/api/no-such-token", chunks=(b"{}",))
    assert (status, answer) == (404, {"detail": "No active channel at this address."})
    status, _headers, answer = request(hook_path(channel), chunks=(b"{}",), host="evil.example")
    assert (status, answer) == (400, {"detail": "This host name is not served here."})


def test_every_other_path_goes_to_django() -> None:
    status, _headers, _answer = request("/healthz", method="GET")
    assert status == 200
    status, _headers, _answer = request("/hooks/api/a/b", chunks=(b"{}",))
    assert status == 404  # not a webhook address: Django's own 404 page


def test_a_providers_verification_handshake_is_answered_on_the_fast_path() -> None:
    """Meta's GET with hub.challenge, as WhatsApp sends it when the callback URL is saved."""
    from frontdesk.channels.meta import new_verify_token
    from tests.factories import make_channel

    verify_token = new_verify_token()
    channel = make_channel(make_workspace(), ChannelKind.WHATSAPP, secrets={"verify_token": verify_token})
    query = f"hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token={verify_token}"
    status, headers, body = request(hook_path(channel), method="GET", query=query)
    assert (status, body) == (200, b"1158201444")
    assert headers["content-type"].startswith("text/plain")

    status, _headers, body = request(hook_path(channel), method="GET", query=query.replace(verify_token, "guess"))
    assert status == 403
    assert "verify_token" in body["detail"]


def test_a_channel_without_a_handshake_still_refuses_get(channel: Channel) -> None:
    status, headers, _body = request(hook_path(channel), method="GET", query="hub.challenge=1")
    assert status == 405
    assert headers["allow"] == "POST"
