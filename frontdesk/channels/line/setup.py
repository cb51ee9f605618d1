"""Connecting a LINE Official Account: its channel secret and channel access token."""

from __future__ import annotations

from frontdesk.channels.models import Channel, ChannelKind
from frontdesk.core.models import Workspace

API_BASE_URL = "https://api.line.me"


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
