"""REST v1 /segments: supervisors save segments, read their count and page through their contacts."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from frontdesk.contacts.models import ContextObject
from frontdesk.core.models import AuditEntry, Member, Role, Workspace
from frontdesk.core.tokens import issue_token
from frontdesk.segments.models import Segment
from tests.factories import make_channel, make_contact, make_label, make_member, make_workspace

FLIGHT = {"match": "all", "rules": [{"type": "context", "kind": "booking", "data": {"flight": "CX123"}}]}


def bearer(member: Member) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(member, 'tests')[1]}"}


@pytest.fixture
def supervisor(workspace: Workspace) -> Member:
    return make_member(workspace, Role.SUPERVISOR)


def post(client: Client, member: Member, body: dict[str, Any]) -> Any:
    return client.post("/api/v1/segments", body, content_type="application/json", headers=bearer(member))


def passengers(workspace: Workspace, number: int) -> list[int]:
    ids = []
    for index in range(number):
        contact = make_contact(workspace, name=f"Passenger {index}")
        ContextObject.all_workspaces.create(
            workspace=workspace, contact=contact, kind="booking", external_id=f"B{index}", data={"flight": "CX123"}
        )
        ids.append(contact.pk)
    make_contact(workspace, name="Not flying")
    return ids


def test_supervisor_creates_counts_pages_updates_and_deletes(
    client: Client, supervisor: Member, workspace: Workspace
) -> None:
    ids = passengers(workspace, 7)
    created = post(client, supervisor, {"name": "CX123", "description": "Flight", "definition": FLIGHT})
    assert created.status_code == 201, created.content
    segment_id = created.json()["id"]
    assert created.json()["definition"]["rules"][0] == {
        "type": "context",
        "kind": "booking",
        "status": "",
        "data": {"flight": "CX123"},
    }
    headers = bearer(supervisor)
    assert client.get(f"/api/v1/segments/{segment_id}/count", headers=headers).json() == {"count": 7}
    seen: list[int] = []
    cursor = None
    while True:
        query: dict[str, Any] = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = client.get(f"/api/v1/segments/{segment_id}/contacts", query, headers=headers).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids, "every passenger once, in id order"
    listed = client.get("/api/v1/segments", headers=headers).json()["items"]
    assert [item["name"] for item in listed] == ["CX123"]
    patched = client.patch(
        f"/api/v1/segments/{segment_id}",
        {"name": "Everyone"},
        content_type="application/json",
        headers=headers,
    )
    assert patched.json()["name"] == "Everyone" and patched.json()["definition"]["rules"], "unchanged definition"
    patched = client.patch(
        f"/api/v1/segments/{segment_id}",
        {"definition": {"rules": []}},
        content_type="application/json",
        headers=headers,
    )
    assert client.get(f"/api/v1/segments/{segment_id}/count", headers=headers).json() == {"count": 8}
    assert client.delete(f"/api/v1/segments/{segment_id}", headers=headers).status_code == 204
    assert not Segment.in_workspace(workspace).exists()
    actions = set(AuditEntry.in_workspace(workspace).values_list("action", flat=True))
    assert {"segment.created", "segment.updated", "segment.deleted"} <= actions


def test_invalid_definitions_are_refused_with_the_reason(client: Client, supervisor: Member) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"match": "some", "rules": []}, "Match must be all or any."),
        ({"rules": [{"type": "nope"}]}, "Rule 1: Choose what the rule looks at."),
        ({"rules": [{"type": "language", "op": "equals", "value": "en"}] * 21}, "at most 20 rules"),
        ({"rules": [{"type": "attribute", "key": "a b", "op": "equals", "value": "x"}]}, "Choose an attribute"),
        ({"rules": [{"type": "attribute", "key": "tier__regex", "op": "equals", "value": "x"}]}, "Choose an attribute"),
        ({"rules": [{"type": "attribute", "key": "0", "op": "is_set"}]}, "Choose an attribute"),
        ({"rules": [{"type": "context", "kind": "booking", "data": {"flight__contains": "x"}}]}, "not a field name"),
        ({"rules": [{"type": "attribute", "key": "spend", "op": "greater", "value": "lots"}]}, "must be a number"),
        ({"rules": [{"type": "attribute", "key": "born", "op": "before", "value": "1/2/99"}]}, "YYYY-MM-DD"),
        ({"rules": [{"type": "conversations", "op": "at_least", "count": -1}]}, "between 0 and 100000"),
        ({"rules": [{"type": "last_contact", "op": "within"}]}, "Enter a number of days."),
        ({"rules": [{"type": "channel", "channel_kind": "fax"}]}, "fax is not a kind of channel."),
        ({"rules": [{"type": "channel"}]}, "Choose either a kind of channel or one channel."),
        ({"rules": [{"type": "context", "kind": "booking", "data": {"a-b": "x"}}]}, "is not a field name"),
        ({"rules": [{"type": "preference", "preference": "like", "value": "x" * 201}]}, "too long"),
    ]
    for definition, reason in cases:
        response = post(client, supervisor, {"name": "Bad", "definition": definition})
        assert response.status_code == 422, definition
        assert reason in response.json()["detail"], (reason, response.json())
    assert not Segment.in_workspace(supervisor.workspace).exists()


def test_typed_attributes_check_their_values(client: Client, supervisor: Member) -> None:
    from frontdesk.contacts.models import AttributeDefinition, AttributeType

    AttributeDefinition.all_workspaces.create(
        workspace=supervisor.workspace, key="tier", label="Tier", type=AttributeType.CHOICE, choices=["gold"]
    )
    wrong_choice = {"rules": [{"type": "attribute", "key": "tier", "op": "equals", "value": "platinum"}]}
    assert (
        "not one of the choices" in post(client, supervisor, {"name": "x", "definition": wrong_choice}).json()["detail"]
    )
    wrong_op = {"rules": [{"type": "attribute", "key": "tier", "op": "greater", "value": 3}]}
    assert (
        "cannot be compared that way"
        in post(client, supervisor, {"name": "x", "definition": wrong_op}).json()["detail"]
    )


def test_another_workspaces_channels_and_labels_are_refused(client: Client, supervisor: Member) -> None:
    """T-25: a definition naming another workspace's channel or label is refused like a missing one."""
    other = make_workspace("Other")
    foreign_channel, foreign_label = make_channel(other), make_label(other)
    own_channel, own_label = make_channel(supervisor.workspace), make_label(supervisor.workspace)
    for rule, reason in [
        ({"type": "channel", "channel_id": foreign_channel.pk}, "That channel does not exist."),
        ({"type": "channel", "channel_id": 999999}, "That channel does not exist."),
        (
            {"type": "conversations", "op": "at_least", "count": 1, "label_id": foreign_label.pk},
            "That label does not exist.",
        ),
        ({"type": "conversations", "op": "at_least", "count": 1, "label_id": 999999}, "That label does not exist."),
    ]:
        response = post(client, supervisor, {"name": "x", "definition": {"rules": [rule]}})
        assert response.status_code == 422 and reason in response.json()["detail"]
    assert not Segment.all_workspaces.exists()
    accepted = post(
        client,
        supervisor,
        {
            "name": "Own",
            "definition": {
                "rules": [
                    {"type": "channel", "channel_id": own_channel.pk},
                    {"type": "conversations", "op": "at_least", "count": 1, "label_id": own_label.pk},
                ]
            },
        },
    )
    assert accepted.status_code == 201


def test_other_workspaces_segments_answer_404_like_missing_ones(
    client: Client, supervisor: Member, workspace: Workspace
) -> None:
    other = make_workspace("Other")
    foreign = Segment.all_workspaces.create(workspace=other, name="Theirs", definition=FLIGHT)
    passengers(other, 3)
    headers = bearer(supervisor)
    for path in ("", "/count", "/contacts"):
        theirs = client.get(f"/api/v1/segments/{foreign.pk}{path}", headers=headers)
        missing = client.get(f"/api/v1/segments/999999{path}", headers=headers)
        assert theirs.status_code == missing.status_code == 404
        assert theirs.content == missing.content
    patch = client.patch(
        f"/api/v1/segments/{foreign.pk}", {"name": "Mine now"}, content_type="application/json", headers=headers
    )
    assert patch.status_code == 404
    assert client.delete(f"/api/v1/segments/{foreign.pk}", headers=headers).status_code == 404
    foreign.refresh_from_db()
    assert foreign.name == "Theirs"
    assert client.get("/api/v1/segments", headers=headers).json()["items"] == []


def test_agents_may_not_use_segments(client: Client, agent: Member, workspace: Workspace) -> None:
    segment = Segment.all_workspaces.create(workspace=workspace, name="Ours", definition=FLIGHT)
    headers = bearer(agent)
    assert client.get("/api/v1/segments", headers=headers).status_code == 403
    assert post(client, agent, {"name": "x", "definition": FLIGHT}).status_code == 403
    assert client.get(f"/api/v1/segments/{segment.pk}/count", headers=headers).status_code == 404
    assert not Segment.in_workspace(workspace).exclude(pk=segment.pk).exists()


def test_names_are_unique_per_workspace(client: Client, supervisor: Member) -> None:
    assert post(client, supervisor, {"name": "VIP", "definition": FLIGHT}).status_code == 201
    again = post(client, supervisor, {"name": "VIP", "definition": FLIGHT})
    assert again.status_code == 422 and "already has this name" in again.json()["detail"]
    other_supervisor = make_member(make_workspace("Other"), Role.ADMIN)
    assert post(client, other_supervisor, {"name": "VIP", "definition": FLIGHT}).status_code == 201
