from django.urls import path

from frontdesk.core import views

app_name = "core"

urlpatterns = [
    path("workspaces/", views.workspace_list, name="workspace-list"),
    path("workspaces/<int:workspace_id>/switch/", views.workspace_switch, name="workspace-switch"),
    path("settings/profile/", views.profile, name="profile"),
    path("settings/tokens/", views.api_tokens, name="api-tokens"),
    path("settings/tokens/<int:token_id>/revoke/", views.api_token_revoke, name="api-token-revoke"),
    path("team/", views.team_directory, name="team-directory"),
    path("settings/audit/", views.audit_log, name="audit-log"),
]
