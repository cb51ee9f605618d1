"""Replies sent by the running product (`frontdesk run`): the real worker, scheduler and relay (T-12, T-13)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.core.test_processes import REPO, Product, embedded_env, running_product
from tests.fake_receiver import FakeReceiver, running_receiver
from tests.running import FRONTDESK, wait_for

__all__ = ["embedded_env"]

SETUP = """
import json
from frontdesk.channels.api.setup import create_api_channel
from tests.factories import make_contact, make_conversation, make_identity, make_member, make_workspace
workspace = make_workspace()
channel = create_api_channel(workspace, "Shop", callback_url={url!r})
contact = make_contact(workspace)
make_identity(contact, channel, external_id="customer-1")
conversation = make_conversation(workspace, contact=contact, channel=channel)
member = make_member(workspace)
print(json.dumps({{"conversation": conversation.pk, "member": member.pk, "secret": channel.secrets["signing_secret"]}}))
"""

REPLY = """
import os
from django.db import transaction
from frontdesk.conversations import actions
from frontdesk.conversations.models import Conversation
from frontdesk.core.models import Member
conversation = Conversation.all_workspaces.get(pk={conversation})
member = Member.all_workspaces.get(pk={member})
with transaction.atomic():
    if {crash}:
        # Dies after the commit, before the delivery task is enqueued.
        transaction.on_commit(lambda: os._exit(0))
    actions.reply(conversation, member, {text!r})
"""


@pytest.fixture
def receiver() -> Iterator[FakeReceiver]:
    with running_receiver() as receiver:
        yield receiver


@pytest.fixture
def product(tmp_path: Path, embedded_env: dict[str, str], receiver: FakeReceiver) -> Iterator[Product]:
    embedded_env.update(FRONTDESK_HTTP_ALLOWED_PRIVATE_HOSTS=receiver.host_port, FRONTDESK_OUTBOX_RELAY_SECONDS="1")
    with running_product(tmp_path, embedded_env) as running:
        yield running


def shell(env: dict[str, str], code: str) -> str:
    done = subprocess.run(
        [*FRONTDESK, "shell", "--verbosity=0", "-c", code], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.timeout(120)
def test_the_running_product_sends_replies_even_when_the_enqueue_is_lost(
    product: Product, embedded_env: dict[str, str], receiver: FakeReceiver
) -> None:
    ids = json.loads(shell(embedded_env, SETUP.format(url=receiver.url())))
    receiver.secret = ids["secret"]

    shell(embedded_env, REPLY.format(crash=False, text="Queued and sent", **ids))
    wait_for(lambda: len(receiver.received) == 1, 20, "the worker to send the reply", product.log)

    started = time.monotonic()
    shell(embedded_env, REPLY.format(crash=True, text="Found by the relay", **ids))
    wait_for(lambda: len(receiver.received) == 2, 60, "the relay to send the orphaned reply", product.log)
    assert time.monotonic() - started < 60

    texts = [request.json()["text"] for request in receiver.received]
    assert texts == ["Queued and sent", "Found by the relay"]
    assert all(request.signature_valid for request in receiver.received)
    assert len({request.headers["Idempotency-Key"] for request in receiver.received}) == 2


ATTEMPTS = """
import json
from frontdesk.conversations.models import DeliveryAttempt, Message
message = Message.all_workspaces.get(text={text!r})
attempts = DeliveryAttempt.all_workspaces.filter(entry__message=message).order_by("pk")
print(json.dumps({{"status": message.status, "outcomes": [a.outcome for a in attempts]}}))
"""


@pytest.mark.timeout(120)
def test_a_worker_killed_after_the_receiver_got_the_reply_loses_nothing_and_duplicates_are_recorded(
    tmp_path: Path, embedded_env: dict[str, str], receiver: FakeReceiver
) -> None:
    """T-13: SIGKILL the worker in the post-send window, three times; the reply still arrives and is marked sent."""
    kills = 3
    embedded_env.update(
        FRONTDESK_HTTP_ALLOWED_PRIVATE_HOSTS=receiver.host_port,
        FRONTDESK_OUTBOX_RELAY_SECONDS="1",
        FRONTDESK_OUTBOX_LEASE_SECONDS="2",
    )
    with running_product(tmp_path, embedded_env) as product:
        ids = json.loads(shell(embedded_env, SETUP.format(url=receiver.url())))
        receiver.secret = ids["secret"]
        killed: list[int] = []

        def kill_the_sender(_request: object) -> None:
            # The receiver has the reply; the worker has not heard back, so it cannot have marked it sent.
            if len(killed) < kills and (pid := product.pid("worker")) is not None:
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)

        receiver.on_request = kill_the_sender
        shell(embedded_env, REPLY.format(crash=False, text="Sent despite the crashes", **ids))
        wait_for(lambda: len(receiver.received) == kills + 1, 90, "a worker to deliver after the kills", product.log)
        wait_for(
            lambda: (
                json.loads(shell(embedded_env, ATTEMPTS.format(text="Sent despite the crashes")))["status"] == "sent"
            ),
            20,
            "the reply to be marked sent",
            product.log,
        )
        recorded = json.loads(shell(embedded_env, ATTEMPTS.format(text="Sent despite the crashes")))

    assert len(set(killed)) == kills  # a fresh worker each time, restarted by the supervisor
    assert [request.json()["text"] for request in receiver.received] == ["Sent despite the crashes"] * (kills + 1)
    # Every duplicate carries the same key, so a receiver that honours it shows the customer one message.
    assert len({request.headers["Idempotency-Key"] for request in receiver.received}) == 1
    assert recorded["outcomes"] == ["crashed"] * kills + ["sent"]
