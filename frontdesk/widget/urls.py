from django.urls import path, re_path

from frontdesk.widget import views

app_name = "widget"

urlpatterns = [
    re_path(r"^(?P<channel_token>[A-Za-z0-9_-]+)\.js$", views.script, name="script"),
    path("<str:channel_token>/upload", views.upload, name="upload"),
    path("<str:channel_token>/suggestions", views.suggestions, name="suggestions"),
    path("<str:channel_token>/callback", views.callback, name="callback"),
    path("<str:channel_token>/files/<str:token>", views.file, name="file"),
    path("preview/<int:channel_id>/", views.preview, name="preview"),
    path("internal/push/", views.forwarded_push, name="forwarded-push"),
    path("agent/typing/<int:conversation_id>/", views.agent_typing, name="agent-typing"),
    path("agent/context/<int:conversation_id>/", views.agent_context, name="agent-context"),
]
