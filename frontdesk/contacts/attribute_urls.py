from django.urls import path

from frontdesk.contacts import attribute_views

app_name = "attributes"

urlpatterns = [
    path("", attribute_views.attribute_list, name="list"),
    path("new/", attribute_views.attribute_create, name="create"),
    path("<int:attribute_id>/", attribute_views.attribute_edit, name="edit"),
    path("<int:attribute_id>/delete/", attribute_views.attribute_delete, name="delete"),
    path("<int:attribute_id>/move/", attribute_views.attribute_move, name="move"),
]
