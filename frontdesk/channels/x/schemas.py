"""The Account Activity API's direct message events, as X documents them (v1.1 "Message Create Object").

Only the fields Frontdesk reads are declared; X adds fields over time, so the
rest are kept (``extra="allow"``) and never refused.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow")


class UrlEntity(_Model):
    url: str
    expanded_url: str = ""


class Entities(_Model):
    urls: list[UrlEntity] = Field(default_factory=list)


class VideoVariant(_Model):
    url: str
    content_type: str = ""
    bitrate: int = 0


class VideoInfo(_Model):
    variants: list[VideoVariant] = Field(default_factory=list)


class Media(_Model):
    id_str: str = ""
    type: str = "photo"
    media_url_https: str = ""
    # The t.co link X appends to the DM's text for the attachment.
    url: str = ""
    video_info: VideoInfo | None = None


class Attachment(_Model):
    type: str
    media: Media | None = None


class QuickReplyResponse(_Model):
    type: str = "options"
    metadata: str = ""


class MessageData(_Model):
    text: str = ""
    entities: Entities | None = None
    attachment: Attachment | None = None
    quick_reply_response: QuickReplyResponse | None = None


class Target(_Model):
    recipient_id: str


class MessageCreate(_Model):
    target: Target
    sender_id: str
    message_data: MessageData


class DirectMessageEvent(_Model):
    type: str
    id: str
    created_timestamp: str = ""
    message_create: MessageCreate | None = None


class MarkReadEvent(_Model):
    created_timestamp: str = ""
    sender_id: str
    target: Target
    last_read_event_id: str


class User(_Model):
    id: str = ""
    name: str = ""
    screen_name: str = ""
    profile_image_url_https: str = ""
