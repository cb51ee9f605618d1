from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.test import override_settings

from frontdesk.contacts.models import Identity
from frontdesk.conversations.attachments import AttachmentRejected, store_attachment
from frontdesk.conversations.models import ConversationStatus, MessageKind
from frontdesk.core.html import sanitize_html
from frontdesk.core.models import Workspace
from tests.factories import make_channel, make_contact, make_conversation, make_identity, make_message

HOSTILE = [
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    "<svg><script>alert(1)</script></svg>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<xmp><script>alert(1)</script></xmp>",
    '<iframe src="https://evil.example"></iframe>',
    "<!-- <script>alert(1)</script> -->",
]


@pytest.mark.parametrize("html", HOSTILE)
def test_message_html_is_sanitised_and_sanitising_is_idempotent(workspace: Workspace, html: str) -> None:
    message = make_message(make_conversation(workspace), html=html)
    lowered = message.html.lower()
    assert "<script" not in lowered and "javascript:" not in lowered and "onerror" not in lowered
    assert "<iframe" not in lowered and "style=" not in lowered
    assert sanitize_html(message.html) == message.html


def test_provider_message_id_is_unique_per_channel(workspace: Workspace) -> None:
    conversation = make_conversation(workspace)
    make_message(conversation, provider_message_id="wamid.1")
    make_message(conversation, provider_message_id="")
    make_message(conversation, provider_message_id="")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_message(conversation, provider_message_id="wamid.1")
    other_channel_conversation = make_conversation(workspace, channel=make_channel(workspace))
    make_message(other_channel_conversation, provider_message_id="wamid.1")


def test_database_keeps_conversation_and_note_rules(workspace: Workspace) -> None:
    conversation = make_conversation(workspace)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_message(conversation, MessageKind.NOTE, channel=conversation.channel)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_conversation(workspace, status=ConversationStatus.SNOOZED, snoozed_until=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_conversation(workspace, status="exploded")


def test_identity_is_unique_per_channel_and_address(workspace: Workspace) -> None:
    channel = make_channel(workspace)
    make_identity(make_contact(workspace), channel, external_id="+85291234567")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_identity(make_contact(workspace), channel, external_id="+85291234567")
    make_identity(make_contact(workspace), make_channel(workspace), external_id="+85291234567")
    assert Identity.in_workspace(workspace).count() == 2


def test_attachments_are_typed_by_content_and_limited_in_size(workspace: Workspace) -> None:
    message = make_message(make_conversation(workspace))
    disguised = store_attachment(message, "cat.jpg", b"%PDF-1.7\n" + b"x" * 100)
    assert disguised.content_type == "application/pdf"
    svg = store_attachment(message, "logo.svg", b'<svg onload="alert(1)"></svg>')
    assert svg.content_type == "application/octet-stream"
    assert store_attachment(message, "../../etc/passwd", b"hello").filename == "passwd"
    with pytest.raises(AttachmentRejected):
        store_attachment(message, "setup.exe", b"MZ\x90\x00" + b"\x00" * 200)
    with pytest.raises(AttachmentRejected):
        store_attachment(message, "empty.txt", b"")
    with override_settings(FRONTDESK_MAX_ATTACHMENT_BYTES=1000), pytest.raises(AttachmentRejected):
        store_attachment(message, "big.bin", b"x" * 1001)
    assert message.attachments.count() == 3


def test_a_channel_with_history_cannot_be_deleted_but_its_workspace_can(workspace: Workspace) -> None:
    from django.db.models import RestrictedError

    from frontdesk.conversations.models import Conversation, Message

    conversation = make_conversation(workspace)
    make_message(conversation)
    with pytest.raises(RestrictedError), transaction.atomic():
        conversation.channel.delete()
    workspace_id = workspace.pk
    workspace.delete()
    assert not Conversation.in_workspace(workspace_id).exists()
    assert not Message.in_workspace(workspace_id).exists()
