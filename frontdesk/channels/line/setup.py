"""Connecting a LINE Official Account: its channel secret and channel access token.

``test_connection`` reads the bot's own profile (``GET /v2/bot/info``);
``after_connect`` sets the channel's webhook URL at LINE
(``PUT /v2/bot/channel/webhook/endpoint``), so the admin only has to turn
"Use webhook" on (https://developers.line.biz/en/reference/messaging-api/#set-webhook-endpoint-url).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from frontdesk.channels.connect import ConnectionTestFailed, Connector, CredentialField
from frontdesk.channels.models import Channel, ChannelKind
from frontdesk.core.http_client import HttpClientError

if TYPE_CHECKING:
    from frontdesk.core.http_client import HttpClient
    from frontdesk.core.models import Workspace

API_BASE_URL = "https://api.line.me"
CONTENT_BASE_URL = "https://api-data.line.me"
BOT_INFO_PATH = "/v2/bot/info"
WEBHOOK_ENDPOINT_PATH = "/v2/bot/channel/webhook/endpoint"


def create_line_channel(
    workspace: Workspace, name: str, channel_secret: str, access_token: str, api_base_url: str = API_BASE_URL
) -> Channel:
    """A new LINE channel; the credentials are stored encrypted in ``channel.secrets``."""
    return Channel.all_workspaces.create(
        workspace=workspace,
        kind=ChannelKind.LINE,
        name=name,
        config={"api_base_url": api_base_url.rstrip("/")},
        secrets={"channel_secret": channel_secret, "access_token": access_token},
    )


def hook_url(channel: Channel) -> str:
    """The address LINE posts this channel's events to."""
    return f"{settings.PUBLIC_URL}/hooks/line/{channel.webhook_token}"


def check_connection(channel: Channel, client: HttpClient) -> str:
    """``"Shop (@123abcde)"``: the bot's display name and basic id, read with the channel access token."""
    document = _call(channel, client, "GET", BOT_INFO_PATH)
    name = str(document.get("displayName") or "")
    basic_id = str(document.get("basicId") or "")
    return f"{name} ({basic_id})" if basic_id else name or "LINE bot"


def register_webhook(channel: Channel, client: HttpClient) -> str:
    """Point the channel's webhook at this Frontdesk."""
    url = hook_url(channel)
    _call(channel, client, "PUT", WEBHOOK_ENDPOINT_PATH, {"endpoint": url})
    return str(
        _("LINE will post events to %(url)s. Turn on “Use webhook” in the LINE Developers Console.") % {"url": url}
    )


def _call(
    channel: Channel, client: HttpClient, method: str, path: str, body: dict[str, Any] | None = None
) -> dict[str, Any]:
    token = str((channel.secrets or {}).get("access_token") or "")
    if not token:
        raise ConnectionTestFailed(str(_("The channel has no channel access token.")))
    base = str((channel.config or {}).get("api_base_url") or API_BASE_URL).rstrip("/")
    headers = {"Authorization": f"Bearer {token}"}
    content = b""
    if body is not None:
        headers["Content-Type"] = "application/json"
        content = json.dumps(body).encode()
    try:
        response = client.request(method, base + path, content=content, headers=headers)
    except HttpClientError as error:
        raise ConnectionTestFailed(f"LINE could not be reached: {error}") from error
    document = response.json_object()
    if response.status_code == 401:
        raise ConnectionTestFailed(str(_("LINE refused the channel access token.")))
    if not response.is_success:
        message = str(document.get("message") or " ".join(response.text.split())[:200])
        raise ConnectionTestFailed(f"LINE said {response.status_code}: {message}")
    return document


CONNECTOR = Connector(
    kind=ChannelKind.LINE,
    fields=(
        CredentialField(
            "channel_secret",
            _("Channel secret"),
            help_text=_("LINE Developers Console › your Messaging API channel › Basic settings."),
        ),
        CredentialField(
            "access_token",
            _("Channel access token"),
            help_text=_("Messaging API tab › Channel access token (long-lived) › Issue."),
        ),
        CredentialField(
            "api_base_url",
            _("API address"),
            secret=False,
            required=False,
            default=API_BASE_URL,
            help_text=_("Leave as it is unless you go through a proxy."),
        ),
        CredentialField(
            "content_base_url",
            _("Content API address"),
            secret=False,
            required=False,
            default=CONTENT_BASE_URL,
            help_text=_("Where customers' images and files are downloaded from; leave as it is."),
        ),
    ),
    test_connection=check_connection,
    after_connect=register_webhook,
    docs_page="line",
)
