from django.urls import path

from frontdesk.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("panel/", views.panel, name="panel"),
    path("read-all/", views.read_all, name="read-all"),
    path("<int:notification_id>/open/", views.open_notification, name="open"),
    path("internal/push/", views.forwarded_push, name="forwarded-push"),
]
