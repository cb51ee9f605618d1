"""Claiming a callback, releasing it, and recording how each call went."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from frontdesk.callbacks.actions import CallbackTaken, claim, reassign, record_outcome, release
from frontdesk.callbacks.models import CallbackAttempt, CallbackRequest, CallbackStatus, CallOutcome
from frontdesk.conversations.models import Conversation, Message, MessageKind
from frontdesk.core.models import Member, Role, Workspace
from frontdesk.pipeline.events import Event
from tests.factories import make_member, make_workspace

type NewCallback = Callable[..., CallbackRequest]


def test_claiming_gives_the_callback_and_the_unassigned_conversation_to_the_agent(
    new_callback: NewCallback, agent: Member, events: list[Event], django_capture_on_commit_callbacks: Any
) -> None:
    callback = new_callback()
    with django_capture_on_commit_callbacks(execute=True):
        claimed = claim(callback, agent)
    assert claimed.status == CallbackStatus.CLAIMED
    assert claimed.claimed_by == agent
    assert claimed.claimed_at is not None
    assert claimed.seconds_to_claim is not None and claimed.seconds_to_claim >= 0
    assert Conversation.in_workspace(agent.workspace_id).get(pk=callback.conversation_id).assignee == agent
    updates = [event for event in events if event.type == "callback.updated"]
    assert updates[-1].payload["callback"]["claimed_by_id"] == agent.pk


def test_an_assigned_conversation_keeps_its_assignee(new_callback: NewCallback, agent: Member) -> None:
    colleague = make_member(agent.workspace)
    callback = new_callback()
    Conversation.in_workspace(agent.workspace_id).filter(pk=callback.conversation_id).update(assignee=colleague)
    claim(callback, agent)
    assert Conversation.in_workspace(agent.workspace_id).get(pk=callback.conversation_id).assignee == colleague


def test_a_claimed_callback_cannot_be_claimed_again(new_callback: NewCallback, agent: Member) -> None:
    callback = new_callback()
    claim(callback, agent)
    with pytest.raises(CallbackTaken):
        claim(callback, make_member(agent.workspace))


def test_release_puts_it_back_and_keeps_the_first_claim_time(new_callback: NewCallback, agent: Member) -> None:
    callback = claim(new_callback(), agent)
    first_claim = callback.claimed_at
    released = release(callback, agent)
    assert released.status == CallbackStatus.WAITING
    assert released.claimed_by is None
    again = claim(released, make_member(agent.workspace))
    assert again.claimed_at == first_claim


def test_an_agent_cannot_release_or_record_on_a_colleagues_callback(new_callback: NewCallback, agent: Member) -> None:
    colleague = make_member(agent.workspace)
    callback = claim(new_callback(), colleague)
    with pytest.raises(PermissionDenied):
        release(callback, agent)
    with pytest.raises(PermissionDenied):
        record_outcome(callback, agent, CallOutcome.REACHED)
    assert not CallbackAttempt.in_workspace(agent.workspace_id).exists()


def test_a_supervisor_can_reassign_and_an_agent_cannot(new_callback: NewCallback, agent: Member) -> None:
    supervisor = make_member(agent.workspace, Role.SUPERVISOR)
    colleague = make_member(agent.workspace)
    callback = claim(new_callback(), colleague)
    with pytest.raises(PermissionDenied):
        reassign(callback, agent, actor=agent)
    moved = reassign(callback, agent, actor=supervisor)
    assert moved.claimed_by == agent
    attempt = record_outcome(moved, agent, CallOutcome.REACHED, "Refund agreed")
    assert attempt.agent == agent


def test_reaching_the_customer_closes_the_callback_and_records_the_attempt(
    new_callback: NewCallback, agent: Member
) -> None:
    callback = claim(new_callback(), agent)
    record_outcome(callback, agent, CallOutcome.REACHED, "  Wants a refund for order A-1001  ")
    callback.refresh_from_db()
    assert callback.status == CallbackStatus.REACHED
    assert callback.closed_at is not None
    assert callback.first_attempt_at is not None
    assert callback.seconds_to_first_attempt is not None
    attempt = CallbackAttempt.in_workspace(agent.workspace_id).get()
    assert (attempt.agent, attempt.outcome, attempt.notes) == (agent, "reached", "Wants a refund for order A-1001")
    # Reached: nothing more to tell the customer than the call itself.
    assert Message.in_workspace(agent.workspace_id).filter(kind=MessageKind.OUTBOUND).count() == 1


def test_no_answer_schedules_a_retry_and_tells_the_customer_when(
    new_callback: NewCallback, agent: Member, settings: object
) -> None:
    settings.FRONTDESK_CALLBACK_RETRY_MINUTES = 10  # type: ignore[attr-defined]
    callback = claim(new_callback(), agent)
    before = timezone.now()
    record_outcome(callback, agent, CallOutcome.NO_ANSWER)
    callback.refresh_from_db()
    assert callback.status == CallbackStatus.WAITING
    assert callback.claimed_by is None
    assert before + timedelta(minutes=9) < callback.due_at < timezone.now() + timedelta(minutes=11)
    told = Message.in_workspace(agent.workspace_id).filter(kind=MessageKind.OUTBOUND).order_by("-id").first()
    assert told is not None
    assert told.text.startswith("We tried to call you at +852 9123 4567 but could not reach you. We'll try again at")
    # Not due yet: nobody can claim it before the retry time.
    with pytest.raises(CallbackTaken):
        claim(callback, agent)
    CallbackRequest.in_workspace(agent.workspace_id).filter(pk=callback.pk).update(due_at=timezone.now())
    assert claim(callback, agent).attempt_count == 1


def test_the_last_allowed_no_answer_closes_the_callback(
    new_callback: NewCallback, agent: Member, settings: object
) -> None:
    settings.FRONTDESK_CALLBACK_MAX_ATTEMPTS = 2  # type: ignore[attr-defined]
    callback = new_callback()
    for _attempt in range(2):
        CallbackRequest.in_workspace(agent.workspace_id).filter(pk=callback.pk).update(due_at=timezone.now())
        record_outcome(claim(callback, agent), agent, CallOutcome.NO_ANSWER)
    callback.refresh_from_db()
    assert callback.status == CallbackStatus.CLOSED
    assert callback.attempt_count == 2
    assert CallbackAttempt.in_workspace(agent.workspace_id).filter(callback=callback).count() == 2
    told = Message.in_workspace(agent.workspace_id).filter(kind=MessageKind.OUTBOUND).order_by("-id").first()
    assert told is not None and "Reply here if you would still like a call" in told.text


def test_a_wrong_number_closes_the_callback(new_callback: NewCallback, agent: Member) -> None:
    callback = claim(new_callback(), agent)
    record_outcome(callback, agent, CallOutcome.WRONG_NUMBER, "A restaurant answered")
    callback.refresh_from_db()
    assert callback.status == CallbackStatus.CLOSED
    notes = Message.in_workspace(agent.workspace_id).filter(kind=MessageKind.NOTE).values_list("text", flat=True)
    assert any("Wrong number" in text and "A restaurant answered" in text for text in notes)


def test_an_outcome_needs_a_claim(new_callback: NewCallback, agent: Member) -> None:
    with pytest.raises(ValidationError):
        record_outcome(new_callback(), agent, CallOutcome.REACHED)


def test_a_member_of_another_workspace_cannot_claim(new_callback: NewCallback, workspace: Workspace) -> None:
    stranger = make_member(make_workspace())
    with pytest.raises(PermissionDenied):
        claim(new_callback(), stranger)
