"""A file a visitor uploaded from the widget, ``widget-upload:<storage name>``: read back from our own storage."""

from __future__ import annotations

from django.core.files.storage import default_storage

from frontdesk.channels.base import FetchedMedia, MediaUnavailable
from frontdesk.channels.models import Channel
from frontdesk.core.http_client import HttpClient


def upload_prefix(channel: Channel) -> str:
    """Where the widget stages this channel's uploads; a reference outside it is refused."""
    return f"widget-uploads/{channel.workspace_id}/{channel.pk}/"


def fetch_media(channel: Channel, ref: str, client: HttpClient) -> FetchedMedia:
    from frontdesk.channels.webchat.adapter import UPLOAD_REFERENCE

    name = ref.removeprefix(UPLOAD_REFERENCE)
    if not ref.startswith(UPLOAD_REFERENCE) or not name.startswith(upload_prefix(channel)) or ".." in name:
        raise MediaUnavailable("not an upload of this channel")
    if not default_storage.exists(name):
        raise MediaUnavailable("the uploaded file is gone")
    with default_storage.open(name, "rb") as handle:
        content: bytes = handle.read()
    return FetchedMedia(content=content, filename=name.rsplit("/", 1)[-1])
