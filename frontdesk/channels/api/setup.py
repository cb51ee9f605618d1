"""Connecting an API channel: a name, an optional callback URL, and a generated signing secret."""

from __future__ import annotations

import secrets

from frontdesk.channels.models import Channel, ChannelKind
from frontdesk.core.models import Workspace


def create_api_channel(workspace: Workspace, name: str, callback_url: str = "") -> Channel:
    """A new API channel with a fresh signing secret (``channel.secrets["signing_secret"]``)."""
    return Channel.all_workspaces.create(
        workspace=workspace,
        kind=ChannelKind.API,
        name=name,
        config={"callback_url": callback_url},
        secrets={"signing_secret": secrets.token_urlsafe(32)},
    )
