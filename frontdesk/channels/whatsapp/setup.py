"""Connecting a WhatsApp Business phone number of the Cloud API.

The business creates a Meta app with the WhatsApp product, a system user
access token with ``whatsapp_business_messaging`` and
``whatsapp_business_management``, and copies the phone number id, the
WhatsApp Business Account id and the app secret here. The verify token is
ours: the admin pastes it with the callback URL in the app's webhook settings
(docs/channels/whatsapp.md).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.utils.translation import gettext_lazy as _
from pywa.utils import Version

from frontdesk.channels import meta
from frontdesk.channels.connect import ConnectionTestFailed, Connector, CredentialField
from frontdesk.channels.models import Channel, ChannelKind
from frontdesk.core.http_client import HttpClient, HttpClientError, Response
from frontdesk.core.models import Workspace

API_BASE_URL = "https://graph.facebook.com"
# The Graph API version pywa is written against.
API_VERSION = f"v{Version.GRAPH_API.value}"
REASON_LENGTH = 300


def api_url(channel: Channel, *parts: str, query: dict[str, str] | None = None) -> str:
    """``{api_base_url}/{api_version}/{parts…}?{query}`` for this channel."""
    config = channel.config or {}
    base = str(config.get("api_base_url") or API_BASE_URL).rstrip("/")
    version = str(config.get("api_version") or API_VERSION).strip("/")
    url = "/".join([base, version, *parts])
    return f"{url}?{urlencode(query)}" if query else url


def auth_headers(channel: Channel) -> dict[str, str]:
    token = str((channel.secrets or {}).get("access_token") or "")
    return {"Authorization": f"Bearer {token}"} if token else {}


def graph_error(response: Response) -> dict[str, Any]:
    """The ``error`` object of a Graph API refusal, or ``{}``."""
    try:
        document = response.json()
    except ValueError:
        return {}
    error = document.get("error") if isinstance(document, dict) else None
    return error if isinstance(error, dict) else {}


def refusal(response: Response) -> str:
    """``HTTP 400: (#100) … (details)``: Meta's own words for a refusal (never a credential)."""
    error = graph_error(response)
    message = str(error.get("message") or "") or " ".join(response.text.split())
    details = error.get("error_data", {}).get("details") if isinstance(error.get("error_data"), dict) else None
    text = f"HTTP {response.status_code}: {message}"
    if details and details not in message:
        text += f" ({details})"
    return text[:REASON_LENGTH]


def create_whatsapp_channel(
    workspace: Workspace,
    name: str,
    *,
    phone_number_id: str,
    access_token: str,
    app_secret: str,
    verify_token: str = "",
    waba_id: str = "",
    api_base_url: str = API_BASE_URL,
    api_version: str = API_VERSION,
) -> Channel:
    """A new WhatsApp channel; the token and secrets are stored encrypted in ``channel.secrets``."""
    return Channel.all_workspaces.create(
        workspace=workspace,
        kind=ChannelKind.WHATSAPP,
        name=name,
        config={
            "phone_number_id": phone_number_id,
            "waba_id": waba_id,
            "api_base_url": api_base_url.rstrip("/"),
            "api_version": api_version,
        },
        secrets={
            "access_token": access_token,
            "app_secret": app_secret,
            "verify_token": verify_token or meta.new_verify_token(),
        },
    )


def test_connection(channel: Channel, client: HttpClient) -> str:
    """``Verified name (+852 5555 0000)`` of the channel's phone number, as the Graph API tells it."""
    phone_number_id = str((channel.config or {}).get("phone_number_id") or "")
    if not phone_number_id.isdigit():
        raise ConnectionTestFailed(str(_("The phone number ID must be the number shown in WhatsApp › API Setup.")))
    url = api_url(channel, phone_number_id, query={"fields": "display_phone_number,verified_name"})
    try:
        response = client.get(url, headers=auth_headers(channel))
    except HttpClientError as error:
        raise ConnectionTestFailed(f"{type(error).__name__}: {error}") from error
    if not response.is_success:
        raise ConnectionTestFailed(refusal(response))
    try:
        document = response.json()
    except ValueError as error:
        raise ConnectionTestFailed("the Graph API did not answer with JSON") from error
    name = str(document.get("verified_name") or "") if isinstance(document, dict) else ""
    number = str(document.get("display_phone_number") or "") if isinstance(document, dict) else ""
    return f"{name} ({number})" if name and number else name or number


def subscribe_app(channel: Channel, client: HttpClient) -> str:
    """Subscribe the app to the business account's webhooks (``POST /<waba id>/subscribed_apps``)."""
    waba_id = str((channel.config or {}).get("waba_id") or "")
    if not waba_id:
        return str(_("Add the WhatsApp Business Account ID to subscribe the app to its webhooks."))
    try:
        response = client.post(api_url(channel, waba_id, "subscribed_apps"), headers=auth_headers(channel))
    except HttpClientError as error:
        raise ConnectionTestFailed(f"{type(error).__name__}: {error}") from error
    if not response.is_success:
        raise ConnectionTestFailed(refusal(response))
    return str(_("The app is subscribed to the WhatsApp Business Account's webhooks."))


def _sync_templates(channel: Channel, client: HttpClient) -> int:
    # templates.py builds on this module's helpers, so it is imported when first needed.
    from frontdesk.channels.whatsapp.templates import sync_templates

    return sync_templates(channel, client)


CONNECTOR = Connector(
    kind=ChannelKind.WHATSAPP,
    fields=(
        CredentialField(
            "phone_number_id",
            _("Phone number ID"),
            secret=False,
            help_text=_("WhatsApp › API Setup in your Meta app: the ID of the phone number, not the number itself."),
        ),
        CredentialField(
            "waba_id",
            _("WhatsApp Business Account ID"),
            secret=False,
            help_text=_("Shown beside the phone number ID; needed to list message templates."),
        ),
        CredentialField(
            "access_token",
            _("Access token"),
            help_text=_(
                "A permanent system user token with whatsapp_business_messaging and "
                "whatsapp_business_management permissions."
            ),
        ),
        CredentialField("app_secret", _("App secret"), help_text=_("App settings › Basic: signs every webhook.")),
        CredentialField(
            "verify_token",
            _("Verify token"),
            required=False,
            generate=meta.new_verify_token,
            reveal=True,
            help_text=_("Paste it with the callback URL in WhatsApp › Configuration › Webhook."),
        ),
        CredentialField(
            "api_base_url",
            _("Graph API base URL"),
            secret=False,
            required=False,
            default=API_BASE_URL,
        ),
        CredentialField(
            "api_version",
            _("Graph API version"),
            secret=False,
            required=False,
            default=API_VERSION,
        ),
    ),
    test_connection=test_connection,
    after_connect=subscribe_app,
    sync_templates=_sync_templates,
    docs_page="whatsapp",
    notes=(_("Subscribe the webhook to the messages field; replies after 24 hours need an approved template."),),
)
