"""Signed addresses for a conversation's files, for the visitor's widget (replies' files and their own uploads).

The widget runs on the business's site with no login; ``/widget/<channel>/files/<token>``
serves one stored file to whoever holds the token, which names the channel and
the file and expires after ``MAX_AGE``. Files are always offered as downloads.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.urls import reverse

from frontdesk.channels.models import Channel

SALT = "frontdesk.widget.file"
MAX_AGE = timedelta(days=7)


def signed_file_url(channel: Channel, storage_name: str, filename: str) -> str:
    token = signing.dumps({"c": channel.pk, "n": storage_name, "f": filename}, salt=SALT, compress=True)
    return settings.PUBLIC_URL + reverse("widget:file", args=[channel.webhook_token, token])


def file_of(channel: Channel, token: str) -> tuple[str, str] | None:
    """(storage name, file name) a token names, if it is valid, unexpired and for ``channel``."""
    try:
        value: Any = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(value, dict) or value.get("c") != channel.pk or not isinstance(value.get("n"), str):
        return None
    return str(value["n"]), str(value.get("f") or "file")
