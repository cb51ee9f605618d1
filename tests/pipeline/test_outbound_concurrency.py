"""Several workers on the same outbox (RELIABILITY T-13, T-16), on PostgreSQL where workers really race.

SQLite's in-memory test database cannot hold concurrent writers (see
tests/pipeline/test_concurrency.py); embedded mode runs one worker anyway.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connections

from frontdesk.channels.api.setup import create_api_channel
from frontdesk.conversations import actions
from frontdesk.conversations.models import DeliveryAttempt, OutboxEntry, OutboxState
from frontdesk.pipeline.outbound import deliver
from tests.factories import make_contact, make_conversation, make_identity, make_member, make_workspace
from tests.fake_receiver import FakeReceiver, running_receiver

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # Run in the PostgreSQL + Redis pass of `make test`; deselected, not skipped, on SQLite.
    pytest.mark.services,
]


@pytest.fixture
def receiver(settings: Any) -> Iterator[FakeReceiver]:
    with running_receiver() as receiver:
        settings.FRONTDESK_HTTP_ALLOWED_PRIVATE_HOSTS = [receiver.host_port]
        yield receiver


def in_threads(function: Callable[[int], Any], arguments: list[int]) -> list[Any]:
    start = threading.Barrier(len(arguments))

    def one(argument: int) -> Any:
        try:
            start.wait()
            return function(argument)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(arguments)) as pool:
        return list(pool.map(one, arguments))


def test_two_workers_given_the_same_entry_send_it_once(receiver: FakeReceiver) -> None:
    workspace = make_workspace()
    channel = create_api_channel(workspace, "App", callback_url=receiver.url())
    contact = make_contact(workspace)
    make_identity(contact, channel)
    conversation = make_conversation(workspace, contact=contact, channel=channel)
    receiver.then(200, {"id": "slow"}, delay=0.3)
    message = actions.reply(conversation, make_member(workspace), "Once, please")
    entry = OutboxEntry.all_workspaces.get(message=message)

    results = in_threads(lambda entry_id: deliver(entry_id).result, [entry.pk] * 4)

    assert sorted(results) == ["not_due", "not_due", "not_due", "sent"]
    assert len(receiver.received) == 1
    assert DeliveryAttempt.all_workspaces.count() == 1
    assert OutboxEntry.all_workspaces.get(pk=entry.pk).state == OutboxState.SENT


def test_conversations_are_sent_in_parallel_each_in_its_own_order(receiver: FakeReceiver) -> None:
    workspace = make_workspace()
    channel = create_api_channel(workspace, "App", callback_url=receiver.url())
    agent = make_member(workspace)
    entries: list[int] = []
    for number in range(4):
        contact = make_contact(workspace)
        make_identity(contact, channel, external_id=f"customer-{number}")
        conversation = make_conversation(workspace, contact=contact, channel=channel)
        for step in range(3):
            message = actions.reply(conversation, agent, f"{number}:{step}")
            entries.append(OutboxEntry.all_workspaces.get(message=message).pk)

    # Workers take entries in any order; each retries until its entry is sent.
    def worker(entry_id: int) -> str:
        for _ in range(200):
            result = deliver(entry_id).result
            if result == "sent":
                return result
            threading.Event().wait(0.01)
        return "gave up"

    assert in_threads(worker, list(reversed(entries))) == ["sent"] * len(entries)
    by_customer: dict[str, list[str]] = {}
    for request in receiver.received:
        body = request.json()
        recipient = body["contact"]
        assert isinstance(recipient, dict)
        by_customer.setdefault(str(recipient["id"]), []).append(str(body["text"]))
    for number in range(4):
        assert by_customer[f"customer-{number}"] == [f"{number}:{step}" for step in range(3)]
