"""Canned responses in the Settings area: agents browse, admins change them, previews fill variables."""

from __future__ import annotations

from django.test import Client

from frontdesk.canned.models import CannedResponse
from frontdesk.core.models import AuditEntry, Member
from tests.factories import make_workspace


def test_admin_creates_edits_and_deletes_a_canned_response(client: Client, admin: Member) -> None:
    client.force_login(admin.user)
    assert "No canned responses yet" in client.get("/settings/canned-responses/").content.decode()
    response = client.post(
        "/settings/canned-responses/new/",
        {
            "shortcut": "/Shipping",
            "title": "送貨時間",
            "text": "Hi {{contact.name}}, order {{order.number}} ships today.",
        },
    )
    assert response.status_code == 302
    canned = CannedResponse.in_workspace(admin.workspace).get()
    assert canned.shortcut == "shipping" and canned.created_by == admin.user
    client.post(f"/settings/canned-responses/{canned.pk}/", {"shortcut": "ship", "title": "Ship", "text": "Soon"})
    canned.refresh_from_db()
    assert (canned.shortcut, canned.text) == ("ship", "Soon")
    client.post(f"/settings/canned-responses/{canned.pk}/delete/")
    assert not CannedResponse.in_workspace(admin.workspace).exists()
    actions = set(AuditEntry.in_workspace(admin.workspace).values_list("action", flat=True))
    assert {"canned.created", "canned.updated", "canned.deleted"} <= actions


def test_shortcuts_are_unique_and_slug_like(client: Client, admin: Member) -> None:
    CannedResponse.all_workspaces.create(workspace=admin.workspace, shortcut="hello", title="Hello", text="Hi")
    client.force_login(admin.user)
    taken = client.post("/settings/canned-responses/new/", {"shortcut": "hello", "title": "x", "text": "y"})
    assert "already uses this shortcut" in taken.content.decode()
    bad = client.post("/settings/canned-responses/new/", {"shortcut": "two words", "title": "x", "text": "y"})
    assert "Use lowercase letters" in bad.content.decode()
    assert CannedResponse.in_workspace(admin.workspace).count() == 1


def test_the_editor_previews_variables_for_a_sample_customer(client: Client, admin: Member) -> None:
    client.force_login(admin.user)
    page = client.get("/settings/canned-responses/new/").content.decode()
    assert "{{contact.name}}" in page and "{{order.number}}" in page, "the available variables are listed"
    preview = client.post(
        "/settings/canned-responses/preview/", {"text": "Hi {{contact.name}} <b>{{order.number}}</b> {{nope.x}}"}
    ).content.decode()
    assert "Hi Chan Tai Man &lt;b&gt;HK-1042&lt;/b&gt;" in preview
    assert "<code>nope.x</code>" in preview


def test_agents_browse_and_search_but_cannot_change(client: Client, agent: Member) -> None:
    canned = CannedResponse.all_workspaces.create(
        workspace=agent.workspace, shortcut="refund", title="退款", text="We refund within 7 days"
    )
    CannedResponse.all_workspaces.create(workspace=agent.workspace, shortcut="hello", title="Hello", text="Hi")
    client.force_login(agent.user)
    page = client.get("/settings/canned-responses/", {"q": "退款"}).content.decode()
    assert "/refund" in page and "/hello" not in page
    assert "New canned response" not in page
    assert client.get("/settings/canned-responses/new/").status_code == 403
    assert client.post(f"/settings/canned-responses/{canned.pk}/", {"shortcut": "x"}).status_code == 403
    assert client.post(f"/settings/canned-responses/{canned.pk}/delete/").status_code == 403
    assert CannedResponse.in_workspace(agent.workspace).count() == 2


def test_another_workspaces_canned_response_is_not_found(client: Client, admin: Member) -> None:
    foreign = CannedResponse.all_workspaces.create(workspace=make_workspace(), shortcut="x", title="x", text="x")
    client.force_login(admin.user)
    assert client.get(f"/settings/canned-responses/{foreign.pk}/").status_code == 404
    assert client.post(f"/settings/canned-responses/{foreign.pk}/delete/").status_code == 404
    assert CannedResponse.all_workspaces.filter(pk=foreign.pk).exists()
