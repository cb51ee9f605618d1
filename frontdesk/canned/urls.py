from django.urls import path

from frontdesk.canned import search_views, views

app_name = "canned"

urlpatterns = [
    path("inbox/canned-responses/search/", search_views.search, name="search"),
    path("settings/canned-responses/", views.canned_list, name="list"),
    path("settings/canned-responses/new/", views.canned_create, name="create"),
    path("settings/canned-responses/preview/", views.canned_preview, name="preview"),
    path("settings/canned-responses/<int:canned_id>/", views.canned_edit, name="edit"),
    path("settings/canned-responses/<int:canned_id>/delete/", views.canned_delete, name="delete"),
]
