"""The email channel: one stored mail → one customer message in the right conversation; replies by SMTP.

Inbound mail arrives by IMAP, an SMTP relay or the inbound-mail webhook
(``hook``, ``imap``, ``relay``), always stored as the raw RFC 5322 bytes
(``events``). ``parse`` reads it with ``parsing.parse_email`` and gives:

- the mail's ``Message-ID`` as the message's provider id (our own sent copies
  carry the id our reply was stored with, so they are dropped as duplicates);
- the sender, by lower-cased address, as the contact;
- the trimmed new part of a reply as the text, the sanitised HTML as the
  message's HTML, and in ``provider`` what the agent's "full original" and our
  replies need: subject, to, cc, the full text, ``Message-ID`` and ``References``;
- attachments and inline images as ``email-part:<event id>:<n>`` references,
  read back from the stored mail by ``media.fetch_media``, never fetched from
  the network; inline images keep their ``cid`` so the full original shows them;
- a thread hint (``threading``);
- marks for mail nobody may answer automatically: ``provider["automatic"]``
  (Auto-Submitted, Precedence, out-of-office) and ``provider["bounce"]``; a
  bounce of one of our replies also fails that reply with the DSN's reason;
- ``provider["own_address"]`` when the mail claims to come from the channel's
  own address but is not one of our sent copies: it is stored as a customer
  message like any other (never as an agent's reply) and flagged.
"""

from __future__ import annotations

from typing import Any

from frontdesk.channels.base import (
    Capabilities,
    Delivery,
    OutboundMessage,
    PayloadInvalid,
    SendResult,
    WebhookRequest,
    register,
)
from frontdesk.channels.email.account import mail_account
from frontdesk.channels.email.events import mail_event_id, raw_mime
from frontdesk.channels.email.parsing import Attachment, ParsedEmail, parse_email
from frontdesk.channels.email.threading import BounceReport, bounce_report, envelope_recipients, thread_hint
from frontdesk.channels.models import Channel, ChannelKind
from frontdesk.conversations.models import DeliveryStatus
from frontdesk.pipeline.inbound import AttachmentRef, ContactRef, InboundMessage, StatusUpdate

PART_REFERENCE = "email-part:"
# What the agent's view keeps of the full text; the HTML is kept whole in Message.html.
MAX_FULL_TEXT = 200_000
MAX_NAME = 200


def part_reference(event_id: str, index: int) -> str:
    """``email-part:<event id>:<n>``: the n-th file of the stored mail (attachments, then inline images)."""
    return f"{PART_REFERENCE}{event_id}:{index}"


def mail_parts(parsed: ParsedEmail) -> list[Attachment]:
    """The mail's files in the order part references count them."""
    return [*parsed.attachments, *parsed.inline_images.values()]


@register(ChannelKind.EMAIL)
class EmailAdapter:
    capabilities = Capabilities(media_kinds=frozenset({"image", "video", "audio", "file"}))

    def verify(self, channel: Channel, request: WebhookRequest) -> None:
        from frontdesk.channels.email.hook import verify_hook

        verify_hook(channel, request)

    def split(self, channel: Channel, body: bytes) -> Delivery:
        from frontdesk.channels.email.hook import split_hook

        delivery: Delivery = split_hook(channel, body)
        return delivery

    def parse(self, channel: Channel, payload: dict[str, Any]) -> list[InboundMessage | StatusUpdate]:
        raw = raw_mime(payload)
        if not raw.strip():
            raise PayloadInvalid("the stored event holds no mail")
        parsed = parse_email(raw)
        sender = parsed.sender.address.strip().lower()
        if not sender:
            raise PayloadInvalid("the mail has no sender address")
        account = mail_account(channel)
        event_id = mail_event_id(raw)
        bounce = bounce_report(raw) if parsed.bounce else None
        provider = _provider_data(parsed, sender, account.address, bounce)
        attachments, inline = _attachments(parsed, event_id, provider)
        if inline:
            provider["inline"] = inline
        items: list[InboundMessage | StatusUpdate] = [
            InboundMessage(
                provider_message_id=(parsed.message_id if parsed.message_id.startswith("<") else event_id)[:255],
                contact=ContactRef(
                    external_id=sender,
                    name=parsed.sender.name[:MAX_NAME],
                    email=sender,
                    verified=frozenset({"email"}),
                ),
                text=parsed.reply_text or parsed.text[:MAX_FULL_TEXT],
                html=parsed.html,
                attachments=attachments,
                sent_at=parsed.date,
                provider=provider,
                thread=thread_hint(
                    parsed,
                    workspace_id=channel.workspace_id,
                    account=account,
                    envelope_recipients=envelope_recipients(payload),
                    bounce=bounce,
                ),
            )
        ]
        if bounce is not None:
            reason = bounce.reason or "the receiving server returned the mail"
            items.extend(
                StatusUpdate(provider_message_id=original, status=DeliveryStatus.FAILED, reason=f"Bounced: {reason}")
                for original in _bounced_ids(parsed, bounce)
            )
        return items

    def send(self, channel: Channel, message: OutboundMessage) -> SendResult:
        from frontdesk.channels.email.outbound import send_reply

        return send_reply(channel, message)


def _bounced_ids(parsed: ParsedEmail, bounce: BounceReport) -> list[str]:
    """The mail a DSN returns: as its report names it, else as its own In-Reply-To / References do.

    Only our outbound messages are marked failed by these ids; any other id matches nothing.
    """
    if bounce.original_ids:
        return list(bounce.original_ids)
    return list(dict.fromkeys(value for value in (parsed.in_reply_to, *parsed.references[-5:]) if value))


def _provider_data(parsed: ParsedEmail, sender: str, own_address: str, bounce: BounceReport | None) -> dict[str, Any]:
    provider: dict[str, Any] = {
        "subject": parsed.subject[:1000],
        "from": sender,
        "to": list(parsed.to[:50]),
        "cc": list(parsed.cc[:50]),
        "message_id": parsed.message_id[:1000],
        "references": [*parsed.references[-20:]],
    }
    if parsed.in_reply_to:
        provider["in_reply_to"] = parsed.in_reply_to[:1000]
    if parsed.text != parsed.reply_text:
        provider["full_text"] = parsed.text[:MAX_FULL_TEXT]
    if parsed.html_dropped:
        provider["html_dropped"] = True
    if parsed.parts_skipped:
        provider["parts_skipped"] = parsed.parts_skipped
    if parsed.auto_submitted:
        provider["automatic"] = True
    if bounce is not None:
        provider["bounce"] = {"reason": bounce.reason, "original_ids": list(bounce.original_ids)}
    if own_address and sender == own_address.strip().lower():
        provider["own_address"] = True
    return provider


def _attachments(
    parsed: ParsedEmail, event_id: str, provider: dict[str, Any]
) -> tuple[tuple[AttachmentRef, ...], dict[str, str]]:
    """References for the files kept; oversized ones are listed in ``provider["oversized"]``."""
    refs: list[AttachmentRef] = []
    inline: dict[str, str] = {}
    oversized: list[dict[str, Any]] = []
    inline_ids = {id(part): cid for cid, part in parsed.inline_images.items()}
    for index, part in enumerate(mail_parts(parsed)):
        filename = part.filename or (f"image-{index + 1}" if id(part) in inline_ids else f"attachment-{index + 1}")
        if part.too_large or part.content is None:
            oversized.append({"filename": filename[:255], "size": part.size})
            continue
        reference = part_reference(event_id, index)
        refs.append(AttachmentRef(url=reference, filename=filename[:255], content_type=part.content_type))
        if id(part) in inline_ids:
            inline[inline_ids[id(part)][:255]] = reference
    if oversized:
        provider["oversized"] = oversized
    return tuple(refs), inline
