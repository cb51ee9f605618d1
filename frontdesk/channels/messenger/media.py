"""Downloading an ``messenger-media:<CDN URL>`` attachment: only from Meta's CDN hosts or the channel's API host."""

from __future__ import annotations

from frontdesk.channels.base import FetchedMedia
from frontdesk.channels.graph import fetch_media_ref
from frontdesk.channels.messenger.adapter import MEDIA_PREFIX
from frontdesk.channels.models import Channel
from frontdesk.core.http_client import HttpClient


def fetch_media(channel: Channel, ref: str, client: HttpClient) -> FetchedMedia:
    """The file behind ``ref``; raises ``MediaUnavailable`` for any other host or an expired URL."""
    return fetch_media_ref(channel, ref, client, MEDIA_PREFIX)
