from django.urls import path

from frontdesk.pipeline import views

app_name = "pipeline"

urlpatterns = [
    path("", views.dead_letters, name="dead-letters"),
    path("retry/", views.retry, name="retry-all"),
    path("<int:event_id>/retry/", views.retry, name="retry"),
]
