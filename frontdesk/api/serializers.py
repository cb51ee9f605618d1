"""Model rows to API schemas, in one place so every endpoint shows an object the same way."""

from __future__ import annotations

from django.urls import reverse

from frontdesk.api.schemas import (
    AttachmentOut,
    ChannelOut,
    ContactOut,
    ConversationOut,
    IdentityOut,
    MemberOut,
    MessageOut,
)
from frontdesk.channels.actions import revealed_values, webhook_url
from frontdesk.channels.connect import NoConnector, connector_for
from frontdesk.channels.models import Channel
from frontdesk.contacts.models import Contact
from frontdesk.conversations.models import Attachment, Conversation, Message
from frontdesk.core.models import Member


def member_out(member: Member) -> MemberOut:
    return MemberOut(
        id=member.pk,
        name=member.user.get_full_name(),
        email=member.user.email,
        role=member.role,
        team_ids=[team.pk for team in member.teams.all()],
    )


def channel_out(channel: Channel, *, reveal: bool = False) -> ChannelOut:
    """``reveal`` adds the values the admin pastes at the provider; pass it only for members who manage channels."""
    revealed: dict[str, str] | None = None
    if reveal:
        try:
            revealed = {item.name: value for item, value in revealed_values(channel, connector_for(channel.kind))}
        except NoConnector:
            revealed = {}
    return ChannelOut(
        id=channel.pk,
        kind=channel.kind,
        name=channel.name,
        is_active=channel.is_active,
        created_at=channel.created_at,
        webhook_path=f"/hooks/{channel.kind}/{channel.webhook_token}",
        webhook_url=webhook_url(channel),
        config=channel.config or {},
        secret_names=channel.secret_names(),
        revealed=revealed,
    )


def contact_out(contact: Contact) -> ContactOut:
    return ContactOut(
        id=contact.pk,
        name=contact.name,
        email=contact.email,
        phone=contact.phone,
        language=contact.language,
        attributes=contact.attributes,
        identities=[
            IdentityOut(
                id=identity.pk,
                channel_id=identity.channel_id,
                external_id=identity.external_id,
                display_name=identity.display_name,
            )
            for identity in contact.identities.all()
        ],
        created_at=contact.created_at,
        updated_at=contact.updated_at,
        customer_id=contact.customer_id,
        merged_into_id=contact.merged_into_id,
    )


def conversation_out(conversation: Conversation, label_names: list[str] | None = None) -> ConversationOut:
    """``label_names``, when the caller knows them (a new conversation has none), saves a query."""
    if label_names is None:
        label_names = [label.name for label in conversation.labels.all()]
    return ConversationOut(
        id=conversation.pk,
        contact_id=conversation.contact_id,
        channel_id=conversation.channel_id,
        subject=conversation.subject,
        status=conversation.status,
        priority=conversation.priority,
        assignee_id=conversation.assignee_id,
        team_id=conversation.team_id,
        labels=label_names,
        last_message_preview=conversation.last_message_preview,
        last_activity_at=conversation.last_activity_at,
        waiting_since=conversation.waiting_since,
        snoozed_until=conversation.snoozed_until,
        created_at=conversation.created_at,
        merged_into_id=conversation.merged_into_id,
    )


def message_out(message: Message, attachments: list[Attachment] | None = None) -> MessageOut:
    """``attachments``, when the caller knows them (a new message has none yet), saves a query."""
    if attachments is None:
        attachments = list(message.attachments.all())
    return MessageOut(
        id=message.pk,
        conversation_id=message.conversation_id,
        kind=message.kind,
        channel_id=message.channel_id,
        author_id=message.author_id,
        text=message.text,
        html=message.html,
        status=message.status,
        status_reason=message.status_reason,
        failure_code=(message.metadata or {}).get("failure_code", ""),
        content=(message.metadata or {}).get("content") or {} if message.kind == "outbound" else {},
        created_at=message.created_at,
        attachments=[
            AttachmentOut(
                id=attachment.pk,
                filename=attachment.filename,
                content_type=attachment.content_type,
                size=attachment.size,
                url=reverse("inbox:attachment-download", args=[attachment.pk]),
            )
            for attachment in attachments
        ],
    )
