"""What a channel allows an agent to send right now: its reply window, opt-outs and what it can carry.

Checked when the reply is written, so the agent sees the reason at once
instead of a failed message later; the provider's own refusal (its window
error, its opt-out list) still fails the message with a reason if our view
of the conversation was out of date.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from frontdesk.channels.base import UnknownChannelKind, adapter_for
from frontdesk.channels.models import Channel
from frontdesk.conversations.models import Message, MessageKind


@dataclass(frozen=True)
class ReplyWindow:
    """The channel's free-form reply window for one contact; ``closes_at`` None: the channel has none."""

    closes_at: datetime | None
    last_inbound_at: datetime | None
    exempt_content: frozenset[str]

    @property
    def is_open(self) -> bool:
        return self.closes_at is None or timezone.now() < self.closes_at

    @property
    def applies(self) -> bool:
        return self.closes_at is not None


def media_kind(content_type: str) -> str:
    """How channels classify a file: image, audio, video or file."""
    major = content_type.split("/", 1)[0]
    return major if major in ("image", "audio", "video") else "file"


def _latest_inbound(contact_id: int, channel: Channel) -> Message | None:
    return (
        Message.in_workspace(channel.workspace_id)
        .filter(conversation__contact_id=contact_id, channel_id=channel.pk, kind=MessageKind.INBOUND)
        .order_by("-created_at", "-pk")
        .only("created_at", "provider_message_id", "metadata")
        .first()
    )


def reply_window(contact_id: int, channel: Channel) -> ReplyWindow:
    """When the channel stops taking free-form replies to this contact (24 h on WhatsApp, 48 h on WeChat)."""
    try:
        capabilities = adapter_for(channel).capabilities
    except UnknownChannelKind:
        return ReplyWindow(None, None, frozenset())
    hours = capabilities.reply_window_hours
    if hours is None:
        return ReplyWindow(None, None, frozenset())
    latest = _latest_inbound(contact_id, channel)
    if latest is None:
        # The customer never wrote here: a business-initiated message needs the exempt kind too.
        return ReplyWindow(timezone.now() - timedelta(seconds=1), None, capabilities.outside_window_content)
    return ReplyWindow(
        latest.created_at + timedelta(hours=hours), latest.created_at, capabilities.outside_window_content
    )


def opted_out(contact_id: int, channel: Channel) -> bool:
    """Whether the contact's latest opt-out keyword on this channel (SMS STOP / START) was a stop."""
    latest = (
        Message.in_workspace(channel.workspace_id)
        .filter(
            conversation__contact_id=contact_id,
            channel_id=channel.pk,
            kind=MessageKind.INBOUND,
            metadata__provider__opt_out__isnull=False,
        )
        .order_by("-created_at", "-pk")
        .values_list("metadata", flat=True)
        .first()
    )
    provider = (latest or {}).get("provider") or {}
    return provider.get("opt_out") == "stop"


def check_reply(contact_id: int, channel: Channel, content: Mapping[str, Any], content_types: Sequence[str]) -> None:
    """Raise ``ValidationError`` with the reason the agent will read when the channel cannot take this reply."""
    try:
        capabilities = adapter_for(channel).capabilities
    except UnknownChannelKind:
        return
    unsupported = sorted(set(content) - capabilities.content_kinds)
    if unsupported:
        raise ValidationError(
            _("%(channel)s cannot send %(kinds)s.")
            % {"channel": channel.get_kind_display(), "kinds": ", ".join(unsupported)}
        )
    for content_type in content_types:
        if media_kind(content_type) not in capabilities.media_kinds:
            raise ValidationError(
                _("%(channel)s cannot send files of type %(type)s.")
                % {"channel": channel.get_kind_display(), "type": content_type}
            )
    if capabilities.opt_out_keywords and opted_out(contact_id, channel):
        raise ValidationError(
            _("The customer has opted out of messages on this channel; they can write START to opt back in.")
        )
    window = reply_window(contact_id, channel)
    if window.is_open or set(content) & window.exempt_content:
        return
    if window.last_inbound_at is None:
        reason = _("The customer has not written on %(channel)s yet, so a free-form message cannot be sent.") % {
            "channel": channel.get_kind_display()
        }
    else:
        reason = _("The %(hours)d-hour reply window on %(channel)s closed at %(time)s.") % {
            "hours": capabilities.reply_window_hours,
            "channel": channel.get_kind_display(),
            "time": timezone.localtime(window.closes_at).strftime("%Y-%m-%d %H:%M") if window.closes_at else "",
        }
    if "template" in window.exempt_content:
        reason += " " + _("Only an approved message template can be sent now.")
    elif "tag" in window.exempt_content:
        reason += " " + _("Only a message with a message tag (such as Human agent) can be sent now.")
    raise ValidationError(reason)
