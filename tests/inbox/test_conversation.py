"""The conversation page: retry, @mentions, the reply channel, asking before a takeover, header actions."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from frontdesk.channels.api.setup import create_api_channel
from frontdesk.channels.models import Channel
from frontdesk.conversations import actions
from frontdesk.conversations.models import (
    Conversation,
    ConversationStatus,
    DeliveryAttempt,
    DeliveryStatus,
    Mention,
    Message,
    MessageKind,
    OutboxEntry,
    OutboxState,
    Priority,
)
from frontdesk.core.models import AuditEntry, Member, Role, Workspace
from frontdesk.pipeline.events import Event, _subscribers
from frontdesk.pipeline.outbound import deliver
from tests.factories import (
    make_contact,
    make_conversation,
    make_identity,
    make_member,
    make_message,
    make_team,
    make_user,
    make_workspace,
)
from tests.fake_receiver import FakeReceiver, running_receiver

pytestmark = pytest.mark.django_db

type OnCommit = Callable[..., Any]
HTMX = {"HX-Request": "true"}


@pytest.fixture
def receiver() -> Iterator[FakeReceiver]:
    with running_receiver() as fake:
        yield fake


@pytest.fixture
def channel(workspace: Workspace, receiver: FakeReceiver, settings: Any) -> Channel:
    settings.FRONTDESK_HTTP_ALLOWED_PRIVATE_HOSTS = [receiver.host_port]
    return create_api_channel(workspace, "Shop app", callback_url=receiver.url())


@pytest.fixture
def conversation(workspace: Workspace, channel: Channel) -> Conversation:
    contact = make_contact(workspace, name="陳大文")
    make_identity(contact, channel, external_id="shop-7")
    conversation = make_conversation(workspace, contact=contact, channel=channel, subject="Late parcel")
    make_message(conversation, text="Where is my parcel?")
    return conversation


@pytest.fixture
def events() -> Iterator[list[Event]]:
    received: list[Event] = []
    _subscribers["test-conversation"] = received.extend
    yield received
    del _subscribers["test-conversation"]


@pytest.fixture
def signed_in(client: Client, agent: Member) -> Client:
    agent.user.name = "Ada Agent"
    agent.user.save()
    client.force_login(agent.user)
    return client


def compose(client: Client, conversation: Conversation, **fields: Any) -> Any:
    return client.post(f"/inbox/conversations/{conversation.pk}/compose/", fields, headers=HTMX)


def failed_reply(conversation: Conversation, author: Member, receiver: FakeReceiver, on_commit: OnCommit) -> Message:
    receiver.then(422, {"error": "recipient unknown"})
    message = actions.reply(conversation, author, "Your parcel left today")
    with on_commit(execute=True):
        assert deliver(OutboxEntry.all_workspaces.get(message=message).pk).result == "failed"
    message.refresh_from_db()
    assert message.status == DeliveryStatus.FAILED
    return message


# Retry


def test_a_failed_reply_is_sent_again_on_retry(
    signed_in: Client,
    agent: Member,
    conversation: Conversation,
    receiver: FakeReceiver,
    events: list[Event],
    django_capture_on_commit_callbacks: OnCommit,
) -> None:
    message = failed_reply(conversation, agent, receiver, django_capture_on_commit_callbacks)
    page = signed_in.get(f"/inbox/conversations/{conversation.pk}/").content.decode()
    assert "recipient unknown" in page and f'action="/inbox/messages/{message.pk}/retry/"' in page
    events.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(f"/inbox/messages/{message.pk}/retry/", headers=HTMX)
    assert response.content.decode().lstrip().startswith('<ol class="messages" id="timeline"')
    message.refresh_from_db()
    entry = OutboxEntry.all_workspaces.get(message=message)
    assert (message.status, message.status_reason) == (DeliveryStatus.QUEUED, "")
    assert (entry.state, entry.attempts) == (OutboxState.PENDING, 0)
    [updated] = [event for event in events if event.type == "message.updated"]
    assert updated.payload["changes"] == {"status": ["failed", "queued"]}
    assert AuditEntry.all_workspaces.filter(action="message.retried", object_id=str(message.pk)).exists()

    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(entry.pk).result == "sent"
    message.refresh_from_db()
    assert message.status == DeliveryStatus.SENT
    assert len(receiver.received) == 2, "one refused attempt, one fresh attempt"
    assert DeliveryAttempt.all_workspaces.filter(entry=entry).count() == 2, "the refused attempt stays on record"


def test_only_a_failed_reply_can_be_retried(agent: Member, conversation: Conversation) -> None:
    queued = actions.reply(conversation, agent, "On its way")
    with pytest.raises(ValidationError):
        actions.retry_failed(queued, agent)
    inbound = Message.all_workspaces.get(conversation=conversation, kind=MessageKind.INBOUND)
    with pytest.raises(ValidationError):
        actions.retry_failed(inbound, agent)


def test_another_workspaces_message_cannot_be_retried(
    client: Client,
    conversation: Conversation,
    agent: Member,
    receiver: FakeReceiver,
    django_capture_on_commit_callbacks: OnCommit,
) -> None:
    message = failed_reply(conversation, agent, receiver, django_capture_on_commit_callbacks)
    stranger = make_member(make_workspace("Elsewhere"))
    client.force_login(stranger.user)
    assert client.post(f"/inbox/messages/{message.pk}/retry/").status_code == 404
    message.refresh_from_db()
    assert message.status == DeliveryStatus.FAILED


# Mentions


def test_a_note_mentioning_a_teammate_records_the_mention_and_announces_it(
    signed_in: Client,
    agent: Member,
    workspace: Workspace,
    conversation: Conversation,
    events: list[Event],
    django_capture_on_commit_callbacks: OnCommit,
) -> None:
    ana = make_member(workspace, user=make_user(name="Ana Lee"))
    with django_capture_on_commit_callbacks(execute=True):
        response = compose(signed_in, conversation, kind="note", text="@Ana Lee can you call them?", mentions=[ana.pk])
    assert '<mark class="mention">@Ana Lee</mark> can you call them?' in response.content.decode()
    note = Message.all_workspaces.get(kind=MessageKind.NOTE)
    mention = Mention.all_workspaces.get()
    assert (mention.member_id, mention.message_id, mention.conversation_id) == (ana.pk, note.pk, conversation.pk)
    [announced] = [event for event in events if event.type == "mention.created"]
    assert announced.payload == {
        "mention": {
            "id": mention.pk,
            "member_id": ana.pk,
            "conversation_id": conversation.pk,
            "message_id": note.pk,
            "author_id": agent.pk,
        }
    }


def test_only_active_members_of_the_workspace_can_be_mentioned(
    signed_in: Client, workspace: Workspace, conversation: Conversation
) -> None:
    outsider = make_member(make_workspace("Other shop"), user=make_user(name="Olga Other"))
    gone = make_member(workspace, user=make_user(name="Gone Member"), is_active=False)
    for member_id in (outsider.pk, gone.pk, "not-a-number"):
        response = compose(signed_in, conversation, kind="note", text="@someone look", mentions=[member_id])
        assert response.headers["HX-Retarget"] == "#composer-error"
        assert response.content.decode() == "Only active members of this workspace can be mentioned."
    assert not Message.all_workspaces.filter(kind=MessageKind.NOTE).exists()
    assert not Mention.all_workspaces.exists()


def test_the_mention_picker_lists_the_workspaces_active_members(
    signed_in: Client, workspace: Workspace, agent: Member
) -> None:
    ana = make_member(workspace, user=make_user("ana@example.com", name="Ana Lee"))
    make_member(workspace, user=make_user(name="Anatole Gone"), is_active=False)
    make_member(make_workspace("Other"), user=make_user(name="Ana Elsewhere"))
    found = signed_in.get("/inbox/members/mentionable/?q=ana").json()["results"]
    assert found == [{"id": ana.pk, "name": "Ana Lee", "email": "ana@example.com"}]
    everyone = {item["id"] for item in signed_in.get("/inbox/members/mentionable/").json()["results"]}
    assert everyone == {ana.pk, agent.pk}


# The reply channel


def test_a_reply_leaves_on_the_chosen_channel_to_the_contacts_identity_there(
    signed_in: Client, workspace: Workspace, conversation: Conversation, receiver: FakeReceiver
) -> None:
    second = create_api_channel(workspace, "Loyalty app", callback_url=receiver.url("/loyalty"))
    make_identity(conversation.contact, second, external_id="loyal-99")
    page = signed_in.get(f"/inbox/conversations/{conversation.pk}/").content.decode()
    assert f'<option value="{second.pk}">Loyalty app' in page

    compose(signed_in, conversation, kind="reply", text="Points added", channel=second.pk)
    message = Message.all_workspaces.get(kind=MessageKind.OUTBOUND)
    assert message.channel_id == second.pk
    assert deliver(OutboxEntry.all_workspaces.get(message=message).pk).result == "sent"
    [request] = receiver.received
    assert request.path == "/loyalty" and request.json()["contact"] == {"id": "loyal-99", "name": "陳大文"}


def test_a_channel_the_contact_has_no_address_on_is_refused_with_the_reason(
    signed_in: Client, workspace: Workspace, conversation: Conversation, receiver: FakeReceiver
) -> None:
    unknown = create_api_channel(workspace, "Partner app", callback_url=receiver.url("/partner"))
    response = compose(signed_in, conversation, kind="reply", text="Hello", channel=unknown.pk)
    assert (
        response.content.decode() == "This customer has no address on Partner app, so the reply cannot be sent there."
    )
    elsewhere = create_api_channel(make_workspace("Other"), "Their app", callback_url=receiver.url("/theirs"))
    response = compose(signed_in, conversation, kind="reply", text="Hello", channel=elsewhere.pk)
    assert response.content.decode() == "Choose one of the customer's channels."
    assert not Message.all_workspaces.filter(kind=MessageKind.OUTBOUND).exists()


def test_the_composer_starts_on_the_channel_of_the_last_inbound_message(
    signed_in: Client, workspace: Workspace, conversation: Conversation, receiver: FakeReceiver
) -> None:
    second = create_api_channel(workspace, "Loyalty app", callback_url=receiver.url("/loyalty"))
    make_identity(conversation.contact, second, external_id="loyal-99")
    make_message(conversation, text="Also, my points?", channel=second)
    page = signed_in.get(f"/inbox/conversations/{conversation.pk}/").content.decode()
    assert f'<option value="{second.pk}" selected>Loyalty app' in page
    assert f'<option value="{conversation.channel_id}">Shop app' in page


# Asking before answering someone else's conversation


def test_a_reply_to_someone_elses_conversation_asks_first(
    signed_in: Client, agent: Member, workspace: Workspace, conversation: Conversation
) -> None:
    ana = make_member(workspace, user=make_user(name="Ana Lee"))
    Conversation.all_workspaces.filter(pk=conversation.pk).update(assignee=ana)

    asked = compose(signed_in, conversation, kind="reply", text="Hello there")
    assert asked.content.decode() == "Assigned to Ana Lee."
    assert json.loads(asked.headers["HX-Trigger"]) == {"frontdesk-takeover": {"question": "Assigned to Ana Lee."}}
    assert not Message.all_workspaces.filter(kind=MessageKind.OUTBOUND).exists()

    compose(signed_in, conversation, kind="note", text="Notes never ask")
    assert Message.all_workspaces.filter(kind=MessageKind.NOTE).count() == 1

    compose(signed_in, conversation, kind="reply", text="Answering anyway", takeover="reply")
    conversation.refresh_from_db()
    assert conversation.assignee_id == ana.pk
    compose(signed_in, conversation, kind="reply", text="It is mine now", takeover="assign")
    conversation.refresh_from_db()
    assert conversation.assignee_id == agent.pk
    texts = Message.all_workspaces.filter(kind=MessageKind.OUTBOUND).values_list("text", flat=True)
    assert sorted(texts) == ["Answering anyway", "It is mine now"]


def test_a_takeover_is_undone_when_the_reply_is_refused(
    signed_in: Client, workspace: Workspace, conversation: Conversation
) -> None:
    ana = make_member(workspace, user=make_user(name="Ana Lee"))
    Conversation.all_workspaces.filter(pk=conversation.pk).update(assignee=ana)
    response = compose(signed_in, conversation, kind="reply", text="   ", takeover="assign")
    assert response.content.decode() == "A reply cannot be empty."
    conversation.refresh_from_db()
    assert conversation.assignee_id == ana.pk


# Send and resolve


def test_send_and_resolve_sends_the_reply_then_resolves(signed_in: Client, conversation: Conversation) -> None:
    response = compose(signed_in, conversation, kind="reply", text="All sorted", resolve="1")
    assert "All sorted" in response.content.decode()
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.RESOLVED
    assert Message.all_workspaces.filter(kind=MessageKind.OUTBOUND, text="All sorted").exists()


def test_send_and_resolve_leaves_the_conversation_open_when_the_reply_is_refused(
    signed_in: Client, conversation: Conversation
) -> None:
    compose(signed_in, conversation, kind="reply", text="", resolve="1")
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.OPEN


# Header actions


def test_header_actions_assign_resolve_reopen_snooze_and_set_priority_and_team(
    signed_in: Client, agent: Member, workspace: Workspace, conversation: Conversation
) -> None:
    url = f"/inbox/conversations/{conversation.pk}/update/"
    page = signed_in.get(f"/inbox/conversations/{conversation.pk}/").content.decode()
    assert 'data-action="assign-to-me"' in page and 'data-action="resolve"' in page

    header = signed_in.post(url, {"assignee": agent.pk}, headers=HTMX).content.decode()
    assert 'data-action="assign-to-me"' not in header and "Ada Agent" in header
    header = signed_in.post(url, {"status": "resolved"}, headers=HTMX).content.decode()
    assert 'data-action="reopen"' in header
    signed_in.post(url, {"status": "open"}, headers=HTMX)
    signed_in.post(url, {"priority": str(Priority.HIGH.value)}, headers=HTMX)
    team = make_team(workspace, "Billing")
    signed_in.post(url, {"team": team.pk}, headers=HTMX)
    conversation.refresh_from_db()
    assert (conversation.assignee_id, conversation.status) == (agent.pk, ConversationStatus.OPEN)
    assert (conversation.priority, conversation.team_id) == (Priority.HIGH, team.pk)

    signed_in.post(url, {"snooze": "tomorrow"}, headers=HTMX)
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.SNOOZED and conversation.snoozed_until is not None


def test_an_agent_cannot_assign_a_conversation_to_someone_else(
    signed_in: Client, workspace: Workspace, conversation: Conversation
) -> None:
    ana = make_member(workspace, user=make_user(name="Ana Lee"))
    header = signed_in.post(
        f"/inbox/conversations/{conversation.pk}/update/", {"assignee": ana.pk}, headers=HTMX
    ).content.decode()
    assert "Only supervisors and admins can assign conversations to others." in header
    conversation.refresh_from_db()
    assert conversation.assignee_id is None


def test_a_supervisor_assigns_to_a_teammate_but_not_to_another_workspaces_member(
    client: Client, workspace: Workspace, conversation: Conversation
) -> None:
    supervisor = make_member(workspace, Role.SUPERVISOR)
    ana = make_member(workspace, user=make_user(name="Ana Lee"))
    outsider = make_member(make_workspace("Other"))
    client.force_login(supervisor.user)
    url = f"/inbox/conversations/{conversation.pk}/update/"
    assert client.post(url, {"assignee": outsider.pk}, headers=HTMX).status_code == 404
    client.post(url, {"assignee": ana.pk}, headers=HTMX)
    conversation.refresh_from_db()
    assert conversation.assignee_id == ana.pk


# Timeline


def test_the_contacts_earlier_conversations_load_on_demand_above_the_timeline(
    signed_in: Client, workspace: Workspace, channel: Channel, conversation: Conversation
) -> None:
    from datetime import timedelta

    earlier = make_conversation(
        workspace,
        contact=conversation.contact,
        channel=channel,
        subject="Wrong size",
        created_at=conversation.created_at - timedelta(days=30),
    )
    make_message(earlier, text="The shoes are too small")
    later = make_conversation(workspace, contact=conversation.contact, channel=channel, subject="Later one")
    make_message(later, text="A later question")
    page = signed_in.get(f"/inbox/conversations/{conversation.pk}/").content.decode()
    assert "Show earlier conversations (1)" in page and "The shoes are too small" not in page

    loaded = signed_in.get(f"/inbox/conversations/{conversation.pk}/earlier/", headers=HTMX).content.decode()
    assert "Wrong size" in loaded and "The shoes are too small" in loaded
    assert "A later question" not in loaded and "This conversation" in loaded


def test_each_message_shows_its_channel_and_a_failed_one_its_reason(
    signed_in: Client, conversation: Conversation
) -> None:
    timeline = signed_in.get(f"/inbox/conversations/{conversation.pk}/?partial=timeline").content.decode()
    assert 'data-testid="channel-marker"' in timeline and "Shop app" in timeline
    make_message(
        conversation,
        MessageKind.OUTBOUND,
        text="Sorry",
        status=DeliveryStatus.FAILED,
        status_reason="recipient blocked",
        metadata={"failure_code": "blocked"},
    )
    timeline = signed_in.get(f"/inbox/conversations/{conversation.pk}/?partial=timeline").content.decode()
    assert "The customer has blocked this account or left the chat." in timeline
    assert "recipient blocked" in timeline and 'data-action="retry"' in timeline


def test_attachments_are_previewed_by_kind(signed_in: Client, conversation: Conversation) -> None:
    from frontdesk.conversations.attachments import store_attachment

    message = make_message(conversation, text="Photos and a voice note")
    png = store_attachment(message, "parcel.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    ogg = store_attachment(message, "voice.ogg", b"OggS" + b"\x00" * 64)
    pdf = store_attachment(message, "invoice.pdf", b"%PDF-1.4\n" + b"0" * 2048)
    assert (png.content_type, ogg.content_type, pdf.content_type) == ("image/png", "audio/ogg", "application/pdf")
    timeline = signed_in.get(f"/inbox/conversations/{conversation.pk}/?partial=timeline").content.decode()
    assert f'<img src="/inbox/attachments/{png.pk}/" alt="parcel.png"' in timeline
    assert f'<audio controls preload="none" src="/inbox/attachments/{ogg.pk}/"' in timeline
    assert 'invoice.pdf</span> <span class="attachment-size">(2.0\xa0KB)</span>' in timeline


def test_a_notes_text_is_escaped_around_its_highlighted_mentions(
    signed_in: Client, agent: Member, workspace: Workspace, conversation: Conversation
) -> None:
    ana = make_member(workspace, user=make_user(name="Ana"))
    make_member(workspace, user=make_user(name="Ana Li"))
    actions.add_note(conversation, agent, "<b>@Ana</b> & @Ana Li", mentions=[ana.pk])
    timeline = signed_in.get(f"/inbox/conversations/{conversation.pk}/?partial=timeline").content.decode()
    assert '&lt;b&gt;<mark class="mention">@Ana</mark>&lt;/b&gt; &amp; <mark class="mention">@Ana</mark> Li' in timeline


def test_the_conversation_page_makes_as_many_queries_for_forty_messages_as_for_four(
    signed_in: Client, agent: Member, workspace: Workspace, conversation: Conversation
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ana = make_member(workspace, user=make_user(name="Ana Lee"))

    def add_messages(count: int) -> None:
        for number in range(count):
            make_message(conversation, text=f"question {number}")
            actions.add_note(conversation, agent, f"@Ana Lee look at {number}", mentions=[ana.pk])
            make_message(conversation, MessageKind.OUTBOUND, text=f"answer {number}", author=agent)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert signed_in.get(f"/inbox/conversations/{conversation.pk}/").status_code == 200
        return len(captured)

    add_messages(1)
    queries()  # the first visit also records that the agent has read the conversation
    few = queries()
    add_messages(12)
    assert queries() == few


def test_the_composer_shows_each_channels_rules_before_sending(
    signed_in: Client, workspace: Workspace, conversation: Conversation
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from frontdesk.channels.models import ChannelKind
    from tests.factories import make_channel

    whatsapp = make_channel(workspace, ChannelKind.WHATSAPP, name="Shop WhatsApp")
    email = make_channel(workspace, ChannelKind.EMAIL, name="Support mail")
    make_identity(conversation.contact, whatsapp, external_id="85291234567")
    make_identity(conversation.contact, email, external_id="chan@example.com")
    make_message(conversation, text="hello?", channel=whatsapp, created_at=timezone.now() - timedelta(hours=30))
    Conversation.all_workspaces.filter(pk=conversation.pk).update(subject="Parcel HS-20931")

    page = signed_in.get(f"/inbox/conversations/{conversation.pk}/").content.decode()
    whatsapp_rules = page[page.index(f'data-channel-rules="{whatsapp.pk}"') :]
    whatsapp_rules = whatsapp_rules[: whatsapp_rules.index("</div>")]
    assert "The reply window has closed: only an approved template can be sent." in whatsapp_rules
    assert "Attachments: images, audio, video, files." in whatsapp_rules
    email_rules = page[page.index(f'data-channel-rules="{email.pk}"') :]
    assert "Subject: Re: Parcel HS-20931" in email_rules[: email_rules.index("</div>")]
    assert f'<option value="{whatsapp.pk}">' in page and f'<option value="{email.pk}">' in page
