"""Merges racing each other and the pipeline on PostgreSQL: no deadlock, no row lost, no identity on a hidden contact.

SQLite's in-memory test database cannot hold concurrent writers (see tests/pipeline/test_concurrency.py).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connections, transaction

from frontdesk.channels.models import ChannelKind
from frontdesk.contacts.merging import merge_contacts
from frontdesk.contacts.models import Contact, ContactNote, Identity
from frontdesk.conversations.models import Conversation
from frontdesk.core.models import Role
from frontdesk.pipeline.inbound import ContactRef, InboundMessage, ingest_message
from tests.factories import make_channel, make_contact, make_conversation, make_identity, make_member, make_workspace

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]


def in_threads(function: Callable[[Any], Any], arguments: list[Any]) -> list[Any]:
    start = threading.Barrier(len(arguments))

    def one(argument: Any) -> Any:
        try:
            start.wait()
            return function(argument)
        except ValidationError as error:
            return error
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(arguments)) as pool:
        return list(pool.map(one, arguments))


def test_merges_of_overlapping_pairs_in_both_directions_neither_deadlock_nor_lose_rows() -> None:
    workspace = make_workspace()
    actor = make_member(workspace, Role.AGENT)
    channel = make_channel(workspace)
    contacts = [make_contact(workspace, name=f"C{n}") for n in range(6)]
    for contact in contacts:
        for _ in range(3):
            make_identity(contact, channel)
            ContactNote.all_workspaces.create(workspace=workspace, contact=contact, text="note")
        make_conversation(workspace, contact=contact, channel=channel)
    pairs = [(a, b) for a, b in itertools.permutations(contacts[:4], 2)] + [(contacts[4], contacts[5])] * 3

    results = in_threads(lambda pair: merge_contacts(actor, kept=pair[0], absorbed=pair[1]), pairs)

    assert not [
        result for result in results if isinstance(result, Exception) and not isinstance(result, ValidationError)
    ]
    assert Identity.in_workspace(workspace).count() == 18
    assert ContactNote.in_workspace(workspace).count() == 18
    assert Conversation.in_workspace(workspace).count() == 6
    hidden = set(Contact.in_workspace(workspace).filter(merged_into__isnull=False).values_list("pk", flat=True))
    # Every row belongs to a visible contact: nothing was left behind on an absorbed one.
    assert not Identity.in_workspace(workspace).filter(contact_id__in=hidden).exists()
    assert not ContactNote.in_workspace(workspace).filter(contact_id__in=hidden).exists()
    assert not Conversation.in_workspace(workspace).filter(contact_id__in=hidden).exists()
    assert contacts[5].pk in hidden or contacts[4].pk in hidden


def test_a_message_from_a_new_channel_while_its_contact_is_merged_lands_on_the_kept_contact() -> None:
    workspace = make_workspace()
    actor = make_member(workspace, Role.AGENT)
    kept = make_contact(workspace, name="Kept", phone="+85291234567")
    absorbed = make_contact(workspace, name="Absorbed", phone="+85291234567")
    whatsapp = make_channel(workspace, ChannelKind.WHATSAPP)
    ref = ContactRef(external_id="85291234567", phone="+85291234567", verified=frozenset({"phone"}))

    def ingest(_: Any) -> str:
        with transaction.atomic():
            return ingest_message(whatsapp, InboundMessage(provider_message_id="wamid.1", contact=ref, text="hi"))

    def merge(_: Any) -> Any:
        return merge_contacts(actor, kept=kept, absorbed=absorbed)

    in_threads(lambda job: job(None), [merge, ingest])
    identity = Identity.in_workspace(workspace).get(channel=whatsapp)
    # Two contacts held the number (ambiguous) or the merge came first (one): either way no hidden contact.
    assert not Contact.in_workspace(workspace).get(pk=identity.contact_id).merged_into_id


def test_a_new_customer_writing_on_two_channels_at_once_becomes_one_contact() -> None:
    workspace = make_workspace()
    whatsapp = make_channel(workspace, ChannelKind.WHATSAPP)
    sms = make_channel(workspace, ChannelKind.SMS)
    arrivals = [
        (whatsapp, ContactRef(external_id="85291234567", phone="+85291234567", verified=frozenset({"phone"}))),
        (sms, ContactRef(external_id="+85291234567", phone="+85291234567", verified=frozenset({"phone"}))),
    ] * 5

    def ingest(arrival: tuple[Any, ContactRef]) -> str:
        channel, ref = arrival
        with transaction.atomic():
            message = InboundMessage(provider_message_id=f"m-{id(arrival)}-{threading.get_ident()}", contact=ref)
            return ingest_message(channel, message)

    in_threads(ingest, arrivals)
    assert Contact.in_workspace(workspace).count() == 1
    assert Identity.in_workspace(workspace).count() == 2
    # The default setting joins the second channel's message into the first channel's case.
    assert Conversation.in_workspace(workspace).count() == 1


def test_a_known_customer_writing_on_two_channels_at_once_gets_one_case() -> None:
    workspace = make_workspace()
    whatsapp = make_channel(workspace, ChannelKind.WHATSAPP)
    sms = make_channel(workspace, ChannelKind.SMS)
    contact = make_contact(workspace, name="Chan Tai Man")
    make_identity(contact, whatsapp, external_id="85291234567")
    make_identity(contact, sms, external_id="+85291234567")
    arrivals = [(whatsapp, "85291234567"), (sms, "+85291234567")] * 5

    def ingest(arrival: tuple[Any, str]) -> str:
        channel, external_id = arrival
        with transaction.atomic():
            message = InboundMessage(
                provider_message_id=f"m-{id(arrival)}-{threading.get_ident()}",
                contact=ContactRef(external_id=external_id),
                text="My flight CX880 was cancelled",
            )
            return ingest_message(channel, message)

    in_threads(ingest, arrivals)
    # Both identities were already one contact: no channel's message opens a second case beside the first.
    [conversation] = Conversation.in_workspace(workspace)
    assert conversation.messages.count() == 10
