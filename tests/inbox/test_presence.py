"""Never two on one case: who has a conversation open, and who types in it, reaches the others live."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from frontdesk.core.models import Member, Role
from frontdesk.inbox import presence
from frontdesk.inbox.consumers import REPORTS_PER_WINDOW
from tests.factories import make_conversation, make_member, make_user, make_workspace
from tests.inbox.test_agent_socket import WebsocketClient, connect
from tests.inbox.test_agent_socket import session_cookie as cookie_of


class Socket(WebsocketClient):
    async def send_json_to(self, message: Any) -> None:
        await self.send_input({"type": "websocket.receive", "text": json.dumps(message)})

    async def send_to(self, text_data: str) -> None:
        await self.send_input({"type": "websocket.receive", "text": text_data})


def session_cookie(member: Member) -> str:
    return cookie_of(Client(), member)


async def open_socket(cookie: str) -> Socket:
    socket = connect(cookie)
    socket.__class__ = Socket
    connected, _code = await socket.connect()
    assert connected
    assert (await socket.receive_json_from())["type"] == "hello"
    return socket  # type: ignore[return-value]


async def next_presence(socket: WebsocketClient, timeout: float = 3) -> dict[str, Any]:
    while True:
        event = await socket.receive_json_from(timeout)
        if event["type"] == "presence.changed":
            return dict(event)


async def viewers_once(socket: WebsocketClient, count: int) -> dict[str, bool]:
    """The next announced viewers (name: typing) once there are ``count`` of them, skipping earlier announcements."""
    while True:
        viewers = (await next_presence(socket))["viewers"]
        if len(viewers) == count:
            return {viewer["name"]: viewer["typing"] for viewer in viewers}


async def nothing_arrives(socket: WebsocketClient) -> bool:
    return bool(await socket.receive_nothing(timeout=0.3))


def report(conversation_id: Any, state: Any) -> dict[str, Any]:
    return {"type": "presence", "conversation_id": conversation_id, "state": state}


@pytest.fixture
def two_agents(transactional_db: None) -> tuple[Member, Member, int]:
    workspace = make_workspace()
    ana = make_member(workspace, Role.AGENT, user=make_user(name="Ana Lee"))
    ben = make_member(workspace, Role.AGENT, user=make_user(name="Ben Chan"))
    return ana, ben, make_conversation(workspace).pk


def test_an_agent_sees_who_else_views_and_types_and_when_they_leave(two_agents: tuple[Member, Member, int]) -> None:
    ana, ben, conversation_id = two_agents

    async def scenario() -> None:
        ana_socket = await open_socket(await sync_to_async(session_cookie)(ana))
        ben_socket = await open_socket(await sync_to_async(session_cookie)(ben))
        await ana_socket.send_json_to(report(conversation_id, "viewing"))
        seen = await next_presence(ben_socket)
        assert seen == {
            "type": "presence.changed",
            "conversation_id": conversation_id,
            "viewers": [{"member_id": ana.pk, "name": "Ana Lee", "typing": False}],
        }
        await ben_socket.send_json_to(report(conversation_id, "viewing"))
        assert await viewers_once(ana_socket, 2) == {"Ana Lee": False, "Ben Chan": False}
        assert await viewers_once(ben_socket, 2) == {"Ana Lee": False, "Ben Chan": False}

        await ana_socket.send_json_to(report(conversation_id, "typing"))
        assert await viewers_once(ben_socket, 2) == {"Ana Lee": True, "Ben Chan": False}
        await ana_socket.send_json_to(report(conversation_id, "idle"))
        assert await viewers_once(ben_socket, 2) == {"Ana Lee": False, "Ben Chan": False}

        await ana_socket.disconnect()
        left = await next_presence(ben_socket)
        assert left["viewers"] == [{"member_id": ben.pk, "name": "Ben Chan", "typing": False}]
        await ben_socket.disconnect()

    asyncio.run(scenario())


def test_typing_is_announced_at_most_every_two_seconds(two_agents: tuple[Member, Member, int]) -> None:
    ana, ben, conversation_id = two_agents

    async def scenario() -> None:
        ana_socket = await open_socket(await sync_to_async(session_cookie)(ana))
        ben_socket = await open_socket(await sync_to_async(session_cookie)(ben))
        await ana_socket.send_json_to(report(conversation_id, "typing"))
        assert (await next_presence(ben_socket))["viewers"][0]["typing"] is True
        await ana_socket.send_json_to(report(conversation_id, "idle"))
        assert (await next_presence(ben_socket))["viewers"][0]["typing"] is False
        # A second "typing" within the interval is dropped: Ben is not told Ana types again.
        await ana_socket.send_json_to(report(conversation_id, "typing"))
        assert await nothing_arrives(ben_socket)
        await ana_socket.disconnect()
        await ben_socket.disconnect()

    asyncio.run(scenario())


def test_presence_on_another_workspaces_conversation_is_ignored(two_agents: tuple[Member, Member, int]) -> None:
    ana, _ben, _conversation_id = two_agents
    foreign = make_conversation(make_workspace())
    outsider = make_member(foreign.workspace, Role.AGENT)

    async def scenario() -> None:
        ana_socket = await open_socket(await sync_to_async(session_cookie)(ana))
        outsider_socket = await open_socket(await sync_to_async(session_cookie)(outsider))
        for message in (
            report(foreign.pk, "viewing"),
            report(str(foreign.pk), "viewing"),
            report(foreign.pk, "dancing"),
            {"type": "presence.query", "conversation_ids": [foreign.pk]},
        ):
            await ana_socket.send_json_to(message)
        await ana_socket.send_to(text_data="not json")
        assert await nothing_arrives(ana_socket)
        assert await nothing_arrives(outsider_socket)
        assert await presence.viewers_of(foreign.workspace_id, [foreign.pk]) == {}
        # The socket is still there for what is valid.
        await ana_socket.send_json_to(report(_conversation_id, "viewing"))
        assert (await next_presence(ana_socket))["viewers"][0]["member_id"] == ana.pk
        await ana_socket.disconnect()
        await outsider_socket.disconnect()

    asyncio.run(scenario())


def test_a_tab_that_stops_reporting_drops_out_after_the_ttl(db: None) -> None:
    workspace = make_workspace()
    conversation = make_conversation(workspace)

    async def scenario() -> None:
        shown = await presence.report(
            workspace.pk, conversation.pk, "tab-a", member_id=1, name="Ana", state=presence.State.VIEWING, now=1000
        )
        assert shown == [presence.Viewer(1, "Ana", False)]
        # Ana's heartbeat keeps her in; without one she is gone TTL seconds later.
        later = 1000 + presence.TTL - 1
        assert [
            viewer.name
            for viewer in (await presence.viewers_of(workspace.pk, [conversation.pk], later))[conversation.pk]
        ] == ["Ana"]
        assert await presence.viewers_of(workspace.pk, [conversation.pk], 1000 + presence.TTL) == {}
        ben_joins = await presence.report(
            workspace.pk,
            conversation.pk,
            "tab-b",
            member_id=2,
            name="Ben",
            state=presence.State.VIEWING,
            now=1000 + presence.TTL + 1,
        )
        assert ben_joins == [presence.Viewer(2, "Ben", False)]

    asyncio.run(scenario())


def test_two_tabs_of_one_member_count_once_and_typing_in_either_shows(db: None) -> None:
    async def scenario() -> None:
        for tab, state in (("one", presence.State.VIEWING), ("two", presence.State.TYPING)):
            await presence.report(1, 5, tab, member_id=7, name="Ana", state=state, now=10)
        assert await presence.viewers_of(1, [5], 11) == {5: [presence.Viewer(7, "Ana", True)]}
        await presence.report(1, 5, "two", member_id=7, name="Ana", state=presence.State.LEFT, now=12)
        assert await presence.viewers_of(1, [5], 13) == {5: [presence.Viewer(7, "Ana", False)]}

    asyncio.run(scenario())


def test_the_inbox_list_asks_who_is_on_its_rows(two_agents: tuple[Member, Member, int]) -> None:
    ana, ben, conversation_id = two_agents

    async def scenario() -> None:
        ana_socket = await open_socket(await sync_to_async(session_cookie)(ana))
        await ana_socket.send_json_to(report(conversation_id, "viewing"))
        await next_presence(ana_socket)
        ben_socket = await open_socket(await sync_to_async(session_cookie)(ben))
        await ben_socket.send_json_to({"type": "presence.query", "conversation_ids": [conversation_id, 999999]})
        answer = json.loads(json.dumps(await next_presence(ben_socket)))
        assert answer["conversation_id"] == conversation_id
        assert answer["viewers"] == [{"member_id": ana.pk, "name": "Ana Lee", "typing": False}]
        assert await nothing_arrives(ben_socket)
        await ana_socket.disconnect()
        await ben_socket.disconnect()

    asyncio.run(scenario())


def test_a_flood_of_reports_is_cut_off(two_agents: tuple[Member, Member, int]) -> None:
    ana, ben, conversation_id = two_agents

    async def scenario() -> int:
        ana_socket = await open_socket(await sync_to_async(session_cookie)(ana))
        ben_socket = await open_socket(await sync_to_async(session_cookie)(ben))
        for number in range(REPORTS_PER_WINDOW + 10):
            await ana_socket.send_json_to(report(conversation_id, "viewing" if number % 2 == 0 else "left"))
        announced = 0
        while not await ben_socket.receive_nothing(timeout=0.5):
            announced += (await ben_socket.receive_json_from())["type"] == "presence.changed"
        await ana_socket.disconnect()
        await ben_socket.disconnect()
        return announced

    assert asyncio.run(scenario()) == REPORTS_PER_WINDOW
