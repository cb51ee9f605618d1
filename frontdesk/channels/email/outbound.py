"""Sending an agent's reply as a mail that threads on both sides.

The mail (``compose.compose_reply``) goes From the channel's address under its
``from_name``, To the customer's address, with ``Reply-To:
support+<token>@domain`` (``tokens``) so a reply that loses its headers still
finds the conversation, ``Subject: Re: <conversation subject>``,
``In-Reply-To`` / ``References`` of the conversation's latest mail from the
customer (or of our latest one when the customer has not written yet), the
channel's signature and the message's files. ``smtp.send`` hands it to the
channel's SMTP server; the mail's ``Message-ID`` becomes the message's
provider id, so the customer's answer threads by header.

A reply is never sent to the channel's own address: a mail forged "From" it
is stored as a customer's, and answering it would mail ourselves (a loop).
"""

from __future__ import annotations

from typing import Any

from frontdesk.channels.base import OutboundMessage, SendResult
from frontdesk.channels.email.account import mail_account
from frontdesk.channels.email.compose import OutgoingAttachment, compose_reply, reply_token_address
from frontdesk.channels.email.smtp import send
from frontdesk.channels.email.tokens import make_token
from frontdesk.channels.models import Channel
from frontdesk.conversations.models import Conversation, Message, MessageKind
from frontdesk.pipeline.outbound import SendFailed

# Attachments of one mail together; most servers refuse more than 25 MB once base64 has grown them by a third.
MAX_ATTACHMENT_BYTES = 18 * 1024 * 1024


def send_reply(channel: Channel, message: OutboundMessage) -> SendResult:
    account = mail_account(channel)
    if not account.address or not account.smtp.configured:
        raise SendFailed("the channel has no address or SMTP server", retryable=False, code="credentials")
    recipient = message.recipient.strip().lower()
    if "@" not in recipient:
        raise SendFailed("the customer has no email address", retryable=False, code="invalid_recipient")
    if recipient == account.address.strip().lower():
        raise SendFailed("refusing to mail the channel's own address", retryable=False, code="invalid_recipient")
    if message.content:
        kinds = ", ".join(sorted(message.content))
        raise SendFailed(f"email cannot carry {kinds}", retryable=False, code="unsupported")
    if sum(item.size for item in message.attachments) > MAX_ATTACHMENT_BYTES:
        raise SendFailed("the attachments are too large for one mail", retryable=False, code="too_large")
    conversation_id = int(message.metadata.get("conversation_id") or 0)
    subject, answered = _thread_of(channel, conversation_id)
    token = make_token(channel.workspace_id, conversation_id, recipient)
    mail = compose_reply(
        from_address=account.address,
        from_name=account.from_name,
        to=recipient,
        subject=subject,
        text=message.text,
        in_reply_to=str(answered.get("message_id") or ""),
        references=[str(item) for item in answered.get("references") or []],
        signature=account.signature,
        attachments=[
            OutgoingAttachment(filename=item.filename, content_type=item.content_type, content=item.read())
            for item in message.attachments
        ],
        domain=account.domain,
    )
    mail["Reply-To"] = reply_token_address(account.address, token)
    message_id = send(
        mail,
        host=account.smtp.host,
        port=account.smtp.port,
        username=account.smtp.username,
        password=account.smtp.password,
        security=account.smtp.security,
        local_hostname=account.domain,
    )
    return SendResult(provider_message_id=message_id)


def _thread_of(channel: Channel, conversation_id: int) -> tuple[str, dict[str, Any]]:
    """The conversation's subject, and the message id and references of the mail to answer."""
    conversation = (
        Conversation.in_workspace(channel.workspace_id).filter(pk=conversation_id).values_list("subject").first()
    )
    if conversation is None:
        raise SendFailed("the conversation no longer exists", retryable=False)
    messages = (
        Message.in_workspace(channel.workspace_id)
        .filter(conversation_id=conversation_id, channel=channel)
        .exclude(provider_message_id="")
        .order_by("-created_at", "-pk")
    )
    inbound = messages.filter(kind=MessageKind.INBOUND).values_list("provider_message_id", "metadata").first()
    if inbound is not None:
        provider = dict((inbound[1] or {}).get("provider") or {})
        subject = conversation[0] or str(provider.get("subject") or "")
        return subject, {"message_id": inbound[0], "references": provider.get("references") or []}
    ours = messages.filter(kind=MessageKind.OUTBOUND).values_list("provider_message_id", flat=True).first()
    return conversation[0], {"message_id": ours} if ours else {}
