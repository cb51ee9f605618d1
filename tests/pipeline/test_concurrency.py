"""Concurrent deliveries (RELIABILITY T-01): the database, not timing, keeps one message per event.

These run on PostgreSQL only. pytest-django's SQLite test database lives in
memory with a shared cache, where concurrent writers fail with "table is
locked" instead of waiting; the file database of embedded mode serialises
writers (BEGIN IMMEDIATE), so there is no race left to test on SQLite.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connections
from django.test import Client

from frontdesk.channels.api.setup import create_api_channel
from frontdesk.contacts.models import Contact, Identity
from frontdesk.conversations.models import Conversation, Message
from frontdesk.pipeline import events as subscribers
from frontdesk.pipeline.models import InboundEvent
from tests.channels.webhooks import deliver, message_event
from tests.factories import make_workspace

# Run in the PostgreSQL + Redis pass of `make test`; deselected, not skipped, on SQLite.
postgresql_only = pytest.mark.services


def deliver_from_threads(calls: list[tuple[Any, ...]]) -> list[Any]:
    def one(arguments: tuple[Any, ...]) -> Any:
        try:
            return deliver(Client(), *arguments)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=min(len(calls), 50)) as pool:
        return list(pool.map(one, calls))


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_storm_of_a_thousand_identical_deliveries_at_once_stores_one_message() -> None:
    channel = create_api_channel(make_workspace(), "Shop backend")
    events = [message_event(event_id="evt-1", message_id="m-1")]
    heard: list[str] = []
    subscribers._subscribers["tests.concurrency"] = lambda events: heard.extend(event.type for event in events)
    try:
        responses = deliver_from_threads([(channel, events)] * 1000)
    finally:
        del subscribers._subscribers["tests.concurrency"]
    assert heard.count("message.created") == 1
    assert [r.status_code for r in responses] == [200] * 1000
    answers = [r.json() for r in responses]
    assert sum(a["accepted"] for a in answers) == 1
    assert sum(a["duplicates"] for a in answers) == 999
    workspace = channel.workspace_id
    assert InboundEvent.in_workspace(workspace).count() == 1
    assert Message.in_workspace(workspace).count() == 1
    assert Conversation.in_workspace(workspace).count() == 1
    assert Contact.in_workspace(workspace).count() == 1


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_messages_of_a_new_contact_open_one_conversation() -> None:
    channel = create_api_channel(make_workspace(), "Shop backend")
    calls = [(channel, [message_event(contact_id="crm-new", text=f"part {n}")]) for n in range(20)]
    responses = deliver_from_threads(calls)
    assert [r.status_code for r in responses] == [200] * 20
    workspace = channel.workspace_id
    assert Identity.in_workspace(workspace).count() == 1
    assert Contact.in_workspace(workspace).count() == 1
    [conversation] = Conversation.in_workspace(workspace)
    assert conversation.messages.count() == 20


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_one_whatsapp_message_replayed_100_times_at_once_is_stored_and_announced_once() -> None:
    """RELIABILITY T-01 in WhatsApp's own wire format: one signed payload (one wamid) from 100 connections."""
    from bench.payloads import whatsapp
    from tests.channels.webhooks import hook_path, process_stored_events

    channel = whatsapp.create_channel(make_workspace())
    query, body, headers = whatsapp.delivery(channel.secrets, whatsapp.contact_id(1), "我的行李在哪裡？", 1)
    path = hook_path(channel) + (f"?{query}" if query else "")

    def post(_: int) -> int:
        try:
            response = Client().generic("POST", path, body, content_type="application/json", headers=headers)
            return response.status_code
        finally:
            connections.close_all()

    heard: list[str] = []
    subscribers._subscribers["tests.concurrency"] = lambda events: heard.extend(event.type for event in events)
    try:
        with ThreadPoolExecutor(max_workers=100) as pool:
            statuses = list(pool.map(post, range(100)))
        process_stored_events()
    finally:
        del subscribers._subscribers["tests.concurrency"]
    assert statuses == [200] * 100
    workspace = channel.workspace_id
    assert InboundEvent.in_workspace(workspace).count() == 1
    assert Message.in_workspace(workspace).count() == 1
    assert Contact.in_workspace(workspace).count() == 1
    assert heard.count("message.created") == 1
