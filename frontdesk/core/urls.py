from django.urls import path

from frontdesk.core import invitation_views, settings_views, views

app_name = "core"

urlpatterns = [
    path("workspaces/", views.workspace_list, name="workspace-list"),
    path("workspaces/<int:workspace_id>/switch/", views.workspace_switch, name="workspace-switch"),
    path("settings/", settings_views.settings_home, name="settings"),
    path("settings/profile/", views.profile, name="profile"),
    path("settings/tokens/", views.api_tokens, name="api-tokens"),
    path("settings/tokens/<int:token_id>/revoke/", views.api_token_revoke, name="api-token-revoke"),
    path("settings/workspace/", settings_views.workspace_settings, name="settings-workspace"),
    path("settings/members/", settings_views.member_list, name="settings-members"),
    path("settings/members/invite/", settings_views.member_invite, name="settings-member-invite"),
    path("settings/members/<int:member_id>/", settings_views.member_edit, name="settings-member"),
    path("settings/members/<int:member_id>/active/", settings_views.member_set_active, name="settings-member-active"),
    path(
        "settings/invitations/<int:invitation_id>/resend/",
        settings_views.invitation_resend,
        name="settings-invitation-resend",
    ),
    path(
        "settings/invitations/<int:invitation_id>/revoke/",
        settings_views.invitation_revoke,
        name="settings-invitation-revoke",
    ),
    path("settings/teams/", settings_views.team_list, name="settings-teams"),
    path("settings/teams/<int:team_id>/", settings_views.team_edit, name="settings-team"),
    path("settings/teams/<int:team_id>/delete/", settings_views.team_delete, name="settings-team-delete"),
    path("invitations/<str:token>/", invitation_views.invitation_accept, name="invitation-accept"),
    path("team/", views.team_directory, name="team-directory"),
    path("settings/audit/", views.audit_log, name="audit-log"),
]
