"""Settings → Segments: supervisors build rules row by row, see who matches, save and delete."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from frontdesk.channels.models import ChannelKind
from frontdesk.contacts.models import ContextObject
from frontdesk.core.models import AuditEntry, Member, Role, Workspace
from frontdesk.segments.models import Segment
from tests.factories import make_channel, make_contact, make_conversation, make_member, make_workspace


@pytest.fixture
def supervisor(workspace: Workspace) -> Member:
    return make_member(workspace, Role.SUPERVISOR)


def booked(workspace: Workspace, name: str, flight: str) -> None:
    contact = make_contact(workspace, name=name)
    ContextObject.all_workspaces.create(
        workspace=workspace, contact=contact, kind="booking", external_id=name, data={"flight": flight}
    )


def form(**rows: Any) -> dict[str, Any]:
    return {"name": "CX123 passengers", "description": "", "match": "all", **rows}


def test_supervisor_builds_saves_and_deletes_a_segment(
    client: Client, supervisor: Member, workspace: Workspace
) -> None:
    booked(workspace, "Chan Tai Man", "CX123")
    booked(workspace, "Wong Siu Ming", "KA902")
    client.force_login(supervisor.user)
    empty = client.get("/settings/segments/").content.decode()
    assert "No segments yet" in empty and 'href="/settings/segments/"' in empty, "listed in the Settings navigation"
    page = client.get("/settings/segments/new/").content.decode()
    assert 'name="rule-0-field"' in page and "Add a rule to see who matches" in page
    rows = {"rule-0-field": "context", "rule-0-op": "matches", "rule-0-value": "booking flight=CX123"}
    preview = client.post("/settings/segments/preview/", form(**rows)).content.decode()
    assert "1 contact" in preview and "Chan Tai Man" in preview and "Wong Siu Ming" not in preview
    saved = client.post("/settings/segments/new/", form(**rows))
    segment = Segment.in_workspace(workspace).get()
    assert saved.status_code == 302 and saved["Location"] == f"/settings/segments/{segment.pk}/"
    assert segment.definition == {
        "match": "all",
        "rules": [{"type": "context", "kind": "booking", "status": "", "data": {"flight": "CX123"}}],
    }
    edit = client.get(f"/settings/segments/{segment.pk}/").content.decode()
    assert 'value="booking flight=CX123"' in edit and "Chan Tai Man" in edit
    assert client.get(f"/settings/segments/{segment.pk}/count/").content.decode().strip() == "1"
    client.post(f"/settings/segments/{segment.pk}/delete/")
    assert not Segment.in_workspace(workspace).exists()
    actions = set(AuditEntry.in_workspace(workspace).values_list("action", flat=True))
    assert {"segment.created", "segment.deleted"} <= actions


def test_rows_are_added_removed_and_follow_their_field_without_javascript(client: Client, supervisor: Member) -> None:
    channel = make_channel(supervisor.workspace, ChannelKind.WHATSAPP, name="Support WhatsApp")
    client.force_login(supervisor.user)
    rows = {"rule-0-field": "language", "rule-0-op": "equals", "rule-0-value": "en"}
    added = client.post("/settings/segments/new/", form(**rows, add_rule="1")).content.decode()
    assert 'name="rule-1-field"' in added and not Segment.in_workspace(supervisor.workspace).exists()
    changed = {**rows, "rule-1-field": "channel", "rule-1-op": "equals", "rule-1-value": ""}
    refreshed = client.post("/settings/segments/new/", form(**changed, refresh="1")).content.decode()
    assert f'value="id:{channel.pk}"' in refreshed and "any WhatsApp channel" in refreshed
    removed = client.post("/settings/segments/rules/", form(**changed, remove_rule="0")).content.decode()
    assert 'name="rule-1-field"' not in removed and 'value="channel" selected' in removed
    assert 'id="segment-preview"' in removed and 'hx-swap-oob="true"' in removed, "the count follows the rows"


def test_faulty_rules_are_marked_and_nothing_is_saved(client: Client, supervisor: Member) -> None:
    client.force_login(supervisor.user)
    rows = {
        "rule-0-field": "conversations",
        "rule-0-op": "at_least",
        "rule-0-value": "many",
        "rule-1-field": "last_contact",
        "rule-1-op": "within",
        "rule-1-value": "<script>alert(1)</script>",
    }
    page = client.post("/settings/segments/new/", form(**rows)).content.decode()
    assert "Some rules need attention." in page
    assert "The number must be a whole number." in page and "The number of days must be a whole number." in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert not Segment.in_workspace(supervisor.workspace).exists()


def test_preview_lists_the_first_fifty_linked_to_their_latest_conversation(
    client: Client, supervisor: Member, workspace: Workspace
) -> None:
    contacts = [make_contact(workspace, name=f"Guest {i:02d}", language="ja") for i in range(55)]
    conversation = make_conversation(workspace, contact=contacts[0])
    make_contact(workspace, name="Merged", language="ja", merged_into=contacts[1])
    client.force_login(supervisor.user)
    preview = client.post(
        "/settings/segments/preview/", form(**{"rule-0-field": "language", "rule-0-op": "equals", "rule-0-value": "ja"})
    ).content.decode()
    assert "55 contacts" in preview and "The first 50" in preview
    assert f'href="/inbox/conversations/{conversation.pk}/"' in preview
    assert "Guest 49" in preview and "Guest 50" not in preview and "Merged" not in preview


def test_agents_cannot_open_segments(client: Client, agent: Member, workspace: Workspace) -> None:
    segment = Segment.all_workspaces.create(workspace=workspace, name="Ours")
    client.force_login(agent.user)
    assert client.get("/settings/segments/").status_code == 403
    assert client.get("/settings/segments/new/").status_code == 403
    assert client.post("/settings/segments/preview/", form()).status_code == 403
    assert client.get(f"/settings/segments/{segment.pk}/").status_code == 404
    assert client.post(f"/settings/segments/{segment.pk}/delete/").status_code == 404
    assert Segment.in_workspace(workspace).exists()
    assert 'href="/settings/segments/"' not in client.get("/settings/canned-responses/").content.decode()


def test_another_workspaces_segment_and_channel_are_out_of_reach(client: Client, supervisor: Member) -> None:
    other = make_workspace("Other")
    theirs = Segment.all_workspaces.create(workspace=other, name="Theirs")
    foreign_channel = make_channel(other, ChannelKind.LINE, name="Their LINE")
    client.force_login(supervisor.user)
    for path in (f"/settings/segments/{theirs.pk}/", f"/settings/segments/{theirs.pk}/count/"):
        assert client.get(path).status_code == 404
    assert client.post(f"/settings/segments/{theirs.pk}/delete/").status_code == 404
    assert client.post(f"/settings/segments/{theirs.pk}/", form()).status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Theirs"
    page = client.post(
        "/settings/segments/new/",
        form(**{"rule-0-field": "channel", "rule-0-op": f"id:{foreign_channel.pk}"}),
    ).content.decode()
    assert "Their LINE" not in page and "That channel does not exist." in page
    assert not Segment.in_workspace(supervisor.workspace).exists()
