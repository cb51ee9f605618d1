"""A WeChat customer's name and picture, fetched once per new identity.

Official Account: ``GET /cgi-bin/user/info?access_token=…&openid=…&lang=zh_TW``
answers ``nickname`` and ``headimgurl`` (since December 2021 WeChat returns them
only for some accounts; otherwise both are empty and nothing is stored).
WeCom: ``GET /cgi-bin/user/get?access_token=…&userid=…`` answers the member's
``name`` and ``avatar`` when the app may read them. The picture is downloaded
only from WeChat's image hosts (``*.qlogo.cn``…) or the channel's API host.
"""

from __future__ import annotations

from frontdesk.channels.base import FetchedMedia, MediaUnavailable, Profile
from frontdesk.channels.models import Channel
from frontdesk.channels.wechat.media import is_wechat_file_host
from frontdesk.channels.wechat.setup import is_wecom
from frontdesk.channels.wechat.token import BUSY, AccessTokenError, api_request, error_text, scrub
from frontdesk.core.http_client import HttpClient


def fetch_profile(channel: Channel, external_id: str, client: HttpClient) -> Profile:
    """The follower's (or WeCom member's) name and picture; an empty ``Profile`` when WeChat tells nothing."""
    if is_wecom(channel):
        path, params, name_key, avatar_key = "/cgi-bin/user/get", {"userid": external_id}, "name", "avatar"
    else:
        path, params = "/cgi-bin/user/info", {"openid": external_id, "lang": "zh_TW"}
        name_key, avatar_key = "nickname", "headimgurl"
    try:
        response, document, token = api_request(channel, client, "GET", path, params)
    except AccessTokenError as error:
        raise MediaUnavailable(error.reason, retryable=error.retryable) from error
    if response.status_code == 429 or response.status_code >= 500:
        raise MediaUnavailable(f"WeChat said HTTP {response.status_code}", retryable=True)
    errcode = document.get("errcode", 0)
    if errcode != 0 or not response.is_success:
        reason = scrub(error_text(document) or f"HTTP {response.status_code}", token)
        # A member outside the app's visible range, an unfollowed OpenID: no profile, not an error worth retrying.
        if errcode != BUSY:
            return Profile()
        raise MediaUnavailable(f"WeChat refused the profile: {reason}", retryable=True)
    name = document.get(name_key)
    avatar_url = document.get(avatar_key)
    avatar = None
    if isinstance(avatar_url, str) and avatar_url and is_wechat_file_host(channel, avatar_url):
        picture = client.get(avatar_url)
        if picture.is_success and picture.content:
            avatar = FetchedMedia(content=picture.content, content_type=picture.headers.get("content-type", ""))
    return Profile(name=name.strip()[:200] if isinstance(name, str) else "", avatar=avatar)
