from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from frontdesk.conversations.models import ConversationLabel, ConversationStatus, MessageKind
from frontdesk.core.models import Member
from frontdesk.core.tokens import issue_token
from tests.factories import make_conversation, make_label, make_member, make_message


@pytest.fixture
def headers(agent: Member) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(agent, 'tests')[1]}"}


def test_openapi_document_is_published(client: Client, db: None) -> None:
    document = client.get("/api/v1/openapi.json").json()
    assert document["info"]["title"] == "Frontdesk API"
    assert "/api/v1/conversations" in document["paths"]
    assert any(
        "Bearer" in str(scheme) or "bearer" in str(scheme)
        for scheme in document["components"]["securitySchemes"].values()
    )


def test_conversations_are_filtered_and_paged_by_cursor(client: Client, agent: Member, headers: dict[str, str]) -> None:
    now = timezone.now()
    ids = [
        make_conversation(
            agent.workspace, last_activity_at=now - timedelta(minutes=i), assignee=agent if i % 2 else None
        ).pk
        for i in range(7)
    ]
    make_conversation(agent.workspace, status=ConversationStatus.RESOLVED)
    seen: list[int] = []
    cursor = None
    while True:
        query: dict[str, str | int] = {"status": "open", "limit": 3}
        if cursor:
            query["cursor"] = cursor
        page = client.get("/api/v1/conversations", query, headers=headers).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids, "newest activity first, every open conversation exactly once"
    mine = client.get("/api/v1/conversations", {"assignee": "me"}, headers=headers).json()["items"]
    assert {item["id"] for item in mine} == set(ids[1::2])
    unassigned = client.get("/api/v1/conversations", {"assignee": "unassigned", "status": "open"}, headers=headers)
    assert {item["id"] for item in unassigned.json()["items"]} == set(ids[0::2])


def test_label_filter_and_messages_endpoint(client: Client, agent: Member, headers: dict[str, str]) -> None:
    conversation = make_conversation(agent.workspace)
    make_conversation(agent.workspace)
    label = make_label(agent.workspace, "退款")
    ConversationLabel.all_workspaces.create(workspace=agent.workspace, conversation=conversation, label=label)
    found = client.get("/api/v1/conversations", {"label": "退款"}, headers=headers).json()["items"]
    assert [item["id"] for item in found] == [conversation.pk]
    assert found[0]["labels"] == ["退款"]
    make_message(conversation, MessageKind.INBOUND, text="first")
    make_message(conversation, MessageKind.NOTE, text="second", author=agent)
    messages = client.get(f"/api/v1/conversations/{conversation.pk}/messages", headers=headers).json()["items"]
    assert [(m["kind"], m["text"]) for m in messages] == [("inbound", "first"), ("note", "second")]


def test_errors_have_one_shape(client: Client, agent: Member, headers: dict[str, str]) -> None:
    missing = client.get("/api/v1/conversations/999999", headers=headers)
    assert missing.status_code == 404 and set(missing.json()) == {"detail"}
    bad_cursor = client.get("/api/v1/conversations", {"cursor": "not-a-cursor"}, headers=headers)
    assert bad_cursor.status_code == 400 and bad_cursor.json() == {"detail": "The cursor is not valid."}
    bad_status = client.get("/api/v1/conversations", {"status": "exploded"}, headers=headers)
    assert bad_status.status_code == 422 and bad_status.json()["detail"] == "The request is not valid."


def test_listing_conversations_takes_the_same_queries_for_5_or_50(
    client: Client, agent: Member, headers: dict[str, str]
) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/conversations", {"limit": 100}, headers=headers).status_code == 200
        return len(captured)

    label = make_label(agent.workspace)
    for _ in range(5):
        c = make_conversation(agent.workspace, assignee=make_member(agent.workspace))
        ConversationLabel.all_workspaces.create(workspace=agent.workspace, conversation=c, label=label)
    count()  # the first use of a token also records when it was last used
    few = count()
    for _ in range(45):
        c = make_conversation(agent.workspace, assignee=make_member(agent.workspace))
        ConversationLabel.all_workspaces.create(workspace=agent.workspace, conversation=c, label=label)
    assert count() == few


def test_members_and_teams_are_listed(client: Client, agent: Member, headers: dict[str, str]) -> None:
    me = client.get("/api/v1/me", headers=headers).json()
    assert me["workspace"]["id"] == agent.workspace_id and me["member"]["role"] == "agent"
    members = client.get("/api/v1/members", headers=headers).json()
    assert [m["id"] for m in members] == [agent.pk]
    assert client.get(f"/api/v1/members/{agent.pk}", headers=headers).json()["email"] == agent.user.email
