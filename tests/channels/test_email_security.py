"""Hostile mail (RELIABILITY T-29, T-30, T-34): forged replies never reach anyone, hostile fields render as text,
the full original cannot run anything, and pathological mail is read in bounded CPU time."""

from __future__ import annotations

import base64
import os
import re
import time
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client

from frontdesk.channels.email.adapter import EmailAdapter
from frontdesk.channels.email.events import mail_event
from frontdesk.channels.email.parsing import parse_email, sanitise_html
from frontdesk.channels.email.tokens import make_token
from frontdesk.channels.models import Channel
from frontdesk.conversations import actions
from frontdesk.conversations.models import Message, MessageKind, OutboxEntry
from frontdesk.core.html import sanitize_html
from frontdesk.core.models import Member, Role
from frontdesk.pipeline.inbound import InboundMessage
from frontdesk.pipeline.media import download_attachments
from frontdesk.pipeline.outbound import deliver, due_entry_ids
from tests.channels import email_flow, mails
from tests.channels.email_flow import (
    ADDRESS,
    CUSTOMER,
    conversations,
    customer_mail,
    inbound,
    receive,
)
from tests.channels.test_email_sending import Mailbox
from tests.channels.webhooks import entry_of
from tests.factories import make_member, make_workspace

# The fixtures the email tests share: the loopback SMTP server, what it received, and a channel sending there.
mailbox, smtp_port, channel = email_flow.mailbox, email_flow.smtp_port, email_flow.channel

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")


def test_a_hundred_forged_agent_replies_are_stored_as_customer_mail_and_reach_nobody(
    channel: Channel,
    agent: Member,
    mailbox: Mailbox,
    settings: Any,
) -> None:
    """FreeScout CVE-2026-47123: "From: <agent>" with a forged In-Reply-To must never become an agent's reply."""
    receive(channel, customer_mail(subject="Order 1234"))
    [conversation] = conversations(channel)
    reply = actions.reply(conversation, agent, "Your parcel leaves tomorrow.")
    assert deliver(entry_of(reply).pk).result == "sent"
    reply.refresh_from_db()
    sent = len(mailbox.received)
    other = make_workspace("Other shop")
    forged_tokens = [
        f"{conversation.pk}-{'0' * 20}",
        make_token(other.pk, conversation.pk, CUSTOMER),
        make_token(channel.workspace_id, conversation.pk, ADDRESS),
    ]

    forgeries = [
        customer_mail(
            f"Please refund to account {number}",
            sender=f"Shop Support <{ADDRESS}>" if number % 2 else f"Mary (agent) <{ADDRESS.upper()}>",
            to=f"support+{forged_tokens[number % 3]}@shop.example, {CUSTOMER}",
            subject=f"Re: Order 1234 [#{forged_tokens[(number + 1) % 3]}]",
            message_id=f"<forged-{number}@shop.example>",
            In_Reply_To=reply.provider_message_id if number % 4 else f"<notify-{conversation.pk}-1@shop.example>",
            References=reply.provider_message_id,
        )
        for number in range(100)
    ]
    for start in range(0, 100, 25):
        receive(channel, *forgeries[start : start + 25])
    for entry_id in due_entry_ids():
        deliver(entry_id)

    forged = Message.in_workspace(channel.workspace_id).filter(provider_message_id__startswith="<forged-")
    assert forged.count() == 100
    assert set(forged.values_list("kind", flat=True)) == {MessageKind.INBOUND}
    assert all(message.metadata["provider"]["own_address"] for message in forged)
    assert not forged.filter(author__isnull=False).exists()
    assert Message.in_workspace(channel.workspace_id).filter(kind=MessageKind.OUTBOUND).count() == 1
    assert OutboxEntry.in_workspace(channel.workspace_id).count() == 1
    assert len(mailbox.received) == sent == 1
    # Forged tokens named nothing: only the genuine reply's Message-ID threaded them.
    assert Message.all_workspaces.filter(workspace=other).count() == 0


HOSTILE_SUBJECT = "'> <script>alert(1);</script><img src=x onerror=alert(2)>"
HOSTILE_NAME = '"<svg onload=alert(3)>" '
HOSTILE_BODY = '<script>alert(4)</script><a href="javascript:alert(5)">click</a>'
HOSTILE_HTML = (
    '<p>Hi</p><script>alert(6)</script><img src="https://tracker.example/pixel.gif" onerror="alert(7)">'
    '<a href="javascript:alert(8)">x</a><a href="java&#09;script:alert(9)">y</a><iframe src="https://evil.example"></iframe>'
    '<form action="https://evil.example"><input name="password"></form><style>body{background:url(https://t.example)}</style>'
    '<img src="cid:photo1@example.hk">'
)


@pytest.fixture
def hostile(channel: Channel) -> Message:
    raw = customer_mail(HOSTILE_BODY, sender=f"{HOSTILE_NAME}<{CUSTOMER}>", subject=HOSTILE_SUBJECT, html=HOSTILE_HTML)
    receive(channel, raw)
    [message] = inbound(channel)
    return message


class _LiveMarkup(HTMLParser):
    """Elements and attributes of a page that would run or load what a mail carried."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("svg", "math", "object", "embed", "base"):
            self.found.append(f"<{tag}>")
        if tag == "iframe" and dict(attrs).get("sandbox") != "":
            self.found.append("an iframe without sandbox")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag} {name}")
            if name in ("href", "src", "action", "formaction") and "javascript:" in (value or "").replace("\t", ""):
                self.found.append(f"{tag} {name}={value}")
        self._in_script = tag == "script"

    def handle_data(self, data: str) -> None:
        if self._in_script and "alert" in data:
            self.found.append(f"script {data[:40]}")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False


def _no_live_markup(html: str) -> None:
    """None of the hostile payloads became live markup in ``html`` (a page's own scripts and forms aside)."""
    parser = _LiveMarkup()
    parser.feed(html)
    parser.close()
    assert parser.found == []
    assert "evil.example" not in html


def test_hostile_subject_name_and_body_render_as_text_in_the_conversation(
    client: Client, agent: Member, hostile: Message
) -> None:
    client.force_login(agent.user)
    page = client.get(f"/inbox/conversations/{hostile.conversation_id}/").content.decode()

    _no_live_markup(page)
    assert "&lt;script&gt;alert(1);&lt;/script&gt;" in page  # the subject, shown as the agent received it
    assert "&lt;script&gt;alert(4)&lt;/script&gt;" in page  # the body
    assert "&lt;svg onload=alert(3)&gt;" in page  # the sender's name
    assert "Show full original" in page


def test_hostile_fields_render_as_text_in_the_conversation_list(
    client: Client, agent: Member, hostile: Message
) -> None:
    client.force_login(agent.user)
    page = client.get("/inbox/").content.decode()

    _no_live_markup(page)
    assert "&lt;script&gt;alert(1);&lt;/script&gt;" in page


def test_the_full_original_runs_nothing_and_loads_no_remote_picture_unless_asked(
    client: Client, agent: Member, hostile: Message
) -> None:
    client.force_login(agent.user)
    page = client.get(f"/inbox/messages/{hostile.pk}/original/")
    body = client.get(f"/inbox/messages/{hostile.pk}/original/body/")
    remote = client.get(f"/inbox/messages/{hostile.pk}/original/body/?remote=1")

    assert page.status_code == body.status_code == remote.status_code == 200
    text = page.content.decode()
    _no_live_markup(text)
    assert re.search(r'<iframe class="email-body" sandbox=""', text)
    assert "&lt;script&gt;alert(4)&lt;/script&gt;" in text  # the full text, escaped
    document = body.content.decode()
    _no_live_markup(document)
    assert "<p>Hi</p>" in document and "tracker.example/pixel.gif" in document
    policy = body["Content-Security-Policy"]
    assert policy.startswith("sandbox;") and "default-src 'none'" in policy and "script-src" not in policy
    assert "img-src data:;" in policy  # remote pictures blocked
    assert "img-src data: https: http:;" in remote["Content-Security-Policy"]
    assert body["X-Frame-Options"] == "SAMEORIGIN" and body["X-Content-Type-Options"] == "nosniff"


def test_inline_pictures_of_the_original_come_from_our_stored_attachment(
    client: Client, agent: Member, channel: Channel
) -> None:
    receive(channel, mails.mail_with_image_and_attachment(b"%PDF-1.4"))
    [message] = inbound(channel)
    download_attachments(message.pk)
    client.force_login(agent.user)

    document = client.get(f"/inbox/messages/{message.pk}/original/body/").content.decode()

    assert f'src="data:image/png;base64,{base64.b64encode(mails.PNG).decode()}"' in document
    assert "cid:" not in document


def test_another_workspace_cannot_open_the_original(client: Client, hostile: Message) -> None:
    stranger = make_member(make_workspace("Other"), Role.ADMIN)
    client.force_login(stranger.user)

    assert client.get(f"/inbox/messages/{hostile.pk}/original/").status_code == 404
    assert client.get(f"/inbox/messages/{hostile.pk}/original/body/").status_code == 404


def _html_mail(html: str) -> bytes:
    return (
        b"From: a@example.hk\r\nTo: support@shop.example\r\nSubject: big\r\nMessage-ID: <big@example.hk>\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    ) + html.encode()


FIVE_MB = 5 * 1024 * 1024
PATHOLOGICAL = {
    "deep nesting": "<div>" * 100_000 + "x" + "</div>" * 100_000,
    "100k attributes": "<p " + " ".join(f'a{i}="{i}"' for i in range(100_000)) + ">x</p>",
    "comment bomb": "<!--" + "<!-- -->" * 300_000,
    "unterminated comments": "<!--" * 300_000,
    "formatting soup": "<b><i><u><font><a href='https://x.example'>" * 50_000,
    "bare angle brackets": "<" * 1_000_000,
}


@pytest.mark.parametrize("size", [FIVE_MB, 590_000])
@pytest.mark.parametrize("shape", sorted(PATHOLOGICAL))
def test_a_pathological_html_mail_is_read_within_two_seconds_of_cpu(channel: Channel, shape: str, size: int) -> None:
    html = (PATHOLOGICAL[shape] * (size // len(PATHOLOGICAL[shape]) + 1))[:size]
    raw = _html_mail(html)

    started = time.process_time()
    [item] = EmailAdapter().parse(channel, mail_event(raw, "imap").payload)
    assert isinstance(item, InboundMessage)
    stored = sanitize_html(item.html)  # what the pipeline does before storing
    spent = time.process_time() - started

    assert spent < 2.0, f"{shape}: {spent:.2f} s"
    _no_live_markup(stored)


def test_a_ten_megabyte_mail_of_a_thousand_parts_is_read_within_two_seconds_of_cpu(channel: Channel) -> None:
    parts = [
        b'--B\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="f%d.bin"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n" % number + base64.encodebytes(os.urandom(7_400))
        for number in range(1_000)
    ]
    raw = (
        b"From: a@example.hk\r\nTo: support@shop.example\r\nSubject: parts\r\nMessage-ID: <parts@example.hk>\r\n"
        b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="B"\r\n\r\n'
        + b"\r\n".join(parts)
        + b"\r\n--B--\r\n"
    )
    assert len(raw) > 10_000_000

    started = time.process_time()
    [item] = EmailAdapter().parse(channel, mail_event(raw, "imap").payload)
    spent = time.process_time() - started

    assert spent < 2.0, f"{spent:.2f} s"
    assert isinstance(item, InboundMessage)
    assert len(item.attachments) == 200
    assert item.provider is not None and item.provider["parts_skipped"] == 800


XSS_CORPUS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<svg onload=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>",
    '<a href="javjavascript:ascript:alert(1)">x</a>',
    '<a href="java&#09;script:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    "<xmp><script>alert(1)</script></xmp>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<div style="width: expression(alert(1))">x</div>',
    "<iframe srcdoc='<script>alert(1)</script>'></iframe>",
    "<object data=javascript:alert(1)>",
    "<embed src=javascript:alert(1)>",
    '<form><button formaction="javascript:alert(1)">x</button></form>',
    "<base href=javascript:alert(1)//>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "<table background=javascript:alert(1)>",
    "<!--<img src=--><img src=x onerror=alert(1)//-->",
    "<p>text <b>bold</b> <i>it</i> &amp; &lt;safe&gt;</p>",
    "<<script>script>alert(1)<</script>/script>",
    '<img src="cid:x@y" alt="inline">',
    "<a href='mailto:a@b.hk'>mail</a><a href='https://ok.example'>ok</a>",
    '<td colspan="2" align="left">cell</td>',
    "<font color=red>red</font>",
    "<select><template><style><!--</style><a rel=--></template></select><img src=x onerror=alert(1)>",
    '<p title="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">x</p>',
    HOSTILE_HTML,
]


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_sanitising_a_mail_is_idempotent_and_leaves_nothing_live(payload: str) -> None:
    once = sanitise_html(payload)
    stored = sanitize_html(once)

    assert sanitise_html(once) == once
    assert sanitize_html(stored) == stored
    for html in (once, stored):
        assert not re.search(r"<(script|svg|math|iframe|object|embed|form|base|meta|style)\b", html, re.I)
        assert not re.search(r"\son\w+\s*=|javascript:|data:text|expression\(", html, re.I)


def test_the_subject_and_text_of_a_hostile_mail_stay_as_written(channel: Channel) -> None:
    parsed = parse_email(customer_mail(HOSTILE_BODY, subject=HOSTILE_SUBJECT))

    assert parsed.subject == HOSTILE_SUBJECT
    assert parsed.text.strip() == HOSTILE_BODY  # kept as text; escaped where it is shown
