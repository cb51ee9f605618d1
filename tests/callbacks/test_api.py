"""/api/v1/callbacks: asking for a call, listing with timings, the summary, claiming and recording calls."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.test import Client
from django.utils import timezone

from frontdesk.callbacks.actions import claim
from frontdesk.callbacks.models import CallbackRequest, CallbackStatus
from frontdesk.channels.models import ChannelKind
from frontdesk.conversations.models import Message, MessageKind
from frontdesk.core.models import Member, Role, Workspace
from tests.callbacks.conftest import api_caller
from tests.factories import make_channel, make_contact, make_conversation, make_identity, make_member, make_workspace

type Api = Callable[..., Any]
type NewCallback = Callable[..., CallbackRequest]


def test_a_callback_is_requested_for_a_contact_on_a_channel(api: Api, workspace: Workspace) -> None:
    channel = make_channel(workspace, ChannelKind.API)
    contact = make_contact(workspace, name="Mei")
    response = api(
        "post",
        "/callbacks",
        {"contact_id": contact.pk, "channel_id": channel.pk, "phone": "9123 4567", "context": {"order": "A-1001"}},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["phone"] == "+85291234567"
    assert body["status"] == "waiting"
    assert body["context"] == {"order": "A-1001"}
    assert body["target_seconds"] == 60
    assert body["confirmation"] == "queued"
    assert body["contact_name"] == "Mei"
    assert CallbackRequest.in_workspace(workspace).get().source == "api"


def test_a_callback_is_requested_by_the_customers_identity(api: Api, workspace: Workspace) -> None:
    channel = make_channel(workspace)
    contact = make_contact(workspace)
    make_identity(contact, channel, "shop-user-42")
    response = api(
        "post",
        "/callbacks",
        {"identity": {"channel_id": channel.pk, "external_id": "shop-user-42"}, "phone": "+8613800138000"},
    )
    assert response.status_code == 201, response.content
    assert response.json()["contact_id"] == contact.pk
    assert response.json()["channel_id"] == channel.pk


def test_a_callback_joins_the_given_conversation(api: Api, workspace: Workspace) -> None:
    conversation = make_conversation(workspace)
    response = api(
        "post",
        "/callbacks",
        {"contact_id": conversation.contact_id, "conversation_id": conversation.pk, "phone": "+85291234567"},
    )
    assert response.json()["conversation_id"] == conversation.pk
    assert Message.in_workspace(workspace).filter(conversation=conversation, kind=MessageKind.NOTE).exists()


def test_a_bad_number_gets_a_clear_422(api: Api, workspace: Workspace) -> None:
    response = api(
        "post",
        "/callbacks",
        {"contact_id": make_contact(workspace).pk, "channel_id": make_channel(workspace).pk, "phone": "12"},
    )
    assert response.status_code == 422
    assert "not a valid phone number" in response.json()["detail"]
    assert not CallbackRequest.in_workspace(workspace).exists()


def test_a_request_without_contact_or_channel_is_refused(api: Api, workspace: Workspace) -> None:
    assert api("post", "/callbacks", {"phone": "+85291234567"}).status_code == 422
    contact = make_contact(workspace)
    assert api("post", "/callbacks", {"phone": "+85291234567", "contact_id": contact.pk}).status_code == 422


def test_another_workspaces_contact_channel_or_conversation_is_not_found(api: Api, workspace: Workspace) -> None:
    other = make_workspace()
    mine_contact, mine_channel = make_contact(workspace), make_channel(workspace)
    foreign_contact, foreign_channel = make_contact(other), make_channel(other)
    foreign_conversation = make_conversation(other)
    attempts: list[dict[str, Any]] = [
        {"contact_id": foreign_contact.pk, "channel_id": mine_channel.pk},
        {"contact_id": mine_contact.pk, "channel_id": foreign_channel.pk},
        {"contact_id": mine_contact.pk, "conversation_id": foreign_conversation.pk},
        {"identity": {"channel_id": foreign_channel.pk, "external_id": "x"}},
        {"contact_id": 999999, "channel_id": mine_channel.pk},
    ]
    for attempt in attempts:
        response = api("post", "/callbacks", {**attempt, "phone": "+85291234567"})
        assert response.status_code == 404, attempt
        assert response.json() == {"detail": "Not found."}
    assert not CallbackRequest.all_workspaces.exists()


def test_the_list_shows_timings_and_filters_by_status_and_time(
    api: Api, agent: Member, new_callback: NewCallback
) -> None:
    old = new_callback("+85291234567", name="Old")
    CallbackRequest.in_workspace(agent.workspace).filter(pk=old.pk).update(
        requested_at=timezone.now() - timedelta(days=2)
    )
    taken = claim(new_callback("+85261234567", name="Taken"), agent)
    items = api("get", "/callbacks").json()["items"]
    assert [item["id"] for item in items] == [taken.pk, old.pk]
    assert items[0]["claimed_at"] is not None
    assert items[0]["seconds_to_claim"] >= 0
    assert items[0]["first_attempt_at"] is None
    assert [item["id"] for item in api("get", "/callbacks?status=claimed").json()["items"]] == [taken.pk]
    yesterday = (timezone.now() - timedelta(days=1)).isoformat().replace("+", "%2B")
    assert [item["id"] for item in api("get", f"/callbacks?from={yesterday}").json()["items"]] == [taken.pk]
    assert [item["id"] for item in api("get", f"/callbacks?to={yesterday}").json()["items"]] == [old.pk]


def test_claim_then_record_through_the_api(api: Api, agent: Member, new_callback: NewCallback) -> None:
    callback = new_callback()
    claimed = api("post", f"/callbacks/{callback.pk}/claim")
    assert claimed.status_code == 200
    assert claimed.json()["claimed_by_id"] == agent.pk
    dialling = api("post", f"/callbacks/{callback.pk}/dialling")
    assert dialling.status_code == 200
    started = dialling.json()["first_attempt_at"]
    assert started is not None
    recorded = api("post", f"/callbacks/{callback.pk}/attempts", {"outcome": "no_answer", "notes": "Voicemail"})
    assert recorded.status_code == 201
    body = recorded.json()
    assert body["status"] == "waiting"
    assert body["attempt_count"] == 1
    assert body["attempts"][0]["outcome"] == "no_answer"
    assert body["attempts"][0]["notes"] == "Voicemail"
    assert body["seconds_to_first_attempt"] >= 0
    assert body["first_attempt_at"] == started


def test_a_second_claim_gets_409(client: Client, api: Api, agent: Member, new_callback: NewCallback) -> None:
    callback = new_callback()
    assert api("post", f"/callbacks/{callback.pk}/claim").status_code == 200
    colleague = api_caller(client, make_member(agent.workspace))
    response = colleague("post", f"/callbacks/{callback.pk}/claim")
    assert response.status_code == 409
    assert response.json()["detail"] == "Someone else has already taken this callback."


def test_recording_on_someone_elses_claim_is_403(
    client: Client, api: Api, agent: Member, new_callback: NewCallback
) -> None:
    callback = claim(new_callback(), make_member(agent.workspace))
    response = api("post", f"/callbacks/{callback.pk}/attempts", {"outcome": "reached"})
    assert response.status_code == 403
    assert api("post", f"/callbacks/{callback.pk}/release").status_code == 403
    supervisor = api_caller(client, make_member(agent.workspace, Role.SUPERVISOR))
    moved = supervisor("post", f"/callbacks/{callback.pk}/reassign", {"member_id": agent.pk})
    assert moved.status_code == 200
    assert api("post", f"/callbacks/{callback.pk}/attempts", {"outcome": "reached"}).status_code == 201
    assert CallbackRequest.in_workspace(agent.workspace).get().status == CallbackStatus.REACHED


def test_an_unknown_outcome_is_422(api: Api, agent: Member, new_callback: NewCallback) -> None:
    callback = claim(new_callback(), agent)
    assert api("post", f"/callbacks/{callback.pk}/attempts", {"outcome": "maybe"}).status_code == 422


def test_another_workspaces_callback_ids_look_like_missing_ones(
    client: Client, agent: Member, new_callback: NewCallback
) -> None:
    callback = new_callback()
    stranger = api_caller(client, make_member(make_workspace(), Role.ADMIN))
    for callback_id in (callback.pk, 999999):
        responses = [
            stranger("get", f"/callbacks/{callback_id}"),
            stranger("post", f"/callbacks/{callback_id}/claim"),
            stranger("post", f"/callbacks/{callback_id}/release"),
            stranger("post", f"/callbacks/{callback_id}/attempts", {"outcome": "reached"}),
            stranger("post", f"/callbacks/{callback_id}/reassign", {"member_id": agent.pk}),
        ]
        assert [(r.status_code, r.json()) for r in responses] == [(404, {"detail": "Not found."})] * 5
    assert stranger("get", "/callbacks").json()["items"] == []
    assert stranger("get", "/callbacks/summary").json()["count"] == 0
    assert CallbackRequest.in_workspace(agent.workspace).get().status == CallbackStatus.WAITING


def test_the_api_needs_a_token(client: Client) -> None:
    assert client.get("/api/v1/callbacks").status_code == 401


def test_the_summary_reports_median_p90_and_share_within_target(
    api: Api, agent: Member, new_callback: NewCallback
) -> None:
    now = timezone.now()
    for index, seconds in enumerate([10, 20, 30, 40, 90]):
        callback = new_callback(f"+852912345{index:02d}", name=f"C{index}")
        CallbackRequest.in_workspace(agent.workspace).filter(pk=callback.pk).update(
            requested_at=now - timedelta(seconds=seconds), claimed_at=now, first_attempt_at=now
        )
    late = new_callback("+85261234567", name="Nobody took it")
    CallbackRequest.in_workspace(agent.workspace).filter(pk=late.pk).update(requested_at=now - timedelta(minutes=5))
    summary = api("get", "/callbacks/summary").json()
    assert summary["count"] == 6
    assert summary["claimed"] == 5
    assert 29 < summary["median_seconds_to_claim"] < 31
    assert 89 < summary["p90_seconds_to_claim"] < 91
    # 4 of 6 decided requests were claimed within 60 s: one took 90 s, one was never claimed.
    assert summary["within_target_share"] == round(4 / 6, 4)
