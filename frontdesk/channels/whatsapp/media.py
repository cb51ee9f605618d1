"""Downloading a ``whatsapp-media:<media id>`` attachment through the Graph API.

Two requests, both with the channel's access token
(https://developers.facebook.com/docs/whatsapp/cloud-api/reference/media):

1. ``GET {api_base_url}/{version}/{media id}?phone_number_id=…`` answers
   ``{"url": "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=…",
   "mime_type": …, "sha256": …, "file_size": …}``; the URL is valid for five
   minutes, so it is asked for on every attempt and never stored;
2. ``GET <url>`` answers the bytes, checked against the announced SHA-256.

The second URL comes from Meta's answer, not from us: it is followed only to
Meta's media hosts (``*.fbsbx.com``, ``*.whatsapp.net``) or to the configured
API host itself (a proxy, or the fake provider of the tests).
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from frontdesk.channels.base import FetchedMedia, MediaUnavailable
from frontdesk.channels.hosts import is_provider_url
from frontdesk.channels.models import Channel
from frontdesk.channels.whatsapp.adapter import MEDIA_REFERENCE
from frontdesk.channels.whatsapp.setup import API_BASE_URL, api_url, auth_headers, refusal
from frontdesk.core.http_client import HttpClient, Response

MEDIA_HOST_SUFFIXES = (".fbsbx.com", ".whatsapp.net")


def fetch_media(channel: Channel, ref: str, client: HttpClient) -> FetchedMedia:
    """The file behind ``ref``; raises ``MediaUnavailable`` when Meta will not give it (yet)."""
    media_id = ref.removeprefix(MEDIA_REFERENCE)
    if not ref.startswith(MEDIA_REFERENCE) or not media_id.isdigit():
        raise MediaUnavailable("not a WhatsApp media reference")
    headers = auth_headers(channel)
    if not headers:
        raise MediaUnavailable("the channel has no access token")
    phone_number_id = str((channel.config or {}).get("phone_number_id") or "")
    query = {"phone_number_id": phone_number_id} if phone_number_id else None
    answer = client.get(api_url(channel, media_id, query=query), headers=headers)
    _check(answer, "the media lookup")
    try:
        document = answer.json()
        url = str(document["url"])
    except (ValueError, KeyError, TypeError) as error:
        raise MediaUnavailable("the Graph API answered the media lookup without a URL") from error
    if not allowed_media_url(channel, url):
        raise MediaUnavailable(f"the media URL is not on a Meta media host: {urlsplit(url).hostname or url[:80]}")
    download = client.get(url, headers=headers)
    _check(download, "the download")
    expected = str(document.get("sha256") or "").lower()
    if expected and hashlib.sha256(download.content).hexdigest() != expected:
        # A cut or altered transfer: the next attempt gets a fresh URL.
        raise MediaUnavailable("the file does not match the SHA-256 Meta announced", retryable=True)
    content_type = str(document.get("mime_type") or download.headers.get("content-type", ""))
    return FetchedMedia(content=download.content, content_type=content_type)


def allowed_media_url(channel: Channel, url: str) -> bool:
    """Whether ``url`` is on Meta's media hosts over https, or on the channel's configured API host."""
    api = str((channel.config or {}).get("api_base_url") or API_BASE_URL)
    return is_provider_url(url, api, suffixes=MEDIA_HOST_SUFFIXES)


def _check(response: Response, step: str) -> None:
    if response.is_success:
        return
    retryable = response.status_code == 429 or response.status_code >= 500
    raise MediaUnavailable(f"WhatsApp refused {step}: {refusal(response)}", retryable=retryable)
