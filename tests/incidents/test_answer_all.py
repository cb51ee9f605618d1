"""Answer all, resolve all, assign all: each conversation through the conversation actions, refusals reported."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from frontdesk.channels.models import ChannelKind
from frontdesk.conversations.models import Conversation, ConversationStatus, Message, MessageKind, OutboxEntry
from frontdesk.core.models import AuditEntry, Member, Role, Workspace
from frontdesk.incidents import actions
from frontdesk.incidents.grouping import check_message
from frontdesk.incidents.models import IncidentConversation, IncidentStatus
from tests.factories import make_channel, make_identity, make_member, make_message
from tests.incidents.conftest import CANCELLED_ZH, customer_case, incident_of


@pytest.mark.django_db
def test_answer_all_sends_one_personalised_reply_per_conversation_and_reports_the_closed_window(
    grouped: list[Conversation], agent: Member
) -> None:
    incident = incident_of(grouped[0])
    assert {incident_of(c).pk for c in grouped} == {incident.pk}
    outcome = actions.answer_all(incident, agent, "Dear {{ contact.name }}, CX880 is rebooked on CX882 at no cost.")
    assert [c.pk for c in outcome.done] == [grouped[0].pk, grouped[1].pk]
    [(refused, reason)] = outcome.refused
    assert refused.pk == grouped[2].pk and "24-hour reply window" in reason
    replies = Message.in_workspace(incident.workspace_id).filter(kind=MessageKind.OUTBOUND).order_by("pk")
    assert [(m.conversation_id, m.text) for m in replies] == [
        (grouped[0].pk, "Dear Chan Tai Man, CX880 is rebooked on CX882 at no cost."),
        (grouped[1].pk, "Dear Lin Mei, CX880 is rebooked on CX882 at no cost."),
    ]
    entries = OutboxEntry.in_workspace(incident.workspace_id).order_by("pk")
    assert [(e.conversation_id, e.channel_id) for e in entries] == [(c.pk, c.channel_id) for c in grouped[:2]]
    entry = AuditEntry.in_workspace(incident.workspace_id).get(action="incident.answered")
    assert entry.changes["refused"] == {str(grouped[2].pk): reason}


@pytest.mark.django_db
def test_answer_all_goes_out_on_the_channel_the_customer_last_wrote_on(workspace: Workspace, agent: Member) -> None:
    first = customer_case(workspace, "Chan Tai Man", CANCELLED_ZH[0])
    second = customer_case(workspace, "Lin Mei", CANCELLED_ZH[2])
    telegram = make_channel(workspace, ChannelKind.TELEGRAM)
    make_identity(second.contact, telegram)
    make_message(second, text="還有我用Telegram", channel=telegram)
    actions.answer_all(incident_of(first), agent, "We are on it.")
    entries = dict(OutboxEntry.in_workspace(workspace).values_list("conversation_id", "channel_id"))
    assert entries == {first.pk: first.channel_id, second.pk: telegram.pk}


@pytest.mark.django_db
def test_a_variable_without_a_value_is_refused_not_sent_as_written(workspace: Workspace, agent: Member) -> None:
    first = customer_case(workspace, "Chan Tai Man", CANCELLED_ZH[0])
    customer_case(workspace, "Lin Mei", CANCELLED_ZH[2])
    outcome = actions.answer_all(incident_of(first), agent, "Booking {{ order.number }} is refunded.")
    assert outcome.done == [] and len(outcome.refused) == 2
    assert "{{ order.number }}" in outcome.refused[0][1]
    assert not OutboxEntry.in_workspace(workspace).exists()


@pytest.mark.django_db
def test_answer_all_can_resolve_what_it_answered(grouped: list[Conversation], agent: Member) -> None:
    incident = incident_of(grouped[0])
    actions.answer_all(incident, agent, "Rebooked.", resolve=True)
    statuses = [Conversation.all_workspaces.get(pk=c.pk).status for c in grouped]
    assert statuses == [ConversationStatus.RESOLVED, ConversationStatus.RESOLVED, ConversationStatus.OPEN]
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.OPEN


@pytest.mark.django_db
def test_resolve_all_resolves_every_conversation_and_the_incident(grouped: list[Conversation], agent: Member) -> None:
    incident = incident_of(grouped[0])
    outcome = actions.resolve_all(incident, agent)
    assert len(outcome.done) == 3 and outcome.refused == []
    assert {Conversation.all_workspaces.get(pk=c.pk).status for c in grouped} == {ConversationStatus.RESOLVED}
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESOLVED and incident.resolved_at is not None


@pytest.mark.django_db
def test_assign_all_to_me(grouped: list[Conversation], workspace: Workspace) -> None:
    supervisor = make_member(workspace, Role.SUPERVISOR)
    outcome = actions.assign_all_to_me(incident_of(grouped[0]), supervisor)
    assert len(outcome.done) == 3
    assert {Conversation.all_workspaces.get(pk=c.pk).assignee_id for c in grouped} == {supervisor.pk}


@pytest.mark.django_db
def test_a_member_of_another_workspace_changes_nothing(grouped: list[Conversation]) -> None:
    from tests.factories import make_workspace

    stranger = make_member(make_workspace("Other"), Role.OWNER)
    incident = incident_of(grouped[0])
    for act in (actions.resolve_all, actions.assign_all_to_me):
        with pytest.raises(PermissionDenied):
            act(incident, stranger)
    with pytest.raises(PermissionDenied):
        actions.answer_all(incident, stranger, "hi")
    assert not OutboxEntry.all_workspaces.exists()
    assert {Conversation.all_workspaces.get(pk=c.pk).status for c in grouped} == {ConversationStatus.OPEN}


@pytest.mark.django_db
def test_a_removed_conversation_is_not_grouped_back(grouped: list[Conversation], agent: Member) -> None:
    incident = incident_of(grouped[0])
    actions.remove_conversation(incident, grouped[1], agent)
    assert grouped[1].pk not in [c.pk for c in actions.conversations_of(incident)]
    check_message(make_message(grouped[1], text=CANCELLED_ZH[1]))
    assert (
        not IncidentConversation.in_workspace(incident.workspace_id)
        .filter(conversation=grouped[1], removed_at__isnull=True)
        .exists()
    )
