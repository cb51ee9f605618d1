"""A Messenger customer's name and picture: ``GET /{psid}?fields=first_name,last_name,profile_pic``.

Meta gives these to Pages with the messaging permission for people who wrote
to the Page. The picture is downloaded only from Meta's CDN.
"""

from __future__ import annotations

from frontdesk.channels.base import Profile
from frontdesk.channels.graph import fetch_picture, profile_document
from frontdesk.channels.models import Channel
from frontdesk.core.http_client import HttpClient

FIELDS = "first_name,last_name,profile_pic"


def fetch_profile(channel: Channel, external_id: str, client: HttpClient) -> Profile:
    document = profile_document(channel, external_id, FIELDS, client)
    name = " ".join(str(document.get(key) or "").strip() for key in ("first_name", "last_name")).strip()
    return Profile(name=name, avatar=fetch_picture(channel, document.get("profile_pic"), client))
