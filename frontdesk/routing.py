from django.urls import path

from frontdesk.inbox.consumers import AgentConsumer
from frontdesk.widget.consumers import WidgetConsumer

websocket_urlpatterns = [
    path("ws/agent/", AgentConsumer.as_asgi()),
]

# Opened from the businesses' sites: checked against each channel's allowed sites, not ALLOWED_HOSTS (asgi.py).
widget_websocket_urlpatterns = [
    path("ws/widget/<str:channel_token>/", WidgetConsumer.as_asgi()),
]
