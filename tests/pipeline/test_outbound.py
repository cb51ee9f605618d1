"""Agent replies leave through the outbox (RELIABILITY T-12..T-16) to a real local receiver."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from frontdesk.channels.api.setup import create_api_channel
from frontdesk.channels.models import Channel
from frontdesk.conversations import actions
from frontdesk.conversations.models import (
    AttemptOutcome,
    Conversation,
    DeliveryAttempt,
    DeliveryStatus,
    Message,
    MessageKind,
    OutboxEntry,
    OutboxState,
)
from frontdesk.core.http_client import CONNECT_TIMEOUT, READ_TIMEOUT, TOTAL_TIMEOUT
from frontdesk.core.models import Member, Workspace
from frontdesk.core.scheduler import registered_jobs
from frontdesk.core.tokens import issue_token
from frontdesk.pipeline.events import Event, _subscribers
from frontdesk.pipeline.outbound import LEASE, MAX_ATTEMPTS, apply_delivery_status, backoff, deliver
from frontdesk.pipeline.tasks import deliver_outbox_entry, relay_outbox
from tests.factories import make_contact, make_conversation, make_identity, make_member, make_workspace
from tests.fake_receiver import FakeReceiver, Received, running_receiver

pytestmark = pytest.mark.django_db

type OnCommit = Callable[..., Any]


@pytest.fixture
def receiver() -> Iterator[FakeReceiver]:
    with running_receiver(secret="") as receiver:
        yield receiver


@pytest.fixture
def channel(workspace: Workspace, receiver: FakeReceiver, settings: Any) -> Channel:
    settings.FRONTDESK_HTTP_ALLOWED_PRIVATE_HOSTS = [receiver.host_port]
    channel = create_api_channel(workspace, "Shop app", callback_url=receiver.url())
    receiver.secret = channel.secrets["signing_secret"]
    return channel


@pytest.fixture
def conversation(workspace: Workspace, channel: Channel) -> Conversation:
    contact = make_contact(workspace, name="陳小明")
    make_identity(contact, channel, external_id="shop-user-42")
    return make_conversation(workspace, contact=contact, channel=channel, waiting_since=timezone.now())


@pytest.fixture
def events() -> Iterator[list[Event]]:
    received: list[Event] = []
    _subscribers["test-outbound"] = received.extend
    yield received
    del _subscribers["test-outbound"]


def entry_of(message: Message) -> OutboxEntry:
    return OutboxEntry.all_workspaces.get(message=message)


def refreshed(message: Message) -> Message:
    return Message.all_workspaces.get(pk=message.pk)


def make_due(entry: OutboxEntry, seconds_ago: float = 0) -> None:
    OutboxEntry.all_workspaces.filter(pk=entry.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=seconds_ago)
    )


def queued_deliveries() -> list[int]:
    rows = DBTaskResult.objects.ready().filter(task_path=deliver_outbox_entry.module_path).order_by("enqueued_at")
    return [row.args_kwargs["args"][0] for row in rows]


def run_queued_deliveries() -> list[str]:
    """What a worker would do: run every delivery task that is ready, until none is left."""
    results: list[str] = []
    while True:
        rows = list(
            DBTaskResult.objects.ready().filter(task_path=deliver_outbox_entry.module_path).order_by("enqueued_at")
        )
        if not rows:
            return results
        for row in rows:
            row.delete()
            results.append(deliver_outbox_entry.call(*row.args_kwargs["args"]))


def test_a_reply_is_queued_with_its_outbox_entry_and_sent_once_signed(
    agent: Member,
    conversation: Conversation,
    receiver: FakeReceiver,
    events: list[Event],
    django_capture_on_commit_callbacks: OnCommit,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        message = actions.reply(conversation, agent, "  您好 訂單已出貨  ")
    assert message.kind == MessageKind.OUTBOUND and message.status == DeliveryStatus.QUEUED
    assert message.text == "您好 訂單已出貨" and message.channel_id == conversation.channel_id
    entry = entry_of(message)
    assert entry.state == OutboxState.PENDING and entry.attempts == 0
    conversation.refresh_from_db()
    assert conversation.waiting_since is None and conversation.last_message_preview == "您好 訂單已出貨"
    assert queued_deliveries() == [entry.pk]
    assert [event.type for event in events] == ["message.created", "conversation.updated"]

    with django_capture_on_commit_callbacks(execute=True):
        assert run_queued_deliveries() == ["sent"]

    [request] = receiver.received
    assert request.signature_valid is True
    assert request.headers["Idempotency-Key"] == str(entry.idempotency_key)
    assert request.headers["Content-Type"] == "application/json"
    body = request.json()
    assert body["id"] == message.pk and body["conversation_id"] == conversation.pk
    assert body["contact"] == {"id": "shop-user-42", "name": "陳小明"}
    assert body["text"] == "您好 訂單已出貨" and body["author"] == {"name": agent.user.get_full_name()}
    sent = refreshed(message)
    assert sent.status == DeliveryStatus.SENT and sent.provider_message_id == "provider-1"
    assert entry_of(message).state == OutboxState.SENT
    assert list(DeliveryAttempt.all_workspaces.values_list("outcome", flat=True)) == [AttemptOutcome.SENT]
    assert events[-1].type == "message.updated" and events[-1].payload["message"]["status"] == "sent"


def test_a_rolled_back_reply_leaves_no_entry_and_sends_nothing(
    agent: Member, conversation: Conversation, receiver: FakeReceiver, django_capture_on_commit_callbacks: OnCommit
) -> None:
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        actions.reply(conversation, agent, "never mind")
        raise RuntimeError("the surrounding request failed")
    assert not OutboxEntry.all_workspaces.exists() and not Message.all_workspaces.exists()
    assert queued_deliveries() == []
    assert relay_outbox.call() == 0
    assert receiver.received == []


def test_a_reply_is_checked_before_anything_is_written(
    agent: Member, conversation: Conversation, channel: Channel
) -> None:
    with pytest.raises(ValidationError):
        actions.reply(conversation, agent, "   ")
    with pytest.raises(ValidationError):
        actions.reply(conversation, agent, "x" * 20_001)
    with pytest.raises(ValidationError):
        actions.reply(conversation, agent, "hi", via=create_api_channel(make_workspace(), "Elsewhere"))
    Channel.all_workspaces.filter(pk=channel.pk).update(is_active=False)
    with pytest.raises(ValidationError):
        actions.reply(conversation, agent, "hi")
    assert not Message.all_workspaces.exists() and not OutboxEntry.all_workspaces.exists()


def test_server_errors_are_retried_with_backoff_then_delivered_once(
    agent: Member, conversation: Conversation, receiver: FakeReceiver
) -> None:
    receiver.then(500, {"error": "database is down"}).then(503, b"", headers={"Retry-After": "120"})
    entry = entry_of(actions.reply(conversation, agent, "Your refund is on its way"))

    before = timezone.now()
    assert deliver(entry.pk).result == "retry"
    entry.refresh_from_db()
    assert entry.state == OutboxState.PENDING and entry.attempts == 1
    assert timedelta(seconds=3) <= entry.next_attempt_at - before <= timedelta(seconds=7)
    assert entry.last_error == "HTTP 500: database is down"
    assert deliver(entry.pk).result == "not_due"

    make_due(entry)
    before = timezone.now()
    assert deliver(entry.pk).result == "retry"
    entry.refresh_from_db()
    assert entry.next_attempt_at - before >= timedelta(seconds=119)

    make_due(entry)
    assert deliver(entry.pk).result == "sent"
    keys = {request.headers["Idempotency-Key"] for request in receiver.received}
    assert keys == {str(entry.idempotency_key)} and len(receiver.received) == 3
    outcomes = DeliveryAttempt.in_workspace(entry.workspace_id).values_list("outcome", "http_status")
    assert list(outcomes) == [("retry", 500), ("retry", 503), ("sent", None)]
    assert refreshed(entry.message).status == DeliveryStatus.SENT


def test_a_receiver_that_never_recovers_fails_the_message_after_the_last_attempt(
    agent: Member, conversation: Conversation, receiver: FakeReceiver
) -> None:
    receiver.then(502, b"bad gateway", times=MAX_ATTEMPTS)
    entry = entry_of(actions.reply(conversation, agent, "Hello?"))
    results = []
    for _ in range(MAX_ATTEMPTS):
        make_due(entry)
        results.append(deliver(entry.pk).result)
    assert results == ["retry"] * (MAX_ATTEMPTS - 1) + ["failed"]
    message = refreshed(entry.message)
    assert message.status == DeliveryStatus.FAILED
    assert message.status_reason == f"gave up after {MAX_ATTEMPTS} attempts: HTTP 502: bad gateway"
    make_due(entry)
    assert deliver(entry.pk).result == "not_due" and len(receiver.received) == MAX_ATTEMPTS


def test_the_backoff_grows_to_over_an_hour_across_the_attempts() -> None:
    total = sum((backoff(attempt) for attempt in range(1, MAX_ATTEMPTS)), timedelta())
    assert total >= timedelta(hours=1)
    assert backoff(1) <= timedelta(seconds=6) and backoff(7) >= timedelta(hours=1)
    assert backoff(1, retry_after=timedelta(minutes=5)) == timedelta(minutes=5)


def test_a_refusal_fails_the_message_at_once_with_the_receivers_reason(
    agent: Member,
    conversation: Conversation,
    receiver: FakeReceiver,
    events: list[Event],
    django_capture_on_commit_callbacks: OnCommit,
) -> None:
    receiver.then(422, {"error": "recipient has blocked the shop"})
    entry = entry_of(actions.reply(conversation, agent, "Hi again"))
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(entry.pk).result == "failed"
    message = refreshed(entry.message)
    assert message.status == DeliveryStatus.FAILED
    assert message.status_reason == "HTTP 422: recipient has blocked the shop"
    assert DeliveryAttempt.in_workspace(entry.workspace_id).count() == 1
    assert entry_of(message).state == OutboxState.FAILED
    [event] = [event for event in events if event.type == "message.updated"]
    assert event.payload["message"]["status"] == "failed"
    assert event.payload["message"]["status_reason"] == "HTTP 422: recipient has blocked the shop"


def test_a_bad_signature_at_the_receiver_is_a_final_failure(
    agent: Member, conversation: Conversation, receiver: FakeReceiver
) -> None:
    receiver.secret = "not the channel's secret"
    entry = entry_of(actions.reply(conversation, agent, "Hi"))
    assert deliver(entry.pk).result == "failed"
    assert refreshed(entry.message).status_reason == "HTTP 401: bad signature"


def test_an_unreachable_receiver_is_retried(
    agent: Member, conversation: Conversation, channel: Channel, receiver: FakeReceiver
) -> None:
    receiver.stop()  # the port is allowlisted, but nothing listens on it any more
    entry = entry_of(actions.reply(conversation, agent, "Hi"))
    assert deliver(entry.pk).result == "retry"
    assert "ConnectionFailed" in OutboxEntry.all_workspaces.get(pk=entry.pk).last_error
    assert refreshed(entry.message).status == DeliveryStatus.QUEUED


class WorkerKilled(BaseException):
    """Stands in for SIGKILL: nothing in the worker gets to run after it."""


def kill_worker_when_the_receiver_has_the_request(receiver: FakeReceiver) -> None:
    main = threading.main_thread().ident
    assert main is not None

    def kill(request: Received) -> None:
        signal.pthread_kill(main, signal.SIGUSR1)

    receiver.on_request = kill


def test_a_worker_killed_mid_send_loses_nothing_and_the_retry_reuses_the_key(
    agent: Member, conversation: Conversation, receiver: FakeReceiver
) -> None:
    entry = entry_of(actions.reply(conversation, agent, "Your parcel arrives tomorrow"))
    receiver.then(200, {"id": "first-copy"}, delay=0.5)
    kill_worker_when_the_receiver_has_the_request(receiver)

    def die(signum: int, frame: object) -> None:
        raise WorkerKilled

    previous = signal.signal(signal.SIGUSR1, die)
    try:
        with pytest.raises(WorkerKilled):
            deliver_outbox_entry.call(entry.pk)
    finally:
        signal.signal(signal.SIGUSR1, previous)
        receiver.on_request = None

    entry.refresh_from_db()
    assert entry.state == OutboxState.SENDING and entry.attempts == 1
    assert relay_outbox.call() == 0, "a live lease is not taken from its worker"
    OutboxEntry.all_workspaces.filter(pk=entry.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=30))

    assert relay_outbox.call() == 1
    assert run_queued_deliveries() == ["sent"]
    keys = [request.headers["Idempotency-Key"] for request in receiver.received]
    assert keys == [str(entry.idempotency_key)] * 2
    assert refreshed(entry.message).status == DeliveryStatus.SENT
    outcomes = DeliveryAttempt.in_workspace(entry.workspace_id).values_list("outcome", flat=True)
    assert list(outcomes) == [AttemptOutcome.CRASHED, AttemptOutcome.SENT]


def test_replies_whose_enqueue_was_lost_are_sent_by_the_relay_in_order(
    agent: Member, conversation: Conversation, receiver: FakeReceiver
) -> None:
    # No on-commit callbacks run here: the process "died" after commit, before enqueueing.
    first = entry_of(actions.reply(conversation, agent, "Sorry for the wait"))
    second = entry_of(actions.reply(conversation, agent, "Here is your refund"))
    assert queued_deliveries() == []
    assert relay_outbox.call() == 0, "a fresh entry is left to the task queued with it"
    make_due(first, seconds_ago=30)
    make_due(second, seconds_ago=30)
    assert relay_outbox.call() == 1, "the second waits for the first, it is not queued again and again"
    assert queued_deliveries() == [first.pk]
    assert run_queued_deliveries() == ["sent", "sent"]
    assert [request.json()["text"] for request in receiver.received] == ["Sorry for the wait", "Here is your refund"]
    assert refreshed(second.message).status == DeliveryStatus.SENT


def test_a_conversations_messages_leave_in_the_order_they_were_written(
    agent: Member,
    workspace: Workspace,
    conversation: Conversation,
    channel: Channel,
    receiver: FakeReceiver,
    django_capture_on_commit_callbacks: OnCommit,
) -> None:
    other = make_conversation(workspace, contact=conversation.contact, channel=channel)
    with django_capture_on_commit_callbacks(execute=True):
        first, second, third = (actions.reply(conversation, agent, text) for text in ("one", "two", "three"))
        elsewhere = actions.reply(other, agent, "parallel")
    receiver.then(500, {"error": "hiccup"})
    queue = queued_deliveries()
    # This test plays the worker itself, in an unlucky order.
    DBTaskResult.objects.all().delete()
    assert deliver(queue[2]).result == "waiting"
    assert deliver(queue[1]).result == "waiting"
    assert deliver(queue[3]).result == "retry"  # the other conversation is not held up by this one
    assert deliver(queue[0]).result == "sent"
    # Each sent message hands the turn to the next one of its conversation.
    assert run_queued_deliveries() == ["sent", "sent"]
    make_due(entry_of(elsewhere))
    assert deliver(entry_of(elsewhere).pk).result == "sent"
    texts = [request.json()["text"] for request in receiver.received if request.json()["text"] != "parallel"]
    assert texts == ["one", "two", "three"]
    assert all(refreshed(m).status == DeliveryStatus.SENT for m in (first, second, third, elsewhere))


def test_a_channel_over_its_rate_limit_waits_instead_of_failing(
    agent: Member, workspace: Workspace, channel: Channel, receiver: FakeReceiver
) -> None:
    Channel.all_workspaces.filter(pk=channel.pk).update(config={**channel.config, "rate_limit_per_second": 2})
    entries = []
    for number in range(5):
        contact = make_contact(workspace)
        make_identity(contact, channel)
        entries.append(
            entry_of(actions.reply(make_conversation(workspace, contact=contact, channel=channel), agent, f"#{number}"))
        )
    # Start at the beginning of a one-second window so all five fall in it.
    time.sleep(1 - (time.time() % 1) + 0.01)
    results = [deliver(entry.pk).result for entry in entries]
    assert results == ["sent", "sent", "rate_limited", "rate_limited", "rate_limited"]
    waiting = OutboxEntry.all_workspaces.filter(state=OutboxState.PENDING)
    assert waiting.count() == 3 and all(e.next_attempt_at > timezone.now() for e in waiting)
    assert all(e.attempts == 0 for e in waiting)
    assert len(queued_deliveries()) == 0, "deferred, not ready yet"
    time.sleep(1.25)
    assert sorted(run_queued_deliveries()) == ["rate_limited", "sent", "sent"]
    time.sleep(1.25)
    assert run_queued_deliveries() == ["sent"]
    assert not OutboxEntry.all_workspaces.exclude(state=OutboxState.SENT).exists()
    assert len(receiver.received) == 5


def test_delivery_status_only_moves_forward(
    agent: Member,
    conversation: Conversation,
    events: list[Event],
    django_capture_on_commit_callbacks: OnCommit,
) -> None:
    message = actions.reply(conversation, agent, "Tracking number 123")
    with django_capture_on_commit_callbacks(execute=True):
        assert apply_delivery_status(message, DeliveryStatus.DELIVERED) is True
        assert apply_delivery_status(message, "sent") is False
        assert apply_delivery_status(message, DeliveryStatus.FAILED, "too late") is False
        assert apply_delivery_status(message, DeliveryStatus.READ) is True
        assert apply_delivery_status(message, DeliveryStatus.READ) is False
    assert refreshed(message).status == DeliveryStatus.READ and refreshed(message).status_reason == ""
    updates = [event.payload["changes"]["status"] for event in events if event.type == "message.updated"]
    assert updates == [["queued", "delivered"], ["delivered", "read"]]

    failed = actions.reply(conversation, agent, "Second")
    assert apply_delivery_status(failed, DeliveryStatus.FAILED, "number unreachable") is True
    assert refreshed(failed).status_reason == "number unreachable"


def test_the_api_queues_a_reply_and_still_takes_notes(
    client: Client, agent: Member, conversation: Conversation, workspace: Workspace
) -> None:
    headers = {"Authorization": f"Bearer {issue_token(agent, 'tests')[1]}"}
    url = f"/api/v1/conversations/{conversation.pk}/messages"

    def post(body: dict[str, Any]) -> Any:
        return client.post(url, data=body, content_type="application/json", headers=headers)

    response = post({"kind": "reply", "text": "Thanks for writing"})
    assert response.status_code == 201
    assert response.json()["kind"] == "outbound" and response.json()["status"] == "queued"
    assert OutboxEntry.in_workspace(workspace).get().message_id == response.json()["id"]
    assert post({"kind": "note", "text": "called them"}).json()["kind"] == "note"
    assert post({"kind": "reply", "text": " "}).status_code == 422
    foreign = create_api_channel(make_workspace(), "Not ours")
    assert post({"kind": "reply", "text": "hi", "channel_id": foreign.pk}).status_code == 422
    stranger = make_member(make_workspace())
    foreign_headers = {"Authorization": f"Bearer {issue_token(stranger, 'tests')[1]}"}
    outsider = client.post(
        url, data={"kind": "reply", "text": "x"}, content_type="application/json", headers=foreign_headers
    )
    assert outsider.status_code == 404
    assert OutboxEntry.in_workspace(workspace).count() == 1


def test_the_relay_is_a_periodic_job_of_the_scheduler(settings: Any) -> None:
    jobs = {job.name: job for job in registered_jobs()}
    relay = jobs[relay_outbox.module_path]
    assert relay.every == timedelta(seconds=settings.FRONTDESK_OUTBOX_RELAY_SECONDS)
    assert relay.task.queue_name == "scheduled" and deliver_outbox_entry.queue_name == "default"


def test_a_lease_outlasts_the_slowest_send_the_http_client_allows() -> None:
    # Otherwise the relay would hand a live send to a second worker.
    assert timedelta(seconds=CONNECT_TIMEOUT + TOTAL_TIMEOUT + READ_TIMEOUT) < LEASE


def test_a_reply_can_leave_through_another_channel_of_the_workspace(
    agent: Member, workspace: Workspace, conversation: Conversation, receiver: FakeReceiver
) -> None:
    second = create_api_channel(workspace, "Second app", callback_url=receiver.url("/second"))
    receiver.secret = second.secrets["signing_secret"]
    make_identity(conversation.contact, second, external_id="second-42")
    message = actions.reply(conversation, agent, "Over here", via=second)
    assert message.channel_id == second.pk
    assert deliver(entry_of(message).pk).result == "sent"
    [request] = receiver.received
    assert request.path == "/second" and request.json()["contact"] == {"id": "second-42", "name": "陳小明"}


def test_each_provider_is_sent_to_at_its_documented_rate_unless_the_channel_says_otherwise(
    workspace: Workspace,
) -> None:
    """RELIABILITY T-15: a WhatsApp number takes 80 messages a second; in one window the 81st waits."""
    from django.utils import timezone

    from frontdesk.channels.models import ChannelKind
    from frontdesk.pipeline.outbound import send_rate_limit, take_rate_token
    from tests.factories import make_channel

    whatsapp = make_channel(workspace, ChannelKind.WHATSAPP)
    assert send_rate_limit(whatsapp) == 80
    assert send_rate_limit(make_channel(workspace, ChannelKind.TELEGRAM)) == 30
    assert send_rate_limit(make_channel(workspace, ChannelKind.API)) == 20
    assert (
        send_rate_limit(make_channel(workspace, ChannelKind.WHATSAPP, config={"rate_limit_per_second": 1000})) == 1000
    )

    now = timezone.now().replace(microsecond=0)
    waits = [take_rate_token(whatsapp.pk, send_rate_limit(whatsapp), now) for _ in range(100)]
    assert waits[:80] == [0.0] * 80
    assert all(0 < wait <= 1.2 for wait in waits[80:]), "the rest wait for the next second, none fails"
