"""The incidents pages through HTTP: list, incident, bulk actions, the conversation banners; permissions, isolation."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from frontdesk.conversations.models import Conversation, ConversationStatus, OutboxEntry
from frontdesk.core.models import AuditEntry, Member, Role, Workspace
from frontdesk.incidents.models import Incident, IncidentConversation, IncidentStatus
from tests.factories import make_member, make_workspace
from tests.incidents.conftest import CANCELLED_ZH, OTHER_ZH


@pytest.fixture
def incident(customer_writes: Callable[..., Conversation]) -> Incident:
    for number, text in enumerate(CANCELLED_ZH[:3]):
        customer_writes(f"zh-{number}", text)
    customer_writes("bag", OTHER_ZH)
    incident: Incident = Incident.all_workspaces.get()
    return incident


@pytest.fixture
def signed_in(client: Client, agent: Member) -> Client:
    client.force_login(agent.user)
    return client


@pytest.mark.django_db
def test_the_list_shows_each_incident_with_its_counts_and_the_navigation_count(
    signed_in: Client, incident: Incident
) -> None:
    page = signed_in.get("/inbox/incidents/").content.decode()
    assert 'data-testid="incident-row"' in page and incident.title in page
    assert "Shop backend" in page
    nav = signed_in.get("/inbox/incidents/?partial=nav").content.decode()
    assert 'data-testid="incident-nav-count">1<' in nav
    inbox = signed_in.get("/inbox/").content.decode()
    assert 'id="incident-nav"' in inbox and inbox.count('data-testid="row-incident"') == 3


@pytest.mark.django_db
def test_no_incidents_says_so(signed_in: Client) -> None:
    assert 'data-testid="incident-empty"' in signed_in.get("/inbox/incidents/").content.decode()


@pytest.mark.django_db
def test_the_incident_page_lists_its_conversations(signed_in: Client, incident: Incident) -> None:
    page = signed_in.get(f"/inbox/incidents/{incident.pk}/").content.decode()
    assert page.count('data-testid="incident-conversation"') == 3
    assert "Ada Lovelace" in page and 'data-testid="answer-all"' in page
    assert OTHER_ZH[:10] not in page


@pytest.mark.django_db
def test_answer_all_through_the_page_then_the_result_is_shown(signed_in: Client, incident: Incident) -> None:
    response = signed_in.post(f"/inbox/incidents/{incident.pk}/answer/", {"text": "Hi {{ contact.name }}, rebooked."})
    assert response.status_code == 302
    assert OutboxEntry.in_workspace(incident.workspace_id).count() == 3
    page = signed_in.get(f"/inbox/incidents/{incident.pk}/").content.decode()
    assert 'data-testid="incident-outcome"' in page and "3 conversations done." in page


@pytest.mark.django_db
def test_resolve_all_and_assign_all_through_the_page(signed_in: Client, incident: Incident, agent: Member) -> None:
    signed_in.post(f"/inbox/incidents/{incident.pk}/assign-me/")
    conversations = Conversation.in_workspace(incident.workspace_id).filter(incident_memberships__incident=incident)
    assert {c.assignee_id for c in conversations} == {agent.pk}
    signed_in.post(f"/inbox/incidents/{incident.pk}/resolve/")
    assert {c.status for c in conversations.all()} == {ConversationStatus.RESOLVED}
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESOLVED
    assert 'data-testid="incident-row"' in signed_in.get("/inbox/incidents/?status=resolved").content.decode()


@pytest.mark.django_db
def test_rename_and_remove(signed_in: Client, incident: Incident) -> None:
    signed_in.post(f"/inbox/incidents/{incident.pk}/rename/", {"title": "CX880 cancelled 7 Dec"})
    incident.refresh_from_db()
    assert incident.title == "CX880 cancelled 7 Dec"
    first = IncidentConversation.all_workspaces.filter(incident=incident).order_by("pk").first()
    assert first is not None
    signed_in.post(f"/inbox/incidents/{incident.pk}/conversations/{first.conversation_id}/remove/")
    page = signed_in.get(f"/inbox/incidents/{incident.pk}/").content.decode()
    assert page.count('data-testid="incident-conversation"') == 2


@pytest.mark.django_db
def test_the_conversation_page_links_to_its_incident(signed_in: Client, incident: Incident) -> None:
    membership = IncidentConversation.all_workspaces.filter(incident=incident).first()
    assert membership is not None
    page = signed_in.get(f"/inbox/conversations/{membership.conversation_id}/").content.decode()
    assert f"/inbox/incidents/conversations/{membership.conversation_id}/" in page
    banners = signed_in.get(f"/inbox/incidents/conversations/{membership.conversation_id}/").content.decode()
    assert f'href="/inbox/incidents/{incident.pk}/"' in banners


@pytest.mark.django_db
def test_signed_out_visitors_are_sent_to_sign_in(client: Client, incident: Incident) -> None:
    for path in ("/inbox/incidents/", f"/inbox/incidents/{incident.pk}/"):
        assert client.get(path).status_code == 302
    assert client.post(f"/inbox/incidents/{incident.pk}/resolve/").status_code == 302
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.OPEN


@pytest.mark.django_db
def test_get_cannot_change_anything(signed_in: Client, incident: Incident) -> None:
    for action in ("answer", "resolve", "assign-me", "rename"):
        assert signed_in.get(f"/inbox/incidents/{incident.pk}/{action}/").status_code == 405


@pytest.mark.django_db
def test_another_workspaces_incident_answers_like_a_missing_one_and_changes_nothing(
    client: Client, incident: Incident
) -> None:
    stranger = make_member(make_workspace("Elsewhere"), Role.OWNER)
    client.force_login(stranger.user)
    audit_before = AuditEntry.in_workspace(incident.workspace_id).count()
    conversation_id = IncidentConversation.all_workspaces.filter(incident=incident).values_list(
        "conversation_id", flat=True
    )[0]
    paths = [
        f"/inbox/incidents/{incident.pk}/",
        f"/inbox/incidents/conversations/{conversation_id}/",
    ]
    for path in paths:
        foreign, missing = (
            client.get(path),
            client.get(path.replace(str(incident.pk), "999999").replace(str(conversation_id), "999999")),
        )
        assert foreign.status_code == missing.status_code == 404
        assert foreign.content == missing.content
    for action in ("answer", "resolve", "assign-me", "rename", f"conversations/{conversation_id}/remove"):
        response = client.post(f"/inbox/incidents/{incident.pk}/{action}/", {"text": "x", "title": "x"})
        assert response.status_code == 404, action
    incident.refresh_from_db()
    assert (incident.status, incident.title) == (IncidentStatus.OPEN, CANCELLED_ZH[0][:120].rstrip())
    assert not OutboxEntry.all_workspaces.exists()
    assert AuditEntry.in_workspace(incident.workspace_id).count() == audit_before
    assert IncidentConversation.all_workspaces.filter(removed_at__isnull=False).count() == 0
    # The stranger's own incident list does not show the other workspace's incident.
    assert incident.title not in client.get("/inbox/incidents/").content.decode()


@pytest.mark.django_db
def test_an_agent_of_the_workspace_may_act_like_the_inbox_bulk_actions(
    client: Client, incident: Incident, workspace: Workspace
) -> None:
    agent = make_member(workspace, Role.AGENT)
    client.force_login(agent.user)
    assert client.post(f"/inbox/incidents/{incident.pk}/resolve/").status_code == 302
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESOLVED


@pytest.mark.django_db
def test_the_same_problem_grouped_twice_is_merged_into_one_incident(
    signed_in: Client, incident: Incident, customer_writes: Callable[..., Conversation]
) -> None:
    from tests.incidents.conftest import CANCELLED_EN

    english = [customer_writes(f"en-{n}", text) for n, text in enumerate(CANCELLED_EN[:2])]
    other = Incident.all_workspaces.exclude(pk=incident.pk).get()
    assert f'value="{incident.pk}"' in signed_in.get(f"/inbox/incidents/{other.pk}/").content.decode()
    response = signed_in.post(f"/inbox/incidents/{other.pk}/merge/", {"into": incident.pk})
    assert response["Location"] == f"/inbox/incidents/{incident.pk}/"
    other.refresh_from_db()
    assert other.status == IncidentStatus.RESOLVED
    members = set(
        IncidentConversation.all_workspaces.filter(incident=incident).values_list("conversation_id", flat=True)
    )
    assert {c.pk for c in english} <= members and len(members) == 5


@pytest.mark.django_db
def test_merging_into_another_workspaces_incident_is_a_404(
    signed_in: Client, incident: Incident, customer_writes: Callable[..., Conversation]
) -> None:
    stranger_workspace = make_workspace("Elsewhere")
    foreign = Incident.all_workspaces.create(workspace=stranger_workspace, title="Theirs")
    response = signed_in.post(f"/inbox/incidents/{incident.pk}/merge/", {"into": foreign.pk})
    assert response.status_code == 404
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.OPEN
    assert IncidentConversation.all_workspaces.filter(incident=foreign).count() == 0
