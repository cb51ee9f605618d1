"""Only one agent wins a callback, however many claim it at the same moment (PostgreSQL, real threads)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections

from frontdesk.callbacks.actions import CallbackTaken, claim
from frontdesk.callbacks.models import CallbackRequest, CallbackStatus
from frontdesk.core.models import Member, Workspace
from tests.factories import make_member

AGENTS = 20


# SQLite serialises every write, so there is no race to test: the scale-out pass runs this (tests/conftest.py).
@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_twenty_agents_claiming_at_once_make_exactly_one_winner(
    workspace: Workspace, new_callback: Callable[..., CallbackRequest]
) -> None:
    assert connection.vendor == "postgresql"
    callback = new_callback()
    agents = [make_member(workspace) for _agent in range(AGENTS)]
    start = threading.Barrier(AGENTS)
    winners: list[Member] = []
    refused: list[Member] = []
    errors: list[BaseException] = []

    def try_to_claim(agent: Member) -> None:
        try:
            start.wait()
            claim(callback, agent)
            winners.append(agent)
        except CallbackTaken:
            refused.append(agent)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=try_to_claim, args=(agent,)) for agent in agents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len(winners) == 1
    assert len(refused) == AGENTS - 1
    stored = CallbackRequest.in_workspace(workspace).get(pk=callback.pk)
    assert stored.status == CallbackStatus.CLAIMED
    assert stored.claimed_by_id == winners[0].pk
