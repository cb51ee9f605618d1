"""Downloading an ``x-media:<URL>`` attachment of a DM.

X puts DM photos on ``ton.twitter.com`` (``/1.1/ton/data/dm/…``), readable only
with an OAuth 1.0a request signed as the account that received them; GIF and
video DMs are MP4s on ``video.twimg.com`` and thumbnails on ``pbs.twimg.com``.
The URL comes from the payload, so it is fetched only when its host is one of
those (over https) or the channel's configured API host (a proxy, the tests'
fake); anything else is refused without a request.
"""

from __future__ import annotations

from frontdesk.channels.base import FetchedMedia, MediaUnavailable
from frontdesk.channels.hosts import is_provider_url
from frontdesk.channels.models import Channel
from frontdesk.channels.x.adapter import MEDIA_REFERENCE
from frontdesk.channels.x.oauth import Credentials, MissingCredentials, signed_headers
from frontdesk.channels.x.setup import api_base_url
from frontdesk.core.http_client import HttpClient

MEDIA_HOSTS = frozenset({"ton.twitter.com", "pbs.twimg.com", "video.twimg.com"})


def is_x_host(channel: Channel, url: str, hosts: frozenset[str] = MEDIA_HOSTS) -> bool:
    """Whether ``url`` is on one of ``hosts`` over https, or on the channel's own API host."""
    return is_provider_url(url, api_base_url(channel), hosts=hosts)


def fetch_media(channel: Channel, ref: str, client: HttpClient) -> FetchedMedia:
    """The file behind ``ref``; raises ``MediaUnavailable`` when it is not X's or X will not give it."""
    url = ref.removeprefix(MEDIA_REFERENCE)
    if not ref.startswith(MEDIA_REFERENCE) or not is_x_host(channel, url):
        raise MediaUnavailable("not an X media reference")
    try:
        credentials = Credentials.of(channel)
    except MissingCredentials as error:
        raise MediaUnavailable(str(error)) from error
    response = client.get(url, headers=signed_headers(credentials, "GET", url))
    if not response.is_success:
        retryable = response.status_code == 429 or response.status_code >= 500
        raise MediaUnavailable(f"X said {response.status_code}", retryable=retryable)
    return FetchedMedia(content=response.content, content_type=response.headers.get("content-type", ""))
