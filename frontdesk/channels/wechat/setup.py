"""Connecting a WeChat Official Account or a WeCom (企业微信) self-built app.

One channel kind serves both: ``config["account_type"]`` is ``official_account``
(AppID + AppSecret, customers are followers identified by their OpenID) or
``wecom`` (CorpID + the app's AgentId and Secret, the people writing are the
corporation's members identified by their UserID). Both push messages to the
callback URL signed with a token we generate, and encrypt them with an
EncodingAESKey we generate too (WeCom always; the Official Account in "safe mode").
"""

from __future__ import annotations

import secrets
import string

from django.utils.translation import gettext_lazy as _

from frontdesk.channels.connect import ConnectionTestFailed, Connector, CredentialField
from frontdesk.channels.models import Channel, ChannelKind
from frontdesk.core.http_client import HttpClient
from frontdesk.core.models import Workspace

OFFICIAL_ACCOUNT = "official_account"
WECOM = "wecom"
OA_API_BASE_URL = "https://api.weixin.qq.com"
WECOM_API_BASE_URL = "https://qyapi.weixin.qq.com"
PLAIN = "plain"
SAFE = "safe"
AES_KEY_LENGTH = 43
_ALPHANUMERIC = string.ascii_letters + string.digits


def new_callback_token() -> str:
    # WeChat takes 3-32 letters and digits for the token.
    return "".join(secrets.choice(_ALPHANUMERIC) for _ in range(32))


def new_encoding_aes_key() -> str:
    # 43 letters and digits: base64 of a 32-byte AES key without its final "=".
    return "".join(secrets.choice(_ALPHANUMERIC) for _ in range(AES_KEY_LENGTH))


def is_wecom(channel: Channel) -> bool:
    return (channel.config or {}).get("account_type") == WECOM


def receive_id(channel: Channel) -> str:
    """The id WeChat appends to every encrypted message: the AppID, or WeCom's CorpID."""
    config = channel.config or {}
    return str(config.get("corp_id") if is_wecom(channel) else config.get("app_id") or "")


def safe_mode(channel: Channel) -> bool:
    """Whether deliveries are AES-encrypted (always on WeCom)."""
    return is_wecom(channel) or (channel.config or {}).get("encoding_mode", SAFE) == SAFE


def api_url(channel: Channel) -> str:
    """The API host of this channel: configured, else WeChat's own for the account type."""
    default = WECOM_API_BASE_URL if is_wecom(channel) else OA_API_BASE_URL
    return str((channel.config or {}).get("api_base_url") or default).rstrip("/")


def create_wechat_channel(
    workspace: Workspace,
    name: str,
    *,
    account_type: str = OFFICIAL_ACCOUNT,
    app_id: str = "",
    corp_id: str = "",
    agent_id: str = "",
    app_secret: str,
    token: str = "",
    encoding_aes_key: str = "",
    encoding_mode: str = SAFE,
    api_base_url: str = "",
) -> Channel:
    """A new WeChat channel; the secret, token and AES key are stored encrypted in ``channel.secrets``."""
    config, credentials = CONNECTOR.split_values(
        {
            "account_type": account_type,
            "app_id": app_id,
            "corp_id": corp_id,
            "agent_id": agent_id,
            "encoding_mode": encoding_mode,
            "api_base_url": api_base_url,
            "app_secret": app_secret,
            "token": token,
            "encoding_aes_key": encoding_aes_key,
        }
    )
    channel = Channel(workspace=workspace, kind=ChannelKind.WECHAT, name=name, config=config, secrets=credentials)
    channel.config["api_base_url"] = api_url(channel)
    channel.save(force_insert=True)
    return channel


def test_connection(channel: Channel, client: HttpClient) -> str:
    from frontdesk.channels.wechat.token import AccessTokenError, access_token

    if not receive_id(channel):
        raise ConnectionTestFailed(str(_("Fill in the CorpID.") if is_wecom(channel) else _("Fill in the AppID.")))
    if is_wecom(channel) and not str((channel.config or {}).get("agent_id") or "").isdigit():
        raise ConnectionTestFailed(str(_("Fill in the app's AgentId (a number).")))
    key = str((channel.secrets or {}).get("encoding_aes_key") or "")
    if safe_mode(channel) and len(key) != AES_KEY_LENGTH:
        raise ConnectionTestFailed(str(_("The EncodingAESKey must be 43 characters long.")))
    try:
        access_token(channel, client, refresh=True)
    except AccessTokenError as error:
        raise ConnectionTestFailed(error.reason) from error
    return f"Access token OK for {receive_id(channel)}"


CONNECTOR = Connector(
    kind=ChannelKind.WECHAT,
    fields=(
        CredentialField(
            "account_type",
            _("Account type"),
            secret=False,
            default=OFFICIAL_ACCOUNT,
            choices=((OFFICIAL_ACCOUNT, _("WeChat Official Account")), (WECOM, _("WeCom (企业微信) self-built app"))),
        ),
        CredentialField(
            "app_id",
            _("AppID"),
            secret=False,
            required=False,
            help_text=_("Official Account: Settings and Development › Basic Configuration › Developer ID (AppID)."),
        ),
        CredentialField(
            "corp_id",
            _("CorpID"),
            secret=False,
            required=False,
            help_text=_("WeCom: My Company › Company Information › Company ID."),
        ),
        CredentialField(
            "agent_id",
            _("AgentId"),
            secret=False,
            required=False,
            help_text=_("WeCom: the self-built app's AgentId (App Management › your app)."),
        ),
        CredentialField(
            "app_secret",
            _("AppSecret / app Secret"),
            help_text=_("The Official Account's AppSecret, or the WeCom app's Secret."),
        ),
        CredentialField(
            "token",
            _("Token"),
            generate=new_callback_token,
            reveal=True,
            help_text=_("Paste it as the callback Token at WeChat; leave blank to have one generated."),
        ),
        CredentialField(
            "encoding_aes_key",
            _("EncodingAESKey"),
            required=False,
            generate=new_encoding_aes_key,
            reveal=True,
            help_text=_("43 characters; paste it at WeChat as the EncodingAESKey. Leave blank to have one generated."),
        ),
        CredentialField(
            "encoding_mode",
            _("Message encryption"),
            secret=False,
            default=SAFE,
            choices=((SAFE, _("Safe mode (encrypted)")), (PLAIN, _("Plaintext mode"))),
            help_text=_("Official Account only: WeCom always encrypts."),
        ),
        CredentialField(
            "api_base_url",
            _("API base URL"),
            secret=False,
            required=False,
            help_text=_(
                "Leave blank for https://api.weixin.qq.com (Official Account) or https://qyapi.weixin.qq.com (WeCom)."
            ),
        ),
    ),
    test_connection=test_connection,
    docs_page="wechat",
)
