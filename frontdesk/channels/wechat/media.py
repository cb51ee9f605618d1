"""Downloading a ``wechat-media:<MediaId>`` attachment from WeChat's media API.

``GET {api_base_url}/cgi-bin/media/get?access_token=…&media_id=…`` (the same path on
the Official Account's and WeCom's hosts) answers the file's bytes, or a JSON
body with ``errcode`` when it will not (``40007``: the media id is unknown or
older than the 3 days WeChat keeps it). Official Account videos come back as
JSON ``{"video_url": …}``; that link is followed only on WeChat's own hosts.
"""

from __future__ import annotations

from frontdesk.channels.base import FetchedMedia, MediaUnavailable
from frontdesk.channels.hosts import is_provider_url
from frontdesk.channels.models import Channel
from frontdesk.channels.wechat.adapter import MEDIA_REFERENCE
from frontdesk.channels.wechat.setup import api_url
from frontdesk.channels.wechat.token import BUSY, AccessTokenError, api_request, error_text, scrub
from frontdesk.core.http_client import HttpClient

# Where WeChat serves video files and profile pictures; anything else in a payload is not followed.
WECHAT_FILE_HOST_SUFFIXES = (".qq.com", ".qpic.cn", ".qlogo.cn")


def fetch_media(channel: Channel, ref: str, client: HttpClient) -> FetchedMedia:
    """The file behind ``ref``; raises ``MediaUnavailable`` when WeChat will not give it (yet)."""
    media_id = ref.removeprefix(MEDIA_REFERENCE)
    if not ref.startswith(MEDIA_REFERENCE) or not media_id:
        raise MediaUnavailable("not a WeChat media reference")
    try:
        response, document, token = api_request(channel, client, "GET", "/cgi-bin/media/get", {"media_id": media_id})
    except AccessTokenError as error:
        raise MediaUnavailable(error.reason, retryable=error.retryable) from error
    if response.status_code == 429 or response.status_code >= 500:
        raise MediaUnavailable(f"WeChat said HTTP {response.status_code}", retryable=True)
    if "errcode" in document and document.get("errcode") != 0:
        reason = scrub(error_text(document), token)
        raise MediaUnavailable(f"WeChat refused the file: {reason}", retryable=document.get("errcode") == BUSY)
    video_url = document.get("video_url")
    if isinstance(video_url, str):
        if not is_wechat_file_host(channel, video_url):
            raise MediaUnavailable("WeChat's video link points outside WeChat's hosts")
        response = client.get(video_url)
    if not response.is_success:
        raise MediaUnavailable(f"WeChat said HTTP {response.status_code}")
    return FetchedMedia(
        content=response.content,
        content_type=response.headers.get("content-type", ""),
        filename=_filename(response.headers.get("content-disposition", "")),
    )


def is_wechat_file_host(channel: Channel, url: str) -> bool:
    """Whether ``url`` is on WeChat's file hosts or the channel's configured API host (a test or proxy)."""
    # WeChat still serves avatars and video links over plain http.
    return is_provider_url(url, api_url(channel), suffixes=WECHAT_FILE_HOST_SUFFIXES, schemes=("http", "https"))


def _filename(disposition: str) -> str:
    # WeChat sends: attachment; filename="MEDIA_ID.jpg"
    for part in disposition.split(";"):
        name, _, value = part.strip().partition("=")
        if name.lower() == "filename":
            return value.strip().strip('"').rsplit("/", 1)[-1][:200]
    return ""
