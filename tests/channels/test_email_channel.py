"""The email channel end to end: a customer's mail becomes a message, an agent's reply goes out by SMTP
(a real aiosmtpd server on loopback) and the customer's answer to it comes back into the same conversation."""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP
from typing import Any

import pytest

from frontdesk.channels.base import MediaUnavailable
from frontdesk.channels.email.media import fetch_media
from frontdesk.channels.email.parsing import parse_email
from frontdesk.channels.email.tokens import verified_conversation
from frontdesk.channels.models import Channel
from frontdesk.contacts.models import Identity
from frontdesk.conversations import actions
from frontdesk.conversations.actions import ReplyFile
from frontdesk.conversations.models import DeliveryStatus, OutboxEntry
from frontdesk.core.http_client import http_client
from frontdesk.core.models import Member, Workspace
from frontdesk.pipeline.inbound import sent_automatically
from frontdesk.pipeline.media import download_attachments
from frontdesk.pipeline.outbound import deliver
from tests.channels import email_flow, mails
from tests.channels.email_flow import (
    ADDRESS,
    CUSTOMER,
    conversations,
    customer_mail,
    email_channel,
    inbound,
    receive,
)
from tests.channels.test_email_parsing import REPLIES
from tests.channels.test_email_sending import Mailbox
from tests.channels.webhooks import entry_of, refreshed
from tests.factories import make_workspace

# The loopback server asks for a login without TLS, which aiosmtpd rightly warns about outside tests.
# The fixtures the email tests share: the loopback SMTP server, what it received, and a channel sending there.
mailbox, smtp_port, channel = email_flow.mailbox, email_flow.smtp_port, email_flow.channel

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")


def test_a_mail_becomes_a_customer_message_in_a_new_conversation_named_by_its_subject(channel: Channel) -> None:
    receive(
        channel,
        customer_mail(
            "Where is my parcel?",
            sender="陳大文 <Chan@Example.HK>",
            subject="Order 1234 — 送貨",
            message_id="<first@example.hk>",
            html="<p>Where is <b>my</b> parcel?</p><script>alert(1)</script>",
            Cc="boss@example.hk",
        ),
    )

    [message] = inbound(channel)
    [conversation] = conversations(channel)
    assert conversation.subject == "Order 1234 — 送貨"
    assert message.provider_message_id == "<first@example.hk>"
    assert message.text == "Where is my parcel?"
    assert "<b>my</b>" in message.html and "script" not in message.html
    provider = message.metadata["provider"]
    assert provider["subject"] == "Order 1234 — 送貨"
    assert provider["to"] == [ADDRESS] and provider["cc"] == ["boss@example.hk"]
    identity = Identity.in_workspace(channel.workspace_id).get(channel=channel)
    assert identity.external_id == "chan@example.hk"
    assert identity.display_name == "陳大文"
    assert conversation.contact.email == "chan@example.hk"


def test_the_message_shows_the_new_part_and_keeps_the_full_text(channel: Channel) -> None:
    receive(channel, customer_mail(REPLIES["outlook_zh_hant"], subject="RE: 訂單 1234"))

    [message] = inbound(channel)
    assert message.text == "好的，明天下午三點前送到就可以。"
    assert message.metadata["provider"]["full_text"].startswith(message.text)
    assert "寄件者" in message.metadata["provider"]["full_text"]


def test_attachments_and_inline_images_are_read_from_the_stored_mail(channel: Channel, workspace: Workspace) -> None:
    receive(channel, mails.mail_with_image_and_attachment(b"%PDF-1.4 invoice"))
    [message] = inbound(channel)
    pending = message.metadata["pending_attachments"]
    assert [item["filename"] for item in pending] == ["invoice.pdf", "image-2"]
    assert all(item["url"].startswith("email-part:mid:m1@example.hk:") for item in pending)
    assert message.metadata["provider"]["inline"] == {"photo1@example.hk": pending[1]["url"]}

    outcome = download_attachments(message.pk)

    assert outcome.stored == 2
    stored = {item.filename: item for item in refreshed(message).attachments.all()}
    assert stored["invoice.pdf"].file.read() == b"%PDF-1.4 invoice"
    assert stored["image-2"].content_type == "image/png"
    # Another channel (another tenant's) cannot read this mail's parts by naming them.
    stranger = email_channel(make_workspace("Other"))
    with http_client() as client, pytest.raises(MediaUnavailable):
        fetch_media(stranger, pending[0]["url"], client)


def test_an_attachment_over_the_limit_is_listed_not_kept(channel: Channel, settings: Any) -> None:
    settings.FRONTDESK_MAX_ATTACHMENT_BYTES = 100  # the inline picture has 72 bytes
    receive(channel, mails.mail_with_image_and_attachment(b"%PDF-1.4 " + b"x" * 200))

    [message] = inbound(channel)
    assert [item["filename"] for item in message.metadata["provider"]["oversized"]] == ["invoice.pdf"]
    assert [item["filename"] for item in message.metadata["pending_attachments"]] == ["image-2"]


def agent_reply(channel: Channel, agent: Member, text: str = "Your parcel leaves tomorrow.", **options: Any) -> Any:
    conversation = conversations(channel)[-1]
    message = actions.reply(conversation, agent, text, **options)
    outcome = deliver(entry_of(message).pk)
    return refreshed(message), outcome


def test_agent_reply_reaches_the_smtp_server_as_a_threaded_mail(
    channel: Channel,
    agent: Member,
    mailbox: Mailbox,
) -> None:
    receive(
        channel,
        customer_mail(subject="Order 1234", message_id="<second@example.hk>", References="<root@example.hk>"),
    )

    message, outcome = agent_reply(channel, agent, files=[ReplyFile("note.txt", b"see you")])

    assert outcome.result == "sent", outcome
    assert message.status == DeliveryStatus.SENT
    [envelope] = mailbox.received
    assert envelope.mail_from == ADDRESS and envelope.rcpt_tos == [CUSTOMER]
    sent = parse_email(envelope.content)
    assert sent.message_id == message.provider_message_id
    assert sent.message_id.endswith("@shop.example>")
    assert sent.in_reply_to == "<second@example.hk>"
    assert sent.references == ("<root@example.hk>", "<second@example.hk>")
    assert sent.subject == "Re: Order 1234"
    assert sent.sender.address == ADDRESS and sent.sender.name == "Shop Support"
    assert sent.to == (CUSTOMER,)
    assert "Your parcel leaves tomorrow." in sent.text and "-- \nShop Support" in sent.text
    assert [item.filename for item in sent.attachments] == ["note.txt"]
    raw = envelope.content.decode()
    reply_to = next(line for line in raw.splitlines() if line.startswith("Reply-To:"))
    token = reply_to.split("support+", 1)[1].split("@", 1)[0]
    assert verified_conversation(token, channel.workspace_id, CUSTOMER) == message.conversation_id


def _answer(sent: Any, body: str, *, subject: str = "Re: Order 1234", **headers: str) -> bytes:
    parsed = parse_email(sent.content)
    answer = EmailMessage()
    answer["From"] = f"陳大文 <{CUSTOMER}>"
    answer["To"] = ADDRESS
    answer["Subject"] = subject
    answer["Message-ID"] = f"<answer-{abs(hash(body))}@example.hk>"
    answer["In-Reply-To"] = parsed.message_id
    answer["References"] = " ".join([*parsed.references, parsed.message_id])
    for name, value in headers.items():
        answer[name] = value
    answer.set_content(body)
    return answer.as_bytes(policy=SMTP)


STYLES = [
    "gmail_en",
    "gmail_zh_hant",
    "gmail_zh_hans",
    "outlook_en",
    "outlook_zh_hant",
    "outlook_zh_hans",
    "apple_mail",
    "iphone_zh_hant",
    "iphone_zh_hans",
]


@pytest.mark.parametrize("style", STYLES)
def test_the_customers_answer_threads_back_and_shows_only_the_new_part(
    channel: Channel,
    agent: Member,
    mailbox: Mailbox,
    style: str,
) -> None:
    receive(channel, customer_mail(subject="Order 1234"))
    agent_reply(channel, agent)
    [sent] = mailbox.received

    # A different subject: the thread is found by the headers alone.
    receive(channel, _answer(sent, REPLIES[style], subject="Re: something else"))

    first, answer = inbound(channel)
    assert answer.conversation_id == first.conversation_id
    assert len(conversations(channel)) == 1
    expected = "Yes, tomorrow is fine." if REPLIES[style].startswith("Yes") else "好的，明天下午三點前送到就可以。"
    assert answer.text == expected


def test_a_second_reply_answers_the_latest_mail_and_keeps_the_chain(
    channel: Channel,
    agent: Member,
    mailbox: Mailbox,
) -> None:
    receive(channel, customer_mail(subject="Order 1234", message_id="<one@example.hk>"))
    agent_reply(channel, agent)
    receive(channel, _answer(mailbox.received[0], "Thanks, and the invoice?"))
    agent_reply(channel, agent, "Attached.")

    second = parse_email(mailbox.received[1].content)
    first = parse_email(mailbox.received[0].content)
    assert second.in_reply_to.startswith("<answer-")
    assert second.references == ("<one@example.hk>", first.message_id, second.in_reply_to)


def test_our_own_sent_copy_read_back_from_the_mailbox_is_not_stored_twice(
    channel: Channel,
    agent: Member,
    mailbox: Mailbox,
) -> None:
    receive(channel, customer_mail())
    message, _ = agent_reply(channel, agent)

    receive(channel, mailbox.received[0].content)

    assert len(inbound(channel)) == 1
    assert len(conversations(channel)) == 1
    assert refreshed(message).kind == "outbound"


def test_a_reply_to_the_channels_own_address_is_refused(channel: Channel, agent: Member, mailbox: Mailbox) -> None:
    receive(channel, customer_mail(sender=f"Support <{ADDRESS}>"))

    message, outcome = agent_reply(channel, agent)

    assert outcome.result == "failed"
    assert message.status == DeliveryStatus.FAILED
    assert mailbox.received == []


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"Precedence": "bulk"},
        {"Precedence": "auto_reply"},
        {"Precedence": "junk"},
        {"X-Autoreply": "yes"},
    ],
)
def test_automatic_mail_is_stored_and_marked(channel: Channel, headers: dict[str, str]) -> None:
    receive(channel, customer_mail("I am away until Monday.", **headers))

    [message] = inbound(channel)
    assert message.metadata["provider"]["automatic"] is True
    assert sent_automatically(message)
    assert not OutboxEntry.in_workspace(channel.workspace_id).exists()


def test_a_customers_own_mail_is_not_taken_for_an_automatic_one(channel: Channel) -> None:
    receive(channel, customer_mail("Where is my parcel?", subject="休假期間的訂單"))

    [message] = inbound(channel)
    assert "automatic" not in message.metadata["provider"]
    assert not sent_automatically(message)


def test_an_out_of_office_reply_threads_into_the_conversation_and_is_marked(
    channel: Channel,
    agent: Member,
    mailbox: Mailbox,
) -> None:
    receive(channel, customer_mail(subject="Order 1234"))
    agent_reply(channel, agent)

    receive(channel, _answer(mailbox.received[0], "I am out of the office.", subject="Automatic reply: Order 1234"))

    first, automatic = inbound(channel)
    assert automatic.conversation_id == first.conversation_id
    assert automatic.metadata["provider"]["automatic"] is True
    assert OutboxEntry.in_workspace(channel.workspace_id).count() == 1  # only the agent's reply


def dsn_for(
    sent: bytes, *, action: str = "failed", diagnostic: str = "smtp; 550 5.1.1 <chan@example.hk>: no such user"
) -> bytes:
    original = parse_email(sent)
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.hk>\r\n"
        f"To: {ADDRESS}\r\nSubject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn-1@mx.example.hk>\r\n"
        "MIME-Version: 1.0\r\nAuto-Submitted: auto-replied\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nYour message could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.hk\r\n\r\n"
        f"Final-Recipient: rfc822; {CUSTOMER}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        f"Diagnostic-Code: smtp; 550 5.1.1 <{CUSTOMER}>: no such user\r\n\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: {ADDRESS}\r\nTo: {CUSTOMER}\r\nSubject: {original.subject}\r\nMessage-ID: {original.message_id}\r\n"
        "\r\n--B--\r\n"
    ).encode()


def test_a_bounce_fails_the_reply_it_returns_with_the_servers_reason(
    channel: Channel,
    agent: Member,
    mailbox: Mailbox,
) -> None:
    receive(channel, customer_mail(subject="Order 1234"))
    message, _ = agent_reply(channel, agent)

    receive(channel, dsn_for(mailbox.received[0].content))

    bounced = refreshed(message)
    assert bounced.status == DeliveryStatus.FAILED
    assert "550 5.1.1" in bounced.status_reason and "no such user" in bounced.status_reason
    first, bounce = inbound(channel)
    assert bounce.conversation_id == first.conversation_id
    assert bounce.metadata["provider"]["bounce"]["original_ids"] == [message.provider_message_id]
    assert bounce.metadata["provider"]["automatic"] is True
    assert OutboxEntry.in_workspace(channel.workspace_id).count() == 1


def test_a_bounce_that_names_our_reply_only_in_its_headers_still_fails_it(
    channel: Channel,
    agent: Member,
    mailbox: Mailbox,
) -> None:
    receive(channel, customer_mail(subject="Order 1234"))
    message, _ = agent_reply(channel, agent)
    bounce = mails.dsn_bounce().replace(
        b"Subject:",
        f"In-Reply-To: {message.provider_message_id}\r\nMessage-ID: <dsn-2@example.hk>\r\nSubject:".encode(),
    )

    receive(channel, bounce)

    bounced = refreshed(message)
    assert bounced.status == DeliveryStatus.FAILED
    assert bounced.status_reason == "Bounced: failed: status 5.1.1"


def test_a_bounce_of_mail_we_never_sent_is_only_stored(channel: Channel) -> None:
    receive(channel, mails.dsn_bounce())

    [bounce] = inbound(channel)
    assert "bounce" in bounce.metadata["provider"]
    assert not OutboxEntry.in_workspace(channel.workspace_id).exists()
