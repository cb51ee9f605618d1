"""The customer's LINE display name and picture, or a group chat's name and icon.

``GET {api_base_url}/v2/bot/profile/<userId>`` answers ``{"displayName", "pictureUrl", …}``
for a user who has added the account as a friend; ``GET …/v2/bot/group/<groupId>/summary``
answers ``{"groupName", "pictureUrl"}``; rooms have no profile
(https://developers.line.biz/en/reference/messaging-api/#get-profile). The picture is
downloaded only from LINE's profile image hosts (or the configured API host, which
is how tests stand in), never from wherever an answer points.
"""

from __future__ import annotations

import re

from frontdesk.channels.base import FetchedMedia, MediaUnavailable, Profile
from frontdesk.channels.hosts import is_provider_url
from frontdesk.channels.line.setup import API_BASE_URL
from frontdesk.channels.models import Channel
from frontdesk.core.http_client import HttpClient, HttpClientError

# User, group and room ids: a letter and 32 hex digits.
LINE_ID = re.compile(r"[UCR][0-9a-f]{32}")
PICTURE_HOSTS = frozenset({"profile.line-scdn.net", "obs.line-scdn.net"})


def fetch_profile(channel: Channel, external_id: str, client: HttpClient) -> Profile:
    """The name and picture LINE tells for ``external_id``; raises ``MediaUnavailable`` when it tells nothing."""
    if not LINE_ID.fullmatch(external_id):
        raise MediaUnavailable("not a LINE user, group or room id")
    if external_id.startswith("R"):
        # Multi-person chats (rooms) have no name or picture in the API.
        return Profile()
    token = str((channel.secrets or {}).get("access_token") or "")
    if not token:
        raise MediaUnavailable("the channel has no channel access token")
    base = str((channel.config or {}).get("api_base_url") or API_BASE_URL).rstrip("/")
    headers = {"Authorization": f"Bearer {token}"}
    if external_id.startswith("U"):
        path, name_key = f"/v2/bot/profile/{external_id}", "displayName"
    else:
        path, name_key = f"/v2/bot/group/{external_id}/summary", "groupName"
    response = client.get(base + path, headers=headers)
    if not response.is_success:
        # 404: not a friend (any more), or they did not consent to sharing their profile.
        retryable = response.status_code == 429 or response.status_code >= 500
        raise MediaUnavailable(f"LINE said {response.status_code}", retryable=retryable)
    document = response.json_object()
    name = str(document.get(name_key) or "")[:200]
    return Profile(name=name, avatar=_picture(str(document.get("pictureUrl") or ""), base, client))


def _picture(url: str, base: str, client: HttpClient) -> FetchedMedia | None:
    if not url or not is_provider_url(url, base, hosts=PICTURE_HOSTS):
        return None
    try:
        response = client.get(url)
    except HttpClientError:
        # The name is worth keeping without the picture.
        return None
    if not response.is_success:
        return None
    return FetchedMedia(content=response.content, content_type=response.headers.get("content-type", ""))
