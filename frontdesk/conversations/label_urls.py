from django.urls import path

from frontdesk.conversations import label_views

app_name = "labels"

urlpatterns = [
    path("", label_views.label_list, name="list"),
    path("new/", label_views.label_create, name="create"),
    path("<int:label_id>/", label_views.label_edit, name="edit"),
    path("<int:label_id>/delete/", label_views.label_delete, name="delete"),
]
