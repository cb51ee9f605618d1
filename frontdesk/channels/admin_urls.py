from django.urls import path

from frontdesk.channels import admin_views

app_name = "channels"

urlpatterns = [
    path("", admin_views.channel_list, name="list"),
    path("connect/", admin_views.choose_kind, name="choose-kind"),
    path("connect/<str:kind>/", admin_views.connect, name="connect"),
    path("<int:channel_id>/", admin_views.detail, name="detail"),
    path("<int:channel_id>/toggle/", admin_views.toggle, name="toggle"),
    path("<int:channel_id>/test/", admin_views.test, name="test"),
    path("<int:channel_id>/regenerate/", admin_views.regenerate, name="regenerate"),
    path("<int:channel_id>/sync-templates/", admin_views.sync_templates, name="sync-templates"),
]
