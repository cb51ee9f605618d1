"""Mail through the email channel as it really flows: stored as the intake stores it, processed by the worker."""

from __future__ import annotations

import itertools
from email.message import EmailMessage
from email.policy import SMTP
from typing import Any

from frontdesk.channels.base import Delivery
from frontdesk.channels.email.events import mail_event
from frontdesk.channels.models import Channel, ChannelKind
from frontdesk.conversations.models import Conversation, Message
from frontdesk.core.models import Workspace
from frontdesk.pipeline.webhooks import store
from tests.channels.webhooks import process_stored_events
from tests.factories import make_channel

ADDRESS = "support@shop.example"
CUSTOMER = "chan@example.hk"
_numbers = itertools.count(1)


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
