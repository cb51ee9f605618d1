"""Agent replies sent by SMTP to a real aiosmtpd server on loopback, read back as the customer's client would."""

from __future__ import annotations

import ipaddress
import re
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from frontdesk.channels.email.compose import OutgoingAttachment, compose_reply, reply_subject, reply_token_address
from frontdesk.channels.email.parsing import ParsedEmail, parse_email
from frontdesk.channels.email.smtp import send
from frontdesk.pipeline.outbound import SendFailed

HOST = "127.0.0.1"
USERNAME = "support@shop.example"
PASSWORD = "correct horse battery staple"
CUSTOMER = "chan@example.hk"


@dataclass
class Mailbox:
    """The SMTP server's side: what it received, and the reply it gives to RCPT TO when told to refuse."""

    received: list[Any] = field(default_factory=list)
    refuse_recipient: str = ""

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if self.refuse_recipient:
            return self.refuse_recipient
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(envelope)
        return "250 Message accepted for delivery"

    def only_mail(self) -> ParsedEmail:
        assert len(self.received) == 1
        return parse_email(self.received[0].content)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def running_server(mailbox: Mailbox, **smtp_options: Any) -> Iterator[int]:
    port = _free_port()
    controller = Controller(mailbox, hostname=HOST, port=port, **smtp_options)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@pytest.fixture
def mailbox() -> Mailbox:
    return Mailbox()


@pytest.fixture
def plain_port(mailbox: Mailbox, settings: Any) -> Iterator[int]:
    with running_server(mailbox) as port:
        settings.FRONTDESK_HTTP_ALLOWED_PRIVATE_HOSTS = [f"{HOST}:{port}"]
        yield port


@dataclass(frozen=True)
class Certificate:
    server_context: ssl.SSLContext
    client_context: ssl.SSLContext


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """A self-signed certificate for 127.0.0.1, and a client context that trusts only it."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "frontdesk test smtp")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("smtp-tls")
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    (folder / "cert.pem").write_bytes(cert_pem)
    (folder / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    return Certificate(server_context, ssl.create_default_context(cadata=cert_pem.decode()))


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    granted = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == USERNAME.encode()
        and auth_data.password == PASSWORD.encode()
    )
    # handled=False: the server itself answers a refusal with 535.
    return AuthResult(success=granted, handled=False)


@pytest.fixture
def tls_port(mailbox: Mailbox, certificate: Certificate, settings: Any) -> Iterator[int]:
    with running_server(
        mailbox,
        tls_context=certificate.server_context,
        require_starttls=True,
        auth_require_tls=True,
        auth_required=True,
        authenticator=_authenticate,
    ) as port:
        settings.FRONTDESK_HTTP_ALLOWED_PRIVATE_HOSTS = [f"{HOST}:{port}"]
        yield port


def a_reply(**overrides: Any) -> EmailMessage:
    options: dict[str, Any] = {
        "from_address": USERNAME,
        "from_name": "Mary at Shop",
        "to": CUSTOMER,
        "subject": "Order 1234",
        "text": "Your parcel leaves tomorrow.",
        "in_reply_to": "<m2@example.hk>",
        "references": ("<root@shop.example>", "<m2@example.hk>"),
        "domain": "shop.example",
    }
    return compose_reply(**(options | overrides))


def send_plain(message: EmailMessage, port: int) -> str:
    return send(message, host=HOST, port=port, security="none", timeout=5, local_hostname="frontdesk.test")


def test_reply_threads_under_the_customers_mail(mailbox: Mailbox, plain_port: int) -> None:
    message_id = send_plain(a_reply(), plain_port)

    seen = mailbox.only_mail()
    assert re.fullmatch(r"<[0-9a-f]{32}@shop\.example>", seen.message_id)
    assert seen.message_id == message_id
    assert seen.in_reply_to == "<m2@example.hk>"
    assert seen.references == ("<root@shop.example>", "<m2@example.hk>")
    assert seen.subject == "Re: Order 1234"
    assert seen.date is not None
    assert not seen.auto_submitted
    assert "Auto-Submitted" not in mailbox.received[0].content.decode()
    assert mailbox.received[0].rcpt_tos == [CUSTOMER]


def test_each_reply_gets_its_own_message_id(mailbox: Mailbox, plain_port: int) -> None:
    send_plain(a_reply(), plain_port)
    send_plain(a_reply(), plain_port)

    first, second = (parse_email(envelope.content).message_id for envelope in mailbox.received)
    assert first != second


def test_references_grow_with_the_thread_without_repeats_and_stay_short() -> None:
    earlier = [f"<m{number}@example.hk>" for number in range(40)]

    message = a_reply(references=[*earlier, "<m5@example.hk>"], in_reply_to="<m39@example.hk>")

    chain = str(message["References"]).split()
    assert len(chain) == 20
    assert len(set(chain)) == 20
    assert chain[0] == "<m0@example.hk>"
    assert chain[-1] == "<m39@example.hk>"


def test_a_long_message_id_is_never_encoded(mailbox: Mailbox, plain_port: int) -> None:
    long_id = f"<{'a' * 120}@mail.example.hk>"

    send_plain(a_reply(in_reply_to=long_id, references=[long_id]), plain_port)

    seen = mailbox.only_mail()
    assert seen.in_reply_to == long_id
    assert seen.references == (long_id,)


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Order 1234", "Re: Order 1234"),
        ("Re: Order 1234", "Re: Order 1234"),
        ("RE: Order 1234", "RE: Order 1234"),
        ("訂單 1234", "Re: 訂單 1234"),
        ("回覆: 訂單 1234", "回覆: 訂單 1234"),
        ("回覆：訂單 1234", "回覆：訂單 1234"),
        ("回复: 订单 1234", "回复: 订单 1234"),
        ("答复：订单 1234", "答复：订单 1234"),
    ],
)
def test_subject_reads_as_a_reply_once(subject: str, expected: str) -> None:
    assert reply_subject(subject) == expected


def test_chinese_subject_and_names_reach_the_customer_intact(mailbox: Mailbox, plain_port: int) -> None:
    message = a_reply(from_name="陳小姐（客服）", to=f"陳大文 <{CUSTOMER}>", subject="回复：订单什么时候送到？")

    send_plain(message, plain_port)

    raw = mailbox.received[0].content
    assert raw.isascii()
    seen = mailbox.only_mail()
    assert seen.sender.name == "陳小姐（客服）"
    assert seen.sender.address == USERNAME
    assert seen.subject == "回复：订单什么时候送到？"
    assert seen.to == (CUSTOMER,)


def test_signature_follows_the_text_and_the_html(mailbox: Mailbox, plain_port: int) -> None:
    message = a_reply(
        text="多謝你的查詢，包裹明天送到。",
        html="<p>多謝你的查詢，包裹<b>明天</b>送到。</p><script>alert(1)</script>",
        signature="陳小姐\nShop 客服部",
    )

    send_plain(message, plain_port)

    seen = mailbox.only_mail()
    assert seen.text == "多謝你的查詢，包裹明天送到。\n\n-- \n陳小姐\nShop 客服部\n"
    assert seen.reply_text.startswith("多謝你的查詢，包裹明天送到。")
    assert "<b>明天</b>" in seen.html
    assert "陳小姐<br>Shop 客服部" in seen.html
    assert "script" not in seen.html
    assert mailbox.received[0].content.count(b"multipart/alternative") == 1


def test_attachments_arrive_with_their_names_and_types(mailbox: Mailbox, plain_port: int) -> None:
    pdf = b"%PDF-1.7\n" + bytes(range(256)) * 10
    message = a_reply(
        attachments=[
            OutgoingAttachment("報價單.pdf", "application/pdf", pdf),
            OutgoingAttachment("notes.txt", "text/plain", "送貨地址：九龍".encode()),
        ]
    )

    send_plain(message, plain_port)

    seen = mailbox.only_mail()
    assert [(item.filename, item.content_type, item.content) for item in seen.attachments] == [
        ("報價單.pdf", "application/pdf", pdf),
        ("notes.txt", "text/plain", "送貨地址：九龍".encode()),
    ]
    assert seen.text.startswith("Your parcel leaves tomorrow.")


def test_sends_with_login_over_starttls(mailbox: Mailbox, tls_port: int, certificate: Certificate) -> None:
    message_id = send(
        a_reply(),
        host=HOST,
        port=tls_port,
        username=USERNAME,
        password=PASSWORD,
        security="starttls",
        ssl_context=certificate.client_context,
        timeout=5,
    )

    assert mailbox.only_mail().message_id == message_id


def test_sends_over_implicit_tls(mailbox: Mailbox, certificate: Certificate, settings: Any) -> None:
    with running_server(mailbox, ssl_context=certificate.server_context) as port:
        settings.FRONTDESK_HTTP_ALLOWED_PRIVATE_HOSTS = [f"{HOST}:{port}"]

        message_id = send(a_reply(), host=HOST, port=port, security="ssl", ssl_context=certificate.client_context)

    assert mailbox.only_mail().message_id == message_id


def test_wrong_password_is_a_final_credentials_failure(
    mailbox: Mailbox, tls_port: int, certificate: Certificate
) -> None:
    with pytest.raises(SendFailed) as failure:
        send(
            a_reply(),
            host=HOST,
            port=tls_port,
            username=USERNAME,
            password="wrong-password-123",
            security="starttls",
            ssl_context=certificate.client_context,
            timeout=5,
        )

    assert failure.value.code == "credentials"
    assert not failure.value.retryable
    assert failure.value.reason.startswith("535")
    assert "wrong-password-123" not in failure.value.reason
    assert mailbox.received == []


def test_an_untrusted_certificate_is_refused(mailbox: Mailbox, tls_port: int) -> None:
    with pytest.raises(SendFailed) as failure:
        send(a_reply(), host=HOST, port=tls_port, username=USERNAME, password=PASSWORD, timeout=5)

    assert not failure.value.retryable
    assert "certificate" in failure.value.reason
    assert mailbox.received == []


def test_unknown_recipient_is_a_final_failure_with_the_servers_words(mailbox: Mailbox, plain_port: int) -> None:
    mailbox.refuse_recipient = "550 5.1.1 <chan@example.hk>: Recipient address rejected: User unknown"

    with pytest.raises(SendFailed) as failure:
        send_plain(a_reply(), plain_port)

    assert not failure.value.retryable
    assert failure.value.code == "invalid_recipient"
    assert failure.value.reason == "550 5.1.1 <chan@example.hk>: Recipient address rejected: User unknown"


def test_greylisting_is_retried(mailbox: Mailbox, plain_port: int) -> None:
    mailbox.refuse_recipient = "451 4.7.1 Greylisted, please try again later"

    with pytest.raises(SendFailed) as failure:
        send_plain(a_reply(), plain_port)

    assert failure.value.retryable
    assert "Greylisted" in failure.value.reason


def test_server_not_listening_is_retried(settings: Any) -> None:
    port = _free_port()
    settings.FRONTDESK_HTTP_ALLOWED_PRIVATE_HOSTS = [f"{HOST}:{port}"]

    with pytest.raises(SendFailed) as failure:
        send_plain(a_reply(), port)

    assert failure.value.retryable


def test_loopback_server_not_allowlisted_is_refused_without_connecting(settings: Any) -> None:
    settings.FRONTDESK_HTTP_ALLOWED_PRIVATE_HOSTS = []
    with socket.socket() as listener:
        listener.bind((HOST, 0))
        listener.listen()
        listener.settimeout(0.2)

        with pytest.raises(SendFailed) as failure:
            send_plain(a_reply(), listener.getsockname()[1])

        with pytest.raises(TimeoutError):
            listener.accept()
    assert not failure.value.retryable
    assert "loopback" in failure.value.reason


def test_reply_address_carries_the_conversation_token() -> None:
    assert reply_token_address("support@shop.example", "c7f3k2") == "support+c7f3k2@shop.example"
    assert reply_token_address("support+old@shop.example", "c7f3k2") == "support+c7f3k2@shop.example"
    with pytest.raises(ValueError, match="token"):
        reply_token_address("support@shop.example", "a@b")
