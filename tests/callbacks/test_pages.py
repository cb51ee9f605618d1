"""The agents' callback queue page and the callback card in a conversation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.test import Client
from django.utils import timezone

from frontdesk.callbacks.actions import claim
from frontdesk.callbacks.models import CallbackAttempt, CallbackRequest, CallbackStatus
from frontdesk.core.models import Member, Role
from tests.factories import make_member, make_workspace

type NewCallback = Callable[..., CallbackRequest]


def _age(callback: CallbackRequest, seconds: int) -> None:
    CallbackRequest.in_workspace(callback.workspace_id).filter(pk=callback.pk).update(
        due_at=timezone.now() - timedelta(seconds=seconds)
    )


def test_the_queue_lists_waiting_requests_oldest_first_with_phone_link_and_context(
    client: Client, agent: Member, new_callback: NewCallback
) -> None:
    newer = new_callback(
        "+852 6123 4567", name="Newer Customer", context={"order": "B-2", "page": "https://shop.example/b"}
    )
    older = new_callback("+852 9123 4567", name="Older Customer", context={"order": "A-1"})
    _age(older, 50)
    _age(newer, 5)
    client.force_login(agent.user)
    page = client.get("/inbox/callbacks/").content.decode()
    assert page.index("Older Customer") < page.index("Newer Customer")
    assert 'href="tel:+85291234567"' in page
    assert "+852 9123 4567" in page
    assert "A-1" in page and 'href="https://shop.example/b"' in page
    # 50 s waited: past the 45 s warning, not yet the 60 s target.
    assert f'class="callback at-risk"\n            id="callback-{older.pk}"' in page


def test_a_missed_target_is_loud_in_the_queue_and_the_navigation_count(
    client: Client, agent: Member, new_callback: NewCallback
) -> None:
    _age(new_callback(), 75)
    client.force_login(agent.user)
    page = client.get("/inbox/callbacks/").content.decode()
    assert 'class="callback breached"' in page
    assert 'class="callback-count breached" data-testid="waiting-count"' in page
    nav = client.get("/inbox/callbacks/?partial=nav").content.decode()
    assert 'class="callback-count breached"' in nav
    assert ">1</span>" in nav


def test_the_empty_queue_says_so(client: Client, agent: Member) -> None:
    client.force_login(agent.user)
    response = client.get("/inbox/callbacks/")
    assert response.status_code == 200
    assert 'data-testid="callbacks-empty"' in response.content.decode()


def test_claiming_from_the_page_moves_it_to_your_calls(
    client: Client, agent: Member, new_callback: NewCallback
) -> None:
    callback = new_callback()
    client.force_login(agent.user)
    response = client.post(f"/inbox/callbacks/{callback.pk}/claim/", follow=True)
    page = response.content.decode()
    assert 'data-testid="callback-mine"' in page
    assert 'data-testid="callback-waiting"' not in page
    assert CallbackRequest.in_workspace(agent.workspace).get().claimed_by == agent


def test_a_second_claim_from_the_page_is_told_it_was_taken(
    client: Client, agent: Member, new_callback: NewCallback
) -> None:
    callback = claim(new_callback(), make_member(agent.workspace))
    client.force_login(agent.user)
    page = client.post(f"/inbox/callbacks/{callback.pk}/claim/", follow=True).content.decode()
    assert "Someone else has already taken this callback." in page
    assert 'data-testid="callback-other"' in page


def test_recording_the_call_from_the_page(client: Client, agent: Member, new_callback: NewCallback) -> None:
    callback = claim(new_callback(), agent)
    client.force_login(agent.user)
    response = client.post(
        f"/inbox/callbacks/{callback.pk}/outcome/", {"outcome": "reached", "notes": "Sorted"}, follow=True
    )
    assert "The call is recorded." in response.content.decode()
    attempt = CallbackAttempt.in_workspace(agent.workspace).get()
    assert (attempt.outcome, attempt.notes, attempt.agent) == ("reached", "Sorted", agent)
    assert CallbackRequest.in_workspace(agent.workspace).get().status == CallbackStatus.REACHED


def test_an_unknown_outcome_is_refused_with_a_message(client: Client, agent: Member, new_callback: NewCallback) -> None:
    callback = claim(new_callback(), agent)
    client.force_login(agent.user)
    page = client.post(f"/inbox/callbacks/{callback.pk}/outcome/", {"outcome": "maybe"}, follow=True).content.decode()
    assert "Choose how the call went." in page
    assert not CallbackAttempt.in_workspace(agent.workspace).exists()


def test_recording_on_a_colleagues_callback_is_forbidden(
    client: Client, agent: Member, new_callback: NewCallback
) -> None:
    callback = claim(new_callback(), make_member(agent.workspace))
    client.force_login(agent.user)
    response = client.post(f"/inbox/callbacks/{callback.pk}/outcome/", {"outcome": "reached"})
    assert response.status_code == 403
    assert not CallbackAttempt.in_workspace(agent.workspace).exists()


def test_a_supervisor_reassigns_from_the_page(client: Client, agent: Member, new_callback: NewCallback) -> None:
    supervisor = make_member(agent.workspace, Role.SUPERVISOR)
    callback = claim(new_callback(), make_member(agent.workspace))
    client.force_login(supervisor.user)
    client.post(f"/inbox/callbacks/{callback.pk}/reassign/", {"member": agent.pk})
    assert CallbackRequest.in_workspace(agent.workspace).get().claimed_by == agent


def test_another_workspaces_callback_is_not_found(client: Client, agent: Member, new_callback: NewCallback) -> None:
    callback = new_callback()
    stranger = make_member(make_workspace())
    client.force_login(stranger.user)
    for action in ("claim", "release", "outcome", "reassign"):
        assert client.post(f"/inbox/callbacks/{callback.pk}/{action}/", {"outcome": "reached"}).status_code == 404
        assert client.post(f"/inbox/callbacks/999999/{action}/", {"outcome": "reached"}).status_code == 404
    assert client.get(f"/inbox/callbacks/conversations/{callback.conversation_id}/").status_code == 404
    assert "Mei Chan" not in client.get("/inbox/callbacks/").content.decode()
    assert CallbackRequest.in_workspace(agent.workspace).get().status == CallbackStatus.WAITING


def test_the_conversation_shows_its_callbacks(client: Client, agent: Member, new_callback: NewCallback) -> None:
    callback = new_callback()
    client.force_login(agent.user)
    detail = client.get(f"/inbox/conversations/{callback.conversation_id}/").content.decode()
    assert f'hx-get="/inbox/callbacks/conversations/{callback.conversation_id}/"' in detail
    assert "Callback requested: +852 9123 4567" in detail
    card = client.get(f"/inbox/callbacks/conversations/{callback.conversation_id}/").content.decode()
    assert 'href="tel:+85291234567"' in card
    assert "Waiting" in card


def test_the_queue_needs_a_signed_in_member(client: Client) -> None:
    response = client.get("/inbox/callbacks/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_inbox_navigation_links_to_the_queue(client: Client, agent: Member) -> None:
    client.force_login(agent.user)
    page = client.get("/inbox/").content.decode()
    assert 'href="/inbox/callbacks/" id="callback-nav"' in page


def test_the_queue_page_query_count_does_not_grow_with_requests(
    client: Client, agent: Member, new_callback: NewCallback
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(agent.user)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/inbox/callbacks/").status_code == 200
        return len(captured)

    new_callback("+85291234560", name="First")
    claim(new_callback("+85291234561", name="Second"), agent)
    queries()  # the first request of a session reads more (session, membership)
    few = queries()
    for index in range(2, 8):
        callback = new_callback(f"+8529123456{index}", name=f"Customer {index}")
        if index % 2:
            claim(callback, make_member(agent.workspace))
    assert queries() == few


def test_pressing_call_starts_the_first_attempt_clock_once(
    client: Client, agent: Member, new_callback: NewCallback
) -> None:
    callback = claim(new_callback(), agent)
    client.force_login(agent.user)
    page = client.get("/inbox/callbacks/").content.decode()
    assert f'data-dialling-url="/inbox/callbacks/{callback.pk}/dialling/"' in page
    assert client.post(f"/inbox/callbacks/{callback.pk}/dialling/").status_code == 204
    started = CallbackRequest.in_workspace(agent.workspace).get().first_attempt_at
    assert started is not None
    # Calling again, and then writing down how it went, keep the time the phone first rang.
    assert client.post(f"/inbox/callbacks/{callback.pk}/dialling/").status_code == 204
    client.post(f"/inbox/callbacks/{callback.pk}/outcome/", {"outcome": "reached"})
    assert CallbackRequest.in_workspace(agent.workspace).get().first_attempt_at == started


def test_only_the_agent_holding_the_callback_starts_a_call(
    client: Client, agent: Member, new_callback: NewCallback
) -> None:
    unclaimed = new_callback()
    client.force_login(agent.user)
    assert client.post(f"/inbox/callbacks/{unclaimed.pk}/dialling/").status_code == 409
    taken = claim(new_callback(phone="+85291230000"), make_member(agent.workspace))
    assert client.post(f"/inbox/callbacks/{taken.pk}/dialling/").status_code == 403
    assert not CallbackRequest.in_workspace(agent.workspace).filter(first_attempt_at__isnull=False).exists()
