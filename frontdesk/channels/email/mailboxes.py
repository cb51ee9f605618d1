"""Who reads which mailbox, when, and what admins see when it fails.

Two ways run :func:`~frontdesk.channels.email.imap.read_new_mail`:

* :class:`MailboxReader`, one thread per mailbox in the ``frontdesk mail-reader``
  process (started by ``frontdesk run``): it stays connected and waits with IDLE
  where the server offers it, so mail arrives within seconds; it polls every
  ``FRONTDESK_IMAP_POLL_SECONDS`` otherwise;
* :func:`poll_mailbox`, one pass queued as a task by the scheduler every
  ``FRONTDESK_IMAP_POLL_SECONDS`` (scale-out mode, or when no reader runs).

Both take the mailbox's lease first (one UPDATE that succeeds only when the
lease is free or already theirs), so one mailbox never has two readers. After
an error the mailbox records it (shown on the channel's page) and waits
before the next attempt, doubling up to ``MAX_BACKOFF``: a wrong password never
becomes a crash loop or a login storm.
"""

from __future__ import annotations

import logging
import select
import socket
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import get_random_string
from imapclient import IMAPClient

from frontdesk.channels.email.account import MailAccount, mail_account
from frontdesk.channels.email.imap import (
    MailboxError,
    ReadResult,
    as_mailbox_error,
    connect,
    read_new_mail,
    supports_idle,
)
from frontdesk.channels.models import Channel, ChannelKind, Mailbox

logger = logging.getLogger(__name__)

LEASE_SECONDS = 120.0
FIRST_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(minutes=15)
# Servers may end an IDLE after 30 minutes (RFC 2177 asks clients to re-issue it within 29).
IDLE_RENEW_SECONDS = 25 * 60.0
# How often a waiting reader looks at its stop flag and the server's IDLE responses.
IDLE_CHECK_SECONDS = 1.0
POLL_LEASE_RETRY_SECONDS = 2.0


def new_owner(role: str) -> str:
    """A lease owner name, unique across hosts and restarts and readable in the database."""
    return f"{role}:{socket.gethostname()[:40]}:{get_random_string(8)}"


def reads_mail(channel: Channel) -> bool:
    """An active email channel with an IMAP server (a port that is not a number counts as none)."""
    if channel.kind != ChannelKind.EMAIL or not channel.is_active:
        return False
    try:
        return mail_account(channel).imap.configured
    except ValueError:
        logger.warning("Email channel %s has a port that is not a number; its mailbox is not read", channel.pk)
        return False


def readable_channels() -> list[Channel]:
    """Every active email channel with an IMAP server, across workspaces (for the system's readers)."""
    channels = Channel.all_workspaces.filter(kind=ChannelKind.EMAIL, is_active=True).order_by("pk")
    return [channel for channel in channels if reads_mail(channel)]


def mailbox_for(channel: Channel) -> Mailbox:
    """The channel's reading state, created at the first read; follows a change of the folder setting."""
    folder = mail_account(channel).folder
    mailbox, _created = Mailbox.in_workspace(channel.workspace_id).get_or_create(
        channel=channel, defaults={"folder": folder, "workspace_id": channel.workspace_id}
    )
    if mailbox.folder != folder:
        # Another folder has its own UIDs: start it from scratch (known mails are recognised by Message-ID).
        mailbox.folder = folder
        mailbox.uidvalidity = None
        mailbox.last_uid = 0
        mailbox.save(update_fields=["folder", "uidvalidity", "last_uid"])
    return mailbox


def take_lease(mailbox: Mailbox, owner: str, seconds: float = LEASE_SECONDS) -> bool:
    """Hold (or extend) the lease on ``mailbox`` for ``seconds``; False when another owner holds it."""
    now = timezone.now()
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now) | Q(lease_owner=owner)
    taken = (
        Mailbox.in_workspace(mailbox.workspace_id)
        .filter(free, pk=mailbox.pk)
        .update(lease_owner=owner, lease_until=now + timedelta(seconds=seconds))
    )
    return taken == 1


def _lease_retry_seconds(mailbox: Mailbox) -> float:
    """How long a reader that found the lease taken waits to try again: a poll pass (the scheduler's, or the
    first one when the product starts) holds it for a second or two, another reader for as long as it runs.
    Waiting a quarter lease behind a poll pass left mail delivered meanwhile unread for 30 seconds."""
    holder = Mailbox.in_workspace(mailbox.workspace_id).filter(pk=mailbox.pk).values_list("lease_owner", flat=True)
    return POLL_LEASE_RETRY_SECONDS if (holder.first() or "").startswith("poll:") else LEASE_SECONDS / 4


def release_lease(mailbox: Mailbox, owner: str) -> None:
    Mailbox.in_workspace(mailbox.workspace_id).filter(pk=mailbox.pk, lease_owner=owner).update(
        lease_owner="", lease_until=None
    )


def waiting_after_error(mailbox: Mailbox) -> float:
    """Seconds until the mailbox may be tried again after an error (0 when it may be tried now)."""
    if mailbox.retry_at is None:
        return 0.0
    return max(0.0, (mailbox.retry_at - timezone.now()).total_seconds())


def record_success(mailbox: Mailbox, *, idle: bool | None = None) -> None:
    mailbox.last_polled_at = timezone.now()
    fields = ["last_polled_at"]
    if idle is not None and mailbox.idle_supported != idle:
        mailbox.idle_supported = idle
        fields.append("idle_supported")
    if mailbox.failures or mailbox.last_error or mailbox.retry_at:
        mailbox.failures = 0
        mailbox.last_error = ""
        mailbox.retry_at = None
        fields += ["failures", "last_error", "retry_at"]
    mailbox.save(update_fields=fields)


def record_failure(mailbox: Mailbox, error: MailboxError) -> None:
    """Keep the reason for admins and wait 30 s, 1 min, 2 min … up to ``MAX_BACKOFF`` before the next attempt."""
    mailbox.failures += 1
    delay = min(FIRST_BACKOFF * 2 ** min(mailbox.failures - 1, 10), MAX_BACKOFF)
    now = timezone.now()
    mailbox.last_error = error.reason[:2000]
    mailbox.last_error_at = now
    mailbox.retry_at = now + delay
    mailbox.save(update_fields=["failures", "last_error", "last_error_at", "retry_at"])
    logger.warning(
        "Mailbox of channel %s: %s (attempt %s, next in %s s)",
        mailbox.channel_id,
        error.reason,
        mailbox.failures,
        int(delay.total_seconds()),
    )


@dataclass(frozen=True)
class PollOutcome:
    """``result`` is "read", "failed", "busy" (another reader holds the lease) or "waiting" (backing off)."""

    result: str
    read: ReadResult | None = None
    detail: str = ""


def poll_mailbox(channel: Channel, *, owner: str | None = None) -> PollOutcome:
    """One pass over the channel's mailbox, unless another reader holds it or it is waiting after an error."""
    mailbox = mailbox_for(channel)
    if waiting_after_error(mailbox):
        return PollOutcome("waiting", detail=mailbox.last_error)
    owner = owner or new_owner("poll")
    if not take_lease(mailbox, owner):
        return PollOutcome("busy")
    account = mail_account(channel)
    try:
        with connect(account.imap) as client:
            idle = supports_idle(client)
            read = read_new_mail(client, channel, mailbox, after_batch=lambda: _keep_lease(mailbox, owner))
        record_success(mailbox, idle=idle)
        return PollOutcome("read", read=read)
    except Exception as error:
        failure = as_mailbox_error(error, account.imap)
        record_failure(mailbox, failure)
        return PollOutcome("failed", detail=failure.reason)
    finally:
        release_lease(mailbox, owner)


class MailboxReader:
    """Keeps one mailbox read until ``stop`` is set or the channel is disabled, deleted or no longer reads mail.

    ``poll_seconds`` and ``idle_renew_seconds`` default to the settings; tests shorten them.
    """

    def __init__(
        self,
        channel_id: int,
        stop: threading.Event,
        *,
        owner: str | None = None,
        poll_seconds: float | None = None,
        idle_renew_seconds: float = IDLE_RENEW_SECONDS,
        use_idle: bool = True,
    ) -> None:
        self.channel_id = channel_id
        self.stop = stop
        self.owner = owner or new_owner("reader")
        self.poll_seconds = poll_seconds if poll_seconds is not None else settings.FRONTDESK_IMAP_POLL_SECONDS
        self.idle_renew_seconds = idle_renew_seconds
        self.use_idle = use_idle
        # Passes made so far (tests and the command's log read it).
        self.passes = 0

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                channel = self._channel()
                if channel is None:
                    return
                mailbox = mailbox_for(channel)
                wait = waiting_after_error(mailbox)
                if wait:
                    self.stop.wait(min(wait, self.poll_seconds))
                    continue
                if not take_lease(mailbox, self.owner):
                    self.stop.wait(min(_lease_retry_seconds(mailbox), self.poll_seconds))
                    continue
                try:
                    self._session(channel, mailbox)
                finally:
                    release_lease(mailbox, self.owner)
        finally:
            close_old_connections()

    def _channel(self) -> Channel | None:
        close_old_connections()
        channel = Channel.all_workspaces.filter(pk=self.channel_id).first()
        return channel if channel is not None and reads_mail(channel) else None

    def _session(self, channel: Channel, mailbox: Mailbox) -> None:
        """Connected until an error, a change of the channel's settings, or ``stop``."""
        account = mail_account(channel)
        try:
            with connect(account.imap) as client:
                idle = self.use_idle and supports_idle(client)
                while not self.stop.is_set():
                    read_new_mail(client, channel, mailbox, after_batch=lambda: self._renew(mailbox))
                    self.passes += 1
                    record_success(mailbox, idle=idle)
                    if idle:
                        self._idle(client, mailbox)
                    else:
                        self._wait(mailbox, self.poll_seconds)
                    if self._settings_changed(account):
                        return
        except Exception as error:
            record_failure(mailbox, as_mailbox_error(error, account.imap))

    def _idle(self, client: IMAPClient, mailbox: Mailbox) -> None:
        """Wait in IDLE until the server announces mail, ``stop``, or the time to re-issue IDLE.

        Mail delivered since the last search may be announced only in answer to
        a command (pymap holds it until IDLE ends): a NOOP first catches it.
        IDLE is also ended every ``poll_seconds`` to read the folder again, so
        an announcement lost on the way delays a mail by that much at most.
        """
        _answer, responses = client.noop()
        if any(_announces_mail(response) for response in responses):
            return
        client.idle()
        started = renewed = time.monotonic()
        period = min(self.idle_renew_seconds, self.poll_seconds)
        try:
            # Not imapclient's idle_check: it reads without blocking and aborts the session when a
            # response arrives split across two packets ("unterminated line: b'* 1 FETCH '"), which
            # servers do. Anything the server says ends IDLE instead; idle_done reads whole lines.
            while not self.stop.is_set() and time.monotonic() - started < period:
                if _has_input(client, IDLE_CHECK_SECONDS):
                    return
                if time.monotonic() - renewed > LEASE_SECONDS / 4:
                    self._renew(mailbox)
                    renewed = time.monotonic()
        finally:
            client.idle_done()

    def _wait(self, mailbox: Mailbox, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.stop.is_set() and (left := deadline - time.monotonic()) > 0:
            self.stop.wait(min(left, LEASE_SECONDS / 4))
            self._renew(mailbox)

    def _renew(self, mailbox: Mailbox) -> None:
        _keep_lease(mailbox, self.owner)

    def _settings_changed(self, account: MailAccount) -> bool:
        channel = self._channel()
        return channel is None or mail_account(channel) != account


def _has_input(client: IMAPClient, timeout: float) -> bool:
    """Whether the server sent something within ``timeout`` seconds (TLS bytes already decrypted count)."""
    sock = client.socket()
    pending = getattr(sock, "pending", None)
    if pending is not None and pending() > 0:
        return True
    readable, _writable, _failed = select.select([sock], [], [], timeout)
    return bool(readable)


def _announces_mail(response: object) -> bool:
    return isinstance(response, tuple) and len(response) >= 2 and response[1] in (b"EXISTS", b"RECENT")


def _keep_lease(mailbox: Mailbox, owner: str) -> None:
    if not take_lease(mailbox, owner):
        raise MailboxError("Another reader took over this mailbox.")
