"""The Settings area's left navigation: the sections this member may open, the current one marked."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

register = template.Library()

# (url name, label, permission on the workspace)
SECTIONS = [
    ("core:settings-workspace", _("Workspace"), "core.change_workspace"),
    ("core:settings-members", _("Members"), "core.manage_members"),
    ("core:settings-teams", _("Teams"), "core.manage_teams"),
    ("labels:list", _("Labels"), "conversations.manage_labels"),
    ("attributes:list", _("Contact attributes"), "contacts.manage_attributedefinition"),
    ("canned:list", _("Canned responses"), "canned.view_cannedresponse"),
    ("segments:list", _("Segments"), "segments.view_segment"),
    ("channels:list", _("Channels"), "frontdesk_channels.manage_channel"),
    ("core:api-tokens", _("API tokens"), "core.view_workspace"),
    ("core:audit-log", _("Audit log"), "core.view_audit"),
    ("pipeline:dead-letters", _("Failed events"), "pipeline.manage_inbound_events"),
]


def settings_sections(member: Any) -> list[tuple[str, Any]]:
    """(url, label) of every settings section ``member`` may open, in menu order."""
    if not member:
        return []
    return [
        (reverse(name), label)
        for name, label, permission in SECTIONS
        if member.user.has_perm(permission, member.workspace)
    ]


@register.inclusion_tag("core/settings/_nav.html", takes_context=True)
def settings_nav(context: dict[str, Any]) -> dict[str, Any]:
    request = context["request"]
    sections = settings_sections(context.get("member"))
    # The longest matching prefix is the current section (/settings/members/3/ → Members).
    current = max((url for url, _label in sections if request.path.startswith(url)), key=len, default=None)
    return {"sections": [(url, label, url == current) for url, label in sections]}
