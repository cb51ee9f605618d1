"""Full-text search: either Chinese script finds both, English by stem and prefix, codes whole, ranked,
highlighted in the original text, scoped to the workspace, kept up to date by the pipeline's events."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from frontdesk.channels.api.setup import create_api_channel
from frontdesk.contacts.actions import add_contact_note, create_contact, delete_contact_note, update_contact
from frontdesk.contacts.merging import merge_contacts, unmerge
from frontdesk.conversations.actions import add_note, reply
from frontdesk.conversations.joining import join_conversations
from frontdesk.conversations.models import Conversation, MessageKind
from frontdesk.core.models import Member, Role, Workspace
from frontdesk.core.tokens import issue_token
from frontdesk.pipeline.processing import process_due
from frontdesk.search.highlight import highlight, snippet
from frontdesk.search.indexing import reindex
from frontdesk.search.models import EntryKind, SearchEntry
from frontdesk.search.query import search
from frontdesk.search.terms import query_terms
from tests.channels.webhooks import deliver, message_event
from tests.factories import (
    make_channel,
    make_contact,
    make_conversation,
    make_identity,
    make_member,
    make_message,
    make_workspace,
)

pytestmark = pytest.mark.django_db

type OnCommit = Callable[..., Any]


def found(member: Member, query: str, **options: Any) -> list[int]:
    return [hit.object_id for hit in search(member, query, **options).hits]


def indexed_messages(workspace: Workspace, *texts: str, kind: MessageKind = MessageKind.INBOUND) -> list[int]:
    conversation = make_conversation(workspace)
    ids = [make_message(conversation, kind, text=text).pk for text in texts]
    reindex(workspace.pk)
    return ids


def test_a_customers_webhook_message_is_searchable_in_either_script(
    client: Client, agent: Member, django_capture_on_commit_callbacks: OnCommit
) -> None:
    channel = create_api_channel(agent.workspace, "Shop")
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, channel, [message_event(text="我想改機票，航班CX880取消了")])
    [hit] = search(agent, "机票").hits
    assert hit.kind == EntryKind.MESSAGE and hit.message is not None
    assert str(hit.snippet) == "我想改<mark>機票</mark>，航班CX880取消了"
    assert [h.object_id for h in search(agent, "cx880").hits] == [hit.object_id]
    # The contact the pipeline made on the way is searchable too, with no contact.created event.
    assert [h.kind for h in search(agent, "Lovelace").hits] == [EntryKind.CONTACT]


def test_a_worker_batch_of_webhooks_is_indexed_in_one_go(
    client: Client, agent: Member, django_capture_on_commit_callbacks: OnCommit
) -> None:
    channel = create_api_channel(agent.workspace, "Shop")
    for number, text in enumerate(["refund please", "退款幾時到", "where is my refund?"]):
        deliver(client, channel, [message_event(contact_id=f"crm-{number}", text=text)], process=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert process_due(limit=100).outcomes == {"processed": 3}
    assert len(found(agent, "refunds", kinds=["message"])) == 2
    assert len(found(agent, "退款")) == 1
    assert SearchEntry.in_workspace(agent.workspace).filter(kind=EntryKind.CONTACT).count() == 3


@pytest.mark.parametrize(
    ("written", "query"),
    [
        ("我想改機票", "机票"),  # Traditional found by Simplified
        ("我想改机票", "機票"),  # and the other way round
        ("這個軟體一直當機", "软件"),  # Taiwan's word for software, found by the mainland's
        ("这个软件一直死机", "軟體"),  # and the other way round
        ("請注意衞生", "卫生"),  # a Hong Kong variant character
        ("我好著急", "着急"),  # a Taiwan variant character
        ("滑鼠壞咗", "鼠标"),  # a Taiwan phrase
    ],
)
def test_chinese_is_found_across_scripts_and_regions(agent: Member, written: str, query: str) -> None:
    message_id, _unrelated = indexed_messages(agent.workspace, written, "完全無關的內容")
    assert found(agent, query) == [message_id]


def test_english_is_found_by_stem_and_by_the_prefix_of_the_last_word(agent: Member) -> None:
    cancelled, cancellation, other = indexed_messages(
        agent.workspace, "My flight was cancelled", "Cancellation fee?", "Can I bring a cat?"
    )
    assert sorted(found(agent, "cancel")) == sorted([cancelled, cancellation])
    assert sorted(found(agent, "cancelling")) == sorted([cancelled, cancellation])
    assert sorted(found(agent, "canc")) == sorted([cancelled, cancellation])
    assert found(agent, "flight canc") == [cancelled]
    assert found(agent, "cat") == [other]


def test_codes_and_numbers_are_found_whole_in_any_width(agent: Member) -> None:
    flight, order = indexed_messages(agent.workspace, "Flight ＣＸ８８０ is late", "Order HS-20931 never came")
    assert found(agent, "CX880") == [flight]
    assert found(agent, "cx 880") == []
    assert found(agent, "hs-20931") == [order]
    assert found(agent, "HS20931") == [order]


def test_better_matches_rank_first_and_newer_first_among_equals(agent: Member) -> None:
    conversation = make_conversation(agent.workspace)
    now = timezone.now()
    older = make_message(conversation, text="refund", created_at=now - timedelta(days=2))
    newer = make_message(conversation, text="refund", created_at=now - timedelta(days=1))
    both = make_message(
        conversation, text="refund for my baggage, the baggage refund", created_at=now - timedelta(days=9)
    )
    reindex(agent.workspace.pk)
    assert found(agent, "baggage refund") == [both.pk]
    ranked = found(agent, "refund")
    assert sorted(ranked) == sorted([both.pk, newer.pk, older.pk])
    assert ranked.index(newer.pk) == ranked.index(older.pk) - 1  # equal texts: the newer first, side by side


def test_pages_follow_each_other_without_repeats(agent: Member) -> None:
    conversation = make_conversation(agent.workspace)
    for number in range(5):
        make_message(conversation, text=f"refund number {number}")
    reindex(agent.workspace.pk)
    first = search(agent, "refund", limit=2)
    second = search(agent, "refund", limit=2, offset=first.next_offset or 0)
    last = search(agent, "refund", limit=2, offset=second.next_offset or 0)
    seen = [hit.object_id for page in (first, second, last) for hit in page.hits]
    assert len(seen) == len(set(seen)) == 5
    assert first.has_more and second.has_more and not last.has_more


def test_contacts_are_found_by_name_part_phone_email_and_address(agent: Member) -> None:
    workspace = agent.workspace
    chan = make_contact(workspace, name="陳大文", phone="+85291234567", email="tai.man@example.hk")
    make_identity(chan, make_channel(workspace), external_id="U4af4980629")
    make_contact(workspace, name="Somebody else", email="other@example.com")
    reindex(workspace.pk)
    for query in ("陈大文", "大文", "陳", "9123", "+852 9123 4567", "tai.man", "u4af49"):
        assert found(agent, query, kinds=["contact"]) == [chan.pk], query


def test_notes_and_contact_notes_are_found_and_leave_when_deleted(
    agent: Member, django_capture_on_commit_callbacks: OnCommit
) -> None:
    contact = make_contact(agent.workspace, name="Mei")
    conversation = make_conversation(agent.workspace, contact=contact)
    with django_capture_on_commit_callbacks(execute=True):
        note = add_note(conversation, agent, "客人要求退款，請財務跟進")
        staff_note = add_contact_note(contact, agent, "Prefers aisle seats, very loyal")
    assert found(agent, "退款") == [note.pk]
    assert search(agent, "退款").hits[0].kind == EntryKind.NOTE
    assert found(agent, "aisle", kinds=["contact_note"]) == [staff_note.pk]
    with django_capture_on_commit_callbacks(execute=True):
        delete_contact_note(staff_note, agent)
    assert found(agent, "aisle") == []


def test_replies_and_contact_changes_are_indexed_on_write(
    agent: Member, django_capture_on_commit_callbacks: OnCommit
) -> None:
    conversation = make_conversation(agent.workspace)
    with django_capture_on_commit_callbacks(execute=True):
        sent = reply(conversation, agent, "Your voucher code is SAVE2026")
        contact = create_contact(agent, name="Ada Wong")
    assert found(agent, "save2026") == [sent.pk]
    assert found(agent, "wong") == [contact.pk]
    with django_capture_on_commit_callbacks(execute=True):
        update_contact(contact, agent, name="Ada Chan")
    assert found(agent, "wong") == [] and found(agent, "chan") == [contact.pk]


def test_merged_contacts_are_not_found_and_their_entries_follow_the_merge(
    admin: Member, django_capture_on_commit_callbacks: OnCommit
) -> None:
    kept = make_contact(admin.workspace, name="Wong Siu Ming")
    absorbed = make_contact(admin.workspace, name="Siu Ming W")
    conversation = make_conversation(admin.workspace, contact=absorbed)
    message = make_message(conversation, text="lost luggage")
    reindex(admin.workspace.pk)
    with django_capture_on_commit_callbacks(execute=True):
        merge = merge_contacts(admin, kept=kept, absorbed=absorbed)
    assert found(admin, "siu ming", kinds=["contact"]) == [kept.pk]
    [hit] = search(admin, "luggage").hits
    assert hit.object_id == message.pk and hit.contact == kept
    assert SearchEntry.in_workspace(admin.workspace).get(object_id=message.pk, kind="message").contact_id == kept.pk
    with django_capture_on_commit_callbacks(execute=True):
        unmerge(admin, merge)
    assert sorted(found(admin, "siu ming", kinds=["contact"])) == sorted([kept.pk, absorbed.pk])
    assert SearchEntry.in_workspace(admin.workspace).get(object_id=message.pk, kind="message").contact_id == absorbed.pk


def test_joined_conversations_messages_lead_to_the_kept_one(
    admin: Member, django_capture_on_commit_callbacks: OnCommit
) -> None:
    contact = make_contact(admin.workspace)
    kept = make_conversation(admin.workspace, contact=contact)
    other = make_conversation(admin.workspace, contact=contact)
    message = make_message(other, text="boarding pass missing")
    reindex(admin.workspace.pk)
    with django_capture_on_commit_callbacks(execute=True):
        join_conversations(admin, kept=kept, other=other)
    [hit] = search(admin, "boarding pass").hits
    assert hit.conversation_id == kept.pk
    entry = SearchEntry.in_workspace(admin.workspace).get(object_id=message.pk, kind="message")
    assert entry.conversation_id == kept.pk


def test_another_workspaces_data_is_never_found(agent: Member) -> None:
    other = make_workspace("Other airline")
    secret = make_contact(other, name="ZZSECRET Traveller")
    secret_conversation = make_conversation(other, contact=secret, subject="ZZSECRET subject")
    make_message(secret_conversation, text="ZZSECRET message")
    make_message(secret_conversation, MessageKind.NOTE, text="ZZSECRET note")
    own = make_conversation(agent.workspace, subject="Our ZZSECRET")
    reindex(other.pk)
    reindex(agent.workspace.pk)
    page = search(agent, "zzsecret")
    assert [(hit.kind, hit.object_id) for hit in page.hits] == [(EntryKind.CONVERSATION, own.pk)]
    # A member of both workspaces searches the one they act in.
    make_member(other, Role.OWNER, user=agent.user)
    assert [hit.object_id for hit in search(agent, "zzsecret").hits] == [own.pk]


def test_the_api_searches_the_tokens_workspace_only(client: Client, agent: Member) -> None:
    other = make_workspace("Other airline")
    make_message(make_conversation(other), text="ZZSECRET refund elsewhere")
    conversation = make_conversation(agent.workspace)
    message = make_message(conversation, text="<b>refund</b> now")
    reindex(other.pk)
    reindex(agent.workspace.pk)

    assert client.get("/api/v1/search", {"q": "refund"}).status_code == 401
    headers = {"Authorization": f"Bearer {issue_token(agent, 'tests')[1]}"}
    response = client.get("/api/v1/search", {"q": "refunds", "kind": "message"}, headers=headers)
    assert response.status_code == 200
    body = response.json()
    assert body["terms"] == ["refund"] and body["next_offset"] is None
    [item] = body["items"]
    assert item["id"] == message.pk and item["conversation_id"] == conversation.pk
    assert item["snippet"] == "&lt;b&gt;<mark>refund</mark>&lt;/b&gt; now"
    assert item["conversation_url"] == f"/inbox/conversations/{conversation.pk}/#message-{message.pk}"
    assert client.get("/api/v1/search", {"q": "refund", "kind": "secret"}, headers=headers).status_code == 422
    assert "/api/v1/search" in client.get("/api/v1/openapi.json").json()["paths"]


HOSTILE = [
    '<script>alert("x")</script>',
    '<img src=x onerror="alert(1)">',
    '<a href="javjavascript:ascript:alert(1)">click</a>',
    "java&#09;script:alert(1)",
    "<svg/onload=alert(1)>",
    "<xmp><script>alert(1)</script></xmp>",
    '"><iframe src=javascript:alert(1)>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
]


@pytest.mark.parametrize("payload", HOSTILE)
def test_highlighting_never_turns_hostile_text_into_markup(payload: str) -> None:
    text = f"退款 {payload} refund alert"
    for html in (str(highlight(text, query_terms("refund alert"))), str(snippet(text, query_terms("退款 alert")))):
        without_marks = html.replace("<mark>", "").replace("</mark>", "")
        assert "<" not in without_marks and ">" not in without_marks
        assert "<mark>" in html


def test_highlight_marks_the_original_text_across_scripts_and_widths() -> None:
    assert str(highlight("我想改機票", query_terms("机票"))) == "我想改<mark>機票</mark>"
    assert str(highlight("這個軟體", query_terms("软件"))) == "這個<mark>軟體</mark>"
    assert str(highlight("Flight ＣＸ８８０", query_terms("cx880"))) == "Flight <mark>ＣＸ８８０</mark>"
    assert str(highlight("It was CANCELLED, sadly", query_terms("canc"))) == "It was <mark>CANCELLED</mark>, sadly"
    assert str(highlight("a<b>&c refund", query_terms("refund"))) == "a&lt;b&gt;&amp;c <mark>refund</mark>"
    # Where the normal form is longer than the original (a ligature, ß), the original's characters are marked.
    assert str(highlight("My ﬁle is ready", query_terms("file"))) == "My <mark>ﬁle</mark> is ready"
    assert str(highlight("Straße 5", query_terms("strasse"))) == "<mark>Straße</mark> 5"
    long = "x " * 100 + "refund" + " y" * 100
    cut = str(snippet(long, query_terms("refund")))
    assert cut.startswith("…") and cut.endswith("…") and "<mark>refund</mark>" in cut


def test_reindex_command_rebuilds_the_index(agent: Member) -> None:
    conversation = make_conversation(agent.workspace, subject="Lost baggage")
    message = make_message(conversation, text="my suitcase never arrived")
    SearchEntry.in_workspace(agent.workspace).delete()
    out = StringIO()
    call_command("reindex_search", "--workspace", str(agent.workspace.pk), "--batch-size", "1", stdout=out)
    assert "Done:" in out.getvalue() and "message: 1 indexed" in out.getvalue()
    assert found(agent, "suitcase") == [message.pk]
    assert found(agent, "baggage") == [conversation.pk]
    call_command("reindex_search", stdout=StringIO())  # again, over every workspace: entries replaced, not doubled
    assert SearchEntry.in_workspace(agent.workspace).filter(kind="message").count() == 1


def test_the_inbox_q_filter_uses_the_index(client: Client, agent: Member) -> None:
    contact = make_contact(agent.workspace, name="陳小姐")
    by_message = make_conversation(agent.workspace)
    make_message(by_message, text="行李遺失了")
    by_contact = make_conversation(agent.workspace, contact=contact)
    make_conversation(agent.workspace, subject="Nothing to see")
    reindex(agent.workspace.pk)
    client.force_login(agent.user)
    page = client.get("/inbox/", {"q": "行李"}).content.decode()
    assert f"/inbox/conversations/{by_message.pk}/" in page
    page = client.get("/inbox/", {"q": "陈小姐"}).content.decode()
    assert f"/inbox/conversations/{by_contact.pk}/" in page and f"/inbox/conversations/{by_message.pk}/" not in page


def test_a_message_whose_conversation_is_gone_is_left_out(agent: Member) -> None:
    [message_id] = indexed_messages(agent.workspace, "refund")
    Conversation.in_workspace(agent.workspace).delete()
    assert found(agent, "refund") == []
    assert SearchEntry.in_workspace(agent.workspace).filter(object_id=message_id).exists()


def test_the_search_page_lists_one_kind_ranked_and_paged(client: Client, agent: Member) -> None:
    contact = make_contact(agent.workspace, name="<b>Bold</b> Chan")
    conversation = make_conversation(agent.workspace, contact=contact)
    made = [make_message(conversation, text=f"退款 request {number} <script>x()</script>") for number in range(25)]
    note = make_message(conversation, MessageKind.NOTE, text="退款已批", author=agent)
    reindex(agent.workspace.pk)
    client.force_login(agent.user)

    overview = client.get("/inbox/search/", {"q": "退款"}).content.decode()
    assert "?q=%E9%80%80%E6%AC%BE&amp;kind=message" in overview  # the messages group is full: "Show all"
    first = client.get("/inbox/search/", {"q": "退款", "kind": "message"}).content.decode()
    assert first.count('class="search-result search-result-message"') == 20
    assert "<script>" not in first and "&lt;script&gt;" in first and "<mark>退款</mark>" in first
    assert "&lt;b&gt;Bold&lt;/b&gt; Chan" in first and f"#message-{made[-1].pk}" in first
    assert 'rel="next"' in first and 'rel="prev"' not in first
    second = client.get("/inbox/search/", {"q": "退款", "kind": "message", "offset": "20"}).content.decode()
    assert second.count('class="search-result search-result-message"') == 5
    assert 'rel="prev"' in second and 'rel="next"' not in second
    notes = client.get("/inbox/search/", {"q": "退款", "kind": "note"}).content.decode()
    assert f"#message-{note.pk}" in notes and notes.count('class="search-result search-result-note"') == 1
    empty = client.get("/inbox/search/", {"q": "退款", "kind": "contact_note"}).content.decode()
    assert 'data-testid="search-no-results"' in empty
    # An unknown kind, or a broken offset, is the overview / the first page.
    assert 'data-testid="search-messages"' in client.get("/inbox/search/", {"q": "退款", "kind": "x"}).content.decode()
    assert client.get("/inbox/search/", {"q": "退款", "kind": "message", "offset": "x"}).status_code == 200


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_postgresql_reads_common_words_newest_first_and_rare_ones_through_the_index(
    agent: Member, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import connection

    from frontdesk.search import query

    conversation = make_conversation(agent.workspace)
    now = timezone.now()
    for number in range(1200):
        make_message(conversation, text=f"refund {number}", created_at=now - timedelta(minutes=number))
    rare = make_message(conversation, text="passport refund", created_at=now - timedelta(days=30))
    reindex(agent.workspace.pk)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE search_searchentry")
    query._statistics.at = -query.STATISTICS_SECONDS  # read the fresh statistics
    assert query.estimated_rows("refund", ["refund"]) > query.estimated_rows("passport", ["passport"])
    assert found(agent, "passport") == [rare.pk]
    page = search(agent, "refund", limit=5)
    assert len(page.hits) == 5 and page.has_more
    assert found(agent, "passport refund") == [rare.pk]
    through_the_index = found(agent, "refund", limit=30)
    # Call 1,200 entries common: the newest entries are read until 1,000 match, and rank the same.
    monkeypatch.setattr(query, "RARE_ROWS", 100)
    assert query.estimated_rows("refund", ["refund"]) > query.RARE_ROWS
    assert found(agent, "refund", limit=30) == through_the_index
    assert found(agent, "passport refund") == [rare.pk]  # too few among the newest: read through the index
