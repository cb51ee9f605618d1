from django.urls import path

from frontdesk.callbacks import views

app_name = "callbacks"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("<int:callback_id>/claim/", views.claim, name="claim"),
    path("<int:callback_id>/release/", views.release, name="release"),
    path("<int:callback_id>/dialling/", views.start_call, name="dialling"),
    path("<int:callback_id>/outcome/", views.record_outcome, name="outcome"),
    path("<int:callback_id>/reassign/", views.reassign, name="reassign"),
    path("conversations/<int:conversation_id>/", views.conversation_callbacks, name="conversation"),
]
