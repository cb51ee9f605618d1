"""The sidebar's typed attributes, compliments and complaints, and business context: shown, edited, kept inert."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from frontdesk.channels.models import ChannelKind
from frontdesk.contacts.attributes import create_definition
from frontdesk.contacts.context import upsert_context
from frontdesk.contacts.feedback import record_feedback
from frontdesk.contacts.models import AttributeType, Contact, ContactFeedback
from frontdesk.conversations.models import Conversation, MessageKind
from frontdesk.core.models import AuditEntry, Member, Role
from frontdesk.pipeline import events
from frontdesk.pipeline.events import Event
from tests.factories import make_channel, make_contact, make_conversation, make_member, make_message, make_workspace

HTMX = {"HX-Request": "true"}
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture
def published() -> Iterator[list[Event]]:
    heard: list[Event] = []
    events._subscribers["tests.sidebar_profile"] = heard.extend
    yield heard
    del events._subscribers["tests.sidebar_profile"]


@pytest.fixture
def conversation(agent: Member) -> Conversation:
    contact = make_contact(agent.workspace, name="陳大文", email="tai.man@example.com", attributes={"seat": "12A"})
    return make_conversation(agent.workspace, contact=contact, subject="Seat change")


@pytest.fixture
def defined(admin: Member) -> None:
    create_definition(admin, key="tier", label="Membership tier", type=AttributeType.CHOICE, choices=["Gold", "Silver"])
    create_definition(admin, key="birthday", label="Birthday", type=AttributeType.DATE)
    create_definition(admin, key="vip", label="VIP", type=AttributeType.BOOLEAN)
    create_definition(admin, key="flights", label="Flights", type=AttributeType.NUMBER)
    create_definition(admin, key="profile", label="Profile page", type=AttributeType.URL)


@pytest.fixture
def signed_in(client: Client, agent: Member) -> Client:
    client.force_login(agent.user)
    return client


def sidebar_url(conversation: Conversation, section: str) -> str:
    return f"/inbox/conversations/{conversation.pk}/sidebar/{section}/"


def post(client: Client, url: str, data: dict[str, Any]) -> str:
    response = client.post(url, data, headers=HTMX)
    assert response.status_code == 200, response.content
    return response.content.decode()


def attributes_of(conversation: Conversation) -> dict[str, Any]:
    attributes: dict[str, Any] = Contact.all_workspaces.get(pk=conversation.contact_id).attributes
    return attributes


@pytest.mark.usefixtures("defined")
def test_defined_attributes_come_first_in_order_with_typed_inputs(
    signed_in: Client, conversation: Conversation
) -> None:
    shown = signed_in.get(sidebar_url(conversation, "attributes"), headers=HTMX).content.decode()
    positions = [
        shown.index(label) for label in ("Membership tier", "Birthday", "VIP", "Flights", "Profile page", "seat")
    ]
    assert positions == sorted(positions), "defined ones first, in the workspace's order, then the free ones"
    assert shown.count("Not set") == 5
    forms = {
        "tier": '<select id="sidebar-attribute-value" name="value"',
        "birthday": 'type="date"',
        "vip": 'type="checkbox"',
        "flights": 'type="number"',
        "profile": 'type="url"',
    }
    for key, control in forms.items():
        form = signed_in.get(sidebar_url(conversation, "attributes") + f"?edit={key}", headers=HTMX).content.decode()
        assert control in form, key
        assert f'<input type="hidden" name="key" value="{key}">' in form


@pytest.mark.usefixtures("defined")
def test_typed_values_are_saved_and_shown_formatted(
    signed_in: Client, conversation: Conversation, published: list[Event], django_capture_on_commit_callbacks: Any
) -> None:
    url = sidebar_url(conversation, "attributes")
    with django_capture_on_commit_callbacks(execute=True):
        post(signed_in, url, {"previous_key": "tier", "key": "tier", "value": "Gold"})
    post(signed_in, url, {"previous_key": "birthday", "key": "birthday", "value": "1990-05-01"})
    # The checkbox form sends a hidden "false" first and, when ticked, "true" after it.
    signed_in.post(
        url,
        "previous_key=vip&key=vip&value=false&value=true",
        content_type="application/x-www-form-urlencoded",
        headers=HTMX,
    )
    post(signed_in, url, {"previous_key": "flights", "key": "flights", "value": "40"})
    shown = post(signed_in, url, {"previous_key": "profile", "key": "profile", "value": "https://air.example/m/42"})
    assert attributes_of(conversation) == {
        "seat": "12A",
        "tier": "Gold",
        "birthday": "1990-05-01",
        "vip": True,
        "flights": 40,
        "profile": "https://air.example/m/42",
    }
    assert '<time datetime="1990-05-01">May 1, 1990</time>' in shown
    assert ">Yes<" in shown and ">40<" in shown
    assert (
        '<a href="https://air.example/m/42" rel="noopener noreferrer nofollow" target="_blank">https://air.example/m/42</a>'
        in shown
    )
    assert [event.type for event in published] == ["contact.updated"]
    signed_in.post(
        url, "previous_key=vip&key=vip&value=false", content_type="application/x-www-form-urlencoded", headers=HTMX
    )
    assert attributes_of(conversation)["vip"] is False


@pytest.mark.usefixtures("defined")
def test_a_date_is_shown_in_the_members_language(client: Client, agent: Member, conversation: Conversation) -> None:
    agent.user.language = "zh-hant"
    agent.user.save()
    client.force_login(agent.user)
    contact = conversation.contact
    contact.attributes = {"birthday": "1990-05-01", "vip": False}
    contact.save()
    with translation.override("zh-hant"):
        shown = client.get(sidebar_url(conversation, "attributes"), headers=HTMX).content.decode()
    assert "1990年5月1日" in shown


@pytest.mark.usefixtures("defined")
def test_wrongly_typed_input_is_refused_in_the_form(signed_in: Client, conversation: Conversation) -> None:
    url = sidebar_url(conversation, "attributes")
    shown = post(signed_in, url, {"previous_key": "flights", "key": "flights", "value": "many"})
    assert "Enter a number, such as 42 or 3.5." in shown and 'aria-invalid="true"' in shown
    assert 'value="many"' in shown, "what the agent typed is kept"
    shown = post(signed_in, url, {"previous_key": "profile", "key": "profile", "value": "javascript:alert(1)"})
    assert "Enter a link that starts with https:// or http://." in shown
    shown = post(signed_in, url, {"previous_key": "tier", "key": "tier", "value": "Bronze"})
    assert "Choose one of: Gold, Silver." in shown
    assert attributes_of(conversation) == {"seat": "12A"}


def test_a_value_stored_before_its_type_changed_is_shown_as_text(
    signed_in: Client, admin: Member, conversation: Conversation
) -> None:
    contact = conversation.contact
    contact.attributes = {"joined": "last spring", "site": "javascript:alert(1)", "x": SCRIPT}
    contact.save()
    create_definition(admin, key="joined", label="Joined", type=AttributeType.DATE)
    create_definition(admin, key="site", label="Site", type=AttributeType.URL)
    shown = signed_in.get(sidebar_url(conversation, "attributes"), headers=HTMX).content.decode()
    assert "last spring" in shown and "javascript:alert(1)" in shown
    assert 'href="javascript:' not in shown and SCRIPT not in shown and "&lt;script&gt;" in shown


def test_feedback_is_recorded_from_the_conversation_with_counts_and_sources(
    signed_in: Client,
    agent: Member,
    conversation: Conversation,
    published: list[Event],
    django_capture_on_commit_callbacks: Any,
) -> None:
    url = sidebar_url(conversation, "feedback")
    form = signed_in.get(url + "?add=complaint", headers=HTMX).content.decode()
    assert 'name="kind" value="complaint"' in form and "The customer complained about" in form
    with django_capture_on_commit_callbacks(execute=True):
        shown = post(signed_in, url, {"kind": "complaint", "text": "Bag lost on CX123"})
    earlier = make_conversation(agent.workspace, contact=conversation.contact, subject="Earlier")
    record_feedback(agent, conversation.contact, kind="compliment", text="Crew was kind", source_conversation=earlier)
    shown = signed_in.get(url, headers=HTMX).content.decode()
    assert (
        'data-testid="feedback-count-complaint">1<' in shown and 'data-testid="feedback-count-compliment">1<' in shown
    )
    assert "said in this conversation" in shown
    assert f'href="/inbox/conversations/{earlier.pk}/">said in conversation #{earlier.pk}</a>' in shown
    assert f"added by {agent.display_name or agent.user}" in shown
    row = ContactFeedback.in_workspace(agent.workspace).get(kind="complaint")
    assert row.source_conversation_id == conversation.pk and row.created_by_id == agent.pk
    assert [event.type for event in published] == ["contact.feedback_added"]
    assert AuditEntry.in_workspace(agent.workspace).filter(action="contact.feedback_added").count() == 2
    post(signed_in, f"{url}{row.pk}/remove/", {})
    assert list(ContactFeedback.in_workspace(agent.workspace).values_list("kind", flat=True)) == ["compliment"]


def test_empty_feedback_is_refused_and_hostile_text_is_inert(
    signed_in: Client, agent: Member, conversation: Conversation
) -> None:
    url = sidebar_url(conversation, "feedback")
    shown = post(signed_in, url, {"kind": "complaint", "text": "  "})
    assert "Write what the customer said." in shown and 'aria-invalid="true"' in shown
    post(signed_in, url, {"kind": "compliment", "text": SCRIPT})
    shown = signed_in.get(url, headers=HTMX).content.decode()
    assert SCRIPT not in shown and "&lt;script&gt;alert(1)&lt;/script&gt;" in shown


def test_business_context_is_shown_with_status_fields_and_a_safe_link(
    signed_in: Client, agent: Member, conversation: Conversation
) -> None:
    contact = conversation.contact
    upsert_context(
        agent,
        contact,
        kind="booking",
        external_id="7QKD2P",
        title=f"HKG → NRT {SCRIPT}",
        status="cancelled",
        url="https://air.example/b/7QKD2P",
        data={"flight": "CX123", "date": "2026-12-01", "paid": True, "seats": 2, "meal": "veg", "bags": 1},
    )
    upsert_context(agent, contact, kind="ticket", external_id="T-1", title="Refund")
    page = signed_in.get(f"/inbox/conversations/{conversation.pk}/").content.decode()
    assert 'data-sidebar-refresh="context.updated context.removed"' in page
    assert "7QKD2P" in page and "cancelled" in page and "CX123" in page and "2026-12-01" in page
    assert "and 2 more fields" in page
    assert 'href="https://air.example/b/7QKD2P" rel="noopener noreferrer nofollow" target="_blank"' in page
    assert SCRIPT not in page and "HKG → NRT &lt;script&gt;" in page
    assert page.index("T-1") < page.index("7QKD2P"), "the most recently updated first"
    empty = make_conversation(agent.workspace, contact=make_contact(agent.workspace, name="New"))
    assert "Nothing attached yet." in signed_in.get(sidebar_url(empty, "context"), headers=HTMX).content.decode()


def test_the_order_on_the_customers_page_is_marked(signed_in: Client, agent: Member) -> None:
    webchat = make_channel(agent.workspace, ChannelKind.WEBCHAT, name="Site chat")
    contact = make_contact(agent.workspace, name="Visitor")
    conversation = make_conversation(agent.workspace, contact=contact, channel=webchat)
    make_message(
        conversation,
        MessageKind.INBOUND,
        text="Where is my order?",
        metadata={"provider": {"context": {"order_number": "A-42", "page_title": "Order A-42"}}},
    )
    upsert_context(agent, contact, kind="order", external_id="A-42", status="shipped")
    upsert_context(agent, contact, kind="order", external_id="A-41", status="delivered")
    shown = signed_in.get(sidebar_url(conversation, "context"), headers=HTMX).content.decode()
    assert shown.count("On the customer's page") == 1
    marked = shown.index("On the customer's page")
    assert shown.rindex("A-42", 0, marked) > shown.rfind("A-41", 0, marked)


def test_other_workspaces_feedback_and_conversations_are_not_found(
    signed_in: Client, agent: Member, conversation: Conversation
) -> None:
    outsider = make_member(make_workspace("Other"), Role.ADMIN)
    foreign = make_conversation(outsider.workspace)
    theirs = record_feedback(outsider, foreign.contact, kind="complaint", text="theirs")
    url = sidebar_url(conversation, "feedback")
    assert signed_in.post(f"{url}{theirs.pk}/remove/").status_code == 404
    assert signed_in.post(sidebar_url(foreign, "feedback"), {"kind": "complaint", "text": "x"}).status_code == 404
    assert signed_in.get(sidebar_url(foreign, "context")).status_code == 404
    # Feedback of another contact of the same workspace is not reached through this conversation either.
    other = record_feedback(agent, make_contact(agent.workspace), kind="complaint", text="another customer")
    assert signed_in.post(f"{url}{other.pk}/remove/").status_code == 404
    assert ContactFeedback.all_workspaces.count() == 2
