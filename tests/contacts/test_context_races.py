"""Business context PUT by several systems at once, on PostgreSQL with real threads: one object, never an error."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from frontdesk.contacts.context import upsert_context
from frontdesk.contacts.models import ContextObject
from frontdesk.core.models import AuditEntry, Member, Role, Workspace
from tests.factories import make_contact, make_member


# SQLite serialises every write, so there is no race to test: the scale-out pass runs this (tests/conftest.py).
@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_simultaneous_puts_of_a_new_object_make_one_object(workspace: Workspace) -> None:
    assert connection.vendor == "postgresql"
    member: Member = make_member(workspace, Role.AGENT)
    contact = make_contact(workspace, name="Chan Tai Man")
    start = threading.Barrier(8)
    created: list[bool] = []
    errors: list[BaseException] = []

    def put(status: str) -> None:
        try:
            start.wait()
            _obj, new = upsert_context(member, contact, kind="booking", external_id="7QKD2P", status=status)
            created.append(new)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=put, args=(f"status {n}",)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(created) == [False] * 7 + [True]
    assert ContextObject.in_workspace(workspace).count() == 1
    assert AuditEntry.in_workspace(workspace).filter(action="context.created").count() == 1
