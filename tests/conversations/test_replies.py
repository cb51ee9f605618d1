"""What an agent may send on a channel: its reply window, opt-outs, what it carries; files served to providers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from frontdesk.channels.models import ChannelKind
from frontdesk.conversations import actions
from frontdesk.conversations.models import Conversation, DeliveryStatus, Message, MessageKind
from frontdesk.core.models import Member, Workspace
from frontdesk.pipeline.outbound import outbound_message
from tests.factories import make_channel, make_contact, make_conversation, make_identity

pytestmark = pytest.mark.django_db

PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cf")


def conversation_on(workspace: Workspace, kind: ChannelKind, **channel_fields: Any) -> Conversation:
    channel = make_channel(workspace, kind, **channel_fields)
    contact = make_contact(workspace)
    make_identity(contact, channel, "85290001234")
    return make_conversation(workspace, contact, channel)


def customer_wrote(conversation: Conversation, ago: timedelta, **metadata: Any) -> Message:
    return Message.all_workspaces.create(
        workspace_id=conversation.workspace_id,
        conversation=conversation,
        channel=conversation.channel,
        kind=MessageKind.INBOUND,
        text="Hello",
        status=DeliveryStatus.RECEIVED,
        metadata=metadata,
        created_at=timezone.now() - ago,
        provider_message_id=f"in-{timezone.now().timestamp()}",
    )


def test_whatsapp_free_form_replies_stop_24_hours_after_the_customer_wrote(workspace: Workspace, agent: Member) -> None:
    conversation = conversation_on(workspace, ChannelKind.WHATSAPP)
    customer_wrote(conversation, timedelta(hours=23))
    assert actions.reply(conversation, agent, "Your booking is confirmed.").status == DeliveryStatus.QUEUED

    Message.all_workspaces.filter(kind=MessageKind.INBOUND).update(created_at=timezone.now() - timedelta(hours=25))
    with pytest.raises(ValidationError) as refused:
        actions.reply(conversation, agent, "Are you still there?")
    assert "24-hour reply window" in refused.value.messages[0]
    assert "template" in refused.value.messages[0]

    template = {"name": "booking_update", "language": "zh_HK", "parameters": {"body": ["CX123"]}}
    message = actions.reply(conversation, agent, "", content={"template": template})
    assert message.metadata["content"]["template"]["name"] == "booking_update"
    assert outbound_message(message.outbox_entry).content == {"template": template}


def test_a_messenger_reply_after_the_window_needs_a_message_tag(workspace: Workspace, agent: Member) -> None:
    conversation = conversation_on(workspace, ChannelKind.MESSENGER)
    customer_wrote(conversation, timedelta(days=2))
    with pytest.raises(ValidationError, match="message tag"):
        actions.reply(conversation, agent, "Following up")
    assert actions.reply(conversation, agent, "Following up", content={"tag": "HUMAN_AGENT"}).pk


def test_wechat_allows_48_hours_and_nothing_after(workspace: Workspace, agent: Member) -> None:
    conversation = conversation_on(workspace, ChannelKind.WECHAT)
    customer_wrote(conversation, timedelta(hours=47))
    assert actions.reply(conversation, agent, "收到，謝謝！").pk
    Message.all_workspaces.filter(kind=MessageKind.INBOUND).update(created_at=timezone.now() - timedelta(hours=49))
    with pytest.raises(ValidationError, match="48-hour reply window"):
        actions.reply(conversation, agent, "還在嗎？")


def test_an_sms_customer_who_wrote_stop_gets_nothing_until_start(workspace: Workspace, agent: Member) -> None:
    conversation = conversation_on(workspace, ChannelKind.SMS)
    customer_wrote(conversation, timedelta(minutes=10), provider={"opt_out": "stop"})
    with pytest.raises(ValidationError, match="opted out"):
        actions.reply(conversation, agent, "Your flight is delayed")
    customer_wrote(conversation, timedelta(minutes=1), provider={"opt_out": "start"})
    assert actions.reply(conversation, agent, "Your flight is delayed").pk


def test_content_a_channel_cannot_carry_is_refused_before_it_is_queued(workspace: Workspace, agent: Member) -> None:
    conversation = conversation_on(workspace, ChannelKind.API)
    with pytest.raises(ValidationError, match="cannot send sticker"):
        actions.reply(conversation, agent, "", content={"sticker": {"package_id": "446", "sticker_id": "1988"}})
    assert not Message.all_workspaces.filter(kind=MessageKind.OUTBOUND).exists()


def test_a_reply_with_a_file_reaches_the_provider_at_a_signed_expiring_address(
    workspace: Workspace, agent: Member, client: Client
) -> None:
    conversation = conversation_on(workspace, ChannelKind.API)
    message = actions.reply(conversation, agent, "Your boarding pass", files=[actions.ReplyFile("pass.png", PNG)])
    attachment = message.attachments.get()
    assert attachment.content_type == "image/png"

    sent = outbound_message(message.outbox_entry)
    (file,) = sent.attachments
    assert (file.filename, file.content_type, file.size) == ("pass.png", "image/png", len(PNG))
    assert file.read() == PNG
    assert file.url.startswith(settings.PUBLIC_URL + "/media/")
    path = file.url.removeprefix(settings.PUBLIC_URL)

    served = client.get(path)  # no login: the provider fetches it
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == PNG  # type: ignore[attr-defined]
    assert served["Content-Type"] == "image/png"
    assert "sandbox" in served["Content-Security-Policy"]

    assert client.get(path[:-3] + "xyz").status_code == 404  # a changed token


def test_a_customers_file_is_never_published(workspace: Workspace, client: Client) -> None:
    from frontdesk.conversations.attachments import store_attachment
    from frontdesk.conversations.public_media import public_media_url

    conversation = conversation_on(workspace, ChannelKind.API)
    inbound = customer_wrote(conversation, timedelta(minutes=1))
    attachment = store_attachment(inbound, "passport.png", PNG)
    assert client.get(public_media_url(attachment).removeprefix(settings.PUBLIC_URL)).status_code == 404


def test_an_expired_media_address_is_refused(
    workspace: Workspace, agent: Member, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from frontdesk.conversations import public_media

    conversation = conversation_on(workspace, ChannelKind.API)
    message = actions.reply(conversation, agent, "", files=[actions.ReplyFile("pass.png", PNG)])
    path = outbound_message(message.outbox_entry).attachments[0].url.removeprefix(settings.PUBLIC_URL)
    assert client.get(path).status_code == 200
    # A week later, as far as the signature's age is concerned.
    monkeypatch.setattr(public_media, "MAX_AGE", timedelta(seconds=-1))
    assert client.get(path).status_code == 404


def test_an_empty_reply_is_refused_but_a_file_alone_is_enough(workspace: Workspace, agent: Member) -> None:
    conversation = conversation_on(workspace, ChannelKind.API)
    with pytest.raises(ValidationError, match="cannot be empty"):
        actions.reply(conversation, agent, "   ")
    message = actions.reply(conversation, agent, "", files=[actions.ReplyFile("pass.png", PNG)])
    conversation.refresh_from_db()
    assert conversation.last_message_preview == "📎 pass.png"
    assert message.attachments.count() == 1


def test_a_reply_goes_out_on_the_channel_the_customer_last_wrote_on_unless_the_agent_chooses(
    workspace: Workspace, agent: Member
) -> None:
    conversation = conversation_on(workspace, ChannelKind.WHATSAPP)
    customer_wrote(conversation, timedelta(minutes=30))
    email = make_channel(workspace, ChannelKind.EMAIL)
    make_identity(conversation.contact, email, "chan@example.com")
    # The same case continues by email (one case per problem across channels).
    later = customer_wrote(conversation, timedelta(minutes=5))
    later.channel = email
    later.save(update_fields=["channel"])

    assert actions.reply(conversation, agent, "We have rebooked you.").channel_id == email.pk
    whatsapp = conversation.channel
    assert actions.reply(conversation, agent, "Also on WhatsApp.", via=whatsapp).channel_id == whatsapp.pk
    # A disabled channel is not where replies go by default: the conversation's own channel is.
    email.is_active = False
    email.save(update_fields=["is_active"])
    assert actions.reply(conversation, agent, "Back on WhatsApp.").channel_id == whatsapp.pk
