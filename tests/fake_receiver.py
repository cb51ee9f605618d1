"""A real HTTP server on 127.0.0.1 standing in for whatever our client calls: an API channel's receiver.

It records every request, checks the ``X-Frontdesk-Signature`` when given the
signing secret, and answers from a script (``then(...)``) before falling back to
``200 {"id": "provider-<n>"}``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    signature_valid: bool | None

    def json(self) -> dict[str, object]:
        document: dict[str, object] = json.loads(self.body)
        return document


@dataclass
class Answer:
    status: int = 200
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class FakeReceiver:
    def __init__(self, secret: str = "") -> None:
        self.secret = secret
        self.received: list[Received] = []
        self.script: list[Answer] = []
        # Called in the server thread once a request is recorded, before it is answered.
        self.on_request: Callable[[Received], None] | None = None
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def host_port(self) -> str:
        return f"127.0.0.1:{self.port}"

    def url(self, path: str = "/inbox") -> str:
        return f"http://{self.host_port}{path}"

    def then(
        self,
        status: int,
        body: bytes | dict[str, object] | None = None,
        *,
        times: int = 1,
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
    ) -> FakeReceiver:
        """Answer the next ``times`` requests like this."""
        raw = json.dumps(body).encode() if isinstance(body, dict) else body
        for _ in range(times):
            self.script.append(Answer(status, raw, dict(headers or {}), delay))
        return self

    def start(self) -> FakeReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _answer(self, received: Received) -> Answer:
        with self._lock:
            self.received.append(received)
            if received.signature_valid is False:
                return Answer(401, b'{"error": "bad signature"}')
            if self.script:
                return self.script.pop(0)
            return Answer(200, json.dumps({"id": f"provider-{len(self.received)}"}).encode())

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                signature_valid = None
                if receiver.secret:
                    expected = "sha256=" + hmac.new(receiver.secret.encode(), body, hashlib.sha256).hexdigest()
                    signature_valid = hmac.compare_digest(expected, self.headers.get("X-Frontdesk-Signature", ""))
                answer = receiver._answer(
                    Received(self.command, self.path, dict(self.headers.items()), body, signature_valid)
                )
                if receiver.on_request is not None:
                    receiver.on_request(receiver.received[-1])
                if answer.delay:
                    time.sleep(answer.delay)
                payload = answer.body if answer.body is not None else b""
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    # An empty value leaves the header out (a body whose length is not declared).
                    if value:
                        self.send_header(name, value)
                if "Content-Length" not in answer.headers:
                    self.send_header("Content-Length", str(len(payload)))
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                with suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(payload)

            do_GET = _handle
            do_POST = _handle

        return Handler


@contextmanager
def running_receiver(secret: str = "") -> Iterator[FakeReceiver]:
    receiver = FakeReceiver(secret).start()
    try:
        yield receiver
    finally:
        receiver.stop()
