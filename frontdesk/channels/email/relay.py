"""The SMTP relay: mail handed to us by the operator's mail server (or sent straight to us), stored as events.

``frontdesk mail-relay`` runs :func:`relay_controller`. A recipient is
accepted when it is the address of an active email channel, or that address
with a ``+tag`` (``support+<reply token>@shop.example``): anything else gets
``550``. The server announces the ``SIZE`` limit (``FRONTDESK_MAX_EMAIL_BYTES``)
and refuses larger mail with ``552``. Each accepted mail is stored once per
channel it was addressed to; if storing fails the answer is ``451``, so the
sending server keeps the mail and tries again (a mail stored twice is one
event: events are keyed by Message-ID).

There is no AUTH and no TLS: bind it to loopback behind a real MTA (Postfix,
Exim) that does spam filtering and TLS, see docs/channels/email.md.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import close_old_connections

from frontdesk.channels.base import Delivery
from frontdesk.channels.email.account import mail_account
from frontdesk.channels.email.events import mail_event
from frontdesk.channels.models import Channel, ChannelKind
from frontdesk.pipeline.webhooks import store

logger = logging.getLogger(__name__)


def base_address(address: str) -> str:
    """``support+tag@Shop.Example`` → ``support@shop.example``: the address a channel is configured with."""
    local, at, domain = address.strip().strip("<>").rpartition("@")
    if not at or not local or not domain:
        return ""
    return f"{local.partition('+')[0]}@{domain}".lower()


def channels_for_recipient(address: str) -> list[Channel]:
    """The active email channels receiving mail sent to ``address`` (plus-addressed or not), across workspaces."""
    wanted = base_address(address)
    if not wanted:
        return []
    # The address is one JSON value; an exact query would miss "Support@Shop.example" as typed by an admin.
    candidates = Channel.all_workspaces.filter(
        kind=ChannelKind.EMAIL, is_active=True, config__address__iexact=wanted
    ).order_by("pk")
    return [channel for channel in candidates if mail_account(channel).address.lower() == wanted]


def store_relayed(raw: bytes, mail_from: str, recipients: list[str]) -> int:
    """Store ``raw`` for each channel among ``recipients``; returns how many events were new."""
    by_channel: dict[int, tuple[Channel, list[str]]] = {}
    for recipient in recipients:
        for channel in channels_for_recipient(recipient):
            by_channel.setdefault(channel.pk, (channel, []))[1].append(recipient)
    stored = 0
    for channel, addressed in by_channel.values():
        event = mail_event(raw, "relay", envelope_to=addressed, envelope_from=mail_from)
        stored += store(channel, Delivery(events=[event])).accepted
    return stored


class RelayHandler:
    """aiosmtpd's handler: RCPT checks the recipient, DATA stores the mail (database work off the event loop)."""

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]) -> str:
        try:
            known = await asyncio.to_thread(_with_connection, channels_for_recipient, address)
        except Exception:
            logger.exception("Looking up the recipient %s failed", address)
            return "451 4.3.0 Temporary failure looking up the recipient; try again later"
        if not known:
            return "550 5.1.1 No mailbox here by that name"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        try:
            stored = await asyncio.to_thread(
                _with_connection, store_relayed, raw, str(envelope.mail_from or ""), list(envelope.rcpt_tos)
            )
        except Exception:
            logger.exception("Storing a relayed mail failed; the sender will retry")
            return "451 4.3.0 Could not store the mail; try again later"
        logger.info("Relayed mail for %s: %s new event(s)", ", ".join(envelope.rcpt_tos), stored)
        return "250 2.0.0 OK: stored"


def _with_connection[T](function: Callable[..., T], *args: Any) -> T:
    """Run ``function`` in a worker thread with a usable database connection, closed again if it went stale."""
    close_old_connections()
    try:
        return function(*args)
    finally:
        close_old_connections()


def relay_controller(host: str, port: int, *, max_bytes: int | None = None) -> Controller:
    """The relay's SMTP server (not started): ``SIZE`` announced and enforced, 8-bit and UTF-8 mail accepted."""
    limit = max_bytes if max_bytes is not None else int(settings.FRONTDESK_MAX_EMAIL_BYTES)
    return Controller(
        RelayHandler(),
        hostname=host,
        port=port,
        data_size_limit=limit,
        enable_SMTPUTF8=True,
        decode_data=False,
        ident="Frontdesk mail relay",
    )
