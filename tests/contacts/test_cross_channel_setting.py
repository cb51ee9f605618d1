"""The workspace setting that decides whether a message on a second channel joins the open case."""

from __future__ import annotations

import pytest
from django.test import Client

from frontdesk.core.models import AuditEntry, CrossChannelCases, Member


@pytest.mark.django_db
def test_an_admin_chooses_what_a_message_on_another_channel_does(client: Client, admin: Member) -> None:
    client.force_login(admin.user)
    page = client.get("/settings/workspace/").content.decode()
    assert 'name="cross_channel_cases"' in page and "Join the open case" in page
    response = client.post(
        "/settings/workspace/",
        {
            "name": admin.workspace.name,
            "default_language": "en",
            "time_zone": "Asia/Hong_Kong",
            "reopen_window_days": "7",
            "first_response_target_minutes": "60",
            "cross_channel_cases": "offer",
        },
    )
    assert response.status_code == 302
    admin.workspace.refresh_from_db()
    assert admin.workspace.cross_channel_cases == CrossChannelCases.OFFER
    entry = AuditEntry.in_workspace(admin.workspace).get(action="workspace.updated")
    assert entry.changes["cross_channel_cases"] == "offer"
