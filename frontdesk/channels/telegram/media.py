"""Downloading a ``telegram-file:<file_id>`` attachment through the Bot API.

``GET <base>/bot<token>/getFile?file_id=…`` answers ``{"ok": true, "result":
{"file_path": "photos/file_1.jpg", …}}``; the file is then at
``<base>/file/bot<token>/<file_path>`` (https://core.telegram.org/bots/api#getfile).
Both calls go to the channel's own Bot API base URL, never to a host a payload names.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from frontdesk.channels.base import FetchedMedia, MediaUnavailable
from frontdesk.channels.models import Channel
from frontdesk.channels.telegram.adapter import FILE_REFERENCE
from frontdesk.channels.telegram.setup import BOT_API_BASE_URL
from frontdesk.core.http_client import HttpClient, Response


def fetch_media(channel: Channel, ref: str, client: HttpClient) -> FetchedMedia:
    """The file behind ``ref``; raises ``MediaUnavailable`` when Telegram will not give it."""
    if not ref.startswith(FILE_REFERENCE) or not ref.removeprefix(FILE_REFERENCE):
        raise MediaUnavailable("not a Telegram file reference")
    return download_file(channel, ref.removeprefix(FILE_REFERENCE), client)


def download_file(channel: Channel, file_id: str, client: HttpClient) -> FetchedMedia:
    """The file Telegram knows as ``file_id``, through ``getFile`` and the Bot API's file host."""
    token = str((channel.secrets or {}).get("bot_token") or "")
    if not token:
        raise MediaUnavailable("the channel has no bot token")
    base_url = api_base_url(channel)
    answer = client.get(f"{base_url}/bot{token}/getFile?file_id={quote(file_id, safe='')}")
    check_answer(answer, token)
    result = bot_api_json(answer).get("result")
    file_path = str(result.get("file_path") or "") if isinstance(result, dict) else ""
    if not file_path or ".." in PurePosixPath(file_path).parts or "://" in file_path or "?" in file_path:
        raise MediaUnavailable("Telegram gave no usable file path")
    download = client.get(f"{base_url}/file/bot{token}/{quote(file_path.lstrip('/'), safe='/')}")
    check_answer(download, token)
    return FetchedMedia(
        content=download.content,
        content_type=download.headers.get("content-type", ""),
        filename=PurePosixPath(file_path).name,
    )


def api_base_url(channel: Channel) -> str:
    return str((channel.config or {}).get("api_base_url") or BOT_API_BASE_URL).rstrip("/")


def bot_api_json(response: Response) -> dict[str, Any]:
    try:
        document = response.json()
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


def check_answer(response: Response, token: str) -> None:
    if response.is_success:
        return
    description = str(bot_api_json(response).get("description") or "").replace(token, "<token>")[:200]
    detail = f"Telegram said {response.status_code}" + (f": {description}" if description else "")
    # Flood control and Telegram's own trouble pass; anything else about this file will not.
    raise MediaUnavailable(detail, retryable=response.status_code == 429 or response.status_code >= 500)
