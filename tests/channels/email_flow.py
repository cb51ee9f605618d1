"""Mail through the email channel as it really flows: stored as the intake stores it, processed by the worker."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import SMTP
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword

from frontdesk.channels.base import Delivery
from frontdesk.channels.email.events import mail_event
from frontdesk.channels.models import Channel, ChannelKind
from frontdesk.conversations.models import Conversation, Message
from frontdesk.core.models import Workspace
from frontdesk.pipeline.webhooks import store
from tests.channels.test_email_sending import Mailbox, mailbox, running_server
from tests.channels.webhooks import process_stored_events
from tests.factories import make_channel

ADDRESS = "support@shop.example"
CUSTOMER = "chan@example.hk"
PASSWORD = "correct horse battery staple"
_numbers = itertools.count(1)
__all__ = ["mailbox"]  # a fixture the email tests take from here


def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    """The loopback server's check of the channel's SMTP login."""
    granted = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        ADDRESS.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=granted, handled=False)


@pytest.fixture
def smtp_port(mailbox: Mailbox, settings: Any) -> Iterator[int]:
    """A loopback SMTP server that wants the channel's login (AUTH without TLS: tests only, hence the warning)."""
    with running_server(mailbox, auth_required=True, auth_require_tls=False, authenticator=authenticate) as port:
        settings.FRONTDESK_HTTP_ALLOWED_PRIVATE_HOSTS = [f"127.0.0.1:{port}"]
        yield port


@pytest.fixture
def channel(workspace: Workspace, smtp_port: int) -> Channel:
    """An email channel sending through that server."""
    return email_channel(workspace, port=smtp_port, secrets={"smtp_password": PASSWORD})


def email_channel(
    workspace: Workspace, *, port: int = 2525, secrets: dict[str, Any] | None = None, **config: Any
) -> Channel:
    settings = {
        "address": ADDRESS,
        "from_name": "Shop Support",
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_security": "none",
        "signature": "Shop Support\nhttps://shop.example",
        **config,
    }
    return make_channel(workspace, ChannelKind.EMAIL, name="Support mail", config=settings, secrets=secrets or {})


def customer_mail(
    text: str = "Where is my parcel?",
    *,
    sender: str = f"陳大文 <{CUSTOMER}>",
    to: str = ADDRESS,
    subject: str = "Order 1234",
    message_id: str | None = None,
    html: str = "",
    **headers: str,
) -> bytes:
    """A customer's mail as their client sends it; ``headers`` adds In-Reply-To, References, Auto-Submitted…"""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = "Mon, 23 Nov 2026 10:00:00 +0800"
    message["Message-ID"] = message_id or f"<m{next(_numbers)}@example.hk>"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    return message.as_bytes(policy=SMTP)


def receive(channel: Channel, *mails: bytes, process: bool = True, **details: Any) -> None:
    """Store mails as IMAP intake does (one event per mail) and let the worker process them in one batch."""
    store(channel, Delivery(events=[mail_event(raw, "imap", **details) for raw in mails]))
    if process:
        process_stored_events()


def inbound(channel: Channel) -> list[Message]:
    return list(Message.in_workspace(channel.workspace_id).filter(channel=channel, kind="inbound").order_by("pk"))


def conversations(channel: Channel) -> list[Conversation]:
    return list(Conversation.in_workspace(channel.workspace_id).filter(channel=channel).order_by("pk"))
