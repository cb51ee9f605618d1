"""Test mails built in the suite: every charset, client reply style and broken shape we read."""

from __future__ import annotations

from email.header import Header
from email.message import EmailMessage
from email.mime.text import MIMEText
from email.policy import SMTP

SENDER = "陳大文 <chan@example.hk>"
RECIPIENT = "support@frontdesk.example"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def text_mail(body: str, charset: str, *, subject: str = "Order 1234", **headers: str) -> bytes:
    """A single text/plain mail whose body is encoded in ``charset``."""
    part = MIMEText(body, "plain", charset)
    _address(part, subject, headers)
    return part.as_bytes()


def raw_body_mail(body: bytes, content_type: str, *, subject: str = "Order 1234") -> bytes:
    """A mail whose body bytes and Content-Type line are written as given, right or wrong."""
    return (
        f"From: {SENDER}\r\nTo: {RECIPIENT}\r\nSubject: {subject}\r\nMessage-ID: <raw@example.hk>\r\n"
        f"MIME-Version: 1.0\r\nContent-Type: {content_type}\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    ).encode() + body


def encoded_subject_mail(subject: str, charset: str) -> bytes:
    """A mail whose Subject is an RFC 2047 encoded word in ``charset``."""
    part = MIMEText("body", "plain", "utf-8")
    part["From"] = SENDER
    part["To"] = RECIPIENT
    part["Subject"] = Header(subject, charset).encode()
    return part.as_bytes()


def alternative_mail(text: str, html: str) -> bytes:
    message = EmailMessage()
    _address(message, "Order 1234", {})
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message.as_bytes(policy=SMTP)


def html_only_mail(html: str, *, charset: str = "utf-8") -> bytes:
    part = MIMEText(html, "html", charset)
    _address(part, "Order 1234", {})
    return part.as_bytes()


def mail_with_image_and_attachment(attachment: bytes, filename: str = "invoice.pdf") -> bytes:
    message = EmailMessage()
    _address(message, "Order 1234", {})
    message.set_content("See the photo.")
    message.add_alternative('<p>See the photo.</p><img src="cid:photo1@example.hk">', subtype="html")
    html_part = list(message.iter_parts())[1]
    assert isinstance(html_part, EmailMessage)
    html_part.add_related(PNG, "image", "png", cid="<photo1@example.hk>")
    message.add_attachment(attachment, maintype="application", subtype="pdf", filename=filename)
    return message.as_bytes(policy=SMTP)


def reply_mail(body: str) -> bytes:
    return text_mail(
        body,
        "utf-8",
        subject="Re: Order 1234",
        **{
            "In-Reply-To": "<first@frontdesk.example>",
            "References": "<root@frontdesk.example> <first@frontdesk.example>",
        },
    )


def dsn_bounce() -> bytes:
    return (
        b"From: Mail Delivery System <MAILER-DAEMON@example.hk>\r\nTo: support@frontdesk.example\r\n"
        b"Subject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        b"--B\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nYour message could not be delivered.\r\n"
        b"--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.hk\r\n\r\n"
        b"Final-Recipient: rfc822; nobody@example.hk\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n--B--\r\n"
    )


def missing_closing_boundary() -> bytes:
    return (
        b"From: a@example.hk\r\nTo: support@frontdesk.example\r\nSubject: broken\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="XYZ"\r\n\r\n--XYZ\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n'
        b"still readable\r\n--XYZ\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
        b'Content-Disposition: attachment; filename="a.pdf"\r\n\r\nJVBERi0xLjQK'
    )


def truncated_base64() -> bytes:
    return (
        b"From: a@example.hk\r\nTo: support@frontdesk.example\r\nSubject: truncated\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        b"5L2g5aW977yM5oiR55qE6KiC5Zau"[:-3]
    )


def garbage_headers() -> bytes:
    return (
        b"From: a@example.hk\r\nThis header has no colon\r\nTo: <<<@@@>>>\r\nDate: yesterday-ish\r\n"
        b"Subject: =?big5?B?!!!notbase64?=\x00\r\nContent-Type: text/plain; charset=nonsense-8\r\n\r\n"
        b"body with a NUL\x00 byte\r\n"
    )


def _address(message: EmailMessage | MIMEText, subject: str, headers: dict[str, str]) -> None:
    message["From"] = SENDER
    message["To"] = RECIPIENT
    message["Subject"] = subject
    message["Date"] = "Mon, 02 Nov 2026 10:00:00 +0800"
    message["Message-ID"] = "<m1@example.hk>"
    for name, value in headers.items():
        message[name] = value
