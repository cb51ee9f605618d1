"""Sending on the web-chat channel: the reply is pushed to the visitor's open widgets.

The visitor's widget answers ``{"type": "received", "id": …}`` when it shows
the reply, which marks it delivered (``frontdesk.widget.consumers``); a visitor
who is away finds it in the history the next time the widget opens.
"""

from __future__ import annotations

from frontdesk.channels.base import OutboundMessage, SendResult
from frontdesk.channels.models import Channel
from frontdesk.pipeline.outbound import SendFailed
from frontdesk.widget.push import PushFailed, push_to_visitor
from frontdesk.widget.signed_files import signed_file_url


def send_to_visitor(channel: Channel, message: OutboundMessage) -> SendResult:
    metadata = message.metadata
    payload = {
        "type": "message",
        "id": metadata.get("message_id"),
        "from": "agent",
        "author": (metadata.get("author") or {}).get("name", ""),
        "text": message.text,
        "at": metadata.get("created_at"),
        "attachments": [
            {
                "name": item.filename,
                "type": item.content_type,
                "url": signed_file_url(channel, item.storage_name, item.filename),
            }
            for item in message.attachments
        ],
    }
    try:
        push_to_visitor(channel.pk, message.recipient, payload)
    except PushFailed as error:
        raise SendFailed(str(error), retryable=True) from error
    return SendResult(provider_message_id=f"webchat-{metadata.get('message_id')}")
