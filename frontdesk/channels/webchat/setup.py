"""Connecting a web-chat widget: the sites that may embed it, a greeting, and the identity secret.

Nothing to set up at a provider: the channel's page shows the ``<script>`` tag
to paste into the site (docs/widget.md).
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from frontdesk.channels.connect import ConnectionTestFailed, Connector, CredentialField
from frontdesk.channels.models import Channel, ChannelKind
from frontdesk.core.http_client import HttpClient
from frontdesk.core.models import Workspace


def new_identity_secret() -> str:
    return secrets.token_urlsafe(32)


def allowed_origins(channel: Channel) -> list[str]:
    """The origins (``https://shop.example``) whose pages may open the widget; ``["*"]`` means any."""
    raw = str((channel.config or {}).get("allowed_origins") or "")
    origins = []
    for item in raw.replace(",", " ").split():
        if item == "*":
            return ["*"]
        parts = urlsplit(item)
        if parts.scheme in ("http", "https") and parts.netloc:
            origins.append(f"{parts.scheme}://{parts.netloc}".lower())
    return origins


def origin_allowed(channel: Channel, origin: str) -> bool:
    """Whether a page of ``origin`` may open the widget: an allowed site, or Frontdesk's own preview page."""
    allowed = allowed_origins(channel)
    origin = origin.rstrip("/").lower()
    return "*" in allowed or origin in allowed or origin == own_origin()


def own_origin() -> str:
    """Frontdesk's own origin: only its preview page (``widget:preview``) embeds the widget there."""
    parts = urlsplit(settings.PUBLIC_URL)
    return f"{parts.scheme}://{parts.netloc}".lower()


def create_webchat_channel(
    workspace: Workspace, name: str, origins: str, greeting: str = "", identity_secret: str = ""
) -> Channel:
    """A new web-chat channel; the identity secret (generated unless given) is stored encrypted."""
    return Channel.all_workspaces.create(
        workspace=workspace,
        kind=ChannelKind.WEBCHAT,
        name=name,
        config={"allowed_origins": origins, "greeting": greeting},
        secrets={"identity_secret": identity_secret or new_identity_secret()},
    )


def test_connection(channel: Channel, client: HttpClient) -> str:
    origins = allowed_origins(channel)
    if not origins:
        raise ConnectionTestFailed(
            gettext("List the addresses of the sites that embed the widget, such as https://shop.example.")
        )
    return gettext("The widget may be embedded on: %(origins)s") % {"origins": ", ".join(origins)}


CONNECTOR = Connector(
    kind=ChannelKind.WEBCHAT,
    fields=(
        CredentialField(
            "allowed_origins",
            _("Allowed sites"),
            secret=False,
            help_text=_(
                "The addresses of the sites whose pages may show the widget, separated by spaces, "
                "such as https://shop.example https://www.shop.example (or * for any site)."
            ),
        ),
        CredentialField(
            "greeting",
            _("Greeting"),
            secret=False,
            required=False,
            help_text=_("The first line customers read when they open the chat."),
        ),
        CredentialField(
            "identity_secret",
            _("Identity secret"),
            generate=new_identity_secret,
            reveal=True,
            help_text=_(
                "Your site signs a signed-in customer's id with it (HMAC-SHA256), so nobody can pose as them. "
                "Keep it on your server."
            ),
        ),
    ),
    test_connection=test_connection,
    docs_page="",
    notes=(_("Paste the script tag shown on the channel's page into every page of your site, before </body>."),),
)
