"""The customer sidebar on the conversation page: shown, edited in place, audited, and kept to the workspace."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from frontdesk.channels.models import ChannelKind
from frontdesk.contacts.actions import add_contact_note, add_preference
from frontdesk.contacts.models import Contact, ContactNote, ContactPreference
from frontdesk.conversations.models import Conversation, ConversationLabel
from frontdesk.core.models import AuditEntry, Member, Role
from frontdesk.pipeline import events
from frontdesk.pipeline.events import Event
from tests.factories import (
    make_channel,
    make_contact,
    make_conversation,
    make_identity,
    make_label,
    make_member,
    make_workspace,
)

HTMX = {"HX-Request": "true"}
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture
def published() -> Iterator[list[Event]]:
    heard: list[Event] = []
    events._subscribers["tests.sidebar"] = heard.extend
    yield heard
    del events._subscribers["tests.sidebar"]


@pytest.fixture
def conversation(agent: Member) -> Conversation:
    contact = make_contact(agent.workspace, name="陳大文", email="tai.man@example.com", attributes={"tier": "gold"})
    return make_conversation(agent.workspace, contact=contact, subject="Seat change")


@pytest.fixture
def signed_in(client: Client, agent: Member) -> Client:
    client.force_login(agent.user)
    return client


def sidebar_url(conversation: Conversation, section: str) -> str:
    return f"/inbox/conversations/{conversation.pk}/sidebar/{section}/"


def page_of(client: Client, conversation: Conversation) -> str:
    response = client.get(f"/inbox/conversations/{conversation.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def post(client: Client, url: str, data: dict[str, Any]) -> str:
    response = client.post(url, data, headers=HTMX)
    assert response.status_code == 200, response.content
    return response.content.decode()


def test_conversation_page_shows_the_customer_sidebar(signed_in: Client, conversation: Conversation) -> None:
    contact = conversation.contact
    channel = make_channel(conversation.workspace, ChannelKind.LINE, name="Shop LINE")
    make_identity(contact, channel, external_id="U1234")
    earlier = make_conversation(conversation.workspace, contact=contact, channel=channel, subject="Lost bag")
    page = page_of(signed_in, conversation)
    assert 'data-testid="customer-sidebar"' in page
    assert "tai.man@example.com" in page and "tier" in page and "gold" in page
    assert "Shop LINE" in page and "U1234" in page
    assert f"/inbox/conversations/{earlier.pk}/" in page and "Lost bag" in page
    assert "conversation-callbacks" in page


def test_profile_edit_form_saves_and_swaps_back(
    signed_in: Client, conversation: Conversation, published: list[Event], django_capture_on_commit_callbacks: Any
) -> None:
    form = signed_in.get(sidebar_url(conversation, "profile") + "?edit=1", headers=HTMX).content.decode()
    assert 'name="name"' in form and 'value="陳大文"' in form and 'name="language"' in form
    with django_capture_on_commit_callbacks(execute=True):
        shown = post(
            signed_in,
            sidebar_url(conversation, "profile"),
            {"name": "陳小文", "email": "Siu.Man@Example.com", "phone": "9123 4567", "language": "zh-hant"},
        )
    assert "陳小文" in shown and 'name="name"' not in shown
    contact = Contact.all_workspaces.get(pk=conversation.contact_id)
    assert (contact.name, contact.email, contact.phone, contact.language) == (
        "陳小文",
        "siu.man@example.com",
        "+85291234567",
        "zh-hant",
    )
    entry = AuditEntry.in_workspace(conversation.workspace).get(action="contact.updated")
    assert entry.changes["name"] == ["陳大文", "陳小文"]
    assert [event.type for event in published] == ["contact.updated"]
    assert published[0].payload["contact"]["id"] == contact.pk


def test_profile_errors_are_shown_in_the_form_and_nothing_is_saved(
    signed_in: Client, conversation: Conversation
) -> None:
    shown = post(
        signed_in,
        sidebar_url(conversation, "profile"),
        {"name": "Changed", "email": "not-an-email", "phone": "12", "language": ""},
    )
    assert 'aria-invalid="true"' in shown and 'role="alert"' in shown
    assert 'value="Changed"' in shown, "what the agent typed is kept"
    shown = post(
        signed_in, sidebar_url(conversation, "profile"), {"name": "Changed", "email": "", "phone": "12", "language": ""}
    )
    assert "is not a valid phone number" in shown
    assert Contact.all_workspaces.get(pk=conversation.contact_id).name == "陳大文"


def test_profile_without_htmx_returns_to_the_conversation(signed_in: Client, conversation: Conversation) -> None:
    response = signed_in.post(
        sidebar_url(conversation, "profile"), {"name": "Plain form", "email": "", "phone": "", "language": "en"}
    )
    assert response.status_code == 302 and response["Location"] == f"/inbox/conversations/{conversation.pk}/"
    assert "Plain form" in page_of(signed_in, conversation)


def test_attributes_are_added_renamed_and_removed(signed_in: Client, conversation: Conversation) -> None:
    url = sidebar_url(conversation, "attributes")
    shown = post(signed_in, url, {"key": "會員編號", "value": "A-1234"})
    assert "會員編號" in shown and "A-1234" in shown
    post(signed_in, url, {"previous_key": "tier", "key": "level", "value": "platinum"})
    contact = Contact.all_workspaces.get(pk=conversation.contact_id)
    assert contact.attributes == {"會員編號": "A-1234", "level": "platinum"}
    form = signed_in.get(url + "?edit=level", headers=HTMX).content.decode()
    assert 'value="platinum"' in form and 'name="previous_key" value="level"' in form
    post(signed_in, f"{url}remove/", {"key": "level"})
    assert Contact.all_workspaces.get(pk=conversation.contact_id).attributes == {"會員編號": "A-1234"}
    actions = list(AuditEntry.in_workspace(conversation.workspace).values_list("action", flat=True))
    assert actions.count("contact.updated") == 3


def test_attributes_stored_through_the_api_as_numbers_or_lists_are_shown_as_json(
    signed_in: Client, conversation: Conversation
) -> None:
    contact = conversation.contact
    contact.attributes = {"orders": 12, "vip": True, "seats": ["12A", "12B"]}
    contact.save()
    shown = signed_in.get(sidebar_url(conversation, "attributes"), headers=HTMX).content.decode()
    assert "12" in shown and "true" in shown and "[&quot;12A&quot;, &quot;12B&quot;]" in shown


def test_attribute_names_refuse_markup_and_duplicates(signed_in: Client, conversation: Conversation) -> None:
    url = sidebar_url(conversation, "attributes")
    shown = post(signed_in, url, {"key": "<b>x</b>", "value": "1"})
    assert "without &lt; &gt; &amp;" in shown and 'aria-invalid="true"' in shown
    shown = post(signed_in, url, {"key": "tier", "value": "silver"})
    assert "already has an attribute named tier" in shown
    assert Contact.all_workspaces.get(pk=conversation.contact_id).attributes == {"tier": "gold"}


def test_preferences_are_added_from_this_conversation_with_their_source(
    signed_in: Client,
    agent: Member,
    conversation: Conversation,
    published: list[Event],
    django_capture_on_commit_callbacks: Any,
) -> None:
    agent.user.name = "Ana Wong"
    agent.user.save()
    earlier = make_conversation(conversation.workspace, contact=conversation.contact, subject="Earlier")
    add_preference(conversation.contact, agent, "dislike", "phone calls", conversation=earlier)
    url = sidebar_url(conversation, "preferences")
    assert 'name="kind" value="like"' in signed_in.get(url + "?add=like", headers=HTMX).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        shown = post(signed_in, url, {"kind": "like", "text": "  vegetarian   meal "})
    preference = ContactPreference.in_workspace(conversation.workspace).get(kind="like")
    assert preference.text == "vegetarian meal"
    assert preference.source_conversation == conversation and preference.created_by == agent
    assert "vegetarian meal" in shown and "said in this conversation" in shown and "added by Ana Wong" in shown
    assert f"said in conversation #{earlier.pk}" in shown
    assert [event.type for event in published] == ["contact.preference_added"]
    assert published[0].payload["contact_id"] == conversation.contact_id
    assert "already noted" in post(signed_in, url, {"kind": "like", "text": "Vegetarian meal"})
    post(signed_in, f"{url}{preference.pk}/remove/", {})
    assert not ContactPreference.in_workspace(conversation.workspace).filter(kind="like").exists()
    actions = set(AuditEntry.in_workspace(conversation.workspace).values_list("action", flat=True))
    assert {"contact.preference_added", "contact.preference_removed"} <= actions


def test_staff_notes_newest_first_and_only_the_author_or_an_admin_deletes(
    client: Client, agent: Member, admin: Member, conversation: Conversation
) -> None:
    colleague = make_member(conversation.workspace, Role.AGENT)
    theirs = add_contact_note(conversation.contact, colleague, "Prefers email over calls")
    client.force_login(agent.user)
    url = sidebar_url(conversation, "notes")
    shown = post(client, url, {"text": "Gold member since 2019"})
    assert shown.index("Gold member since 2019") < shown.index("Prefers email over calls")
    mine = ContactNote.in_workspace(conversation.workspace).get(author=agent)
    assert f"{url}{mine.pk}/delete/" in shown and f"{url}{theirs.pk}/delete/" not in shown
    assert client.post(f"{url}{theirs.pk}/delete/", headers=HTMX).status_code == 403
    post(client, f"{url}{mine.pk}/delete/", {})
    client.force_login(admin.user)
    post(client, f"{url}{theirs.pk}/delete/", {})
    assert not ContactNote.in_workspace(conversation.workspace).exists()
    deleted = AuditEntry.in_workspace(conversation.workspace).filter(action="contact.note_deleted")
    assert deleted.count() == 2


def test_an_empty_note_is_refused_inline(signed_in: Client, conversation: Conversation) -> None:
    shown = post(signed_in, sidebar_url(conversation, "notes"), {"text": "   "})
    assert "Write the note first." in shown
    assert not ContactNote.in_workspace(conversation.workspace).exists()


def test_staff_notes_never_reach_the_customer(
    signed_in: Client,
    agent: Member,
    conversation: Conversation,
    published: list[Event],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        add_contact_note(conversation.contact, agent, "Secret: refund abuse suspected")
    assert "Secret" not in repr([event.as_dict() for event in published])
    assert not conversation.messages.exists(), "a staff note is not a message of the conversation"
    api = signed_in.get(f"/api/v1/contacts/{conversation.contact_id}")
    assert b"Secret" not in api.content


def test_labels_are_added_by_name_and_removed(signed_in: Client, conversation: Conversation) -> None:
    vip = make_label(conversation.workspace, "VIP")
    make_label(conversation.workspace, "refund")
    url = sidebar_url(conversation, "labels")
    form = signed_in.get(url + "?edit=1", headers=HTMX).content.decode()
    assert '<datalist id="sidebar-label-options">' in form and 'value="VIP"' in form
    shown = post(signed_in, url, {"label": "VIP"})
    assert 'class="sidebar-chip label label-color-6b7280"' in shown and "VIP" in shown
    assert "<svg" not in shown, (
        "inline SVG on a page is a sign of injected markup (tests/channels/test_email_security.py)"
    )
    assert list(ConversationLabel.in_workspace(conversation.workspace).values_list("label__name", flat=True)) == ["VIP"]
    assert "There is no label named nope." in post(signed_in, url, {"label": "nope"})
    post(signed_in, f"{url}{vip.pk}/remove/", {})
    assert not ConversationLabel.in_workspace(conversation.workspace).exists()


def test_hostile_names_attributes_and_notes_are_shown_inert(
    signed_in: Client, agent: Member, conversation: Conversation
) -> None:
    contact = conversation.contact
    contact.name = SCRIPT
    contact.attributes = {"site": "javascript:alert(1)", "home": "https://shop.example/a?b=1&c=2", "x": SCRIPT}
    contact.save()
    add_contact_note(contact, agent, f'{SCRIPT} <a href="javascript:alert(2)">click</a>')
    add_preference(contact, agent, "like", SCRIPT, conversation=conversation)
    page = page_of(signed_in, conversation)
    assert "<script>alert" not in page
    assert 'href="javascript:' not in page
    assert "javascript:alert(1)" in page, "shown as text"
    assert 'href="https://shop.example/a?b=1&amp;c=2"' in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_other_workspaces_notes_and_preferences_are_not_found(
    signed_in: Client, agent: Member, conversation: Conversation
) -> None:
    other = make_workspace("Other")
    outsider = make_member(other, Role.ADMIN)
    foreign_conversation = make_conversation(other)
    note = add_contact_note(foreign_conversation.contact, outsider, "theirs")
    preference = add_preference(foreign_conversation.contact, outsider, "like", "theirs")
    url = sidebar_url(conversation, "notes")
    assert signed_in.post(f"{url}{note.pk}/delete/").status_code == 404
    assert signed_in.post(f"{sidebar_url(conversation, 'preferences')}{preference.pk}/remove/").status_code == 404
    assert signed_in.post(sidebar_url(foreign_conversation, "notes"), {"text": "x"}).status_code == 404
    assert signed_in.post(sidebar_url(foreign_conversation, "profile"), {"name": "x"}).status_code == 404
    # A note of another contact of the same workspace is not reached through this conversation either.
    elsewhere = add_contact_note(make_contact(agent.workspace), agent, "another customer")
    assert signed_in.post(f"{url}{elsewhere.pk}/delete/").status_code == 404
    assert ContactNote.all_workspaces.count() == 2 and ContactPreference.all_workspaces.count() == 1


def test_a_signed_out_visitor_is_sent_to_sign_in(client: Client, conversation: Conversation) -> None:
    response = client.post(sidebar_url(conversation, "notes"), {"text": "x"})
    assert response.status_code == 302 and "login" in response["Location"]
    assert not ContactNote.all_workspaces.exists()


def test_sidebar_queries_do_not_grow_with_notes_and_preferences(
    signed_in: Client, agent: Member, conversation: Conversation
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            page_of(signed_in, conversation)
        return len(captured)

    add_contact_note(conversation.contact, agent, "one")
    add_preference(conversation.contact, agent, "like", "one", conversation=conversation)
    queries()  # the first visit also records the session and the read
    before = queries()
    for number in range(5):
        add_contact_note(conversation.contact, make_member(agent.workspace), f"note {number}")
        add_preference(conversation.contact, make_member(agent.workspace), "dislike", f"thing {number}")
    assert queries() == before
