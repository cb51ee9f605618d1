from django.urls import include, path
from django.views.i18n import set_language

from frontdesk.api.api import api
from frontdesk.conversations.public_media import public_media
from frontdesk.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("inbox/", include("frontdesk.inbox.urls")),
    path("inbox/callbacks/", include("frontdesk.callbacks.urls")),
    path("inbox/incidents/", include("frontdesk.incidents.urls")),
    path("", include("frontdesk.core.urls")),
    path("", include("frontdesk.canned.urls")),
    path("settings/inbound-events/", include("frontdesk.pipeline.urls")),
    path("settings/channels/", include("frontdesk.channels.admin_urls")),
    path("settings/labels/", include("frontdesk.conversations.label_urls")),
    path("settings/segments/", include("frontdesk.segments.urls")),
    path("settings/contact-attributes/", include("frontdesk.contacts.attribute_urls")),
    path("api/v1/", api.urls),
    path("hooks/", include("frontdesk.channels.urls")),
    path("media/<str:token>", public_media, name="public-media"),
    path("widget/", include("frontdesk.widget.urls")),
    path("notifications/", include("frontdesk.notifications.urls")),
]
