"""Reading mailboxes from a real IMAP server (pymap) on loopback: each mail once, across restarts, IDLE and polling."""

from __future__ import annotations

import ipaddress
import os
import signal
import sqlite3
import ssl
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.test import Client
from django.urls import reverse

from frontdesk.channels.connect import ConnectionTestFailed
from frontdesk.channels.email.account import mail_account
from frontdesk.channels.email.events import raw_mime
from frontdesk.channels.email.hook import sign_raw
from frontdesk.channels.email.imap import MailboxError, connect, read_new_mail
from frontdesk.channels.email.mailboxes import (
    MailboxReader,
    mailbox_for,
    new_owner,
    poll_mailbox,
    record_failure,
    record_success,
    release_lease,
    take_lease,
)
from frontdesk.channels.email.parsing import parse_email
from frontdesk.channels.email.setup import CONNECTOR, create_email_channel
from frontdesk.channels.email.tasks import poll_mailboxes, read_mailbox
from frontdesk.channels.models import Channel, Mailbox
from frontdesk.core.http_client import HttpClient
from frontdesk.core.models import Member, Workspace
from frontdesk.core.scheduler import registered_jobs
from frontdesk.pipeline.models import InboundEvent
from tests.channels.mailserver import HOST, ImapServer, free_port, imap_server
from tests.channels.test_email_sending import Mailbox as SmtpMailbox
from tests.channels.test_email_sending import running_server
from tests.channels.webhooks import hook_path, messages, process_stored_events
from tests.core.test_processes import running_product
from tests.factories import make_workspace
from tests.running import frontdesk, wait_for

CUSTOMER = "Chan Tai Man <chan@example.hk>"


def mail(number: int, *, subject: str = "Order 1234", body: str = "Where is my parcel?", size: int = 0) -> bytes:
    message = EmailMessage()
    message["From"] = CUSTOMER
    message["To"] = "support@shop.example"
    message["Subject"] = f"{subject} #{number}"
    message["Message-ID"] = f"<mail-{number}@example.hk>"
    message.set_content(body)
    if size:
        message.add_attachment(b"\x00" * size, maintype="application", subtype="octet-stream", filename="big.bin")
    return message.as_bytes()


def email_channel(workspace: Workspace, server: ImapServer, settings: Any, **extra: Any) -> Channel:
    settings.FRONTDESK_HTTP_ALLOWED_PRIVATE_HOSTS = [f"{HOST}:{server.port}"]
    options: dict[str, Any] = {
        "imap_host": server.host,
        "imap_port": server.port,
        "imap_security": "none",
        "imap_username": server.username,
        "imap_password": server.password,
        **extra,
    }
    return create_email_channel(workspace, "Support mail", "support@shop.example", **options)


def events(channel: Channel) -> list[InboundEvent]:
    return list(InboundEvent.all_workspaces.filter(channel=channel).order_by("pk"))


@pytest.fixture
def server() -> Iterator[ImapServer]:
    with imap_server() as running:
        yield running


@pytest.fixture
def channel(workspace: Workspace, server: ImapServer, settings: Any) -> Channel:
    return email_channel(workspace, server, settings)


def test_new_mail_is_stored_once_keyed_by_message_id_and_left_unread(channel: Channel, server: ImapServer) -> None:
    for number in (1, 2, 3):
        server.deliver(mail(number))

    first = poll_mailbox(channel)

    assert first.result == "read" and first.read is not None
    assert (first.read.fetched, first.read.stored) == (3, 3)
    stored = events(channel)
    assert [event.provider_event_id for event in stored] == [f"mid:mail-{number}@example.hk" for number in (1, 2, 3)]
    assert {event.payload["source"] for event in stored} == {"imap"}
    assert [event.payload["folder"] for event in stored] == ["INBOX"] * 3
    assert parse_email(raw_mime(stored[0].payload)).subject == "Order 1234 #1"
    # BODY.PEEK: the customer's mail stays unread for whoever else reads the mailbox.
    assert all(b"\\Seen" not in flags for flags in server.flags())

    again = poll_mailbox(channel)

    assert again.read is not None and again.read.fetched == 0
    assert len(events(channel)) == 3
    mailbox = Mailbox.in_workspace(channel.workspace_id).get(channel=channel)
    assert mailbox.last_uid > 0 and mailbox.uidvalidity == server.uidvalidity()
    assert mailbox.idle_supported is True and mailbox.last_polled_at is not None and mailbox.last_error == ""


def test_a_new_reader_after_a_restart_fetches_only_what_is_new(channel: Channel, server: ImapServer) -> None:
    server.deliver(mail(1))
    assert poll_mailbox(channel, owner="before-restart").result == "read"
    server.deliver(mail(2))

    # A new process: nothing in memory, only what the database remembers.
    after = poll_mailbox(Channel.all_workspaces.get(pk=channel.pk), owner="after-restart")

    assert after.read is not None and (after.read.fetched, after.read.stored, after.read.duplicates) == (1, 1, 0)
    assert [event.provider_event_id for event in events(channel)] == ["mid:mail-1@example.hk", "mid:mail-2@example.hk"]


def test_the_first_read_takes_the_last_week_and_never_the_older_mail(channel: Channel, server: ImapServer) -> None:
    now = datetime.now(UTC)
    server.deliver(mail(1), received=now - timedelta(days=400))
    server.deliver(mail(2), received=now - timedelta(days=3))
    server.deliver(mail(3), received=now - timedelta(days=30))

    first = poll_mailbox(channel)
    server.deliver(mail(4))
    second = poll_mailbox(channel)

    assert first.read is not None and first.read.fetched == 1
    assert second.read is not None and second.read.fetched == 1
    assert [event.provider_event_id for event in events(channel)] == ["mid:mail-2@example.hk", "mid:mail-4@example.hk"]


def test_mark_seen_when_configured(channel: Channel, server: ImapServer, settings: Any) -> None:
    settings.FRONTDESK_IMAP_MARK_SEEN = True
    server.deliver(mail(1))

    poll_mailbox(channel)

    assert all(b"\\Seen" in flags for flags in server.flags())


def test_a_changed_uidvalidity_reads_the_folder_again_without_storing_a_mail_twice(
    workspace: Workspace, server: ImapServer, settings: Any
) -> None:
    server.create_folder("Support")
    channel = email_channel(workspace, server, settings, imap_folder="Support")
    server.deliver(mail(1), "Support")
    server.deliver(mail(2), "Support")
    assert poll_mailbox(channel).result == "read"
    old_validity = Mailbox.in_workspace(workspace).get(channel=channel).uidvalidity
    # The server rebuilt the folder: the same mails under new UIDs, plus a new one.
    server.recreate_folder("Support")
    for number in (1, 2, 3):
        server.deliver(mail(number), "Support")

    outcome = poll_mailbox(channel)

    assert outcome.read is not None and outcome.read.uidvalidity_changed
    assert (outcome.read.fetched, outcome.read.stored, outcome.read.duplicates) == (3, 1, 2)
    assert len(events(channel)) == 3
    assert Mailbox.in_workspace(workspace).get(channel=channel).uidvalidity not in (None, old_validity)


def test_a_mail_over_the_size_limit_is_kept_as_its_headers_and_a_note(
    channel: Channel, server: ImapServer, settings: Any
) -> None:
    settings.FRONTDESK_MAX_EMAIL_BYTES = 20_000
    server.deliver(mail(1, size=60_000))
    server.deliver(mail(2))

    outcome = poll_mailbox(channel)

    assert outcome.read is not None and (outcome.read.stored, outcome.read.oversized) == (2, 1)
    big, small = events(channel)
    assert big.provider_event_id == "mid:mail-1@example.hk"
    assert big.payload["oversized"] is True and big.payload["size"] > 60_000
    placeholder = raw_mime(big.payload)
    assert len(placeholder) < 2_000
    parsed = parse_email(placeholder)
    assert parsed.subject == "Order 1234 #1" and "chan@example.hk" in str(parsed.sender)
    assert "larger than" in parsed.text and not parsed.attachments
    assert "oversized" not in small.payload


def test_a_refused_login_is_recorded_for_admins_without_the_password_and_backs_off(
    workspace: Workspace, server: ImapServer, settings: Any, client: Client, admin: Member
) -> None:
    channel = email_channel(workspace, server, settings, imap_password="wrong password 42")

    outcome = poll_mailbox(channel)

    assert outcome.result == "failed"
    mailbox = Mailbox.in_workspace(workspace).get(channel=channel)
    assert "refused the login" in mailbox.last_error and "wrong password 42" not in mailbox.last_error
    assert mailbox.failures == 1 and mailbox.retry_at is not None
    # The next attempt waits: no login storm while the password is wrong.
    assert poll_mailbox(channel).result == "waiting"
    assert Mailbox.in_workspace(workspace).get(channel=channel).failures == 1

    client.force_login(admin.user)
    page = client.get(reverse("channels:detail", args=[channel.pk])).content.decode()
    assert 'data-testid="mailbox-error"' in page and "refused the login" in page


def test_back_off_doubles_and_a_success_clears_the_error(channel: Channel, server: ImapServer) -> None:
    mailbox = mailbox_for(channel)

    for _ in range(3):
        record_failure(mailbox, MailboxError("IMAP server unreachable"))
    assert mailbox.retry_at is not None and mailbox.last_error_at is not None
    assert round((mailbox.retry_at - mailbox.last_error_at).total_seconds()) == 120

    record_success(mailbox, idle=True)

    mailbox.refresh_from_db()
    assert (mailbox.failures, mailbox.last_error) == (0, "")
    assert mailbox.retry_at is None


def test_an_unreachable_server_is_an_error_not_a_crash(workspace: Workspace, settings: Any) -> None:
    with imap_server() as stopped:
        pass
    channel = email_channel(workspace, stopped, settings)

    outcome = poll_mailbox(channel)

    assert outcome.result == "failed" and "refused the connection" in outcome.detail


def test_plain_imap_is_refused_for_a_host_that_is_not_allowlisted(channel: Channel, settings: Any) -> None:
    settings.FRONTDESK_HTTP_ALLOWED_PRIVATE_HOSTS = []

    outcome = poll_mailbox(channel)

    assert outcome.result == "failed" and "FRONTDESK_HTTP_ALLOWED_PRIVATE_HOSTS" in outcome.detail


def test_a_mailbox_held_by_one_reader_is_not_read_by_another(channel: Channel, server: ImapServer) -> None:
    server.deliver(mail(1))
    mailbox = mailbox_for(channel)
    assert take_lease(mailbox, "reader-a")

    assert poll_mailbox(channel, owner="reader-b").result == "busy"
    assert events(channel) == []

    release_lease(mailbox, "reader-a")
    assert poll_mailbox(channel, owner="reader-b").result == "read"
    assert len(events(channel)) == 1


def test_the_scheduler_polls_every_readable_mailbox_through_tasks(channel: Channel, server: ImapServer) -> None:
    assert "frontdesk.channels.email.tasks.poll_mailboxes" in [job.name for job in registered_jobs()]
    server.deliver(mail(1))

    assert poll_mailboxes.call() == 1
    assert read_mailbox.call(channel.pk) == "read 1 new, 0 known"
    channel.is_active = False
    channel.save()
    assert poll_mailboxes.call() == 0


def test_the_same_mail_by_imap_twice_and_by_the_webhook_is_one_event(
    channel: Channel, server: ImapServer, client: Client
) -> None:
    """RELIABILITY T-06 for email: one Message-ID, three arrivals, one stored event."""
    raw = mail(7)
    server.deliver(raw)
    server.deliver(raw)
    first = poll_mailbox(channel)
    assert first.read is not None and (first.read.stored, first.read.duplicates) == (1, 1)
    # The mailbox is read again from the start (as after a UIDVALIDITY change).
    Mailbox.in_workspace(channel.workspace_id).filter(channel=channel).update(last_uid=0)
    second = poll_mailbox(channel)
    assert second.read is not None and (second.read.stored, second.read.duplicates) == (0, 2)

    key = mail_account(channel).webhook_signing_key
    response = client.post(hook_path(channel), raw, content_type="message/rfc822", headers=sign_raw(key, raw))

    assert response.status_code == 200, response.content
    assert response.json() == {"accepted": 0, "duplicates": 1}
    assert [event.provider_event_id for event in events(channel)] == ["mid:mail-7@example.hk"]
    # Processed by the worker: one customer message.
    process_stored_events()
    (message,) = messages(channel)
    assert "Where is my parcel?" in message.text


@pytest.mark.django_db(transaction=True)
def test_mail_appended_while_idling_arrives_within_seconds(
    transactional_db: None, server: ImapServer, settings: Any
) -> None:
    channel = email_channel(make_workspace("Idle"), server, settings)
    stop = threading.Event()
    reader = MailboxReader(channel.pk, stop, poll_seconds=3600)
    thread = threading.Thread(target=reader.run, daemon=True)
    thread.start()
    # While the reader runs, this thread only watches its passes: the test database (SQLite in memory,
    # shared cache) refuses a read during another thread's write instead of waiting as a real one does.
    try:
        _wait_for(lambda: reader.passes >= 1)
        # Let the reader enter IDLE before the mail arrives.
        time.sleep(0.5)
        delivered = time.monotonic()
        server.deliver(mail(1))
        _wait_for(lambda: reader.passes >= 2)
        elapsed = time.monotonic() - delivered
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()
    assert elapsed < 5, f"the mail took {elapsed:.1f} s"
    assert [event.provider_event_id for event in events(channel)] == ["mid:mail-1@example.hk"]
    mailbox = Mailbox.in_workspace(channel.workspace_id).get(channel=channel)
    assert mailbox.idle_supported is True
    # The reader let go of the mailbox when it stopped.
    assert mailbox.lease_owner == ""


@pytest.mark.django_db(transaction=True)
def test_a_server_without_idle_is_polled(transactional_db: None, settings: Any) -> None:
    with imap_server(idle=False) as server:
        channel = email_channel(make_workspace("Poll"), server, settings)
        stop = threading.Event()
        reader = MailboxReader(channel.pk, stop, poll_seconds=0.5)
        thread = threading.Thread(target=reader.run, daemon=True)
        thread.start()
        try:
            _wait_for(lambda: reader.passes >= 1)
            server.deliver(mail(1))
            passes = reader.passes
            _wait_for(lambda: reader.passes >= passes + 3)
        finally:
            stop.set()
            thread.join(timeout=10)
        mailbox = Mailbox.in_workspace(channel.workspace_id).get(channel=channel)
        assert mailbox.idle_supported is False
        assert len(events(channel)) == 1


@pytest.mark.django_db(transaction=True)
def test_a_reader_stops_when_its_channel_is_disabled(transactional_db: None, server: ImapServer, settings: Any) -> None:
    channel = email_channel(make_workspace("Off"), server, settings)
    stop = threading.Event()
    reader = MailboxReader(channel.pk, stop, poll_seconds=0.2, use_idle=False)
    thread = threading.Thread(target=reader.run, daemon=True)
    thread.start()
    try:
        _wait_for(lambda: reader.passes >= 1)
        Channel.all_workspaces.filter(pk=channel.pk).update(is_active=False)
        thread.join(timeout=10)
        assert not thread.is_alive()
    finally:
        stop.set()


@pytest.mark.django_db(transaction=True)
def test_a_reader_waiting_behind_a_poll_pass_reads_soon_after_it(
    transactional_db: None, server: ImapServer, settings: Any
) -> None:
    # When the product starts, the scheduler's first poll can hold the lease as the reader starts: the reader
    # must not wait a quarter lease (30 s) to read what arrives meanwhile.
    channel = email_channel(make_workspace("Startup"), server, settings)
    mailbox = mailbox_for(channel)
    poll = new_owner("poll")
    assert take_lease(mailbox, poll)
    stop = threading.Event()
    reader = MailboxReader(channel.pk, stop, poll_seconds=3600)
    thread = threading.Thread(target=reader.run, daemon=True)
    thread.start()
    try:
        time.sleep(0.5)
        server.deliver(mail(1))
        release_lease(mailbox, poll)
        _wait_for(lambda: len(events(channel)) == 1, seconds=10)
    finally:
        stop.set()
        thread.join(timeout=10)


def _certificate(folder: Path) -> tuple[Path, Path, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "frontdesk test imap")])
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
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    (folder / "cert.pem").write_bytes(cert_pem)
    (folder / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return folder / "cert.pem", folder / "key.pem", cert_pem.decode()


def test_starttls_is_required_and_the_certificate_checked(workspace: Workspace, settings: Any, tmp_path: Path) -> None:
    cert, key, pem = _certificate(tmp_path)
    with imap_server(cert=cert, key=key) as server:
        channel = email_channel(workspace, server, settings, imap_security="starttls")
        account = mail_account(channel)

        with pytest.raises(MailboxError, match="certificate is not trusted"), connect(account.imap):
            pass
        with connect(account.imap, ssl_context=ssl.create_default_context(cadata=pem)) as client:
            result = read_new_mail(client, channel, mailbox_for(channel))
        assert result.fetched == 0


def _wait_for(condition: Any, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


@pytest.mark.timeout(120)
def test_frontdesk_run_reads_mailboxes_in_embedded_mode(tmp_path: Path, server: ImapServer) -> None:
    """`frontdesk run` as a user starts it: the supervised mail reader picks up mail within seconds (IDLE)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"FRONTDESK_DATABASE_URL", "FRONTDESK_REDIS_URL", "FRONTDESK_SUPERVISED"}
    }
    env.update(
        FRONTDESK_VAR_DIR=str(tmp_path / "var"),
        FRONTDESK_HTTP_ALLOWED_PRIVATE_HOSTS=f"{HOST}:{server.port}",
        # Only the reader may fetch: the scheduler's polling would not come round within this test.
        FRONTDESK_IMAP_POLL_SECONDS="3600",
    )
    frontdesk("migrate", "--verbosity=0", env=env)
    frontdesk(
        "shell",
        "--verbosity=0",
        "-c",
        "from frontdesk.channels.email.setup import create_email_channel\n"
        "from tests.factories import make_workspace\n"
        f"create_email_channel(make_workspace(), 'Support', 'support@shop.example', imap_host={server.host!r}, "
        f"imap_port={server.port}, imap_security='none', imap_username={server.username!r}, "
        f"imap_password={server.password!r})",
        env=env,
    )
    database = tmp_path / "var" / "frontdesk.sqlite3"
    table = InboundEvent._meta.db_table

    def stored() -> int:
        with sqlite3.connect(database) as db:
            return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608

    with running_product(tmp_path, env) as product:
        wait_for(lambda: product.pid("mail"), 30, "the mail reader", product.log)
        server.deliver(mail(1))
        wait_for(lambda: stored() == 1, 30, "the mail to be stored", product.log)
        product.process.send_signal(signal.SIGINT)
        assert product.process.wait(timeout=20) == 0
    assert "mail exited" not in product.log.read_text()


SMTP_USER = "support@shop.example"
SMTP_PASSWORD = "smtp password 2026"


def _smtp_login(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        SMTP_USER.encode(),
        SMTP_PASSWORD.encode(),
    )
    # handled=False: aiosmtpd answers a refusal with 535 itself.
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def smtp_server() -> Iterator[tuple[SmtpMailbox, int]]:
    received = SmtpMailbox()
    # Plain AUTH on loopback (aiosmtpd warns about it, rightly, for anything else).
    with (
        pytest.warns(UserWarning, match="Requiring AUTH while not requiring TLS"),
        running_server(received, auth_required=True, auth_require_tls=False, authenticator=_smtp_login) as port,
    ):
        yield received, port


def connected_channel(workspace: Workspace, server: ImapServer, smtp_port: int, settings: Any, **extra: Any) -> Channel:
    smtp = {
        "smtp_host": HOST,
        "smtp_port": smtp_port,
        "smtp_security": "none",
        "smtp_username": SMTP_USER,
        "smtp_password": SMTP_PASSWORD,
    }
    channel = email_channel(workspace, server, settings, **{**smtp, **extra})
    settings.FRONTDESK_HTTP_ALLOWED_PRIVATE_HOSTS = [f"{HOST}:{server.port}", f"{HOST}:{smtp_port}"]
    return channel


def test_the_connection_test_logs_in_to_imap_and_smtp_and_changes_nothing(
    workspace: Workspace, server: ImapServer, smtp_server: tuple[SmtpMailbox, int], settings: Any
) -> None:
    received, smtp_port = smtp_server
    server.deliver(mail(1))
    server.deliver(mail(2))
    channel = connected_channel(workspace, server, smtp_port, settings)

    assert CONNECTOR.test_connection(channel, HttpClient()) == "IMAP: 2 messages in INBOX · SMTP: login ok"
    assert received.received == []
    assert all(b"\\Seen" not in flags for flags in server.flags())
    assert events(channel) == []


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"imap_password": "wrong imap secret"}, "The IMAP server refused the login"),
        ({"smtp_password": "wrong smtp secret"}, "The SMTP server refused the login: 535"),
        ({"imap_folder": "Archive/2019"}, "IMAP: "),
        ({"smtp_security": "starttls"}, "STARTTLS"),
    ],
)
def test_the_connection_test_says_what_failed_without_the_password(
    workspace: Workspace,
    server: ImapServer,
    smtp_server: tuple[SmtpMailbox, int],
    settings: Any,
    change: dict[str, str],
    reason: str,
) -> None:
    channel = connected_channel(workspace, server, smtp_server[1], settings, **change)

    with pytest.raises(ConnectionTestFailed) as failed:
        CONNECTOR.test_connection(channel, HttpClient())

    assert reason in failed.value.reason
    assert "secret" not in failed.value.reason


def test_the_connection_test_tells_an_unreachable_smtp_server(
    workspace: Workspace, server: ImapServer, settings: Any
) -> None:
    channel = connected_channel(workspace, server, free_port(), settings)

    with pytest.raises(ConnectionTestFailed, match="refused the connection"):
        CONNECTOR.test_connection(channel, HttpClient())


def test_an_admin_connects_a_mailbox_tests_it_and_sees_the_signing_key(
    workspace: Workspace,
    server: ImapServer,
    smtp_server: tuple[SmtpMailbox, int],
    settings: Any,
    client: Client,
    admin: Member,
) -> None:
    settings.FRONTDESK_HTTP_ALLOWED_PRIVATE_HOSTS = [f"{HOST}:{server.port}", f"{HOST}:{smtp_server[1]}"]
    client.force_login(admin.user)
    form = {
        "name": "Support mail",
        "address": "support@shop.example",
        "imap_host": HOST,
        "imap_port": str(server.port),
        "imap_security": "none",
        "imap_username": server.username,
        "imap_password": server.password,
        "smtp_host": HOST,
        "smtp_port": str(smtp_server[1]),
        "smtp_security": "none",
        "smtp_username": SMTP_USER,
        "smtp_password": SMTP_PASSWORD,
    }

    created = client.post(reverse("channels:connect", args=["email"]), form, follow=True)

    assert created.status_code == 200, created.content.decode()[:2000]
    channel = Channel.in_workspace(workspace).get(kind="email")
    account = mail_account(channel)
    assert (account.address, account.imap.port, account.folder, account.imap.security) == (
        "support@shop.example",
        server.port,
        "INBOX",
        "none",
    )
    assert len(account.webhook_signing_key) >= 32
    assert account.webhook_signing_key in created.content.decode()
    tested = client.post(reverse("channels:test", args=[channel.pk]), follow=True)
    assert "IMAP: 0 messages in INBOX · SMTP: login ok" in tested.content.decode()
