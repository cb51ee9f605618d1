"""Downloading an API channel's attachment: the URL the integrator sent, through the guarded client.

The URL is the integrator's choice, so the client's address guard is what keeps
it from reaching into our own network (loopback, private ranges, metadata
services), unless the operator allowlisted the host.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from frontdesk.channels.base import FetchedMedia, MediaUnavailable
from frontdesk.channels.models import Channel
from frontdesk.core.http_client import HttpClient


def fetch_media(channel: Channel, ref: str, client: HttpClient) -> FetchedMedia:
    """The file at ``ref`` (an http or https URL); raises ``MediaUnavailable`` if the server will not give it."""
    if urlsplit(ref).scheme not in {"http", "https"}:
        raise MediaUnavailable("not an http or https URL")
    response = client.get(ref)
    if not response.is_success:
        retryable = response.status_code == 429 or response.status_code >= 500
        raise MediaUnavailable(f"the server said {response.status_code}", retryable=retryable)
    return FetchedMedia(content=response.content, content_type=response.headers.get("content-type", ""))
