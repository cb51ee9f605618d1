"""A DM sender's name and profile picture: ``GET /2/users/{id}?user.fields=profile_image_url,name``.

The lookup is signed like every other call (OAuth 1.0a, user context). The
picture is fetched only from ``pbs.twimg.com`` (or the configured API host) and
in the 400x400 size X serves beside the 48x48 ``_normal`` one it names.
"""

from __future__ import annotations

from frontdesk.channels.base import FetchedMedia, MediaUnavailable, Profile
from frontdesk.channels.models import Channel
from frontdesk.channels.x.media import is_x_host
from frontdesk.channels.x.oauth import Credentials, MissingCredentials, signed_headers
from frontdesk.channels.x.setup import api_base_url
from frontdesk.core.http_client import HttpClient, HttpClientError

AVATAR_HOSTS = frozenset({"pbs.twimg.com"})


def fetch_profile(channel: Channel, external_id: str, client: HttpClient) -> Profile:
    if not external_id.isdigit():
        raise MediaUnavailable("not an X user id")
    try:
        credentials = Credentials.of(channel)
    except MissingCredentials as error:
        raise MediaUnavailable(str(error)) from error
    url = f"{api_base_url(channel)}/2/users/{external_id}?user.fields=profile_image_url%2Cname"
    response = client.get(url, headers=signed_headers(credentials, "GET", url))
    if not response.is_success:
        retryable = response.status_code == 429 or response.status_code >= 500
        raise MediaUnavailable(f"X said {response.status_code}", retryable=retryable)
    try:
        document = response.json()
    except ValueError as error:
        raise MediaUnavailable("X answered the user lookup with something other than JSON") from error
    data = document.get("data") if isinstance(document, dict) else None
    if not isinstance(data, dict):
        # X answers 200 with only "errors" for a suspended or deleted user.
        raise MediaUnavailable("X knows no such user")
    return Profile(
        name=str(data.get("name") or ""), avatar=_avatar(channel, str(data.get("profile_image_url") or ""), client)
    )


def _avatar(channel: Channel, url: str, client: HttpClient) -> FetchedMedia | None:
    if not url or not is_x_host(channel, url, AVATAR_HOSTS):
        return None
    url = url.replace("_normal.", "_400x400.")
    try:
        response = client.get(url)
    except HttpClientError:
        # A picture that cannot be fetched now costs the picture, not the name.
        return None
    if not response.is_success:
        return None
    return FetchedMedia(content=response.content, content_type=response.headers.get("content-type", ""))
