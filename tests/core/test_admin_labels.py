"""Labels in the Settings area: admins manage them, colours come from the palette."""

from __future__ import annotations

from django.test import Client

from frontdesk.conversations.models import Label
from frontdesk.core.models import AuditEntry, Member
from tests.factories import make_label, make_workspace


def test_admin_creates_edits_and_deletes_a_label(client: Client, admin: Member) -> None:
    client.force_login(admin.user)
    assert "No labels yet" in client.get("/settings/labels/").content.decode()
    response = client.post("/settings/labels/new/", {"name": "退貨", "color": "#dc2626", "description": "Returns"})
    assert response.status_code == 302
    label = Label.in_workspace(admin.workspace).get()
    assert (label.name, label.color) == ("退貨", "#dc2626")
    page = client.get("/settings/labels/").content.decode()
    assert 'class="label label-color-dc2626"' in page and "style=" not in page
    client.post(f"/settings/labels/{label.pk}/", {"name": "returns", "color": "#2563eb", "description": ""})
    label.refresh_from_db()
    assert (label.name, label.color) == ("returns", "#2563eb")
    client.post(f"/settings/labels/{label.pk}/delete/")
    assert not Label.in_workspace(admin.workspace).exists()
    actions = set(AuditEntry.in_workspace(admin.workspace).values_list("action", flat=True))
    assert {"label.created", "label.updated", "label.deleted"} <= actions


def test_label_colours_outside_the_palette_and_duplicate_names_are_refused(client: Client, admin: Member) -> None:
    make_label(admin.workspace, "vip")
    client.force_login(admin.user)
    page = client.post("/settings/labels/new/", {"name": "VIP", "color": "#123456"}).content.decode()
    assert "already exists" in page and "Select a valid choice" in page
    assert Label.in_workspace(admin.workspace).count() == 1


def test_agents_cannot_manage_labels(client: Client, agent: Member) -> None:
    label = make_label(agent.workspace, "vip")
    client.force_login(agent.user)
    assert client.get("/settings/labels/").status_code == 403
    assert client.post("/settings/labels/new/", {"name": "x", "color": "#dc2626"}).status_code == 403
    assert client.post(f"/settings/labels/{label.pk}/delete/").status_code == 403
    assert Label.in_workspace(agent.workspace).count() == 1


def test_another_workspaces_label_is_not_found(client: Client, admin: Member) -> None:
    foreign = make_label(make_workspace(), "theirs")
    client.force_login(admin.user)
    assert client.get(f"/settings/labels/{foreign.pk}/").status_code == 404
    assert client.post(f"/settings/labels/{foreign.pk}/delete/").status_code == 404
    assert Label.all_workspaces.filter(pk=foreign.pk).exists()
