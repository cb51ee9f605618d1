"""Connecting a Telegram bot: its token from @BotFather and a generated webhook secret.

The webhook itself is registered with Telegram by calling ``setWebhook`` with the
channel's hook URL and ``secret_token`` (docs/channels/telegram.md shows the call).
"""

from __future__ import annotations

import secrets

from frontdesk.channels.models import Channel, ChannelKind
from frontdesk.core.models import Workspace

BOT_API_BASE_URL = "https://api.telegram.org"


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
