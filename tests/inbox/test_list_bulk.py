"""Bulk actions on checked rows of the conversation list."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta

from django.test import Client
from django.utils import timezone

from frontdesk.conversations.models import Conversation, ConversationStatus
from frontdesk.core.models import Member, Role, Workspace
from frontdesk.inbox.bulk import snooze_until
from tests.factories import make_conversation, make_label, make_member, make_user, make_workspace


def statuses(*conversations: Conversation) -> list[str]:
    for conversation in conversations:
        conversation.refresh_from_db()
    return [conversation.status for conversation in conversations]


def test_resolving_checked_rows_ignores_another_workspaces_ids(client: Client, agent: Member) -> None:
    first, second, untouched = (make_conversation(agent.workspace) for _ in range(3))
    foreign = make_conversation(make_workspace())
    client.force_login(agent.user)
    response = client.post(
        "/inbox/bulk/",
        {"action": "resolve", "conversation": [first.pk, second.pk, foreign.pk, "x"], "next": "view=mine"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/inbox/?view=mine"
    assert "2 conversations changed." in response.content.decode()
    assert statuses(first, second, untouched, foreign) == ["resolved", "resolved", "open", "open"]


def test_htmx_bulk_answers_with_the_count_and_an_event_for_the_page(client: Client, agent: Member) -> None:
    conversation = make_conversation(agent.workspace)
    client.force_login(agent.user)
    response = client.post(
        "/inbox/bulk/", {"action": "assign-me", "conversation": [conversation.pk]}, headers={"HX-Request": "true"}
    )
    assert response.content.decode() == "1 conversation changed."
    assert response.headers["HX-Trigger"] == "inbox-bulk-done"
    conversation.refresh_from_db()
    assert conversation.assignee_id == agent.pk
    again = client.post(
        "/inbox/bulk/", {"action": "assign-me", "conversation": [conversation.pk]}, headers={"HX-Request": "true"}
    )
    assert again.content.decode() == "0 conversations changed."


def test_supervisors_assign_to_a_member_and_agents_cannot(client: Client, workspace: Workspace) -> None:
    supervisor = make_member(workspace, Role.SUPERVISOR)
    agent = make_member(workspace)
    colleague = make_member(workspace)
    conversation = make_conversation(workspace, assignee=agent)
    client.force_login(agent.user)
    refused = client.post(
        "/inbox/bulk/",
        {"action": "assign", "assignee": colleague.pk, "conversation": [conversation.pk]},
        headers={"HX-Request": "true"},
    )
    assert refused.content.decode() == "0 conversations changed."
    client.force_login(supervisor.user)
    client.post("/inbox/bulk/", {"action": "assign", "assignee": colleague.pk, "conversation": [conversation.pk]})
    conversation.refresh_from_db()
    assert conversation.assignee_id == colleague.pk
    client.post("/inbox/bulk/", {"action": "unassign", "conversation": [conversation.pk]})
    conversation.refresh_from_db()
    assert conversation.assignee_id is None


def test_assigning_to_a_member_of_another_workspace_is_refused(client: Client, workspace: Workspace) -> None:
    supervisor = make_member(workspace, Role.SUPERVISOR)
    stranger = make_member(make_workspace())
    conversation = make_conversation(workspace)
    client.force_login(supervisor.user)
    response = client.post(
        "/inbox/bulk/",
        {"action": "assign", "assignee": stranger.pk, "conversation": [conversation.pk]},
        headers={"HX-Request": "true"},
    )
    assert response.content.decode() == "Choose a member or a label."
    assert "HX-Trigger" not in response.headers
    conversation.refresh_from_db()
    assert conversation.assignee_id is None


def test_adding_a_label_keeps_the_labels_already_there(client: Client, agent: Member) -> None:
    vip, refund = make_label(agent.workspace, "vip"), make_label(agent.workspace, "refund")
    conversation = make_conversation(agent.workspace)
    client.force_login(agent.user)
    client.post("/inbox/bulk/", {"action": "label", "label": vip.pk, "conversation": [conversation.pk]})
    client.post("/inbox/bulk/", {"action": "label", "label": refund.pk, "conversation": [conversation.pk]})
    assert sorted(label.name for label in conversation.labels.all()) == ["refund", "vip"]
    foreign_label = make_label(make_workspace(), "foreign")
    client.post("/inbox/bulk/", {"action": "label", "label": foreign_label.pk, "conversation": [conversation.pk]})
    assert conversation.labels.count() == 2


def test_snoozing_until_tomorrow_morning_uses_the_members_time_zone(client: Client, workspace: Workspace) -> None:
    taipei = make_member(workspace, user=make_user(time_zone="Asia/Taipei"))
    conversation = make_conversation(workspace)
    client.force_login(taipei.user)
    client.post("/inbox/bulk/", {"action": "snooze", "until": "tomorrow", "conversation": [conversation.pk]})
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.SNOOZED
    assert conversation.snoozed_until is not None
    taipei_time = zoneinfo.ZoneInfo("Asia/Taipei")
    local = timezone.localtime(conversation.snoozed_until, taipei_time)
    assert (local.hour, local.minute) == (9, 0)
    assert local.date() == timezone.localtime(timezone.now(), taipei_time).date() + timedelta(days=1)


def test_snooze_times() -> None:
    # Friday 2026-12-04 23:30 UTC is Saturday 07:30 in Hong Kong.
    now = datetime(2026, 12, 4, 23, 30, tzinfo=UTC)
    assert snooze_until("hour", "Asia/Hong_Kong", now) == datetime(2026, 12, 5, 0, 30, tzinfo=UTC)
    assert snooze_until("tomorrow", "Asia/Hong_Kong", now).isoformat() == "2026-12-06T09:00:00+08:00"
    assert snooze_until("monday", "Asia/Hong_Kong", now).isoformat() == "2026-12-07T09:00:00+08:00"
    # On a Monday, "next Monday" is a week away.
    monday = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
    assert snooze_until("monday", "Asia/Hong_Kong", monday).isoformat() == "2026-12-14T09:00:00+08:00"


def test_bulk_needs_the_csrf_token(agent: Member) -> None:
    conversation = make_conversation(agent.workspace)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(agent.user)
    response = strict.post("/inbox/bulk/", {"action": "resolve", "conversation": [conversation.pk]})
    assert response.status_code == 403
    assert statuses(conversation) == ["open"]


def test_the_list_offers_assigning_to_others_only_to_supervisors(client: Client, workspace: Workspace) -> None:
    agent = make_member(workspace)
    supervisor = make_member(workspace, Role.SUPERVISOR)
    make_conversation(workspace)
    client.force_login(agent.user)
    assert 'id="bulk-assignee"' not in client.get("/inbox/").content.decode()
    client.force_login(supervisor.user)
    page = client.get("/inbox/").content.decode()
    assert 'id="bulk-assignee"' in page and 'form="bulk-form"' in page
