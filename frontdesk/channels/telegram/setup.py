"""Connecting a Telegram bot: its token from @BotFather and a generated webhook secret.

``test_connection`` asks ``getMe`` who the bot is; ``after_connect`` registers the
channel's hook URL with ``setWebhook``, giving Telegram the webhook secret to
send back in ``X-Telegram-Bot-Api-Secret-Token`` with every update
(https://core.telegram.org/bots/api#setwebhook). The admin never needs the secret.
"""

from __future__ import annotations

import json
import secrets
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from frontdesk.channels.connect import ConnectionTestFailed, Connector, CredentialField
from frontdesk.channels.models import Channel, ChannelKind
from frontdesk.core.http_client import HttpClientError

if TYPE_CHECKING:
    from frontdesk.core.http_client import HttpClient
    from frontdesk.core.models import Workspace

BOT_API_BASE_URL = "https://api.telegram.org"
# Only what becomes a conversation; edits, polls and member changes are not delivered at all.
ALLOWED_UPDATES = ["message", "callback_query"]


def new_webhook_secret() -> str:
    # Telegram allows 1-256 characters of A-Z, a-z, 0-9, "_" and "-": token_urlsafe uses exactly those.
    return secrets.token_urlsafe(48)


def create_telegram_channel(
    workspace: Workspace, name: str, bot_token: str, *, api_base_url: str = BOT_API_BASE_URL
) -> Channel:
    """A new Telegram channel holding ``bot_token`` and a fresh ``webhook_secret`` (both encrypted)."""
    return Channel.all_workspaces.create(
        workspace=workspace,
        kind=ChannelKind.TELEGRAM,
        name=name,
        config={"api_base_url": api_base_url.rstrip("/")},
        secrets={"bot_token": bot_token, "webhook_secret": new_webhook_secret()},
    )


def hook_url(channel: Channel) -> str:
    """The address Telegram posts this channel's updates to."""
    return f"{settings.PUBLIC_URL}/hooks/telegram/{channel.webhook_token}"


def check_connection(channel: Channel, client: HttpClient) -> str:
    """``"@shop_support_bot"``: who the token belongs to, from ``getMe``."""
    bot = _call(channel, client, "getMe")
    if not isinstance(bot, dict):
        bot = {}
    username = str(bot.get("username") or "")
    return f"@{username}" if username else str(bot.get("first_name") or "Telegram bot")


def register_webhook(channel: Channel, client: HttpClient) -> str:
    """``setWebhook`` with the hook URL, the secret token and the updates Frontdesk reads."""
    url = hook_url(channel)
    _call(
        channel,
        client,
        "setWebhook",
        {"url": url, "secret_token": channel.secrets["webhook_secret"], "allowed_updates": ALLOWED_UPDATES},
    )
    return str(_("Telegram will post updates to %(url)s.")) % {"url": url}


def _call(channel: Channel, client: HttpClient, method: str, body: dict[str, Any] | None = None) -> Any:
    token = str((channel.secrets or {}).get("bot_token") or "")
    if not token:
        raise ConnectionTestFailed(str(_("The channel has no bot token.")))
    base_url = str((channel.config or {}).get("api_base_url") or BOT_API_BASE_URL).rstrip("/")
    try:
        response = client.post(
            f"{base_url}/bot{token}/{method}",
            content=json.dumps(body or {}).encode(),
            headers={"Content-Type": "application/json"},
        )
    except HttpClientError as error:
        raise ConnectionTestFailed(f"Telegram could not be reached: {error}".replace(token, "<bot token>")) from error
    try:
        answer = response.json()
    except ValueError:
        answer = {}
    if not isinstance(answer, dict):
        answer = {}
    if response.status_code == 401:
        raise ConnectionTestFailed(str(_("Telegram refused the bot token.")))
    if not response.is_success or answer.get("ok") is not True:
        description = str(answer.get("description") or f"HTTP {response.status_code}").replace(token, "<bot token>")
        raise ConnectionTestFailed(f"Telegram said: {description}"[:300])
    return answer.get("result")


CONNECTOR = Connector(
    kind=ChannelKind.TELEGRAM,
    fields=(
        CredentialField(
            "bot_token",
            _("Bot token"),
            help_text=_("The token @BotFather gave when you created the bot (/newbot or /token)."),
        ),
        CredentialField(
            "webhook_secret",
            _("Webhook secret"),
            required=False,
            generate=new_webhook_secret,
            help_text=_("Made for you and registered with Telegram when the channel is connected."),
        ),
        CredentialField(
            "api_base_url",
            _("Bot API address"),
            secret=False,
            required=False,
            default=BOT_API_BASE_URL,
            help_text=_("Leave as it is unless you run your own Bot API server."),
        ),
    ),
    test_connection=check_connection,
    after_connect=register_webhook,
    docs_page="telegram",
)
