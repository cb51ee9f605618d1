"""The composer's canned response lookup."""

from __future__ import annotations

from django.test import Client

from frontdesk.canned.models import CannedResponse
from frontdesk.core.models import Member, Workspace
from tests.factories import make_contact, make_conversation, make_workspace


def _canned(workspace: Workspace, shortcut: str, title: str = "", text: str = "Hello") -> CannedResponse:
    return CannedResponse.all_workspaces.create(
        workspace=workspace, shortcut=shortcut, title=title or shortcut, text=text
    )


def test_shortcut_prefix_matches_come_before_title_and_text_matches(client: Client, agent: Member) -> None:
    _canned(agent.workspace, "refund-policy", "Refunds", "Our refund policy")
    _canned(agent.workspace, "about-shipping", "Shipping", "We ship in 2 days")
    _canned(agent.workspace, "ship", "Ship now", "Shipping today")
    _canned(agent.workspace, "greeting", "Hello", "Hi there")
    client.force_login(agent.user)
    results = client.get("/inbox/canned-responses/search/", {"q": "SHIP"}).json()["results"]
    assert [r["shortcut"] for r in results] == ["ship", "about-shipping"]
    assert set(results[0]) >= {"id", "shortcut", "title", "text"}


def test_chinese_text_is_found(client: Client, agent: Member) -> None:
    _canned(agent.workspace, "delivery", "送貨時間", "我們會在三個工作天內送貨。")
    client.force_login(agent.user)
    results = client.get("/inbox/canned-responses/search/", {"q": "工作天"}).json()["results"]
    assert [r["shortcut"] for r in results] == ["delivery"]


def test_at_most_ten_results(client: Client, agent: Member) -> None:
    for number in range(15):
        _canned(agent.workspace, f"reply-{number:02d}")
    client.force_login(agent.user)
    assert len(client.get("/inbox/canned-responses/search/", {"q": "/reply"}).json()["results"]) == 10


def test_variables_are_filled_for_the_conversation(client: Client, agent: Member) -> None:
    _canned(agent.workspace, "hi", text="Hi {{contact.name}}, about {{order.number}}")
    conversation = make_conversation(agent.workspace, make_contact(agent.workspace, name="Mei Chan"))
    client.force_login(agent.user)
    result = client.get("/inbox/canned-responses/search/", {"q": "hi", "conversation": str(conversation.pk)}).json()
    assert result["results"][0]["text"] == "Hi Mei Chan, about {{order.number}}"
    assert result["results"][0]["missing"] == ["order.number"]


def test_other_workspaces_are_invisible(client: Client, agent: Member) -> None:
    other = make_workspace()
    _canned(other, "secret", text="Their reply")
    foreign = make_conversation(other)
    client.force_login(agent.user)
    assert client.get("/inbox/canned-responses/search/", {"q": "secret"}).json() == {"results": []}
    assert client.get("/inbox/canned-responses/search/", {"q": "", "conversation": str(foreign.pk)}).status_code == 404
    assert client.get("/inbox/canned-responses/search/", {"q": "", "conversation": "x"}).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client: Client, agent: Member) -> None:
    _canned(agent.workspace, "hi")
    assert client.get("/inbox/canned-responses/search/").status_code == 302
