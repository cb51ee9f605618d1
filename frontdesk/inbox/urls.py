from django.urls import path

from frontdesk.inbox import email_views, identity_views, profile_views, search_views, sidebar_views, views
from frontdesk.inbox.list_views import (
    bulk_action,
    conversation_list,
    saved_filter_create,
    saved_filter_delete,
    saved_filter_rename,
)

app_name = "inbox"
# The customer sidebar of one conversation (sidebar_views).
SIDEBAR = "conversations/<int:conversation_id>/sidebar/"

urlpatterns = [
    path("", conversation_list, name="conversation-list"),
    path("bulk/", bulk_action, name="bulk"),
    path("saved-filters/", saved_filter_create, name="saved-filter-create"),
    path("saved-filters/<int:saved_filter_id>/rename/", saved_filter_rename, name="saved-filter-rename"),
    path("saved-filters/<int:saved_filter_id>/delete/", saved_filter_delete, name="saved-filter-delete"),
    path("conversations/<int:conversation_id>/", views.conversation_detail, name="conversation-detail"),
    path("conversations/<int:conversation_id>/compose/", views.compose, name="compose"),
    path("conversations/<int:conversation_id>/update/", views.update_conversation, name="conversation-update"),
    path("conversations/<int:conversation_id>/earlier/", views.earlier_conversations, name="conversation-earlier"),
    path("messages/<int:message_id>/retry/", views.retry_message, name="message-retry"),
    path("members/mentionable/", views.mentionable_members, name="mentionable-members"),
    path("internal/events/", views.forwarded_event, name="forwarded-event"),
    path("attachments/<int:attachment_id>/", views.attachment_download, name="attachment-download"),
    path("identities/<int:identity_id>/avatar/", views.identity_avatar, name="identity-avatar"),
    path("messages/<int:message_id>/original/", email_views.email_original, name="email-original"),
    path("messages/<int:message_id>/original/body/", email_views.email_original_body, name="email-original-body"),
    path("search/", search_views.search_page, name="search"),
    path("search/results.json", search_views.search_json, name="search-json"),
    path("language/", search_views.switch_language, name="switch-language"),
    path(f"{SIDEBAR}profile/", sidebar_views.profile, name="sidebar-profile"),
    path(f"{SIDEBAR}labels/", sidebar_views.labels, name="sidebar-labels"),
    path(f"{SIDEBAR}labels/<int:label_id>/remove/", sidebar_views.label_remove, name="sidebar-label-remove"),
    path(f"{SIDEBAR}attributes/", sidebar_views.attributes, name="sidebar-attributes"),
    path(f"{SIDEBAR}attributes/remove/", sidebar_views.attribute_remove, name="sidebar-attribute-remove"),
    path(f"{SIDEBAR}preferences/", sidebar_views.preferences, name="sidebar-preferences"),
    path(
        f"{SIDEBAR}preferences/<int:preference_id>/remove/",
        sidebar_views.preference_remove,
        name="sidebar-preference-remove",
    ),
    path(f"{SIDEBAR}feedback/", profile_views.feedback, name="sidebar-feedback"),
    path(f"{SIDEBAR}feedback/<int:feedback_id>/remove/", profile_views.feedback_remove, name="sidebar-feedback-remove"),
    path(f"{SIDEBAR}context/", profile_views.context, name="sidebar-context"),
    path(f"{SIDEBAR}notes/", sidebar_views.notes, name="sidebar-notes"),
    path(f"{SIDEBAR}notes/<int:note_id>/delete/", sidebar_views.note_delete, name="sidebar-note-delete"),
    path(f"{SIDEBAR}duplicates/", identity_views.duplicates, name="sidebar-duplicates"),
    path(f"{SIDEBAR}duplicates/merge/", identity_views.merge, name="sidebar-merge"),
    path(f"{SIDEBAR}duplicates/dismiss/", identity_views.dismiss, name="sidebar-duplicate-dismiss"),
    path(f"{SIDEBAR}merges/<int:merge_id>/undo/", identity_views.undo_merge, name="sidebar-merge-undo"),
    path("conversations/<int:conversation_id>/open-case/", identity_views.case_offer, name="conversation-case-offer"),
    path("conversations/<int:conversation_id>/join/", identity_views.join_case, name="conversation-join"),
]
