"""Races the Settings area must win on PostgreSQL, with real threads: a link accepted once, an owner always left."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections

from frontdesk.core.actions import Refused, change_role
from frontdesk.core.invitations import InvitationUnusable, accept, invite
from frontdesk.core.models import Member, Role, Workspace
from tests.factories import make_member, make_user


def _at_once(jobs: list[Callable[[], object]], expected: tuple[type[BaseException], ...]) -> tuple[int, int]:
    """Run ``jobs`` together; (how many succeeded, how many were refused with ``expected``). Anything else fails."""
    start = threading.Barrier(len(jobs))
    done: list[bool] = []
    errors: list[BaseException] = []

    def run(job: Callable[[], object]) -> None:
        try:
            start.wait()
            job()
            done.append(True)
        except expected:
            done.append(False)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return done.count(True), done.count(False)


# SQLite serialises every write, so there is no race to test: the scale-out pass runs these (tests/conftest.py).
@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_ten_simultaneous_acceptances_of_one_link_make_one_member(workspace: Workspace) -> None:
    assert connection.vendor == "postgresql"
    owner = make_member(workspace, Role.OWNER)
    _invitation, token = invite(owner, "mei@example.com", Role.AGENT)
    user = make_user("mei@example.com")
    succeeded, refused = _at_once([lambda: accept(token, user) for _ in range(10)], (InvitationUnusable,))
    assert (succeeded, refused) == (1, 9)
    assert Member.in_workspace(workspace).filter(user=user).count() == 1


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_owners_demoting_each_other_at_once_leave_one_owner(workspace: Workspace) -> None:
    assert connection.vendor == "postgresql"
    first, second = make_member(workspace, Role.OWNER), make_member(workspace, Role.OWNER)
    succeeded, refused = _at_once(
        [
            lambda: change_role(second, Role.ADMIN, first),
            lambda: change_role(first, Role.ADMIN, second),
        ],
        (Refused,),
    )
    assert (succeeded, refused) == (1, 1)
    assert Member.in_workspace(workspace).filter(role=Role.OWNER, is_active=True).count() == 1
