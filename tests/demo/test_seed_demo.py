from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, F
from django.test import Client
from django.utils import timezone

from frontdesk.canned.models import CannedResponse
from frontdesk.canned.variables import render_canned
from frontdesk.channels.connect import NoConnector, connector_for
from frontdesk.channels.models import Channel, ChannelKind
from frontdesk.channels.webchat.setup import allowed_origins
from frontdesk.contacts.models import Contact, Identity
from frontdesk.conversations.models import (
    Conversation,
    ConversationLabel,
    ConversationStatus,
    Label,
    Message,
    MessageKind,
)
from frontdesk.core.models import Member, Role, Team, TeamMembership, User, Workspace
from frontdesk.demo import DEMO_ADMIN_EMAIL, DEMO_AGENT_EMAIL, DEMO_PASSWORD, DEMO_WORKSPACE_SLUGS
from frontdesk.demo.disruption import FLIGHT, PASSENGER_MESSAGES
from frontdesk.incidents.models import IncidentConversation
from frontdesk.search.query import search

pytestmark = pytest.mark.django_db

TRADITIONAL_ONLY = re.compile("[機們話說這會]")
SIMPLIFIED_ONLY = re.compile("[机们话说这会]")
# Letters, digits and the punctuation of English prose, dashes and curly quotes included.
ENGLISH_SENTENCE = re.compile(r"^[A-Z][A-Za-z0-9 ,'\u2019\u2013\u2014:;()$.!?/-]+[.!?]$")


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def test_default_seed_builds_the_promised_demo() -> None:
    output = seed()

    workspaces = Workspace.objects.filter(slug__in=DEMO_WORKSPACE_SLUGS)
    assert sorted(workspaces.values_list("name", flat=True)) == ["Harbour Shop", "Skyward Airlines"]
    for workspace in workspaces:
        assert Member.in_workspace(workspace).count() == 8
        assert Team.in_workspace(workspace).count() == 3
        assert not Team.in_workspace(workspace).annotate(n=Count("members")).filter(n=0).exists()
        assert Label.in_workspace(workspace).count() >= 8
        assert Member.in_workspace(workspace).get(user__email=DEMO_ADMIN_EMAIL).role == Role.OWNER
        agent = Member.in_workspace(workspace).get(user__email=DEMO_AGENT_EMAIL)
        assert agent.role == Role.AGENT
        assert TeamMembership.in_workspace(workspace).filter(member=agent).exists()
        # Saved replies in both scripts, whose variables fill in for a demo conversation.
        hello = CannedResponse.in_workspace(workspace).get(shortcut="hello")
        assert CannedResponse.in_workspace(workspace).filter(shortcut__endswith="-zh").exists()
        conversation = Conversation.in_workspace(workspace).select_related("contact").first()
        assert conversation is not None
        filled = render_canned(hello.text, conversation, agent)
        assert str(conversation.contact) in filled.text and "{{" not in filled.text

    assert Contact.all_workspaces.count() == 300
    # The cancelled flight's passengers (one of them on two channels) open their cases live, through the pipeline.
    replayed = Message.all_workspaces.filter(provider_message_id__contains="disruption")
    assert replayed.count() == len(PASSENGER_MESSAGES) + 2
    assert Conversation.all_workspaces.count() == 1000 + len(PASSENGER_MESSAGES) + 1
    bulk = Message.all_workspaces.exclude(conversation__in=replayed.values("conversation"))
    counts = bulk.values("conversation").annotate(n=Count("id")).values_list("n", flat=True)
    assert min(counts) >= 2 and max(counts) <= 8
    assert Message.all_workspaces.filter(kind=MessageKind.NOTE).count() > 50
    assert ConversationLabel.all_workspaces.count() > 500

    texts = list(Message.all_workspaces.exclude(kind=MessageKind.NOTE).values_list("text", flat=True))
    assert sum(bool(TRADITIONAL_ONLY.search(text)) for text in texts) > 300
    assert sum(bool(SIMPLIFIED_ONLY.search(text)) for text in texts) > 150
    assert sum(bool(ENGLISH_SENTENCE.match(text)) for text in texts) > 300

    statuses = set(Conversation.all_workspaces.values_list("status", flat=True))
    assert statuses == {s.value for s in ConversationStatus}
    assert "Creating contacts… 180" in output
    assert "Sign in at http://" in output and DEMO_AGENT_EMAIL in output and DEMO_PASSWORD in output


def test_seeded_rows_never_point_into_another_workspace() -> None:
    seed("--contacts", "40", "--conversations", "120")

    assert not Message.all_workspaces.exclude(workspace=F("conversation__workspace")).exists()
    assert not Message.all_workspaces.filter(channel__isnull=False).exclude(workspace=F("channel__workspace")).exists()
    assert not Message.all_workspaces.filter(author__isnull=False).exclude(workspace=F("author__workspace")).exists()
    assert not Identity.all_workspaces.exclude(channel__workspace=F("contact__workspace")).exists()
    assert not Identity.all_workspaces.exclude(workspace=F("contact__workspace")).exists()
    conversations = Conversation.all_workspaces
    assert not conversations.exclude(workspace=F("contact__workspace")).exists()
    assert not conversations.exclude(workspace=F("channel__workspace")).exists()
    assert not conversations.filter(assignee__isnull=False).exclude(workspace=F("assignee__workspace")).exists()
    assert not conversations.filter(team__isnull=False).exclude(workspace=F("team__workspace")).exists()
    assert not ConversationLabel.all_workspaces.exclude(workspace=F("label__workspace")).exists()
    assert not TeamMembership.all_workspaces.exclude(workspace=F("team__workspace")).exists()
    # Each conversation arrives on a channel the contact has an identity on.
    for conversation in conversations.select_related("contact"):
        assert conversation.contact.identities.filter(channel_id=conversation.channel_id).exists()


def test_conversation_state_matches_its_messages() -> None:
    seed("--contacts", "40", "--conversations", "150")
    now = timezone.now()

    for conversation in Conversation.all_workspaces.prefetch_related("messages"):
        messages = list(conversation.messages.all())
        visible = [message for message in messages if message.kind != MessageKind.NOTE]
        assert conversation.last_activity_at == messages[-1].created_at <= now
        assert conversation.last_message_preview == visible[-1].text[:200]
        waiting = conversation.status == ConversationStatus.OPEN and visible[-1].kind == MessageKind.INBOUND
        assert (conversation.waiting_since is not None) == waiting
        if conversation.status == ConversationStatus.SNOOZED:
            assert conversation.snoozed_until is not None and conversation.snoozed_until > now
        assert (conversation.resolved_at is not None) == (conversation.status == ConversationStatus.RESOLVED)
        for message in messages:
            assert (message.channel_id is None) == (message.kind == MessageKind.NOTE)
            assert (message.author_id is not None) == (message.kind != MessageKind.INBOUND)
    links = ConversationLabel.all_workspaces
    assert links.exists()
    assert not links.exclude(status=F("conversation__status")).exists()
    assert not links.exclude(last_activity_at=F("conversation__last_activity_at")).exists()
    newest = Conversation.all_workspaces.order_by("-last_activity_at").first()
    assert newest is not None and (now - newest.last_activity_at).total_seconds() < 12 * 3600


def test_demo_logins_work(client: Client) -> None:
    seed("--contacts", "4", "--conversations", "4")

    assert client.login(email=DEMO_AGENT_EMAIL, password=DEMO_PASSWORD)
    assert client.login(email=DEMO_ADMIN_EMAIL, password=DEMO_PASSWORD)
    other = User.objects.filter(email__endswith="@skyward.demo").first()
    assert other is not None and client.login(email=other.email, password=DEMO_PASSWORD)


def test_if_empty_leaves_an_existing_demo_alone() -> None:
    seed("--contacts", "10", "--conversations", "20")

    output = seed("--if-empty", "--contacts", "10", "--conversations", "20")

    assert "nothing to do" in output
    assert "Sign in at" in output
    assert Workspace.objects.filter(slug__in=DEMO_WORKSPACE_SLUGS).count() == 2
    assert Conversation.all_workspaces.count() == 20


def test_seeding_twice_without_reset_is_refused() -> None:
    seed("--contacts", "4", "--conversations", "4")

    with pytest.raises(CommandError, match="--reset"):
        seed("--contacts", "4", "--conversations", "4")


def test_reset_rebuilds_and_leaves_other_workspaces_alone() -> None:
    other = Workspace.objects.create(name="Acme", slug="acme")
    seed("--contacts", "10", "--conversations", "20")

    seed("--reset", "--contacts", "6", "--conversations", "8")

    assert Workspace.objects.filter(pk=other.pk).exists()
    assert Workspace.objects.filter(slug__in=DEMO_WORKSPACE_SLUGS).count() == 2
    assert Contact.all_workspaces.count() == 6
    assert Conversation.all_workspaces.count() == 8


def snapshot() -> list[object]:
    contacts = list(Contact.all_workspaces.order_by("workspace__slug", "pk").values_list("name", "email", "attributes"))
    messages = list(Message.all_workspaces.order_by("workspace__slug", "pk").values_list("kind", "text", "status"))
    users = list(User.objects.order_by("email").values_list("email", "name"))
    return [contacts, messages, users]


def test_the_same_seed_gives_the_same_demo() -> None:
    seed("--seed", "7", "--contacts", "20", "--conversations", "40")
    first = snapshot()

    seed("--reset", "--seed", "7", "--contacts", "20", "--conversations", "40")
    assert snapshot() == first

    seed("--reset", "--seed", "8", "--contacts", "20", "--conversations", "40")
    assert snapshot() != first


def test_the_demo_agent_sees_a_conversation_from_every_messaging_channel_kind() -> None:
    seed()
    agent_workspaces = Member.all_workspaces.filter(user__email=DEMO_AGENT_EMAIL).values_list("workspace", flat=True)
    kinds = set(
        Conversation.all_workspaces.filter(workspace__in=agent_workspaces).values_list("channel__kind", flat=True)
    )
    messaging = {"whatsapp", "messenger", "instagram", "line", "telegram", "wechat", "x", "sms"}
    assert messaging <= kinds, f"no demo conversation on {sorted(messaging - kinds)}"


def test_every_demo_channel_holds_the_settings_its_connector_asks_for() -> None:
    """The demo's channels read their settings the way real ones do, so the widget and mailbox pages work on them."""
    seed()
    for channel in Channel.all_workspaces.all():
        try:
            connector = connector_for(channel.kind)
        except NoConnector:
            continue
        for field in connector.fields:
            stored = channel.secrets if field.secret else channel.config
            if field.required:
                assert field.name in stored, f"{channel}: no {field.name}"
            if field.name in stored:
                assert isinstance(stored[field.name], str), f"{channel}: {field.name} is not text"
        if channel.kind == ChannelKind.WEBCHAT:
            assert allowed_origins(channel), f"{channel}: no site may embed it"


# Committed for real: the pipeline's subscribers run after each message's commit, as in production.
@pytest.mark.django_db(transaction=True)
def test_the_cancelled_flight_shows_one_case_per_passenger_grouped_and_searchable_in_both_scripts() -> None:
    seed()
    skyward = Workspace.objects.get(slug="skyward-airlines")
    # The passenger who wrote on WhatsApp and then by email has one case holding both messages.
    mail = (
        Message.in_workspace(skyward).select_related("conversation").get(provider_message_id__startswith="<disruption.")
    )
    case = mail.conversation
    assert set(case.messages.values_list("channel__kind", flat=True)) == {ChannelKind.WHATSAPP, ChannelKind.EMAIL}
    assert Conversation.in_workspace(skyward).filter(contact=case.contact, status=ConversationStatus.OPEN).count() == 1

    # The Chinese complaints, written in Traditional (Hong Kong and Taiwan) and Simplified, are one incident.
    chinese = Message.in_workspace(skyward).filter(provider_message_id__in=["demo-disruption-5", "demo-disruption-7"])
    incidents = IncidentConversation.in_workspace(skyward).filter(conversation__in=chinese.values("conversation"))
    assert incidents.count() == 2 and len(set(incidents.values_list("incident", flat=True))) == 1
    english = Message.in_workspace(skyward).get(provider_message_id="demo-disruption-0").conversation
    assert IncidentConversation.in_workspace(skyward).filter(conversation=english).exists()

    # Either script finds the other's messages: 請問 finds 请问, 谢谢 finds 謝謝.
    agent = Member.in_workspace(skyward).get(user__email=DEMO_AGENT_EMAIL)
    simplified = Message.in_workspace(skyward).get(provider_message_id="demo-disruption-6")
    traditional = Message.in_workspace(skyward).get(provider_message_id="demo-disruption-5")
    assert simplified.pk in {hit.object_id for hit in search(agent, f"{FLIGHT} 請問", kinds=["message"]).hits}
    assert traditional.pk in {hit.object_id for hit in search(agent, f"{FLIGHT} 谢谢", kinds=["message"]).hits}
