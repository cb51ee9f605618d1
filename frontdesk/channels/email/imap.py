"""Reading a mailbox over IMAP: each new mail stored once as an inbound event, nothing skipped across restarts.

One pass (:func:`read_new_mail`) selects the channel's folder, compares its
UIDVALIDITY with the one remembered in :class:`~frontdesk.channels.models.Mailbox`
(a change means UIDs start over: the folder is read again, which the events'
Message-ID keys make harmless; a first read, of a new folder or new UIDs,
takes only the last ``FRONTDESK_IMAP_FIRST_READ_DAYS`` of mail), asks for the UIDs above
``last_uid``, and fetches them in batches: first their sizes, then the whole
mail with ``BODY.PEEK[]`` (which leaves it unread unless
``FRONTDESK_IMAP_MARK_SEEN``), or only the headers of a mail larger than
``FRONTDESK_MAX_EMAIL_BYTES``. Each batch is stored before ``last_uid`` moves.

The server is reached like every outgoing connection: a host resolving to a
private address needs ``FRONTDESK_HTTP_ALLOWED_PRIVATE_HOSTS``, and only such an
allowlisted host may be read without TLS (security "none").
"""

from __future__ import annotations

import imaplib
import logging
import re
import socket
import ssl
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from frontdesk.channels.base import Delivery, RawEvent
from frontdesk.channels.email.account import MailServer
from frontdesk.channels.email.events import mail_event
from frontdesk.channels.models import Channel, Mailbox
from frontdesk.core.http_client import Allowlist, BlockedDestination, GuardedNetworkBackend, HttpClientError
from frontdesk.pipeline.webhooks import store

logger = logging.getLogger(__name__)

# UIDs fetched per round trip: big enough to catch up quickly, small enough that a batch of large mails
# stays within memory (at most this many times FRONTDESK_MAX_EMAIL_BYTES, in practice far less).
FETCH_BATCH = 50
CONNECT_TIMEOUT = 20.0
OVERSIZED_HEADER = "X-Frontdesk-Oversized"
# Headers of an oversized mail that described its (dropped) body.
_BODY_HEADERS = re.compile(
    rb"^(content-type|content-transfer-encoding|content-disposition|mime-version):.*(\r?\n[ \t].*)*\r?\n?",
    re.IGNORECASE | re.MULTILINE,
)


class MailboxError(Exception):
    """Reading the mailbox failed; ``reason`` is shown to admins (never contains the password)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class ReadResult:
    """What one pass did: mails fetched, newly stored events, already known ones, oversized placeholders."""

    fetched: int = 0
    stored: int = 0
    duplicates: int = 0
    oversized: int = 0
    # The UIDVALIDITY changed since the last pass and the folder was read again from the start.
    uidvalidity_changed: bool = False


class _GuardedIMAP4(imaplib.IMAP4):
    """``imaplib.IMAP4`` connecting only to addresses checked beforehand; TLS from the start when ``tls`` is given."""

    def __init__(
        self, host: str, port: int, *, addresses: Sequence[Any], timeout: float, tls: ssl.SSLContext | None
    ) -> None:
        self._addresses = list(addresses)
        self._tls = tls
        super().__init__(host, port, timeout)

    def _create_socket(self, timeout: float | None = None) -> socket.socket:
        last_error: OSError | None = None
        for address in self._addresses:
            try:
                connection = socket.create_connection((str(address), self.port), timeout)
            except OSError as error:
                last_error = error
                continue
            if self._tls is None:
                return connection
            return self._tls.wrap_socket(connection, server_hostname=self.host)
        raise last_error or OSError(f"no address to connect to for {self.host}")


class _GuardedClient(IMAPClient):  # type: ignore[misc]
    def __init__(self, server: MailServer, addresses: Sequence[Any], tls: ssl.SSLContext | None) -> None:
        self._addresses = addresses
        self._implicit_tls = tls
        super().__init__(server.host, port=server.port, ssl=tls is not None, ssl_context=tls, timeout=CONNECT_TIMEOUT)

    def _create_IMAP4(self) -> imaplib.IMAP4:
        return _GuardedIMAP4(
            self.host, self.port, addresses=self._addresses, timeout=CONNECT_TIMEOUT, tls=self._implicit_tls
        )


@contextmanager
def connect(server: MailServer, *, ssl_context: ssl.SSLContext | None = None) -> Iterator[IMAPClient]:
    """A logged-in client for ``server``; raises ``MailboxError`` with a reason an admin can act on."""
    if not server.configured:
        raise MailboxError("No IMAP server is set.")
    allowed = Allowlist.from_settings()
    if server.security == "none" and not allowed.allows(server.host, server.port):
        raise MailboxError(
            "Reading mail without TLS is allowed only from a host listed in FRONTDESK_HTTP_ALLOWED_PRIVATE_HOSTS."
        )
    context = ssl_context or ssl.create_default_context()
    client: IMAPClient | None = None
    try:
        addresses = GuardedNetworkBackend(allowed).checked_addresses(server.host, server.port)
        client = _GuardedClient(server, addresses, context if server.security == "ssl" else None)
        if server.security == "starttls":
            client.starttls(context)
        client.login(server.username, server.password)
    except Exception as error:
        if client is not None:
            _close(client)
        raise as_mailbox_error(error, server) from None
    try:
        yield client
    finally:
        _close(client)


def _close(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:
        try:
            client.shutdown()
        except Exception:
            logger.debug("closing an IMAP connection failed", exc_info=True)


def as_mailbox_error(error: BaseException, server: MailServer) -> MailboxError:
    """``error`` told in words an admin can act on, without the password."""
    where = f"{server.host}:{server.port}"
    match error:
        case MailboxError():
            reason = error.reason
        case BlockedDestination():
            reason = f"IMAP server refused: {error}"
        case HttpClientError():
            reason = f"IMAP server unreachable: {error}"
        case LoginError():
            reason = f"The IMAP server refused the login: {_words(error)}"
        case ssl.SSLCertVerificationError():
            reason = f"The IMAP server's certificate is not trusted: {error.verify_message}"
        case ssl.SSLError():
            reason = f"TLS with the IMAP server failed: {error.reason or error}"
        case IMAPClientError() | imaplib.IMAP4.error:
            reason = f"IMAP: {_words(error)}"
        case TimeoutError() | socket.timeout:
            reason = f"IMAP server {where} did not answer in time."
        case ConnectionRefusedError():
            reason = f"IMAP server {where} refused the connection."
        case OSError():
            reason = f"IMAP server {where} unreachable: {error.strerror or error}"
        case _:
            reason = f"IMAP: {type(error).__name__}: {error}"
    if server.password and server.password in reason:
        reason = reason.replace(server.password, "***")
    return MailboxError(reason)


def _words(error: BaseException) -> str:
    text = str(error)
    if text.startswith("b'") or text.startswith('b"'):
        text = text[2:-1]
    return " ".join(text.split())


def supports_idle(client: IMAPClient) -> bool:
    return b"IDLE" in client.capabilities()


def read_new_mail(
    client: IMAPClient, channel: Channel, mailbox: Mailbox, *, after_batch: Callable[[], None] | None = None
) -> ReadResult:
    """Store every mail of the folder above ``mailbox.last_uid``; ``mailbox`` is saved after each stored batch.

    ``after_batch`` is called after each batch (the readers renew their lease there, so a long first read
    keeps the mailbox; it raises to stop the pass).
    """
    mark_seen = bool(getattr(settings, "FRONTDESK_IMAP_MARK_SEEN", False))
    status = client.select_folder(mailbox.folder, readonly=not mark_seen)
    result = ReadResult()
    uidvalidity = int(status.get(b"UIDVALIDITY") or 0)
    # The first read of a folder (or of its new UIDs) takes only recent mail: an old mailbox's
    # years of mail would otherwise all become open conversations.
    first_read = mailbox.uidvalidity != uidvalidity
    if first_read:
        if mailbox.uidvalidity is not None:
            logger.warning(
                "Mailbox %s: UIDVALIDITY changed from %s to %s, reading the folder again",
                mailbox.pk,
                mailbox.uidvalidity,
                uidvalidity,
            )
            result.uidvalidity_changed = True
        mailbox.uidvalidity = uidvalidity
        mailbox.last_uid = 0
        mailbox.save(update_fields=["uidvalidity", "last_uid"])
    if int(status.get(b"EXISTS") or 0) == 0:
        return result
    # "n:*" always matches the folder's last mail, even when its UID is below n.
    criteria: list[Any] = ["UID", f"{mailbox.last_uid + 1}:*"]
    days = int(getattr(settings, "FRONTDESK_IMAP_FIRST_READ_DAYS", 7))
    if first_read and days > 0:
        criteria += ["SINCE", timezone.now().date() - timedelta(days=days)]
    uids = sorted(uid for uid in client.search(criteria) if uid > mailbox.last_uid)
    for start in range(0, len(uids), FETCH_BATCH):
        batch = uids[start : start + FETCH_BATCH]
        events, oversized = _fetch_events(client, batch, mailbox.folder)
        receipt = store(channel, Delivery(events=events))
        if mark_seen:
            client.add_flags(batch, [b"\\Seen"], silent=True)
        result.fetched += len(events)
        result.stored += receipt.accepted
        result.duplicates += receipt.duplicates
        result.oversized += oversized
        mailbox.last_uid = batch[-1]
        mailbox.save(update_fields=["last_uid"])
        if after_batch is not None:
            after_batch()
    if first_read:
        # Older mail left out by SINCE stays left out: the next pass starts after the folder's last UID.
        skipped_up_to = int(status.get(b"UIDNEXT") or 1) - 1
        if skipped_up_to > mailbox.last_uid:
            mailbox.last_uid = skipped_up_to
            mailbox.save(update_fields=["last_uid"])
    return result


def _fetch_events(client: IMAPClient, uids: list[int], folder: str) -> tuple[list[RawEvent], int]:
    limit = int(getattr(settings, "FRONTDESK_MAX_EMAIL_BYTES", 25 * 1024 * 1024))
    sizes = {uid: int(data.get(b"RFC822.SIZE") or 0) for uid, data in client.fetch(uids, ["RFC822.SIZE"]).items()}
    whole = [uid for uid in uids if uid in sizes and sizes[uid] <= limit]
    large = [uid for uid in uids if uid in sizes and sizes[uid] > limit]
    bodies = client.fetch(whole, ["BODY.PEEK[]"]) if whole else {}
    heads = client.fetch(large, ["BODY.PEEK[HEADER]"]) if large else {}
    events: list[RawEvent] = []
    oversized = 0
    # A UID missing from an answer was expunged in between: nothing to store.
    for uid in uids:
        if uid in bodies and isinstance(bodies[uid].get(b"BODY[]"), bytes):
            events.append(mail_event(bodies[uid][b"BODY[]"], "imap", uid=uid, folder=folder))
        elif uid in heads and isinstance(heads[uid].get(b"BODY[HEADER]"), bytes):
            raw = oversized_placeholder(heads[uid][b"BODY[HEADER]"], sizes[uid], limit)
            events.append(mail_event(raw, "imap", uid=uid, folder=folder, oversized=True, size=sizes[uid]))
            oversized += 1
    return events, oversized


def oversized_placeholder(header: bytes, size: int, limit: int) -> bytes:
    """A mail with ``header`` (sender, subject, Message-ID, threading) and a plain-text note instead of its body."""
    kept = _BODY_HEADERS.sub(b"", header.rstrip(b"\r\n") + b"\r\n")
    note = (
        f"This mail is {size / 1_000_000:.1f} MB, larger than the {limit / 1_000_000:.0f} MB Frontdesk stores, "
        "so only its sender, subject and date were kept. Read it in the mailbox itself."
    )
    return (
        kept.rstrip(b"\r\n")
        + b"\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n"
        + f"{OVERSIZED_HEADER}: {size}\r\n\r\n{note}\r\n".encode()
    )
