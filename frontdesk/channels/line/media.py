"""Downloading a ``line-content:<message id>`` attachment from LINE's data host.

``GET <content_base_url>/v2/bot/message/<message id>/content`` with the
channel access token answers the file's bytes; ``202`` means a video or audio
is still being prepared (https://developers.line.biz/en/reference/messaging-api/#get-content).
The data host is ``config["content_base_url"]`` (default ``https://api-data.line.me``),
so tests and proxies can stand in; nothing else is ever called.
"""

from __future__ import annotations

from frontdesk.channels.base import FetchedMedia, MediaUnavailable
from frontdesk.channels.line.adapter import CONTENT_REFERENCE
from frontdesk.channels.line.setup import CONTENT_BASE_URL
from frontdesk.channels.models import Channel
from frontdesk.core.http_client import HttpClient


def fetch_media(channel: Channel, ref: str, client: HttpClient) -> FetchedMedia:
    """The file behind ``ref``; raises ``MediaUnavailable`` when LINE will not give it (yet)."""
    message_id = ref.removeprefix(CONTENT_REFERENCE)
    if not ref.startswith(CONTENT_REFERENCE) or not message_id.isdigit():
        raise MediaUnavailable("not a LINE content reference")
    token = str((channel.secrets or {}).get("access_token") or "")
    if not token:
        raise MediaUnavailable("the channel has no channel access token")
    base_url = str((channel.config or {}).get("content_base_url") or CONTENT_BASE_URL).rstrip("/")
    response = client.get(
        f"{base_url}/v2/bot/message/{message_id}/content", headers={"Authorization": f"Bearer {token}"}
    )
    if response.status_code == 202:
        raise MediaUnavailable("LINE is still preparing the file", retryable=True)
    if not response.is_success:
        retryable = response.status_code == 429 or response.status_code >= 500
        raise MediaUnavailable(f"LINE said {response.status_code}", retryable=retryable)
    return FetchedMedia(content=response.content, content_type=response.headers.get("content-type", ""))
