"""REST v1 /incidents: list, read, answer all, resolve all, rename, remove; scoping, permissions, bad input."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
import rules
from django.test import Client
from django.utils import timezone

from frontdesk.conversations.models import Conversation, ConversationStatus, Message, MessageKind, OutboxEntry
from frontdesk.core.models import AuditEntry, Member, Role, Workspace
from frontdesk.core.rules import is_member, is_supervisor
from frontdesk.core.tokens import issue_token
from frontdesk.incidents.models import Incident, IncidentConversation, IncidentStatus
from tests.factories import make_contact, make_conversation, make_member, make_workspace
from tests.incidents.conftest import CANCELLED_ZH, incident_of


def bearer(member: Member) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(member, 'tests')[1]}"}


@contextmanager
def permission(name: str, predicate: Any) -> Iterator[None]:
    """``name`` decided by ``predicate`` for the block (no role is refused these today; this stands for one)."""
    before = rules.permissions.permissions[name]
    rules.set_perm(name, predicate)
    try:
        yield
    finally:
        rules.set_perm(name, before)


@pytest.fixture
def incident(grouped: list[Conversation]) -> Incident:
    return incident_of(grouped[0])


@pytest.fixture
def headers(agent: Member) -> dict[str, str]:
    return bearer(agent)


def make_incident(workspace: Workspace, title: str, size: int, **fields: Any) -> Incident:
    incident = Incident.all_workspaces.create(workspace=workspace, title=title, **fields)
    for _ in range(size):
        conversation = make_conversation(workspace, contact=make_contact(workspace))
        IncidentConversation.all_workspaces.create(workspace=workspace, incident=incident, conversation=conversation)
    return incident


def send(client: Client, method: str, path: str, headers: dict[str, str], body: Any = None) -> Any:
    return getattr(client, method)(f"/api/v1/incidents{path}", body, content_type="application/json", headers=headers)


@pytest.mark.django_db
def test_the_list_is_newest_updated_first_paged_and_filtered_by_status(
    client: Client, workspace: Workspace, headers: dict[str, str]
) -> None:
    now = timezone.now()
    made = [make_incident(workspace, f"Outage {n}", n % 3 + 2, updated_at=now - timedelta(minutes=n)) for n in range(5)]
    gone = IncidentConversation.all_workspaces.filter(incident=made[0]).first()
    assert gone is not None
    IncidentConversation.all_workspaces.filter(pk=gone.pk).update(removed_at=now)
    done = make_incident(workspace, "Fixed", 2, status=IncidentStatus.RESOLVED, resolved_at=now)
    make_incident(make_workspace("Elsewhere"), "Not ours", 2)

    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/incidents", query, headers=headers).json()
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [item["id"] for item in seen] == [incident.pk for incident in made]
    assert [item["conversation_count"] for item in seen] == [1, 3, 4, 2, 3], "removed conversations not counted"
    assert set(seen[0]) == {"id", "title", "status", "created_at", "updated_at", "resolved_at", "conversation_count"}

    resolved = client.get("/api/v1/incidents", {"status": "resolved"}, headers=headers).json()
    assert [(item["id"], item["status"]) for item in resolved["items"]] == [(done.pk, "resolved")]
    assert resolved["items"][0]["resolved_at"] is not None


@pytest.mark.django_db
def test_bad_list_parameters_are_refused_with_a_reason(client: Client, headers: dict[str, str]) -> None:
    wrong_status = client.get("/api/v1/incidents", {"status": "closed"}, headers=headers)
    assert wrong_status.status_code == 422 and wrong_status.json()["detail"] == "The request is not valid."
    wrong_cursor = client.get("/api/v1/incidents", {"cursor": "nonsense"}, headers=headers)
    assert wrong_cursor.status_code == 400 and wrong_cursor.json() == {"detail": "The cursor is not valid."}


@pytest.mark.django_db
def test_without_a_token_nothing_is_shown(client: Client, incident: Incident) -> None:
    assert client.get("/api/v1/incidents").status_code == 401
    assert client.get(f"/api/v1/incidents/{incident.pk}").status_code == 401


@pytest.mark.django_db
def test_the_incident_lists_its_conversations_with_the_channel_an_answer_would_use(
    client: Client,
    incident: Incident,
    grouped: list[Conversation],
    headers: dict[str, str],
    django_assert_max_num_queries: Any,
) -> None:
    client.get(f"/api/v1/incidents/{incident.pk}", headers=headers)  # the token's first use is recorded
    with django_assert_max_num_queries(7):  # token, incident twice, membership, conversations, channels twice
        body = client.get(f"/api/v1/incidents/{incident.pk}", headers=headers).json()
    assert body["id"] == incident.pk and body["conversation_count"] == 3 and body["status"] == "open"
    assert [c["id"] for c in body["conversations"]] == [c.pk for c in grouped]
    first = body["conversations"][0]
    assert first["contact_id"] == grouped[0].contact_id and first["contact_name"] == "Chan Tai Man"
    assert first["status"] == "open" and first["last_message_preview"] == CANCELLED_ZH[0]
    assert first["last_message_at"]
    assert [c["channel_kind"] for c in body["conversations"]] == ["api", "api", "whatsapp"]


@pytest.mark.django_db
def test_a_conversation_the_member_may_not_see_is_not_listed(
    client: Client, incident: Incident, grouped: list[Conversation], headers: dict[str, str]
) -> None:
    hidden = grouped[1].pk
    not_hidden = rules.predicate(lambda user, conversation: conversation.pk != hidden)
    with permission("conversations.view_conversation", is_member & not_hidden):
        body = client.get(f"/api/v1/incidents/{incident.pk}", headers=headers).json()
    assert [c["id"] for c in body["conversations"]] == [grouped[0].pk, grouped[2].pk]


@pytest.mark.django_db
def test_another_workspaces_incident_is_a_404_like_a_missing_one_and_nothing_changes(
    client: Client, incident: Incident, grouped: list[Conversation]
) -> None:
    stranger = bearer(make_member(make_workspace("Elsewhere"), Role.OWNER))
    audit_before = AuditEntry.in_workspace(incident.workspace_id).count()
    calls = [
        ("get", "/{id}", None),
        ("post", "/{id}/answer", {"text": "hi"}),
        ("post", "/{id}/resolve", None),
        ("patch", "/{id}", {"title": "Mine now"}),
        ("delete", f"/{{id}}/conversations/{grouped[0].pk}", None),
    ]
    for method, path, body in calls:
        foreign = send(client, method, path.format(id=incident.pk), stranger, body)
        missing = send(client, method, path.format(id=999999), stranger, body)
        assert foreign.status_code == missing.status_code == 404, path
        assert foreign.json() == missing.json() == {"detail": "Not found."}
    assert client.get("/api/v1/incidents", headers=stranger).json()["items"] == []
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.OPEN and incident.title != "Mine now"
    assert not OutboxEntry.all_workspaces.exists()
    assert AuditEntry.in_workspace(incident.workspace_id).count() == audit_before
    assert not IncidentConversation.all_workspaces.filter(removed_at__isnull=False).exists()


@pytest.mark.django_db
def test_answer_all_queues_a_personalised_reply_on_each_customers_channel_and_lists_refusals(
    client: Client, incident: Incident, grouped: list[Conversation], headers: dict[str, str]
) -> None:
    response = send(
        client, "post", f"/{incident.pk}/answer", headers, {"text": "Dear {{ contact.name }}, CX880 is rebooked."}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert [c["id"] for c in body["done"]] == [grouped[0].pk, grouped[1].pk]
    assert [c["contact_name"] for c in body["done"]] == ["Chan Tai Man", "Lin Mei"]
    [refused] = body["refused"]
    assert refused["id"] == grouped[2].pk and "24-hour reply window" in refused["reason"]
    assert (body["done_count"], body["refused_count"]) == (2, 1)
    assert body["incident"]["status"] == "open"
    replies = Message.in_workspace(incident.workspace_id).filter(kind=MessageKind.OUTBOUND).order_by("pk")
    assert [(m.conversation_id, m.text) for m in replies] == [
        (grouped[0].pk, "Dear Chan Tai Man, CX880 is rebooked."),
        (grouped[1].pk, "Dear Lin Mei, CX880 is rebooked."),
    ]
    entries = OutboxEntry.in_workspace(incident.workspace_id).order_by("pk")
    assert [(e.conversation_id, e.channel_id) for e in entries] == [(c.pk, c.channel_id) for c in grouped[:2]]
    assert AuditEntry.in_workspace(incident.workspace_id).filter(action="incident.answered").count() == 1


@pytest.mark.django_db
def test_answer_all_with_resolve_resolves_what_it_answered(
    client: Client, incident: Incident, grouped: list[Conversation], headers: dict[str, str]
) -> None:
    body = send(client, "post", f"/{incident.pk}/answer", headers, {"text": "Rebooked.", "resolve": True}).json()
    assert body["done_count"] == 2
    statuses = [Conversation.all_workspaces.get(pk=c.pk).status for c in grouped]
    assert statuses == [ConversationStatus.RESOLVED, ConversationStatus.RESOLVED, ConversationStatus.OPEN]


@pytest.mark.django_db
def test_a_variable_without_a_value_is_refused_for_that_customer(
    client: Client, incident: Incident, headers: dict[str, str]
) -> None:
    body = send(
        client, "post", f"/{incident.pk}/answer", headers, {"text": "Booking {{ order.number }} refunded."}
    ).json()
    assert body["done"] == [] and body["refused_count"] == 3
    assert all("{{ order.number }}" in item["reason"] for item in body["refused"][:2])
    assert not OutboxEntry.all_workspaces.exists()


@pytest.mark.django_db
def test_resolve_all_resolves_the_conversations_and_the_incident(
    client: Client, incident: Incident, grouped: list[Conversation], headers: dict[str, str]
) -> None:
    response = send(client, "post", f"/{incident.pk}/resolve", headers)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["done_count"] == 3 and body["refused"] == []
    assert body["incident"]["status"] == "resolved" and body["incident"]["resolved_at"]
    assert {Conversation.all_workspaces.get(pk=c.pk).status for c in grouped} == {ConversationStatus.RESOLVED}
    listed = client.get("/api/v1/incidents", {"status": "resolved"}, headers=headers).json()["items"]
    assert [item["id"] for item in listed] == [incident.pk]


@pytest.mark.django_db
def test_rename(client: Client, incident: Incident, headers: dict[str, str]) -> None:
    response = send(client, "patch", f"/{incident.pk}", headers, {"title": "  CX880   cancelled  "})
    assert response.status_code == 200, response.content
    assert response.json()["title"] == "CX880 cancelled" and response.json()["conversation_count"] == 3
    incident.refresh_from_db()
    assert incident.title == "CX880 cancelled"
    assert AuditEntry.in_workspace(incident.workspace_id).filter(action="incident.renamed").exists()


@pytest.mark.django_db
def test_remove_a_conversation(
    client: Client, incident: Incident, grouped: list[Conversation], headers: dict[str, str]
) -> None:
    response = send(client, "delete", f"/{incident.pk}/conversations/{grouped[1].pk}", headers)
    assert response.status_code == 204, response.content
    body = client.get(f"/api/v1/incidents/{incident.pk}", headers=headers).json()
    assert [c["id"] for c in body["conversations"]] == [grouped[0].pk, grouped[2].pk]
    assert body["conversation_count"] == 2
    again = send(client, "delete", f"/{incident.pk}/conversations/{grouped[1].pk}", headers)
    assert again.status_code == 422 and again.json() == {"detail": "That conversation is not in this incident."}
    foreign = make_conversation(make_workspace("Elsewhere"))
    assert send(client, "delete", f"/{incident.pk}/conversations/{foreign.pk}", headers).status_code == 404


@pytest.mark.django_db
def test_a_member_who_may_not_change_incidents_gets_403_and_changes_nothing(
    client: Client, incident: Incident, grouped: list[Conversation], headers: dict[str, str]
) -> None:
    with permission("incidents.change_incident", is_supervisor):
        assert client.get(f"/api/v1/incidents/{incident.pk}", headers=headers).status_code == 200
        calls = [
            ("post", f"/{incident.pk}/answer", {"text": "hi"}),
            ("post", f"/{incident.pk}/resolve", None),
            ("patch", f"/{incident.pk}", {"title": "Renamed"}),
            ("delete", f"/{incident.pk}/conversations/{grouped[0].pk}", None),
        ]
        for method, path, body in calls:
            response = send(client, method, path, headers, body)
            assert response.status_code == 403, path
            assert response.json() == {"detail": "You may not change this incident."}
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.OPEN and incident.title != "Renamed"
    assert not OutboxEntry.all_workspaces.exists()
    assert not IncidentConversation.all_workspaces.filter(removed_at__isnull=False).exists()


@pytest.mark.django_db
def test_a_conversation_the_member_may_not_change_is_refused_with_the_reason(
    client: Client, incident: Incident, grouped: list[Conversation], headers: dict[str, str]
) -> None:
    locked = grouped[0].pk
    not_locked = rules.predicate(lambda user, conversation: conversation.pk != locked)
    with permission("conversations.change_conversation", is_member & not_locked):
        body = send(client, "post", f"/{incident.pk}/answer", headers, {"text": "Rebooked."}).json()
    assert {"id": locked, "reason": "You may not reply in this conversation."}.items() <= body["refused"][0].items()


@pytest.mark.django_db
def test_bad_input_is_refused_with_a_clear_message(client: Client, incident: Incident, headers: dict[str, str]) -> None:
    for text in ("", "   "):
        empty = send(client, "post", f"/{incident.pk}/answer", headers, {"text": text})
        assert empty.status_code == 422 and empty.json() == {"detail": "Write the message to send."}
    too_long = send(client, "post", f"/{incident.pk}/answer", headers, {"text": "x" * 20_001})
    assert too_long.status_code == 422 and too_long.json()["detail"] == "A reply can be at most 20000 characters."
    missing = send(client, "post", f"/{incident.pk}/answer", headers, {})
    assert missing.status_code == 422 and missing.json()["errors"][0]["loc"][-1] == "text"
    title = send(client, "patch", f"/{incident.pk}", headers, {"title": "x" * 201})
    assert title.status_code == 422 and title.json() == {"detail": "A title can be at most 200 characters."}
    blank = send(client, "patch", f"/{incident.pk}", headers, {"title": " "})
    assert blank.status_code == 422 and blank.json() == {"detail": "An incident needs a title."}
    assert not OutboxEntry.all_workspaces.exists()


@pytest.mark.django_db
def test_the_openapi_document_describes_the_incident_endpoints(client: Client) -> None:
    document = client.get("/api/v1/openapi.json").json()
    paths = document["paths"]
    assert set(paths["/api/v1/incidents/{incident_id}"]) == {"get", "patch"}
    assert "post" in paths["/api/v1/incidents/{incident_id}/answer"]
    assert "post" in paths["/api/v1/incidents/{incident_id}/resolve"]
    assert "delete" in paths["/api/v1/incidents/{incident_id}/conversations/{conversation_id}"]
    answer = document["components"]["schemas"]["AnswerIn"]["properties"]["text"]
    assert "{{ contact.name }}" in answer["description"]
