"""Connecting a Twilio phone number (or Messaging Service) for SMS and MMS.

The admin gives the account SID and auth token (the token signs Twilio's
webhooks and authenticates our API calls), and either the sending number in
E.164 form or a Messaging Service SID. Pointing the number's "A message comes
in" webhook at our hook URL is done in the Twilio Console (docs/channels/sms.md):
Twilio's API can set it only on the number's ``PN…`` resource, which the admin
does not otherwise need to look up.
"""

from __future__ import annotations

import base64
import re
from urllib.parse import quote

from django.utils.translation import gettext_lazy as _

from frontdesk.channels.connect import ConnectionTestFailed, Connector, CredentialField
from frontdesk.channels.models import Channel, ChannelKind
from frontdesk.core.http_client import HttpClient, HttpClientError
from frontdesk.core.models import Workspace

API_BASE_URL = "https://api.twilio.com"
API_VERSION = "2010-04-01"
ACCOUNT_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")
MESSAGING_SERVICE_SID = re.compile(r"^MG[0-9a-fA-F]{32}$")
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


def create_sms_channel(
    workspace: Workspace,
    name: str,
    account_sid: str,
    auth_token: str,
    *,
    from_number: str = "",
    messaging_service_sid: str = "",
    api_base_url: str = API_BASE_URL,
) -> Channel:
    """A new SMS channel; the auth token is stored encrypted in ``channel.secrets``."""
    config = {"account_sid": account_sid, "api_base_url": api_base_url.rstrip("/")}
    if from_number:
        config["from_number"] = from_number
    if messaging_service_sid:
        config["messaging_service_sid"] = messaging_service_sid
    return Channel.all_workspaces.create(
        workspace=workspace, kind=ChannelKind.SMS, name=name, config=config, secrets={"auth_token": auth_token}
    )


def account_url(channel: Channel) -> str:
    """``{api_base_url}/2010-04-01/Accounts/{AccountSid}``: every resource we use lives under it."""
    config = channel.config or {}
    base = str(config.get("api_base_url") or API_BASE_URL).rstrip("/")
    return f"{base}/{API_VERSION}/Accounts/{quote(str(config.get('account_sid') or ''), safe='')}"


def basic_auth(channel: Channel) -> str | None:
    """The ``Authorization`` header value for the account, or None when a credential is missing."""
    sid = str((channel.config or {}).get("account_sid") or "")
    token = str((channel.secrets or {}).get("auth_token") or "")
    if not sid or not token:
        return None
    return "Basic " + base64.b64encode(f"{sid}:{token}".encode()).decode()


def test_connection(channel: Channel, client: HttpClient) -> str:
    """``GET /2010-04-01/Accounts/{sid}.json``: the account's friendly name and status, e.g. "Shop (active)"."""
    config = channel.config or {}
    if not ACCOUNT_SID.match(str(config.get("account_sid") or "")):
        raise ConnectionTestFailed(str(_("The account SID starts with AC followed by 32 hexadecimal characters.")))
    sender = str(config.get("from_number") or "")
    service = str(config.get("messaging_service_sid") or "")
    if not sender and not service:
        raise ConnectionTestFailed(str(_("Give the sending phone number or a Messaging Service SID.")))
    if sender and not E164.match(sender):
        raise ConnectionTestFailed(str(_("The phone number must be in E.164 form, such as +14155550100.")))
    if service and not MESSAGING_SERVICE_SID.match(service):
        raise ConnectionTestFailed(str(_("The Messaging Service SID starts with MG followed by 32 characters.")))
    authorization = basic_auth(channel)
    if authorization is None:
        raise ConnectionTestFailed(str(_("The auth token is missing.")))
    try:
        response = client.get(account_url(channel) + ".json", headers={"Authorization": authorization})
    except HttpClientError as error:
        raise ConnectionTestFailed(f"Twilio could not be reached: {error}") from error
    try:
        document = response.json()
    except ValueError:
        document = {}
    document = document if isinstance(document, dict) else {}
    if response.status_code in (401, 403, 404):
        raise ConnectionTestFailed(
            str(_("Twilio refused the account SID or auth token: %(reason)s"))
            % {"reason": str(document.get("message") or f"HTTP {response.status_code}")}
        )
    if not response.is_success:
        raise ConnectionTestFailed(f"Twilio answered HTTP {response.status_code}: {document.get('message') or ''}")
    name = str(document.get("friendly_name") or config.get("account_sid"))
    return f"{name} ({document.get('status') or 'unknown'})"


CONNECTOR = Connector(
    kind=ChannelKind.SMS,
    fields=(
        CredentialField(
            "account_sid",
            _("Account SID"),
            secret=False,
            help_text=_("On the Twilio Console's home page: AC followed by 32 characters."),
        ),
        CredentialField(
            "auth_token",
            _("Auth token"),
            help_text=_("Next to the account SID. It signs Twilio's webhooks, so use the main auth token."),
        ),
        CredentialField(
            "from_number",
            _("Phone number"),
            secret=False,
            required=False,
            help_text=_("The Twilio number customers text, in E.164 form (+14155550100). Or give a Messaging Service."),
        ),
        CredentialField(
            "messaging_service_sid",
            _("Messaging Service SID"),
            secret=False,
            required=False,
            help_text=_("MG…: replies are sent through this Messaging Service instead of one number."),
        ),
        CredentialField(
            "api_base_url",
            _("API base URL"),
            secret=False,
            required=False,
            default=API_BASE_URL,
            help_text=_("Change only for a Twilio edge location or a test server."),
        ),
    ),
    test_connection=test_connection,
    docs_page="sms",
    notes=(
        _(
            "In the Twilio Console, set the number's (or Messaging Service's) incoming message webhook to this "
            "channel's webhook URL, method HTTP POST. Delivery reports come to the same URL by themselves."
        ),
    ),
)
