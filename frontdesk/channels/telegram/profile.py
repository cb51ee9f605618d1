"""A Telegram customer's profile picture, or a group's photo and title.

The name comes with every update, so only the picture is fetched: for a user,
``getUserProfilePhotos?user_id=…&limit=1`` names their current photo's sizes;
for a group (a negative chat id), ``getChat`` gives its title and photo. The
file is then downloaded like any attachment, with ``getFile`` and the Bot API's
own file host (https://core.telegram.org/bots/api#getuserprofilephotos); nothing
else is ever called.
"""

from __future__ import annotations

import re
from typing import Any

from frontdesk.channels.base import MediaUnavailable, Profile
from frontdesk.channels.models import Channel
from frontdesk.channels.telegram.media import api_base_url, bot_api_json, check_answer, download_file
from frontdesk.core.http_client import HttpClient

CHAT_ID = re.compile(r"-?[0-9]{1,20}")


def fetch_profile(channel: Channel, external_id: str, client: HttpClient) -> Profile:
    """The picture (and, for groups, the title) Telegram gives for the chat ``external_id``."""
    if not CHAT_ID.fullmatch(external_id):
        raise MediaUnavailable("not a Telegram chat id")
    token = str((channel.secrets or {}).get("bot_token") or "")
    if not token:
        raise MediaUnavailable("the channel has no bot token")
    base_url = f"{api_base_url(channel)}/bot{token}"
    if external_id.startswith("-"):
        answer = client.get(f"{base_url}/getChat?chat_id={external_id}")
        check_answer(answer, token)
        chat = _result(bot_api_json(answer))
        photo = chat.get("photo") if isinstance(chat.get("photo"), dict) else {}
        file_id = str(photo.get("big_file_id") or "") if photo else ""
        name = str(chat.get("title") or "")[:200]
    else:
        answer = client.get(f"{base_url}/getUserProfilePhotos?user_id={external_id}&limit=1")
        check_answer(answer, token)
        photos = _result(bot_api_json(answer)).get("photos") or []
        sizes = photos[0] if isinstance(photos, list) and photos and isinstance(photos[0], list) else []
        largest = max(
            (size for size in sizes if isinstance(size, dict) and size.get("file_id")),
            key=lambda size: int(size.get("width") or 0) * int(size.get("height") or 0),
            default=None,
        )
        file_id = str(largest["file_id"]) if largest else ""
        name = ""
    return Profile(name=name, avatar=download_file(channel, file_id, client) if file_id else None)


def _result(document: dict[str, Any]) -> dict[str, Any]:
    result = document.get("result")
    return result if isinstance(result, dict) else {}
