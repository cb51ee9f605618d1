"""Global search: what an agent finds, and what they never find (another workspace's data)."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from frontdesk.conversations.models import MessageKind
from frontdesk.core.models import Member, Role, User
from frontdesk.inbox import search
from frontdesk.search.indexing import reindex
from tests.factories import (
    make_channel,
    make_contact,
    make_conversation,
    make_identity,
    make_member,
    make_message,
    make_workspace,
)


def _json(client: Client, query: str, **params: Any) -> dict[str, Any]:
    response = client.get("/inbox/search/results.json", {"q": query, **params})
    assert response.status_code == 200
    result: dict[str, Any] = response.json()
    return result


def _plain(pieces: list[dict[str, Any]]) -> str:
    return "".join(piece["text"] for piece in pieces)


def test_contacts_are_found_by_name_email_phone_and_channel_address(agent: Member) -> None:
    workspace = agent.workspace
    by_name = make_contact(workspace, name="Chan Tai Man")
    by_email = make_contact(workspace, name="A", email="mei.ling@example.hk")
    by_phone = make_contact(workspace, name="B", phone="+85291234567")
    by_address = make_contact(workspace, name="C")
    make_identity(by_address, make_channel(workspace), external_id="U4af4980629")
    make_contact(workspace, name="Somebody else", email="other@example.com")
    reindex(workspace.pk)

    def found(query: str) -> list[int]:
        return [hit.contact.pk for hit in search.search(agent, query).contacts]

    assert found("tai man") == [by_name.pk]
    assert found("MEI.LING") == [by_email.pk]
    assert found("9123") == [by_phone.pk]
    assert found("u4af49") == [by_address.pk]


def test_a_contact_result_leads_to_their_latest_conversation(agent: Member) -> None:
    contact = make_contact(agent.workspace, name="Lee Ka Yan")
    make_conversation(agent.workspace, contact=contact, subject="Older")
    latest = make_conversation(agent.workspace, contact=contact, subject="Newer")
    latest.last_activity_at = latest.last_activity_at.replace(year=latest.last_activity_at.year + 1)
    latest.save()
    lonely = make_contact(agent.workspace, name="Lee Nobody")
    reindex(agent.workspace.pk)

    hits = {hit.contact.pk: hit.conversation_id for hit in search.search(agent, "Lee").contacts}

    assert hits == {contact.pk: latest.pk, lonely.pk: None}


def test_messages_of_every_kind_and_conversation_subjects_are_found(agent: Member) -> None:
    conversation = make_conversation(agent.workspace, subject="Refund for order 5521")
    inbound = make_message(conversation, text="Where is my refund?")
    outbound = make_message(conversation, MessageKind.OUTBOUND, text="Your refund was sent today")
    note = make_message(conversation, MessageKind.NOTE, text="Refund approved by finance", author=agent)
    make_message(conversation, text="Thank you")
    reindex(agent.workspace.pk)

    results = search.search(agent, "refund")

    # Ranked by how well each matches (not by age): all three kinds are there.
    assert sorted(hit.message.pk for hit in results.messages) == sorted([note.pk, outbound.pk, inbound.pk])
    assert [hit.conversation.pk for hit in results.conversations] == [conversation.pk]


def test_chinese_text_is_found_by_a_substring_even_a_single_character(client: Client, agent: Member) -> None:
    contact = make_contact(agent.workspace, name="陳大文")
    conversation = make_conversation(agent.workspace, contact=contact, subject="航班取消")
    message = make_message(conversation, text="請問我的航班CX880幾時可以退款？")
    make_message(conversation, text="多謝")
    reindex(agent.workspace.pk)

    assert [hit.contact.pk for hit in search.search(agent, "大文").contacts] == [contact.pk]
    assert [hit.message.pk for hit in search.search(agent, "退款").messages] == [message.pk]
    assert [hit.contact.pk for hit in search.search(agent, "陳").contacts] == [contact.pk]
    client.force_login(agent.user)
    page = client.get("/inbox/search/", {"q": "退款"}).content.decode()
    assert "<mark>退款</mark>" in page
    assert f'href="/inbox/conversations/{conversation.pk}/#message-{message.pk}"' in page


def test_queries_too_short_to_mean_anything_find_nothing(agent: Member) -> None:
    make_contact(agent.workspace, name="Amy")
    conversation = make_conversation(agent.workspace, subject="A")
    make_message(conversation, text="a")

    assert not search.search(agent, "a")
    assert not search.search(agent, "  ")
    assert not search.search(agent, "1")
    assert search.is_searchable("陳") and search.is_searchable("am") and not search.is_searchable("a")


def test_search_never_returns_another_workspaces_data(client: Client, agent: Member) -> None:
    other = make_workspace("Other airline")
    secret_contact = make_contact(other, name="Secret Traveller ZZSECRET", email="zzsecret@example.com")
    make_identity(secret_contact, make_channel(other), external_id="zzsecret-line")
    secret = make_conversation(other, contact=secret_contact, subject="ZZSECRET subject")
    make_message(secret, text="ZZSECRET message")
    make_message(secret, MessageKind.NOTE, text="ZZSECRET note")
    own = make_conversation(agent.workspace, subject="Our ZZSECRET")
    reindex(other.pk)
    reindex(agent.workspace.pk)

    results = search.search(agent, "zzsecret")
    client.force_login(agent.user)
    page = client.get("/inbox/search/", {"q": "zzsecret"}).content.decode()
    payload = client.get("/inbox/search/results.json", {"q": "zzsecret"}).content.decode()

    assert results.contacts == [] and results.messages == []
    assert [hit.conversation.pk for hit in results.conversations] == [own.pk]
    for body in (page, payload):
        assert "Traveller" not in body and "ZZSECRET subject" not in body and "ZZSECRET message" not in body
        assert "ZZSECRET note" not in body and "zzsecret@example.com" not in body


def test_a_member_of_both_workspaces_sees_only_the_current_ones(client: Client, agent: Member) -> None:
    other = make_workspace("Other airline")
    make_member(other, Role.OWNER, user=agent.user)
    make_contact(other, name="Elsewhere Wong")
    here = make_contact(agent.workspace, name="Here Wong")
    reindex(other.pk)
    reindex(agent.workspace.pk)

    assert [hit.contact.pk for hit in search.search(agent, "wong").contacts] == [here.pk]


def test_highlighting_escapes_hostile_text(client: Client, agent: Member) -> None:
    contact = make_contact(agent.workspace, name='<script>alert("x")</script> Mallory')
    conversation = make_conversation(agent.workspace, contact=contact, subject="<img src=x onerror=alert(1)>")
    make_message(conversation, text="hi <script>steal()</script> there")
    reindex(agent.workspace.pk)
    client.force_login(agent.user)

    page = client.get("/inbox/search/", {"q": "script"}).content.decode()
    assert "<script>" not in page.split("<main", 1)[1].split("</main>", 1)[0]
    assert "&lt;<mark>script</mark>&gt;" in page
    page = client.get("/inbox/search/", {"q": "<img"}).content.decode()
    # Words are what match (the index holds no markup), so the word is marked and the brackets stay text.
    assert "<img src=x" not in page and "&lt;<mark>img</mark> src=x onerror=alert(1)&gt;" in page
    assert str(search.highlight("a<b>&c", "<B>")) == "a&lt;<mark>b</mark>&gt;&amp;c"


def test_json_results_are_plain_text_pieces_with_links(client: Client, agent: Member) -> None:
    contact = make_contact(agent.workspace, name="Wong <b>Siu</b> Ming")
    conversation = make_conversation(agent.workspace, contact=contact, subject="Seat for Siu Ming")
    message = make_message(conversation, text="siu ming here")
    reindex(agent.workspace.pk)
    client.force_login(agent.user)

    result = _json(client, "siu")

    assert result["contacts"][0]["title"] == [
        {"text": "Wong <b>", "mark": False},
        {"text": "Siu", "mark": True},
        {"text": "</b> Ming", "mark": False},
    ]
    assert result["contacts"][0]["url"] == f"/inbox/conversations/{conversation.pk}/"
    assert _plain(result["conversations"][0]["title"]) == "Seat for Siu Ming"
    assert result["messages"][0]["url"] == f"/inbox/conversations/{conversation.pk}/#message-{message.pk}"


def test_results_are_bounded_newest_first(client: Client, agent: Member) -> None:
    conversation = make_conversation(agent.workspace)
    made = [make_message(conversation, text=f"delay notice {number}") for number in range(search.MAX_LIMIT + 5)]
    reindex(agent.workspace.pk)
    client.force_login(agent.user)

    assert [hit.message.pk for hit in search.search(agent, "delay", limit=7).messages] == [m.pk for m in made[::-1][:7]]
    assert len(search.search(agent, "delay", limit=10_000).messages) == search.MAX_LIMIT
    assert len(_json(client, "delay")["messages"]) == 5
    assert len(_json(client, "delay", limit="999")["messages"]) == search.MAX_LIMIT
    assert len(_json(client, "delay", limit="many")["messages"]) == 5
    page = client.get("/inbox/search/", {"q": "delay"}).content.decode()
    assert page.count("<mark>delay</mark> notice") == 20


def test_search_page_reads_the_same_number_of_queries_for_few_and_many_results(client: Client, agent: Member) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/inbox/search/", {"q": "bag"}).status_code == 200
        # Bounded reads only: nothing counts every match.
        searched = ("contacts_contact", "contacts_identity", "conversations_conversation", "conversations_message")
        counts = [query["sql"] for query in captured.captured_queries if "COUNT(" in query["sql"].upper()]
        assert not [sql for sql in counts if any(table in sql for table in searched)]
        return len(captured)

    def add(number: int) -> None:
        for index in range(number):
            contact = make_contact(agent.workspace, name=f"Bag owner {index}")
            make_identity(contact, make_channel(agent.workspace))
            conversation = make_conversation(agent.workspace, contact=contact, subject=f"Lost bag {index}")
            make_message(conversation, MessageKind.NOTE, text="bag found", author=agent)
        reindex(agent.workspace.pk)

    client.force_login(agent.user)
    add(2)
    queries()  # the first request of a session reads the member and the session once more
    few = queries()
    add(15)
    assert queries() == few


def test_every_member_page_carries_the_palette_and_the_shortcut_help(client: Client, agent: Member) -> None:
    assert b'id="command-palette"' not in client.get("/accounts/login/").content
    client.force_login(agent.user)

    page = client.get("/inbox/").content.decode()

    assert page.count('<dialog id="command-palette"') == 1 and page.count('<dialog id="shortcut-help"') == 1
    assert 'role="combobox"' in page and 'role="listbox"' in page and 'aria-modal="true"' in page
    # The other two languages are offered, each by a form carrying the CSRF token.
    assert 'id="palette-language-form-zh-hant"' in page and 'id="palette-language-form-zh-hans"' in page
    assert 'id="palette-language-form-en"' not in page
    assert page.count('name="csrfmiddlewaretoken"') >= 2


def test_search_page_states(client: Client, agent: Member) -> None:
    client.force_login(agent.user)
    assert b'data-testid="search-empty"' in client.get("/inbox/search/").content
    assert b'data-testid="search-too-short"' in client.get("/inbox/search/", {"q": "x"}).content
    assert b'data-testid="search-no-results"' in client.get("/inbox/search/", {"q": "nothing like this"}).content


def test_search_needs_a_signed_in_member(client: Client, agent: Member) -> None:
    assert client.get("/inbox/search/", {"q": "abc"}).status_code == 302
    assert client.get("/inbox/search/results.json", {"q": "abc"}).status_code == 302


def test_the_palette_switches_the_members_own_language(client: Client, agent: Member) -> None:
    client.force_login(agent.user)

    response = client.post("/inbox/language/", {"language": "zh-hant", "next": "/inbox/search/"})

    assert response.status_code == 302 and response["Location"] == "/inbox/search/"
    assert User.objects.get(pk=agent.user.pk).language == "zh-hant"
    assert '<html lang="zh-hant">' in client.get("/inbox/search/").content.decode()
    response = client.post("/inbox/language/", {"language": "klingon", "next": "https://evil.example/"})
    assert response["Location"] == "/" and User.objects.get(pk=agent.user.pk).language == "zh-hant"
    client.post("/inbox/language/", {})
    assert User.objects.get(pk=agent.user.pk).language == "zh-hant"
