"""The web server's fast path for ``/hooks/<kind>/<webhook-token>``.

Providers send bursts and time out slow receivers, so the acknowledgement is
the most frequent and most latency-bound request Frontdesk serves. It needs
no session, user, locale, CSRF token or template, so this ASGI layer answers
it before Django's request machinery and middleware: it reads the body (with
the size limit, for POST), runs the same ``handle_delivery`` as the Django view in a
thread, and sends its answer. Every other request goes on to Django.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import parse_qs

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections
from django.http.request import split_domain_port, validate_host
from django.utils.datastructures import CaseInsensitiveMapping

from frontdesk.channels.base import HookAnswer, WebhookRequest
from frontdesk.pipeline.webhooks import MAX_BODY_BYTES, handle_delivery, public_hook_url

logger = logging.getLogger(__name__)

# As Django's ASGIHandler declares them.
type Scope = dict[str, Any]
type Receive = Callable[[], Awaitable[Mapping[str, Any]]]
type Send = Callable[[Mapping[str, Any]], Awaitable[None]]
type ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# The same shape as the URL pattern in frontdesk/channels/urls.py.
HOOK_PATH = re.compile(r"/hooks/(?P<kind>[^/]+)/(?P<token>[^/]+)")


class TooLarge(Exception):
    pass


class WebhookFastPath:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = HOOK_PATH.fullmatch(scope["path"]) if scope["type"] == "http" else None
        if match is None:
            await self.app(scope, receive, send)
            return
        headers = CaseInsensitiveMapping(
            {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]}
        )
        if not _host_allowed(headers.get("Host", "")):
            await _answer(send, HookAnswer.json(400, {"detail": "This host name is not served here."}))
            return
        method = scope["method"]
        body = b""
        if method == "POST":
            try:
                body = await _read_body(headers, receive)
            except TooLarge:
                await _answer(
                    send, HookAnswer.json(413, {"detail": f"The body is larger than {MAX_BODY_BYTES} bytes."})
                )
                return
        query_string = scope.get("query_string", b"").decode("latin-1")
        request = WebhookRequest(
            method=method,
            body=body,
            headers=headers,
            query={name: values[0] for name, values in parse_qs(query_string, keep_blank_values=True).items()},
            url=public_hook_url(scope["path"], query_string),
        )
        answer = await sync_to_async(_handle, thread_sensitive=False)(match["kind"], match["token"], request)
        await _answer(send, answer)


def _handle(kind: str, token: str, request: WebhookRequest) -> HookAnswer:
    # What Django's request_started and request_finished signals do for its own requests.
    close_old_connections()
    try:
        return handle_delivery(kind, token, request)
    except Exception:
        logger.exception("Webhook for %s failed before it was stored", kind)
        return HookAnswer.json(500, {"detail": "The delivery could not be stored; please retry."})
    finally:
        close_old_connections()


def _host_allowed(host: str) -> bool:
    domain, _port = split_domain_port(host)
    return bool(domain) and validate_host(domain, settings.ALLOWED_HOSTS)


async def _read_body(headers: CaseInsensitiveMapping[str], receive: Receive) -> bytes:
    """The whole body, refusing (without reading on) anything over ``MAX_BODY_BYTES``."""
    try:
        declared = int(headers.get("Content-Length") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY_BYTES:
        raise TooLarge
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise TooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _answer(send: Send, answer: HookAnswer) -> None:
    headers = [
        (b"content-type", answer.content_type.encode("latin-1")),
        (b"content-length", str(len(answer.body)).encode()),
        (b"x-content-type-options", b"nosniff"),
    ]
    if answer.status == 405:
        headers.append((b"allow", b"POST"))
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": answer.body})
