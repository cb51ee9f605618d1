from django.urls import path

from frontdesk.incidents import views

app_name = "incidents"

urlpatterns = [
    path("", views.incident_list, name="list"),
    path("<int:incident_id>/", views.incident_detail, name="detail"),
    path("<int:incident_id>/answer/", views.answer_all, name="answer"),
    path("<int:incident_id>/resolve/", views.resolve_all, name="resolve"),
    path("<int:incident_id>/assign-me/", views.assign_all_to_me, name="assign-me"),
    path("<int:incident_id>/rename/", views.rename, name="rename"),
    path("<int:incident_id>/merge/", views.merge, name="merge"),
    path("<int:incident_id>/conversations/<int:conversation_id>/remove/", views.remove_conversation, name="remove"),
    path("conversations/<int:conversation_id>/", views.conversation_banners, name="conversation"),
    path("duplicates/<int:duplicate_id>/link/", views.link_duplicate, name="duplicate-link"),
    path("duplicates/<int:duplicate_id>/merge/", views.merge_duplicate, name="duplicate-merge"),
    path("duplicates/<int:duplicate_id>/dismiss/", views.dismiss_duplicate, name="duplicate-dismiss"),
]
