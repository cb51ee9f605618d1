"""Connecting an Instagram professional account: its linked Page, the account ID, a token, the app secret.

"Test connection" reads ``GET /{ig-user-id}?fields=username`` with the token.
The webhook is subscribed in the Meta app's Instagram settings
(docs/channels/instagram.md).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from frontdesk.channels import meta
from frontdesk.channels.connect import ConnectionTestFailed, Connector, CredentialField
from frontdesk.channels.graph import DEFAULT_API_BASE_URL, DEFAULT_API_VERSION, connection_get, credential_fields
from frontdesk.channels.models import Channel, ChannelKind
from frontdesk.core.http_client import HttpClient
from frontdesk.core.models import Workspace


def create_instagram_channel(
    workspace: Workspace,
    name: str,
    *,
    page_id: str,
    ig_user_id: str,
    page_access_token: str,
    app_secret: str,
    verify_token: str = "",
    api_base_url: str = DEFAULT_API_BASE_URL,
    api_version: str = DEFAULT_API_VERSION,
) -> Channel:
    """A new Instagram channel; the token and secrets are stored encrypted in ``channel.secrets``."""
    return Channel.all_workspaces.create(
        workspace=workspace,
        kind=ChannelKind.INSTAGRAM,
        name=name,
        config={
            "page_id": page_id,
            "ig_user_id": ig_user_id,
            "api_base_url": api_base_url.rstrip("/"),
            "api_version": api_version,
        },
        secrets={
            "page_access_token": page_access_token,
            "app_secret": app_secret,
            "verify_token": verify_token or meta.new_verify_token(),
        },
    )


def test_connection(channel: Channel, client: HttpClient) -> str:
    ig_user_id = str((channel.config or {}).get("ig_user_id") or "")
    if not ig_user_id:
        raise ConnectionTestFailed("the channel has no Instagram account ID")
    account = connection_get(channel, client, ig_user_id, "username")
    username = str(account.get("username") or "")
    return f"Instagram @{username}" if username else f"Instagram account {ig_user_id}"


CONNECTOR = Connector(
    kind=ChannelKind.INSTAGRAM,
    fields=credential_fields(
        CredentialField(
            "ig_user_id",
            _("Instagram account ID"),
            secret=False,
            help_text=_("The numeric ID of the Instagram professional account linked to the Page."),
        ),
    ),
    test_connection=test_connection,
    docs_page="instagram",
    notes=(_("Add the callback URL and verify token to the Instagram webhook settings of your Meta app."),),
)
