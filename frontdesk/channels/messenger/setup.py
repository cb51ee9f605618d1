"""Connecting a Facebook Page for Messenger: its ID, a Page access token, the app secret and a verify token.

"Test connection" reads ``GET /me?fields=id,name`` with the token and checks it
is the Page typed in; after connecting, the app is subscribed to the Page's
messaging webhooks with ``POST /{page-id}/subscribed_apps``.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from frontdesk.channels import meta
from frontdesk.channels.connect import ConnectionTestFailed, Connector
from frontdesk.channels.graph import (
    DEFAULT_API_BASE_URL,
    DEFAULT_API_VERSION,
    Graph,
    GraphError,
    connection_get,
    credential_fields,
)
from frontdesk.channels.models import Channel, ChannelKind
from frontdesk.core.http_client import HttpClient, HttpClientError
from frontdesk.core.models import Workspace

SUBSCRIBED_FIELDS = "messages,messaging_postbacks,message_deliveries,message_reads,message_echoes"


def create_messenger_channel(
    workspace: Workspace,
    name: str,
    *,
    page_id: str,
    page_access_token: str,
    app_secret: str,
    verify_token: str = "",
    api_base_url: str = DEFAULT_API_BASE_URL,
    api_version: str = DEFAULT_API_VERSION,
) -> Channel:
    """A new Messenger channel; the token and secrets are stored encrypted in ``channel.secrets``."""
    return Channel.all_workspaces.create(
        workspace=workspace,
        kind=ChannelKind.MESSENGER,
        name=name,
        config={"page_id": page_id, "api_base_url": api_base_url.rstrip("/"), "api_version": api_version},
        secrets={
            "page_access_token": page_access_token,
            "app_secret": app_secret,
            "verify_token": verify_token or meta.new_verify_token(),
        },
    )


def test_connection(channel: Channel, client: HttpClient) -> str:
    page = connection_get(channel, client, "me", "id,name")
    page_id = str((channel.config or {}).get("page_id") or "")
    if page_id and str(page.get("id")) != page_id:
        raise ConnectionTestFailed(f"the token belongs to Page {page.get('id')}, not to Page {page_id}")
    return f"Page {page.get('name') or ''} ({page.get('id')})".replace("Page  (", "Page (")


def subscribe_page(channel: Channel, client: HttpClient) -> str:
    """Subscribe the app to the Page's messaging events, so Meta posts them to the webhook."""
    page_id = str((channel.config or {}).get("page_id") or "")
    if not page_id:
        raise ConnectionTestFailed("the channel has no Page ID")
    try:
        answer = Graph(channel, client).post(
            f"{page_id}/subscribed_apps", params={"subscribed_fields": SUBSCRIBED_FIELDS}
        )
    except GraphError as error:
        raise ConnectionTestFailed(error.describe()) from error
    except HttpClientError as error:
        raise ConnectionTestFailed(f"the Graph API could not be reached: {error}") from error
    if answer.get("success") is not True:
        raise ConnectionTestFailed("Meta did not confirm the Page subscription")
    return f"The app is subscribed to the Page's {SUBSCRIBED_FIELDS.replace(',', ', ')} events."


CONNECTOR = Connector(
    kind=ChannelKind.MESSENGER,
    fields=credential_fields(),
    test_connection=test_connection,
    after_connect=subscribe_page,
    docs_page="messenger",
    notes=(_("Add the callback URL and verify token to the Messenger webhook settings of your Meta app."),),
)
