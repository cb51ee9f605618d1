"""An Instagram customer's name and picture: ``GET /{igsid}?fields=name,username,profile_pic``.

Meta answers for people who wrote to the account; the picture is downloaded
only from Meta's CDN. Without a display name the ``@username`` is the name.
"""

from __future__ import annotations

from frontdesk.channels.base import Profile
from frontdesk.channels.graph import fetch_picture, profile_document
from frontdesk.channels.models import Channel
from frontdesk.core.http_client import HttpClient

FIELDS = "name,username,profile_pic"


def fetch_profile(channel: Channel, external_id: str, client: HttpClient) -> Profile:
    document = profile_document(channel, external_id, FIELDS, client)
    username = str(document.get("username") or "").strip()
    name = str(document.get("name") or "").strip() or (f"@{username}" if username else "")
    return Profile(name=name, avatar=fetch_picture(channel, document.get("profile_pic"), client))
