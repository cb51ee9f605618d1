"""Connecting an X account: the app's consumer key and secret, the account's access token and secret.

Registering the Account Activity webhook and subscribing the account need the
X developer portal or two API calls (docs/channels/x.md shows them with xurl
and curl), so there is no ``after_connect``.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from frontdesk.channels.connect import ConnectionTestFailed, Connector, CredentialField
from frontdesk.channels.models import Channel, ChannelKind
from frontdesk.channels.x.oauth import Credentials, MissingCredentials, signed_headers
from frontdesk.core.http_client import BlockedDestination, HttpClient, HttpClientError
from frontdesk.core.models import Workspace

API_BASE_URL = "https://api.x.com"


def api_base_url(channel: Channel) -> str:
    return str((channel.config or {}).get("api_base_url") or API_BASE_URL).rstrip("/")


def create_x_channel(
    workspace: Workspace,
    name: str,
    *,
    consumer_key: str,
    consumer_secret: str,
    access_token: str,
    access_token_secret: str,
    user_id: str,
    api_base_url: str = API_BASE_URL,
) -> Channel:
    """A new X channel; the four OAuth credentials are stored encrypted in ``channel.secrets``."""
    return Channel.all_workspaces.create(
        workspace=workspace,
        kind=ChannelKind.X,
        name=name,
        config={"api_base_url": api_base_url.rstrip("/"), "user_id": user_id},
        secrets={
            "consumer_key": consumer_key,
            "consumer_secret": consumer_secret,
            "access_token": access_token,
            "access_token_secret": access_token_secret,
        },
    )


def test_connection(channel: Channel, client: HttpClient) -> str:
    """``GET /2/users/me`` with the channel's credentials: "@username" of the account they act for."""
    try:
        credentials = Credentials.of(channel)
    except MissingCredentials as error:
        raise ConnectionTestFailed(str(error)) from error
    url = api_base_url(channel) + "/2/users/me"
    try:
        response = client.get(url, headers=signed_headers(credentials, "GET", url))
    except BlockedDestination as error:
        raise ConnectionTestFailed(f"X API address refused: {error}") from error
    except HttpClientError as error:
        raise ConnectionTestFailed(f"X could not be reached: {error}") from error
    try:
        document = response.json()
    except ValueError:
        document = {}
    data = document.get("data") if isinstance(document, dict) else None
    if not response.is_success or not isinstance(data, dict) or not data.get("username"):
        detail = document.get("detail") or document.get("title") if isinstance(document, dict) else ""
        raise ConnectionTestFailed(
            f"X refused the credentials (HTTP {response.status_code}: {detail or response.text[:200]})"
        )
    configured = str((channel.config or {}).get("user_id") or "")
    if configured and str(data.get("id")) != configured:
        raise ConnectionTestFailed(
            f"the access token is @{data['username']}'s (user id {data.get('id')}), not user id {configured}'s"
        )
    return f"@{data['username']}"


CONNECTOR = Connector(
    kind=ChannelKind.X,
    fields=(
        CredentialField(
            "consumer_key", _("API key (consumer key)"), help_text=_("From the app's Keys and tokens page.")
        ),
        CredentialField(
            "consumer_secret",
            _("API key secret (consumer secret)"),
            help_text=_("Also signs X's webhook deliveries and CRC checks."),
        ),
        CredentialField(
            "access_token",
            _("Access token"),
            help_text=_("The account's token, generated with Read, Write and Direct Messages permission."),
        ),
        CredentialField("access_token_secret", _("Access token secret")),
        CredentialField(
            "user_id",
            _("Account user id"),
            secret=False,
            help_text=_("The numeric id of the X account (the part before the dash in its access token)."),
        ),
        CredentialField("api_base_url", _("API base URL"), secret=False, required=False, default=API_BASE_URL),
    ),
    test_connection=test_connection,
    docs_page="x",
    notes=(
        _(
            "Register this channel's webhook URL with X's Account Activity API and subscribe the account "
            "to it: see the X set-up page."
        ),
    ),
)
