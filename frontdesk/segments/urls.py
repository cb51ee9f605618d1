from django.urls import path

from frontdesk.segments import views

app_name = "segments"

urlpatterns = [
    path("", views.segment_list, name="list"),
    path("new/", views.segment_create, name="create"),
    path("rules/", views.segment_rules, name="rules"),
    path("preview/", views.segment_preview, name="preview"),
    path("<int:segment_id>/", views.segment_edit, name="edit"),
    path("<int:segment_id>/count/", views.segment_count, name="count"),
    path("<int:segment_id>/delete/", views.segment_delete, name="delete"),
]
