"""Connecting an API channel: a name, an optional callback URL, and a generated signing secret."""

from __future__ import annotations

import secrets

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from frontdesk.channels.connect import Connector, CredentialField
from frontdesk.channels.models import Channel, ChannelKind
from frontdesk.core.http_client import HttpClient
from frontdesk.core.models import Workspace


def new_signing_secret() -> str:
    return secrets.token_urlsafe(32)


def create_api_channel(workspace: Workspace, name: str, callback_url: str = "") -> Channel:
    """A new API channel with a fresh signing secret (``channel.secrets["signing_secret"]``)."""
    return Channel.all_workspaces.create(
        workspace=workspace,
        kind=ChannelKind.API,
        name=name,
        config={"callback_url": callback_url},
        secrets={"signing_secret": new_signing_secret()},
    )


def test_connection(channel: Channel, client: HttpClient) -> str:
    # Our own system is the provider: there is nothing to call, and calling the callback URL would send it a fake event.
    return gettext("No provider to call: the API channel is ready.")


CONNECTOR = Connector(
    kind=ChannelKind.API,
    fields=(
        CredentialField(
            "callback_url",
            _("Callback URL"),
            secret=False,
            required=False,
            help_text=_(
                "Where Frontdesk sends agents' replies for your system to deliver; leave blank to poll the API."
            ),
        ),
        CredentialField(
            "signing_secret",
            _("Signing secret"),
            generate=new_signing_secret,
            reveal=True,
            help_text=_(
                "Signs the requests your system sends to the webhook URL "
                "and the replies Frontdesk sends to the callback URL."
            ),
        ),
    ),
    test_connection=test_connection,
    docs_page="api",
)
