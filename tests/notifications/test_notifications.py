"""A member hears, and only they hear, of a conversation given to them and of a note that mentions them."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.db import transaction
from django.test import Client

from frontdesk.conversations.actions import add_note, assign
from frontdesk.conversations.models import Conversation, Mention, MessageKind
from frontdesk.core.models import Member, Role
from frontdesk.notifications.models import Notification, NotificationKind, NotificationPreferences
from frontdesk.pipeline.events import publish
from tests.factories import make_conversation, make_member, make_message, make_user, make_workspace
from tests.inbox.test_agent_socket import WebsocketClient, connect
from tests.inbox.test_agent_socket import session_cookie as cookie_of


def mention(conversation: Conversation, author: Member, member: Member, text: str = "@Ana please check") -> None:
    """A note mentioning ``member``, announced as the conversation page announces it."""
    with transaction.atomic():
        note = make_message(conversation, MessageKind.NOTE, text=text, author=author)
        row = Mention.all_workspaces.create(
            workspace_id=conversation.workspace_id, message=note, conversation=conversation, member=member
        )
        publish(
            "mention.created",
            conversation.workspace_id,
            {
                "mention": {
                    "id": row.pk,
                    "member_id": member.pk,
                    "conversation_id": conversation.pk,
                    "message_id": note.pk,
                    "author_id": author.pk,
                }
            },
        )


@pytest.fixture
def team(db: None) -> tuple[Member, Member, Member]:
    workspace = make_workspace()
    supervisor = make_member(workspace, Role.SUPERVISOR, user=make_user(name="Sam Supervisor"))
    ana = make_member(workspace, Role.AGENT, user=make_user(name="Ana Lee", language="en"))
    ben = make_member(workspace, Role.AGENT, user=make_user(name="Ben Chan"))
    return supervisor, ana, ben


def test_a_conversation_assigned_by_someone_else_notifies_the_new_assignee(
    team: tuple[Member, Member, Member], django_capture_on_commit_callbacks: Any
) -> None:
    supervisor, ana, _ben = team
    conversation = make_conversation(supervisor.workspace, subject="Lost luggage")
    with django_capture_on_commit_callbacks(execute=True):
        assign(conversation, ana, actor=supervisor)
    notification = Notification.in_workspace(ana.workspace).get()
    assert (notification.member, notification.kind, notification.actor) == (ana, NotificationKind.ASSIGNED, supervisor)
    assert notification.conversation == conversation and notification.read_at is None


def test_taking_a_conversation_yourself_notifies_nobody(
    team: tuple[Member, Member, Member], django_capture_on_commit_callbacks: Any
) -> None:
    _supervisor, ana, _ben = team
    conversation = make_conversation(ana.workspace)
    with django_capture_on_commit_callbacks(execute=True):
        assign(conversation, ana, actor=ana)
    assert not Notification.in_workspace(ana.workspace).exists()


def test_unassigning_notifies_nobody(
    team: tuple[Member, Member, Member], django_capture_on_commit_callbacks: Any
) -> None:
    supervisor, ana, _ben = team
    conversation = make_conversation(ana.workspace, assignee=ana)
    with django_capture_on_commit_callbacks(execute=True):
        assign(conversation, None, actor=supervisor)
    assert not Notification.in_workspace(ana.workspace).exists()


def test_a_mention_notifies_the_mentioned_member_once(
    team: tuple[Member, Member, Member], django_capture_on_commit_callbacks: Any
) -> None:
    _supervisor, ana, ben = team
    conversation = make_conversation(ana.workspace)
    with django_capture_on_commit_callbacks(execute=True):
        mention(conversation, ben, ana)
        mention(conversation, ben, ben, text="note to self @Ben")
    notification = Notification.in_workspace(ana.workspace).get()
    assert (notification.member, notification.kind, notification.actor) == (ana, NotificationKind.MENTION, ben)
    assert notification.message is not None and notification.message.text == "@Ana please check"


def test_a_note_written_with_mentions_notifies_each_mentioned_member_but_its_author(
    team: tuple[Member, Member, Member], django_capture_on_commit_callbacks: Any
) -> None:
    supervisor, ana, ben = team
    conversation = make_conversation(ana.workspace)
    with django_capture_on_commit_callbacks(execute=True):
        add_note(
            conversation, ben, "@Ana Lee @Sam Supervisor can you approve?", mentions=[ana.pk, supervisor.pk, ben.pk]
        )
    notified = Notification.in_workspace(ana.workspace).filter(kind=NotificationKind.MENTION)
    assert sorted(notified.values_list("member", flat=True)) == sorted([ana.pk, supervisor.pk])
    assert {notification.actor for notification in notified} == {ben}


def test_a_mention_of_a_member_of_another_workspace_is_ignored(
    team: tuple[Member, Member, Member], django_capture_on_commit_callbacks: Any
) -> None:
    _supervisor, ana, ben = team
    outsider = make_member(make_workspace(), Role.AGENT)
    conversation = make_conversation(ana.workspace)
    with django_capture_on_commit_callbacks(execute=True):
        mention(conversation, ben, outsider)
    assert not Notification.all_workspaces.exists()


def test_the_bell_counts_unread_and_the_panel_lists_them(
    team: tuple[Member, Member, Member], client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    supervisor, ana, _ben = team
    conversation = make_conversation(ana.workspace, subject="Refund for CX880")
    with django_capture_on_commit_callbacks(execute=True):
        assign(conversation, ana, actor=supervisor)
    client.force_login(ana.user)
    page = client.get("/inbox/").content.decode()
    assert 'data-testid="bell-count">1</span>' in page
    panel = client.get("/notifications/panel/").content.decode()
    assert "Sam Supervisor assigned you a conversation" in panel and "Refund for CX880" in panel


def test_opening_a_notification_marks_it_read_and_goes_to_the_conversation(
    team: tuple[Member, Member, Member], client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    supervisor, ana, _ben = team
    conversation = make_conversation(ana.workspace)
    with django_capture_on_commit_callbacks(execute=True):
        assign(conversation, ana, actor=supervisor)
    notification = Notification.in_workspace(ana.workspace).get()
    client.force_login(ana.user)
    response = client.get(f"/notifications/{notification.pk}/open/")
    assert response.status_code == 302 and response["Location"] == f"/inbox/conversations/{conversation.pk}/"
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert 'data-testid="bell-count" hidden>0</span>' in client.get("/inbox/").content.decode()


def test_a_member_cannot_open_or_see_anothers_notification(
    team: tuple[Member, Member, Member], client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    supervisor, ana, ben = team
    conversation = make_conversation(ana.workspace, subject="Only for Ana")
    with django_capture_on_commit_callbacks(execute=True):
        assign(conversation, ana, actor=supervisor)
    notification = Notification.in_workspace(ana.workspace).get()
    client.force_login(ben.user)
    assert client.get(f"/notifications/{notification.pk}/open/").status_code == 404
    assert "Only for Ana" not in client.get("/notifications/").content.decode()
    assert "Only for Ana" not in client.get("/notifications/panel/").content.decode()
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_all_read_clears_only_your_own(
    team: tuple[Member, Member, Member], client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    supervisor, ana, ben = team
    with django_capture_on_commit_callbacks(execute=True):
        assign(make_conversation(ana.workspace), ana, actor=supervisor)
        assign(make_conversation(ana.workspace), ana, actor=supervisor)
        assign(make_conversation(ana.workspace), ben, actor=supervisor)
    client.force_login(ana.user)
    panel = client.post("/notifications/read-all/", headers={"HX-Request": "true"}).content.decode()
    assert 'data-unread="0"' in panel
    unread = Notification.in_workspace(ana.workspace).filter(read_at__isnull=True)
    assert list(unread.values_list("member", flat=True)) == [ben.pk]


def test_preferences_page_saves_browser_and_sound(team: tuple[Member, Member, Member], client: Client) -> None:
    _supervisor, ana, _ben = team
    client.force_login(ana.user)
    page = client.get("/notifications/").content.decode()
    assert 'id="ask-browser-permission"' in page and 'id="play-test-sound"' in page
    response = client.post("/notifications/", {"browser": "on", "sound": "on"})
    assert response.status_code == 302
    preferences = NotificationPreferences.in_workspace(ana.workspace).get(member=ana)
    assert preferences.browser and preferences.sound
    client.post("/notifications/", {"sound": "on"})
    preferences.refresh_from_db()
    assert not preferences.browser and preferences.sound
    assert 'name="sound" id="preference-sound" checked' in client.get("/notifications/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_notification_reaches_only_its_members_sockets() -> None:
    workspace = make_workspace()
    supervisor = make_member(workspace, Role.SUPERVISOR, user=make_user(name="Sam Supervisor"))
    ana = make_member(workspace, Role.AGENT, user=make_user(name="Ana Lee"))
    ben = make_member(workspace, Role.AGENT)
    NotificationPreferences.all_workspaces.create(workspace=workspace, member=ana, sound=True)
    conversation = make_conversation(workspace, subject="Seat change")

    async def scenario() -> tuple[list[Any], list[Any]]:
        sockets: list[WebsocketClient] = []
        for member in (ana, ben):
            socket = connect(await sync_to_async(cookie_of)(Client(), member))
            assert (await socket.connect())[0]
            assert (await socket.receive_json_from())["type"] == "hello"
            sockets.append(socket)
        await sync_to_async(assign)(conversation, ana, actor=supervisor)
        received: list[list[Any]] = [[], []]
        for index, socket in enumerate(sockets):
            while not await socket.receive_nothing(timeout=1):
                received[index].append(await socket.receive_json_from())
            await socket.disconnect()
        return received[0], received[1]

    to_ana, to_ben = asyncio.run(scenario())
    notifications = [event for event in to_ana if event["type"] == "notification.created"]
    assert len(notifications) == 1
    assert notifications[0]["unread"] == 1 and notifications[0]["sound"] is True
    assert notifications[0]["notification"]["title"] == "Sam Supervisor assigned you a conversation"
    assert notifications[0]["notification"]["body"] == "Seat change"
    # Ben sees the conversation change (the whole workspace does), never Ana's notification.
    assert [event["type"] for event in to_ben] == ["conversation.updated"]


@pytest.mark.django_db(transaction=True)
def test_a_notification_forwarded_by_the_worker_reaches_the_member_only_when_signed() -> None:
    from frontdesk.inbox import forwarding

    workspace = make_workspace()
    ana, ben = make_member(workspace, Role.AGENT), make_member(workspace, Role.AGENT)
    body = json.dumps({"member_id": ana.pk, "payload": {"type": "notification.created", "unread": 3}}).encode()
    client = Client()
    assert client.post("/notifications/internal/push/", body, content_type="application/json").status_code == 403

    async def listen_while_forwarding() -> tuple[list[Any], list[Any]]:
        sockets = []
        for member in (ana, ben):
            socket = connect(await sync_to_async(cookie_of)(Client(), member))
            await socket.connect()
            await socket.receive_json_from()
            sockets.append(socket)
        response = await sync_to_async(client.post)(
            "/notifications/internal/push/",
            body,
            content_type="application/json",
            headers={forwarding.SIGNATURE_HEADER: forwarding.signature(body)},
        )
        assert response.status_code == 204
        received: list[list[Any]] = [[], []]
        for index, socket in enumerate(sockets):
            while not await socket.receive_nothing(timeout=1):
                received[index].append(await socket.receive_json_from())
            await socket.disconnect()
        return received[0], received[1]

    to_ana, to_ben = asyncio.run(listen_while_forwarding())
    assert to_ana == [{"type": "notification.created", "unread": 3}]
    assert to_ben == []
