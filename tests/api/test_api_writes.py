from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from frontdesk.contacts.models import Contact
from frontdesk.conversations.models import Conversation, ConversationStatus, Message
from frontdesk.core.models import AuditEntry, Member, Role
from frontdesk.core.tokens import issue_token
from frontdesk.pipeline.events import Event, _subscribers
from tests.factories import make_contact, make_conversation, make_label, make_member, make_team, make_workspace


@pytest.fixture
def api(client: Client, agent: Member) -> Callable[..., Any]:
    token = issue_token(agent, "tests")[1]

    def call(method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        return getattr(client, method)(
            f"/api/v1{path}",
            data=body or {},
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )

    return call


@pytest.fixture
def events() -> Iterator[list[Event]]:
    received: list[Event] = []
    _subscribers["test"] = received.extend
    yield received
    del _subscribers["test"]


def test_contact_is_created_and_updated_with_an_audit_trail(api: Callable[..., Any], agent: Member) -> None:
    created = api("post", "/contacts", {"name": "陳小明", "email": "Ming@Example.com", "attributes": {"tier": "gold"}})
    assert created.status_code == 201
    contact_id = created.json()["id"]
    assert created.json()["email"] == "ming@example.com"
    updated = api(
        "patch", f"/contacts/{contact_id}", {"phone": "+85291234567", "attributes": {"tier": None, "city": "香港"}}
    )
    assert updated.status_code == 200
    assert updated.json()["attributes"] == {"city": "香港"} and updated.json()["name"] == "陳小明"
    actions = list(AuditEntry.in_workspace(agent.workspace).values_list("action", flat=True))
    assert "contact.created" in actions and "contact.updated" in actions


def test_contact_input_is_validated(api: Callable[..., Any], agent: Member) -> None:
    assert api("post", "/contacts", {"email": "not an email"}).json() == {"detail": "Enter a valid email address."}
    assert api("post", "/contacts", {}).status_code == 422
    assert not Contact.in_workspace(agent.workspace).exists()


def test_agent_resolves_snoozes_and_prioritises_a_conversation(
    api: Callable[..., Any], agent: Member, events: list[Event], django_capture_on_commit_callbacks: Any
) -> None:
    conversation = make_conversation(agent.workspace)
    with django_capture_on_commit_callbacks(execute=True):
        response = api("patch", f"/conversations/{conversation.pk}", {"status": "resolved", "priority": 3})
    assert response.status_code == 200
    assert response.json()["status"] == "resolved" and response.json()["priority"] == 3
    conversation.refresh_from_db()
    assert conversation.resolved_at is not None
    assert [e.type for e in events] == ["conversation.updated", "conversation.updated"]
    assert events[0].payload["conversation"]["id"] == conversation.pk

    assert api("patch", f"/conversations/{conversation.pk}", {"status": "snoozed"}).status_code == 422
    later = timezone.now() + timedelta(hours=3)
    snoozed = api(
        "patch", f"/conversations/{conversation.pk}", {"status": "snoozed", "snoozed_until": later.isoformat()}
    )
    assert snoozed.json()["status"] == "snoozed"
    assert api("patch", f"/conversations/{conversation.pk}", {"status": "exploded"}).status_code == 422


def test_agents_take_conversations_supervisors_assign_them(
    client: Client, api: Callable[..., Any], agent: Member
) -> None:
    conversation = make_conversation(agent.workspace)
    colleague = make_member(agent.workspace, Role.AGENT)
    assert (
        api("patch", f"/conversations/{conversation.pk}", {"assignee_id": agent.pk}).json()["assignee_id"] == agent.pk
    )
    refused = api("patch", f"/conversations/{conversation.pk}", {"assignee_id": colleague.pk})
    assert refused.status_code == 403
    conversation.refresh_from_db()
    assert conversation.assignee_id == agent.pk

    supervisor = make_member(agent.workspace, Role.SUPERVISOR)
    token = issue_token(supervisor, "s")[1]
    response = client.patch(
        f"/api/v1/conversations/{conversation.pk}",
        data={"assignee_id": colleague.pk},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.json()["assignee_id"] == colleague.pk
    unassigned = client.patch(
        f"/api/v1/conversations/{conversation.pk}",
        data={"assignee_id": None},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert unassigned.json()["assignee_id"] is None


def test_foreign_ids_in_a_body_change_nothing(api: Callable[..., Any], agent: Member) -> None:
    conversation = make_conversation(agent.workspace, assignee=agent)
    other = make_workspace()
    foreign_member = make_member(other, Role.AGENT)
    foreign_team = make_team(other)
    make_label(other, "foreign")
    for body, detail in [
        ({"assignee_id": foreign_member.pk}, "Unknown assignee."),
        ({"team_id": foreign_team.pk}, "Unknown team."),
        ({"labels": ["foreign"]}, "Unknown labels: foreign."),
        ({"status": "resolved", "team_id": foreign_team.pk}, "Unknown team."),
    ]:
        response = api("patch", f"/conversations/{conversation.pk}", body)
        assert response.status_code == 422 and response.json() == {"detail": detail}
    conversation.refresh_from_db()
    assert conversation.assignee_id == agent.pk and conversation.team_id is None
    assert conversation.status == ConversationStatus.OPEN
    assert not conversation.labels.exists()


def test_team_and_labels_are_set_and_cleared(api: Callable[..., Any], agent: Member) -> None:
    conversation = make_conversation(agent.workspace)
    team = make_team(agent.workspace, "Baggage")
    make_label(agent.workspace, "退款")
    make_label(agent.workspace, "vip")
    response = api("patch", f"/conversations/{conversation.pk}", {"team_id": team.pk, "labels": ["退款", "vip"]})
    assert response.json()["team_id"] == team.pk and sorted(response.json()["labels"]) == ["vip", "退款"]
    cleared = api("patch", f"/conversations/{conversation.pk}", {"team_id": None, "labels": ["vip"]})
    assert cleared.json()["team_id"] is None and cleared.json()["labels"] == ["vip"]


def test_private_notes_are_added_and_never_queued_for_sending(api: Callable[..., Any], agent: Member) -> None:
    conversation = make_conversation(agent.workspace, contact=make_contact(agent.workspace))
    response = api("post", f"/conversations/{conversation.pk}/messages", {"kind": "note", "text": " 已致電客人 "})
    assert response.status_code == 201
    note = Message.in_workspace(agent.workspace).get(pk=response.json()["id"])
    assert note.kind == "note" and note.text == "已致電客人" and note.channel_id is None and note.author == agent
    assert api("post", f"/conversations/{conversation.pk}/messages", {"kind": "note", "text": "  "}).status_code == 422
    assert api("post", f"/conversations/{conversation.pk}/messages", {"kind": "email", "text": "hi"}).status_code == 422
    assert Conversation.in_workspace(agent.workspace).get().messages.count() == 1
