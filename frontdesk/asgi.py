"""ASGI entry point: HTTP through Django (provider webhooks on a fast path), websockets through Channels."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application
from django.urls import re_path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontdesk.settings")
django_asgi = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from frontdesk.channels.fast_hooks import WebhookFastPath  # noqa: E402
from frontdesk.routing import websocket_urlpatterns, widget_websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": WebhookFastPath(django_asgi),
        "websocket": URLRouter(
            [
                # The widget's socket checks the channel's allowed sites itself (frontdesk.widget.consumers).
                *widget_websocket_urlpatterns,
                re_path(r"", AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))),
            ]
        ),
    }
)
