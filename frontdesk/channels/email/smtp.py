"""Sending one mail through the mailbox's SMTP server, failures told as ``SendFailed``.

The server's address is checked like every outgoing HTTP request: a host that
resolves to a loopback or private address is refused unless the operator lists
it in ``FRONTDESK_HTTP_ALLOWED_PRIVATE_HOSTS``, and the connection goes to the
very address that was checked (the name is kept for TLS).
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage

from frontdesk.channels.email.account import Security
from frontdesk.core.http_client import (
    Allowlist,
    BlockedDestination,
    ConnectionFailed,
    GuardedNetworkBackend,
    HttpClientError,
)
from frontdesk.pipeline.outbound import SendFailed


class _GuardedSMTP(smtplib.SMTP):
    """``smtplib.SMTP`` connecting only to checked addresses; ``implicit_tls`` for port 465 style servers."""

    def __init__(
        self, *, allowlist: Allowlist, timeout: float, implicit_tls: ssl.SSLContext | None, local_hostname: str | None
    ) -> None:
        self._backend = GuardedNetworkBackend(allowlist)
        self._implicit_tls = implicit_tls
        super().__init__(timeout=timeout, local_hostname=local_hostname)

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        # STARTTLS checks the certificate against _host, which smtplib sets only when the host is given up front.
        self._host = host
        last_error: OSError | None = None
        for address in self._backend.checked_addresses(host, port):
            try:
                connection = socket.create_connection((str(address), port), timeout, self.source_address)
            except OSError as error:
                last_error = error
                continue
            if self._implicit_tls is None:
                return connection
            return self._implicit_tls.wrap_socket(connection, server_hostname=host)
        assert last_error is not None
        raise last_error


def send(
    message: EmailMessage,
    *,
    host: str,
    port: int,
    username: str = "",
    password: str = "",
    security: Security = "starttls",
    timeout: float = 20,
    ssl_context: ssl.SSLContext | None = None,
    local_hostname: str | None = None,
) -> str:
    """Hand ``message`` to the SMTP server and return its ``Message-ID``.

    ``security``: "starttls" (upgrade, required), "ssl" (TLS from the first
    byte) or "none" (only for a relay inside the operator's network). The
    server's certificate is verified against ``ssl_context`` (the system's CAs
    by default). Raises ``SendFailed``: retryable for timeouts, lost
    connections and 4xx replies, final for 5xx replies, with the server's
    words as the reason and ``code="credentials"`` when the login is refused.
    """
    message_id = str(message.get("Message-ID", "")).strip()
    if not message_id:
        raise ValueError("a mail without a Message-ID cannot be threaded; build it with compose_reply")
    if security not in ("starttls", "ssl", "none"):
        raise ValueError(f"unknown SMTP security {security!r}")
    try:
        with session(
            host=host,
            port=port,
            username=username,
            password=password,
            security=security,
            timeout=timeout,
            ssl_context=ssl_context,
            local_hostname=local_hostname,
        ) as client:
            client.send_message(message)
    except (OSError, HttpClientError) as error:
        raise _send_failed(error, password) from None
    return message_id


@contextmanager
def session(
    *,
    host: str,
    port: int,
    username: str = "",
    password: str = "",
    security: Security = "starttls",
    timeout: float = 20,
    ssl_context: ssl.SSLContext | None = None,
    local_hostname: str | None = None,
) -> Iterator[smtplib.SMTP]:
    """A connection to a checked address, upgraded to TLS as ``security`` says and logged in when a user is given.

    Raises what smtplib and the address check raise (``OSError``, ``HttpClientError``); callers word it.
    """
    context = ssl_context or ssl.create_default_context()
    with _GuardedSMTP(
        allowlist=Allowlist.from_settings(),
        timeout=timeout,
        implicit_tls=context if security == "ssl" else None,
        local_hostname=local_hostname,
    ) as client:
        client.connect(host, port)
        if security == "starttls":
            client.starttls(context=context)
        if username:
            client.login(username, password)
        yield client


def _send_failed(error: Exception, password: str) -> SendFailed:
    failure = _classify(error)
    if password and password in failure.reason:
        # A server echoing the AUTH line back must not put the password in front of an agent.
        failure = SendFailed(failure.reason.replace(password, "***"), retryable=failure.retryable, code=failure.code)
    return failure


def _classify(error: Exception) -> SendFailed:
    match error:
        case BlockedDestination():
            return SendFailed(f"SMTP server refused: {error}", retryable=False)
        case ConnectionFailed():
            return SendFailed(f"SMTP server unreachable: {error}", retryable=True)
        case smtplib.SMTPAuthenticationError():
            if _is_temporary(error.smtp_code):
                return SendFailed(_reply_text(error.smtp_code, error.smtp_error), retryable=True)
            return SendFailed(_reply_text(error.smtp_code, error.smtp_error), retryable=False, code="credentials")
        case smtplib.SMTPRecipientsRefused():
            replies = list(error.recipients.values())
            reason = "; ".join(_reply_text(code, text) for code, text in replies)
            if all(_is_temporary(code) for code, _ in replies):
                return SendFailed(reason, retryable=True)
            return SendFailed(reason, retryable=False, code="invalid_recipient")
        case smtplib.SMTPResponseException():
            reason = _reply_text(error.smtp_code, error.smtp_error)
            if _is_temporary(error.smtp_code):
                return SendFailed(reason, retryable=True)
            return SendFailed(reason, retryable=False, code="too_large" if error.smtp_code == 552 else "")
        case smtplib.SMTPServerDisconnected():
            return SendFailed(f"SMTP server disconnected: {error}", retryable=True)
        case smtplib.SMTPNotSupportedError():
            # e.g. STARTTLS required by the channel but not offered: a setting to fix, not to retry.
            return SendFailed(f"SMTP server: {error}", retryable=False)
        case ssl.SSLCertVerificationError():
            return SendFailed(f"SMTP server certificate not trusted: {error.verify_message}", retryable=False)
        case smtplib.SMTPException():
            return SendFailed(f"SMTP: {error}", retryable=False)
    # Timeouts, refused or reset connections, TLS handshakes cut short.
    return SendFailed(f"SMTP connection failed: {type(error).__name__}: {error}", retryable=True)


def _is_temporary(code: int) -> bool:
    return 400 <= code < 500


def _reply_text(code: int, text: bytes | str) -> str:
    words = text.decode("utf-8", errors="replace") if isinstance(text, bytes) else text
    return f"{code} {' '.join(words.split())}"
