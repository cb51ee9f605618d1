from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from frontdesk.conversations.attachments import store_attachment
from frontdesk.conversations.models import ConversationLabel, ConversationStatus, Message, MessageKind
from frontdesk.core.models import Member, Role, Workspace
from frontdesk.search.indexing import reindex
from tests.factories import make_contact, make_conversation, make_label, make_member, make_message


def test_inbox_lists_open_conversations_newest_activity_first(client: Client, agent: Member) -> None:
    now = timezone.now()
    older = make_conversation(agent.workspace, subject="Lost baggage", last_activity_at=now - timedelta(hours=2))
    newer = make_conversation(agent.workspace, subject="航班取消", last_activity_at=now)
    make_conversation(agent.workspace, subject="Already done", status=ConversationStatus.RESOLVED)
    client.force_login(agent.user)
    page = client.get("/inbox/").content.decode()
    assert page.index("航班取消") < page.index("Lost baggage")
    assert "Already done" not in page
    assert "Already done" in client.get("/inbox/?status=resolved").content.decode()
    assert older.subject in page and newer.subject in page


def test_inbox_views_mine_and_unassigned(client: Client, agent: Member) -> None:
    make_conversation(agent.workspace, subject="Mine 1", assignee=agent)
    make_conversation(agent.workspace, subject="Nobody's")
    client.force_login(agent.user)
    mine = client.get("/inbox/?view=mine").content.decode()
    unassigned = client.get("/inbox/?view=unassigned").content.decode()
    assert "Mine 1" in mine and "Nobody" not in mine
    assert "Nobody" in unassigned and "Mine 1" not in unassigned


def test_inbox_search_finds_by_contact_name(client: Client, agent: Member) -> None:
    make_conversation(agent.workspace, contact=make_contact(agent.workspace, name="陳大文"), subject="Seat")
    make_conversation(agent.workspace, subject="Other")
    reindex(agent.workspace.pk)  # rows made directly announce nothing; the search index reads them now
    client.force_login(agent.user)
    page = client.get("/inbox/?q=陳大文").content.decode()
    assert "Seat" in page and "Other" not in page


def test_empty_inbox_says_so(client: Client, agent: Member) -> None:
    client.force_login(agent.user)
    response = client.get("/inbox/")
    assert b'data-testid="empty-state"' in response.content


def test_inbox_list_query_count_does_not_grow_with_rows(client: Client, agent: Member) -> None:
    def queries_for_inbox() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/inbox/").status_code == 200
        return len(captured)

    client.force_login(agent.user)
    label = make_label(agent.workspace, "vip")
    conversation = make_conversation(agent.workspace, assignee=agent)
    ConversationLabel.all_workspaces.create(workspace=agent.workspace, conversation=conversation, label=label)
    queries_for_inbox()  # the first visit also remembers the workspace in the session
    few = queries_for_inbox()
    for _ in range(30):
        conversation = make_conversation(agent.workspace, assignee=make_member(agent.workspace))
        ConversationLabel.all_workspaces.create(workspace=agent.workspace, conversation=conversation, label=label)
    assert queries_for_inbox() == few


def test_conversation_page_shows_messages_notes_and_the_customer(client: Client, agent: Member) -> None:
    contact = make_contact(agent.workspace, name="Mei Chan", email="mei@example.com", attributes={"tier": "Gold"})
    conversation = make_conversation(agent.workspace, contact=contact, subject="Refund for CX123")
    make_message(conversation, MessageKind.INBOUND, text="我的航班取消了")
    make_message(conversation, MessageKind.OUTBOUND, text="We are sorry, a refund is on its way.", author=agent)
    make_message(conversation, MessageKind.NOTE, text="Checked with finance", author=agent)
    make_message(conversation, MessageKind.INBOUND, text="", html="<p>Thanks<script>alert(1)</script></p>")
    client.force_login(agent.user)
    page = client.get(f"/inbox/conversations/{conversation.pk}/").content.decode()
    for text in ["Refund for CX123", "我的航班取消了", "a refund is on its way", "Checked with finance", "Gold"]:
        assert text in page
    assert "message-note" in page
    assert 'class="flash"' not in page, "messages of the conversation are not flash messages"
    assert "<script>alert(1)</script>" not in page and "<p>Thanks</p>" in page


def test_attachments_download_safely(client: Client, agent: Member) -> None:
    conversation = make_conversation(agent.workspace)
    message = make_message(conversation)
    page = store_attachment(message, "invoice.html", b"<html><script>alert(1)</script></html>")
    image = store_attachment(message, "photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    client.force_login(agent.user)
    html_response = client.get(f"/inbox/attachments/{page.pk}/")
    assert html_response.status_code == 200
    assert html_response.headers["Content-Disposition"].startswith("attachment;")
    assert html_response.headers["Content-Type"] == "application/octet-stream"
    assert html_response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in html_response.headers["Content-Security-Policy"]
    png_response = client.get(f"/inbox/attachments/{image.pk}/")
    assert png_response.headers["Content-Type"] == "image/png"
    assert png_response.headers["Content-Disposition"].startswith("inline;")


def test_member_switches_between_their_workspaces(client: Client, agent: Member, workspace: Workspace) -> None:
    other = Workspace.objects.create(name="Second shop", slug="second-shop")
    make_member(other, Role.AGENT, user=agent.user)
    make_conversation(other, subject="In the second shop")
    client.force_login(agent.user)
    assert "In the second shop" not in client.get("/inbox/").content.decode()
    assert client.post(f"/workspaces/{other.pk}/switch/").status_code == 302
    assert "In the second shop" in client.get("/inbox/").content.decode()
    stranger = Workspace.objects.create(name="Stranger", slug="stranger")
    assert client.post(f"/workspaces/{stranger.pk}/switch/").status_code == 404


def test_times_are_shown_in_the_members_time_zone(client: Client, workspace: Workspace) -> None:
    from datetime import UTC, datetime

    from tests.factories import make_user

    conversation = make_conversation(workspace)
    make_message(conversation, text="late flight", created_at=datetime(2026, 11, 2, 23, 30, tzinfo=UTC))
    taipei = make_member(workspace, user=make_user(language="en", time_zone="Asia/Taipei"))
    client.force_login(taipei.user)
    page = client.get(f"/inbox/conversations/{conversation.pk}/").content.decode()
    assert "2026-11-03T07:30:00+08:00" in page, "23:30 UTC is 07:30 the next morning in Taipei"


def test_agent_writes_a_private_note_from_the_conversation_page(client: Client, agent: Member) -> None:
    conversation = make_conversation(agent.workspace)
    client.force_login(agent.user)
    page = client.get(f"/inbox/conversations/{conversation.pk}/").content.decode()
    assert 'id="composer"' in page and 'name="kind" value="note"' in page

    plain = client.post(
        f"/inbox/conversations/{conversation.pk}/compose/", {"kind": "note", "text": "Called the hotel"}
    )
    assert plain.status_code == 302
    htmx = client.post(
        f"/inbox/conversations/{conversation.pk}/compose/",
        {"kind": "note", "text": "已通知地勤"},
        headers={"HX-Request": "true"},
    )
    fragment = htmx.content.decode()
    assert fragment.lstrip().startswith('<ol class="messages" id="timeline"')
    assert "Called the hotel" in fragment and "已通知地勤" in fragment and "<html" not in fragment
    notes = Message.in_workspace(agent.workspace).filter(conversation=conversation, kind=MessageKind.NOTE)
    assert sorted(notes.values_list("text", flat=True)) == ["Called the hotel", "已通知地勤"]


def test_an_empty_note_is_refused_with_a_message_in_place(client: Client, agent: Member) -> None:
    conversation = make_conversation(agent.workspace)
    client.force_login(agent.user)
    response = client.post(
        f"/inbox/conversations/{conversation.pk}/compose/",
        {"kind": "note", "text": "  "},
        headers={"HX-Request": "true"},
    )
    assert response.headers["HX-Retarget"] == "#composer-error"
    assert response.content.decode() == "A note cannot be empty."
    assert not Message.in_workspace(agent.workspace).exists()


def test_list_and_timeline_partials_render_alone(client: Client, agent: Member) -> None:
    conversation = make_conversation(agent.workspace, subject="Partial check")
    make_message(conversation, text="hello there")
    client.force_login(agent.user)
    rows = client.get("/inbox/?status=open&partial=rows").content.decode()
    assert rows.lstrip().startswith('<p class="count"') and "<html" not in rows and "Partial check" in rows
    timeline = client.get(f"/inbox/conversations/{conversation.pk}/?partial=timeline").content.decode()
    assert timeline.lstrip().startswith("<ol") and "hello there" in timeline
