"""``frontdesk mail-relay``: mail handed over by SMTP (smtplib, as Postfix would) to the relay on loopback."""

from __future__ import annotations

import os
import signal
import smtplib
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from pathlib import Path

import pytest
from django.db import connection

from frontdesk.channels.email.events import raw_mime
from frontdesk.channels.email.relay import base_address, relay_controller
from frontdesk.channels.email.setup import create_email_channel
from frontdesk.channels.models import Channel
from frontdesk.pipeline.models import InboundEvent
from tests.channels.mailserver import HOST, free_port
from tests.factories import make_workspace
from tests.running import FRONTDESK, frontdesk, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

LIMIT = 50_000


def mail(number: int, *, to: str = "support@shop.example", size: int = 0) -> bytes:
    message = EmailMessage()
    message["From"] = "陳大文 <chan@example.hk>"
    message["To"] = to
    message["Subject"] = f"退貨 #{number}"
    message["Message-ID"] = f"<relay-{number}@example.hk>"
    message.set_content("我想退貨。" + "x" * size)
    return message.as_bytes()


@pytest.fixture
def relay_port() -> Iterator[int]:
    port = free_port()
    controller = relay_controller(HOST, port, max_bytes=LIMIT)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@pytest.fixture
def channel(transactional_db: None) -> Channel:
    return create_email_channel(make_workspace("Relay"), "Support", "Support@Shop.example")


def events() -> list[InboundEvent]:
    return list(InboundEvent.all_workspaces.order_by("pk"))


def send(port: int, raw: bytes, recipients: list[str]) -> dict[str, tuple[int, bytes]]:
    with smtplib.SMTP(HOST, port, timeout=10) as client:
        return client.sendmail("chan@example.hk", recipients, raw)


def test_mail_for_the_channel_address_and_its_plus_tags_is_stored(channel: Channel, relay_port: int) -> None:
    refused = send(relay_port, mail(1), ["support@shop.example", "SUPPORT+r7Kx2@shop.example"])

    assert refused == {}
    (event,) = events()
    assert event.channel_id == channel.pk
    assert event.provider_event_id == "mid:relay-1@example.hk"
    assert event.payload["source"] == "relay"
    assert event.payload["envelope_to"] == ["support@shop.example", "SUPPORT+r7Kx2@shop.example"]
    assert event.payload["envelope_from"] == "chan@example.hk"
    # Byte for byte, but for the CRLF line ends SMTP carries.
    assert raw_mime(event.payload).replace(b"\r\n", b"\n").rstrip() == mail(1).rstrip()


def test_unknown_recipients_are_refused_with_550(channel: Channel, relay_port: int) -> None:
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        send(relay_port, mail(2), ["sales@shop.example", "support@other.example"])

    assert {code for code, _text in refused.value.recipients.values()} == {550}
    assert events() == []


def test_a_mail_for_a_known_and_an_unknown_recipient_is_stored_for_the_known_one(
    channel: Channel, relay_port: int
) -> None:
    refused = send(relay_port, mail(3), ["nobody@shop.example", "support@shop.example"])

    assert list(refused) == ["nobody@shop.example"] and refused["nobody@shop.example"][0] == 550
    assert [event.payload["envelope_to"] for event in events()] == [["support@shop.example"]]


def test_a_disabled_channel_receives_nothing(channel: Channel, relay_port: int) -> None:
    channel.is_active = False
    channel.save()

    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send(relay_port, mail(4), ["support@shop.example"])


def test_the_size_limit_is_announced_and_enforced(channel: Channel, relay_port: int) -> None:
    with smtplib.SMTP(HOST, relay_port, timeout=10) as client:
        client.ehlo()
        assert client.has_extn("size") and int(client.esmtp_features["size"]) == LIMIT
        with pytest.raises(smtplib.SMTPResponseException) as refused:
            client.sendmail("chan@example.hk", ["support@shop.example"], mail(5, size=LIMIT))
        assert refused.value.smtp_code == 552

    assert events() == []


@contextmanager
def inserts_failing() -> Iterator[None]:
    """The database refuses new events (a full disk, a lost primary) until the block ends."""
    table = InboundEvent._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION refuse_insert() RETURNS trigger AS $$ "
                "BEGIN RAISE EXCEPTION 'disk full'; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                f'CREATE TRIGGER refuse BEFORE INSERT ON "{table}" FOR EACH ROW EXECUTE FUNCTION refuse_insert()'
            )
        else:
            cursor.execute(
                f'CREATE TRIGGER refuse BEFORE INSERT ON "{table}" BEGIN SELECT RAISE(FAIL, "disk full"); END'
            )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f'DROP TRIGGER refuse ON "{table}"')
                cursor.execute("DROP FUNCTION refuse_insert()")
            else:
                cursor.execute("DROP TRIGGER refuse")


def test_a_storage_failure_answers_451_so_the_sender_keeps_the_mail_and_retries(
    channel: Channel, relay_port: int
) -> None:
    with inserts_failing(), pytest.raises(smtplib.SMTPDataError) as deferred:
        send(relay_port, mail(6), ["support@shop.example"])
    assert deferred.value.smtp_code == 451
    assert events() == []

    # The sending server's retry.
    assert send(relay_port, mail(6), ["support@shop.example"]) == {}
    assert len(events()) == 1


def test_the_same_mail_relayed_twice_is_one_event(channel: Channel, relay_port: int) -> None:
    send(relay_port, mail(7), ["support@shop.example"])
    send(relay_port, mail(7), ["support+again@shop.example"])

    assert len(events()) == 1


def test_base_address() -> None:
    assert base_address("<Support+abc+def@Shop.Example>") == "support@shop.example"
    assert base_address("not an address") == ""
    assert base_address("@shop.example") == ""


@pytest.mark.timeout(120)
def test_the_mail_relay_command_stores_mail_and_stops_on_sigterm(tmp_path: Path) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"FRONTDESK_DATABASE_URL", "FRONTDESK_REDIS_URL", "FRONTDESK_SUPERVISED"}
    }
    env["FRONTDESK_VAR_DIR"] = str(tmp_path / "var")
    frontdesk("migrate", "--verbosity=0", env=env)
    frontdesk(
        "shell",
        "--verbosity=0",
        "-c",
        "from frontdesk.channels.email.setup import create_email_channel\n"
        "from tests.factories import make_workspace\n"
        "create_email_channel(make_workspace(), 'Support', 'support@shop.example')",
        env=env,
    )
    port = free_port()
    log = tmp_path / "relay.log"
    with log.open("wb") as output:
        relay = subprocess.Popen(
            [*FRONTDESK, "mail-relay", "--port", str(port), "--max-bytes", "100000"],
            env=env,
            stdout=output,
            stderr=output,
        )
    try:
        wait_for(lambda: "Mail relay listening" in log.read_text(), 60, "the relay", log)
        assert send(port, mail(8), ["support+t0k3n@shop.example"]) == {}
    finally:
        relay.send_signal(signal.SIGTERM)
        assert relay.wait(timeout=20) == 0
    with sqlite3.connect(tmp_path / "var" / "frontdesk.sqlite3") as db:
        table = InboundEvent._meta.db_table
        ids = [row[0] for row in db.execute(f"SELECT provider_event_id FROM {table}")]  # noqa: S608
    assert ids == ["mid:relay-8@example.hk"]
