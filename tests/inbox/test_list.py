"""The conversation list: views, filters, sorts, counts, unread state and saved filters, through HTTP."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from frontdesk.channels.models import ChannelKind
from frontdesk.conversations import actions
from frontdesk.conversations.models import (
    Conversation,
    ConversationLabel,
    ConversationStatus,
    Mention,
    MessageKind,
    Priority,
)
from frontdesk.core.models import Member, Role, Workspace
from frontdesk.inbox.models import SavedFilter
from tests.factories import (
    make_channel,
    make_contact,
    make_conversation,
    make_identity,
    make_label,
    make_member,
    make_message,
    make_team,
    make_workspace,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def subjects(client: Client, url: str) -> list[str]:
    """The subjects of the listed conversations, in the order shown."""
    page = client.get(url, follow=True).content.decode()
    return [html.unescape(subject) for subject in re.findall(r'<span class="subject">([^<]*)</span>', page)]


def test_each_view_lists_its_conversations(client: Client, agent: Member) -> None:
    workspace = agent.workspace
    team = make_team(workspace, "Refunds", members=[agent])
    other_team = make_team(workspace, "Baggage")
    colleague = make_member(workspace)
    make_conversation(workspace, subject="mine", assignee=agent)
    make_conversation(workspace, subject="colleague's", assignee=colleague)
    make_conversation(workspace, subject="nobody's")
    make_conversation(workspace, subject="my team's", team=team, assignee=colleague)
    make_conversation(workspace, subject="other team's", team=other_team, assignee=colleague)
    mentioned = make_conversation(workspace, subject="mentioned", assignee=colleague)
    note = make_message(mentioned, MessageKind.NOTE, text="@me look", author=colleague)
    Mention.all_workspaces.create(workspace=workspace, message=note, conversation=mentioned, member=agent)
    client.force_login(agent.user)

    assert subjects(client, "/inbox/?view=mine") == ["mine"]
    assert subjects(client, "/inbox/?view=unassigned") == ["nobody's"]
    assert subjects(client, "/inbox/?view=team") == ["my team's"]
    assert subjects(client, "/inbox/?view=mentions") == ["mentioned"]
    assert len(subjects(client, "/inbox/?view=all")) == 6


def test_views_show_their_counts_under_the_current_filter(client: Client, agent: Member) -> None:
    make_conversation(agent.workspace, assignee=agent)
    make_conversation(agent.workspace, assignee=agent, status=ConversationStatus.PENDING)
    make_conversation(agent.workspace)
    client.force_login(agent.user)
    page = client.get("/inbox/").content.decode()
    assert '<span class="view-count" id="view-count-mine">1</span>' in page
    assert '<span class="view-count" id="view-count-all">2</span>' in page
    pending = client.get("/inbox/?status=pending").content.decode()
    assert '<span class="view-count" id="view-count-mine">1</span>' in pending
    assert '<span class="view-count" id="view-count-unassigned">0</span>' in pending


def test_counts_stop_at_a_thousand(client: Client, agent: Member) -> None:
    contact = make_contact(agent.workspace)
    channel = make_channel(agent.workspace)
    Conversation.all_workspaces.bulk_create(
        Conversation(workspace=agent.workspace, contact=contact, channel=channel) for _ in range(1001)
    )
    client.force_login(agent.user)
    page = client.get("/inbox/").content.decode()
    assert '<span class="view-count" id="view-count-all">999+</span>' in page
    assert "999+ conversations" in page
    assert '<span class="view-count" id="view-count-mine">0</span>' in page


def test_filters_combine_and_stay_in_the_querystring(client: Client, agent: Member) -> None:
    workspace = agent.workspace
    whatsapp = make_channel(workspace, ChannelKind.WHATSAPP, name="WhatsApp HK")
    vip = make_label(workspace, "vip")
    team = make_team(workspace, "Refunds")

    def labelled(conversation: Conversation) -> Conversation:
        ConversationLabel.all_workspaces.create(workspace=workspace, conversation=conversation, label=vip)
        return conversation

    labelled(make_conversation(workspace, channel=whatsapp, subject="match", priority=Priority.HIGH, team=team))
    labelled(make_conversation(workspace, channel=whatsapp, subject="low priority", priority=Priority.LOW, team=team))
    make_conversation(workspace, channel=whatsapp, subject="no label", priority=Priority.HIGH, team=team)
    labelled(make_conversation(workspace, subject="other channel", priority=Priority.HIGH, team=team))
    labelled(make_conversation(workspace, channel=whatsapp, subject="no team", priority=Priority.HIGH))
    client.force_login(agent.user)

    query = f"channel={whatsapp.pk}&label={vip.pk}&priority={Priority.HIGH}&team={team.pk}"
    assert subjects(client, f"/inbox/?{query}") == ["match"]
    page = client.get(f"/inbox/?{query}").content.decode()
    assert f'<option value="{whatsapp.pk}" selected>WhatsApp HK</option>' in page
    assert f'<option value="{vip.pk}" selected>vip</option>' in page
    # Changing the view keeps the filters: the links carry them.
    assert f'href="?view=mine&amp;channel={whatsapp.pk}&amp;label={vip.pk}' in page


def test_status_filter_and_malformed_values_fall_back_to_open(client: Client, agent: Member) -> None:
    make_conversation(agent.workspace, subject="open one")
    make_conversation(agent.workspace, subject="done", status=ConversationStatus.RESOLVED)
    client.force_login(agent.user)
    assert subjects(client, "/inbox/?status=resolved") == ["done"]
    assert subjects(client, "/inbox/?status=nonsense&channel=abc&label=-1&priority=9&sort=x") == ["open one"]


def test_another_workspaces_ids_in_filters_match_nothing(client: Client, agent: Member) -> None:
    stranger = make_workspace()
    foreign = make_channel(stranger)
    make_conversation(stranger, channel=foreign, subject="foreign")
    make_conversation(agent.workspace, subject="ours")
    client.force_login(agent.user)
    assert subjects(client, f"/inbox/?channel={foreign.pk}") == []


def test_sla_at_risk_lists_open_conversations_waiting_past_three_quarters_of_the_target(
    client: Client, agent: Member
) -> None:
    workspace = agent.workspace
    workspace.first_response_target_minutes = 60
    workspace.save()
    now = timezone.now()
    make_conversation(workspace, subject="waiting 50 min", waiting_since=now - timedelta(minutes=50))
    make_conversation(workspace, subject="waiting 30 min", waiting_since=now - timedelta(minutes=30))
    make_conversation(workspace, subject="answered")
    make_conversation(
        workspace,
        subject="pending 50 min",
        waiting_since=now - timedelta(minutes=50),
        status=ConversationStatus.PENDING,
    )
    client.force_login(agent.user)
    assert subjects(client, "/inbox/?sla=1") == ["waiting 50 min"]
    assert subjects(client, "/inbox/?sla=1&status=pending") == []


def test_sorts_by_last_activity_waiting_longest_and_priority(client: Client, agent: Member) -> None:
    now = timezone.now()
    make_conversation(agent.workspace, subject="a", last_activity_at=now, waiting_since=now - timedelta(minutes=5))
    make_conversation(
        agent.workspace,
        subject="b",
        last_activity_at=now - timedelta(hours=1),
        waiting_since=now - timedelta(hours=1),
        priority=Priority.URGENT,
    )
    make_conversation(agent.workspace, subject="c", last_activity_at=now - timedelta(minutes=30), priority=Priority.LOW)
    client.force_login(agent.user)
    assert subjects(client, "/inbox/") == ["a", "c", "b"]
    assert subjects(client, "/inbox/?sort=waiting") == ["b", "a", "c"]
    assert subjects(client, "/inbox/?sort=priority") == ["b", "c", "a"]


def test_a_waiting_conversation_is_unread_until_opened_and_again_after_the_customer_writes(
    client: Client, agent: Member
) -> None:
    before = timezone.now() - timedelta(minutes=1)
    conversation = make_conversation(agent.workspace, subject="news", waiting_since=before, last_activity_at=before)
    make_conversation(agent.workspace, subject="answered")
    client.force_login(agent.user)

    def unread() -> list[str]:
        page = client.get("/inbox/").content.decode()
        return re.findall(r'class="conversation-row[^"]* unread" data-conversation-id="(\d+)"', page)

    assert unread() == [str(conversation.pk)]
    assert "Unread:" in client.get("/inbox/").content.decode()
    client.get(f"/inbox/conversations/{conversation.pk}/")
    assert unread() == []
    # The customer writes again: the row moves up and is unread once more.
    conversation.last_activity_at = timezone.now() + timedelta(seconds=1)
    conversation.save(update_fields=["last_activity_at"])
    assert unread() == [str(conversation.pk)]
    # A colleague's opening does not count as this agent's reading.
    colleague = make_member(agent.workspace)
    colleague_client = Client()
    colleague_client.force_login(colleague.user)
    colleague_client.get(f"/inbox/conversations/{conversation.pk}/")
    assert unread() == [str(conversation.pk)]
    # Answered: nothing new from the customer.
    actions.reply(conversation, agent, "On it")
    assert unread() == []


def test_rows_show_avatar_channel_labels_assignee_and_waiting_time(client: Client, agent: Member) -> None:
    workspace = agent.workspace
    line = make_channel(workspace, ChannelKind.LINE)
    contact = make_contact(workspace, name="陳大文")
    identity = make_identity(contact, line)
    identity.avatar.save("face.png", ContentFile(PNG))
    conversation = make_conversation(
        workspace,
        contact=contact,
        channel=line,
        assignee=agent,
        waiting_since=timezone.now() - timedelta(minutes=12),
        last_message_preview="行李不見了",
    )
    label = make_label(workspace, "lost-bag")
    label.color = "#B91C1C"
    label.save()
    ConversationLabel.all_workspaces.create(workspace=workspace, conversation=conversation, label=label)
    make_conversation(workspace, contact=make_contact(workspace, name="Mei"))
    client.force_login(agent.user)
    page = client.get("/inbox/").content.decode()
    assert f'<img class="avatar" src="/inbox/identities/{identity.pk}/avatar/"' in page
    assert '<span class="avatar" aria-hidden="true">M</span>' in page
    assert '<span class="channel-icon channel-line" title="LINE"><span class="visually-hidden">LINE</span>' in page
    assert '<span class="label label-color-b91c1c" data-color="#B91C1C">lost-bag</span>' in page
    assert "行李不見了" in page and agent.display_name in page and "waiting 12" in page
    assert f'data-conversation-id="{conversation.pk}" data-testid="conversation-row"' in page
    assert "style=" not in page


def test_listing_costs_the_same_number_of_queries_for_5_and_50_conversations(client: Client, agent: Member) -> None:
    """RELIABILITY T-23: no query per row, whatever a row shows."""
    workspace = agent.workspace
    labels = [make_label(workspace, f"label {n}") for n in range(3)]
    channel = make_channel(workspace, ChannelKind.WHATSAPP)
    team = make_team(workspace, members=[agent])

    def add_conversations(count: int) -> None:
        for number in range(count):
            contact = make_contact(workspace)
            identity = make_identity(contact, channel)
            identity.avatar.save("face.png", ContentFile(PNG))
            waiting = timezone.now() - timedelta(minutes=number)
            conversation = make_conversation(
                workspace,
                contact=contact,
                channel=channel,
                assignee=make_member(workspace),
                team=team,
                waiting_since=waiting,
                last_activity_at=waiting,
            )
            for label in labels[: number % 3 + 1]:
                ConversationLabel.all_workspaces.create(workspace=workspace, conversation=conversation, label=label)
            if number % 2:
                client.get(f"/inbox/conversations/{conversation.pk}/")

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
            assert response.status_code == 200
        return len(captured)

    client.force_login(agent.user)
    add_conversations(5)
    queries("/inbox/")
    few = {url: queries(url) for url in ("/inbox/", "/inbox/?view=team&sort=waiting", "/inbox/?partial=rows")}
    add_conversations(45)
    many = {url: queries(url) for url in few}
    assert many == few
    assert len(subjects(client, "/inbox/")) == 50


def test_pages_follow_each_other_without_a_total_count(client: Client, agent: Member) -> None:
    now = timezone.now()
    for number in range(55):
        make_conversation(agent.workspace, subject=f"n{number}", last_activity_at=now - timedelta(minutes=number))
    client.force_login(agent.user)
    first = client.get("/inbox/").content.decode()
    assert 'href="?page=2">Older</a>' in first
    assert subjects(client, "/inbox/?page=2") == [f"n{number}" for number in range(50, 55)]
    assert subjects(client, "/inbox/?page=abc")[0] == "n0"


def test_the_live_refresh_partial_carries_the_counts_of_every_view(client: Client, agent: Member) -> None:
    make_conversation(agent.workspace, subject="fresh", assignee=agent)
    client.force_login(agent.user)
    rows = client.get("/inbox/?view=mine&partial=rows").content.decode()
    assert "<html" not in rows and "fresh" in rows
    assert '<span class="view-count" id="view-count-mine" hx-swap-oob="true">1</span>' in rows
    page = client.get("/inbox/?view=mine").content.decode()
    assert 'hx-get="/inbox/?view=mine&amp;page=1&amp;partial=rows"' in page
    assert 'data-live-refresh="message.created conversation.created conversation.updated' in page


def test_each_view_has_its_own_empty_state(client: Client, agent: Member) -> None:
    client.force_login(agent.user)
    assert "No mentions" in client.get("/inbox/?view=mentions").content.decode()
    assert "Nothing assigned to you" in client.get("/inbox/?view=mine").content.decode()
    assert "No conversations match these filters" in client.get("/inbox/?priority=4").content.decode()


def test_saved_filters_are_personal_unless_shared(client: Client, agent: Member, workspace: Workspace) -> None:
    colleague = make_member(workspace)
    make_conversation(workspace, subject="urgent one", priority=Priority.URGENT)
    make_conversation(workspace, subject="calm one")
    client.force_login(agent.user)
    response = client.post("/inbox/saved-filters/", {"name": "Hot ones", "query": "priority=4&page=3&junk=1"})
    assert response.status_code == 302 and response["Location"] == "/inbox/?priority=4"
    client.post("/inbox/saved-filters/", {"name": "Team urgent", "query": "priority=4&view=team", "shared": "1"})
    saved = SavedFilter.in_workspace(workspace).get(name="Hot ones")
    assert saved.query == "priority=4" and not saved.shared
    page = client.get("/inbox/?priority=4").content.decode()
    assert '<a href="?priority=4" aria-current="page">Hot ones</a>' in page
    assert subjects(client, "/inbox/?" + saved.query) == ["urgent one"]

    other = Client()
    other.force_login(colleague.user)
    theirs = other.get("/inbox/").content.decode()
    assert "Team urgent" in theirs and "Hot ones" not in theirs
    shared = SavedFilter.in_workspace(workspace).get(name="Team urgent")
    assert other.post(f"/inbox/saved-filters/{shared.pk}/rename/", {"name": "Mine now"}).status_code == 404
    assert other.post(f"/inbox/saved-filters/{saved.pk}/delete/").status_code == 404

    client.post(f"/inbox/saved-filters/{saved.pk}/rename/", {"name": "Very urgent", "shared": "1"})
    saved.refresh_from_db()
    assert saved.name == "Very urgent" and saved.shared
    client.post(f"/inbox/saved-filters/{saved.pk}/delete/")
    assert not SavedFilter.in_workspace(workspace).filter(pk=saved.pk).exists()


def test_a_saved_filter_needs_a_name(client: Client, agent: Member) -> None:
    client.force_login(agent.user)
    client.post("/inbox/saved-filters/", {"name": "  ", "query": "priority=4"})
    assert not SavedFilter.in_workspace(agent.workspace).exists()


def test_agents_on_another_workspace_never_see_its_saved_filters(client: Client, agent: Member) -> None:
    stranger = make_workspace()
    SavedFilter.all_workspaces.create(
        workspace=stranger, member=make_member(stranger, Role.OWNER), name="ZZ foreign", query="", shared=True
    )
    client.force_login(agent.user)
    assert "ZZ foreign" not in client.get("/inbox/").content.decode()


def test_the_filter_forms_empty_fields_are_dropped_from_the_address(client: Client, agent: Member) -> None:
    client.force_login(agent.user)
    response = client.get("/inbox/?view=all&status=open&channel=&label=&priority=4&team=&sort=activity&junk=1")
    assert response.status_code == 302 and response["Location"] == "/inbox/?priority=4"
    assert client.get("/inbox/?priority=4").status_code == 200
