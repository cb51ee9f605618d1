"""The label filter of the conversation list reads the label links' copies of status and last activity.

After every kind of change it must list what the conversations themselves say,
in the same order and with the same cursor pages as the unfiltered list.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from frontdesk.channels.api.setup import create_api_channel
from frontdesk.channels.models import Channel
from frontdesk.conversations import actions
from frontdesk.conversations.models import Conversation, ConversationStatus, Label
from frontdesk.conversations.tasks import wake_snoozed_conversations
from frontdesk.core.models import Member
from frontdesk.core.tokens import issue_token
from tests.channels.webhooks import deliver, message_event
from tests.factories import make_contact, make_conversation, make_identity, make_label, make_member


@pytest.fixture
def headers(agent: Member) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(agent, 'tests')[1]}"}


@pytest.fixture
def channel(agent: Member) -> Channel:
    return create_api_channel(agent.workspace, "Shop backend")


@pytest.fixture
def refund(agent: Member) -> Label:
    return make_label(agent.workspace, "refund")


def labelled(agent: Member, label: Label, minutes_ago: float, **fields: Any) -> Conversation:
    fields.setdefault("last_activity_at", timezone.now() - timedelta(minutes=minutes_ago))
    return actions.set_labels(make_conversation(agent.workspace, **fields), [label], actor=agent)


def listed(client: Client, headers: dict[str, str], label: str, **query: Any) -> list[int]:
    """Every conversation the label filter lists, following the cursor two at a time."""
    ids: list[int] = []
    cursor = None
    while True:
        params = {"label": label, "limit": 2, **query} | ({"cursor": cursor} if cursor else {})
        response = client.get("/api/v1/conversations", params, headers=headers)
        assert response.status_code == 200
        ids += [item["id"] for item in response.json()["items"]]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return ids


def truth(label: Label, status: ConversationStatus | None = ConversationStatus.OPEN) -> list[int]:
    """The same list worked out from the conversations' own columns."""
    conversations = Conversation.all_workspaces.filter(labels=label)
    if status is not None:
        conversations = conversations.filter(status=status)
    return list(conversations.order_by("-last_activity_at", "-id").values_list("pk", flat=True))


def test_label_filter_pages_by_cursor_newest_activity_first(
    client: Client, agent: Member, headers: dict[str, str], refund: Label
) -> None:
    at = timezone.now() - timedelta(hours=1)
    # Two at the same moment: the id breaks the tie, on one page or across two.
    tied = [labelled(agent, refund, 0, last_activity_at=at) for _ in range(2)]
    older = labelled(agent, refund, 90)
    newest = labelled(agent, refund, 1)
    oldest = labelled(agent, refund, 200)
    pending = labelled(agent, refund, 30, status=ConversationStatus.PENDING)
    resolved = labelled(agent, refund, 5, status=ConversationStatus.RESOLVED)
    make_conversation(agent.workspace, last_activity_at=timezone.now())
    labelled(agent, make_label(agent.workspace, "other"), 0)

    expected = [newest.pk, tied[1].pk, tied[0].pk, older.pk, oldest.pk]
    assert listed(client, headers, "refund", status="open") == expected == truth(refund)
    assert listed(client, headers, "refund", status="open", limit=3) == expected
    assert listed(client, headers, "refund", status="resolved") == [resolved.pk]
    every_status = [newest.pk, resolved.pk, pending.pk, tied[1].pk, tied[0].pk, older.pk, oldest.pk]
    assert listed(client, headers, "refund") == every_status == truth(refund, None)
    assert listed(client, headers, "nonexistent", status="open") == []


def test_label_filter_combines_with_the_other_filters(
    client: Client, agent: Member, headers: dict[str, str], refund: Label
) -> None:
    mine = [labelled(agent, refund, minutes, assignee=agent) for minutes in (3, 1, 2)]
    colleagues = labelled(agent, refund, 0, assignee=make_member(agent.workspace))
    nobodys = labelled(agent, refund, 0)
    labelled(agent, refund, 0, assignee=agent, status=ConversationStatus.RESOLVED)
    assert listed(client, headers, "refund", status="open", assignee="me") == [mine[1].pk, mine[2].pk, mine[0].pk]
    assert listed(client, headers, "refund", status="open", assignee="unassigned") == [nobodys.pk]
    assert listed(client, headers, "refund", assignee=str(colleagues.assignee_id)) == [colleagues.pk]


def test_status_change_moves_a_conversation_between_label_lists(
    client: Client, agent: Member, headers: dict[str, str], refund: Label
) -> None:
    first, second, third = (labelled(agent, refund, minutes) for minutes in (1, 2, 3))

    actions.set_status(second, ConversationStatus.RESOLVED, actor=agent)
    assert listed(client, headers, "refund", status="open") == [first.pk, third.pk] == truth(refund)
    assert listed(client, headers, "refund", status="resolved") == [second.pk]

    actions.set_status(second, ConversationStatus.OPEN, actor=agent)
    assert listed(client, headers, "refund", status="open") == [first.pk, second.pk, third.pk] == truth(refund)
    assert listed(client, headers, "refund", status="resolved") == []


def test_status_patch_through_the_api_moves_a_conversation_between_label_lists(
    client: Client, agent: Member, headers: dict[str, str], refund: Label
) -> None:
    first, second = labelled(agent, refund, 1), labelled(agent, refund, 2)
    later = (timezone.now() + timedelta(hours=2)).isoformat()

    response = client.patch(
        f"/api/v1/conversations/{first.pk}",
        {"status": "snoozed", "snoozed_until": later},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 200
    assert listed(client, headers, "refund", status="open") == [second.pk] == truth(refund)
    assert listed(client, headers, "refund", status="snoozed") == [first.pk]

    client.patch(
        f"/api/v1/conversations/{first.pk}", {"status": "pending"}, content_type="application/json", headers=headers
    )
    assert listed(client, headers, "refund", status="snoozed") == []
    assert (
        listed(client, headers, "refund", status="pending") == [first.pk] == truth(refund, ConversationStatus.PENDING)
    )


def test_inbound_message_brings_a_labelled_conversation_to_the_top(
    client: Client, agent: Member, headers: dict[str, str], refund: Label, channel: Channel
) -> None:
    contact = make_contact(agent.workspace)
    make_identity(contact, channel, external_id="crm-1")
    quiet = labelled(agent, refund, 60, channel=channel, contact=contact)
    others = [labelled(agent, refund, minutes) for minutes in (1, 2)]

    deliver(client, channel, [message_event(contact_id="crm-1", text="any news?")])

    assert listed(client, headers, "refund", status="open") == [quiet.pk, others[0].pk, others[1].pk] == truth(refund)


def test_inbound_message_reopens_a_snoozed_or_resolved_labelled_conversation(
    client: Client, agent: Member, headers: dict[str, str], refund: Label, channel: Channel
) -> None:
    snoozer, closer = make_contact(agent.workspace), make_contact(agent.workspace)
    make_identity(snoozer, channel, external_id="crm-snoozed")
    make_identity(closer, channel, external_id="crm-resolved")
    snoozed = labelled(
        agent,
        refund,
        60,
        channel=channel,
        contact=snoozer,
        status=ConversationStatus.SNOOZED,
        snoozed_until=timezone.now() + timedelta(days=1),
    )
    resolved = labelled(
        agent,
        refund,
        90,
        channel=channel,
        contact=closer,
        status=ConversationStatus.RESOLVED,
        resolved_at=timezone.now() - timedelta(hours=1),
    )
    other = labelled(agent, refund, 1)

    deliver(client, channel, [message_event(contact_id="crm-resolved", text="it broke again")])
    deliver(client, channel, [message_event(contact_id="crm-snoozed", text="hello?")])

    assert listed(client, headers, "refund", status="open") == [snoozed.pk, resolved.pk, other.pk] == truth(refund)
    assert listed(client, headers, "refund", status="snoozed") == []
    assert listed(client, headers, "refund", status="resolved") == []


def test_reply_brings_a_labelled_conversation_to_the_top(
    client: Client, agent: Member, headers: dict[str, str], refund: Label
) -> None:
    first, second, third = (labelled(agent, refund, minutes) for minutes in (1, 2, 3))

    actions.reply(third, agent, "The refund is on its way.")
    assert listed(client, headers, "refund", status="open") == [third.pk, first.pk, second.pk] == truth(refund)

    reply = client.post(
        f"/api/v1/conversations/{second.pk}/messages",
        {"kind": "reply", "text": "Sorry for the wait."},
        content_type="application/json",
        headers=headers,
    )
    assert reply.status_code == 201
    assert listed(client, headers, "refund", status="open") == [second.pk, third.pk, first.pk] == truth(refund)


def test_woken_snoozed_conversations_return_to_the_top_of_the_label_list(
    client: Client, agent: Member, headers: dict[str, str], refund: Label
) -> None:
    open_one = labelled(agent, refund, 1)
    due = labelled(
        agent, refund, 300, status=ConversationStatus.SNOOZED, snoozed_until=timezone.now() - timedelta(minutes=1)
    )
    asleep = labelled(
        agent, refund, 0, status=ConversationStatus.SNOOZED, snoozed_until=timezone.now() + timedelta(hours=1)
    )
    assert listed(client, headers, "refund", status="open") == [open_one.pk]

    assert wake_snoozed_conversations.call() == 1

    assert listed(client, headers, "refund", status="open") == [due.pk, open_one.pk] == truth(refund)
    assert listed(client, headers, "refund", status="snoozed") == [asleep.pk]


def test_a_label_added_later_takes_the_conversations_current_status_and_activity(
    client: Client, agent: Member, headers: dict[str, str], refund: Label
) -> None:
    first, third = labelled(agent, refund, 1), labelled(agent, refund, 3)
    middle = make_conversation(agent.workspace, last_activity_at=timezone.now() - timedelta(minutes=2))
    resolved = make_conversation(agent.workspace, status=ConversationStatus.RESOLVED)
    # Changed after the conversation was loaded: the link must copy the row, not a stale instance.
    actions.reply(middle, agent, "Checking with the warehouse.")
    actions.set_status(resolved, ConversationStatus.PENDING, actor=agent)

    actions.set_labels(middle, [refund], actor=agent)
    response = client.patch(
        f"/api/v1/conversations/{resolved.pk}", {"labels": ["refund"]}, content_type="application/json", headers=headers
    )
    assert response.status_code == 200

    assert listed(client, headers, "refund", status="open") == [middle.pk, first.pk, third.pk] == truth(refund)
    assert listed(client, headers, "refund", status="pending") == [resolved.pk]
