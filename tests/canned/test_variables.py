"""Filling a canned response's variables for a conversation."""

from __future__ import annotations

from typing import Any

from frontdesk.canned.variables import render_canned
from frontdesk.channels.models import ChannelKind
from frontdesk.conversations.models import Conversation, MessageKind
from frontdesk.core.models import Member
from tests.factories import make_channel, make_contact, make_conversation, make_message


def _web_chat_conversation(agent: Member, context: dict[str, str], **contact: Any) -> Conversation:
    channel = make_channel(agent.workspace, ChannelKind.WEBCHAT)
    conversation = make_conversation(agent.workspace, make_contact(agent.workspace, **contact), channel)
    make_message(conversation, MessageKind.INBOUND, metadata={"provider": {"context": context}})
    return conversation


def test_contact_agent_and_conversation_variables_are_filled(agent: Member) -> None:
    agent.user.name = "Ada Wong"
    agent.user.save()
    conversation = make_conversation(
        agent.workspace,
        make_contact(
            agent.workspace,
            name="陳大文",
            email="taiman@example.com",
            phone="+85291234567",
            attributes={"tier": "gold"},
        ),
    )
    rendered = render_canned(
        "Hi {{contact.name}} ({{ contact.email }}, {{contact.phone}}, {{contact.tier}}), "
        "{{agent.name}} here about #{{conversation.id}}.",
        conversation,
        agent,
    )
    assert rendered.text == (
        f"Hi 陳大文 (taiman@example.com, +85291234567, gold), Ada Wong here about #{conversation.pk}."
    )
    assert rendered.missing == []


def test_order_and_page_come_from_the_web_chat_page_context(agent: Member) -> None:
    conversation = _web_chat_conversation(
        agent, {"order_number": "HK-1042", "order_status": "shipped", "page_url": "https://shop.example/o/1"}
    )
    rendered = render_canned(
        "Order {{order.number}} is {{order.status}}; you were on {{page.url}}", conversation, agent
    )
    assert rendered.text == "Order HK-1042 is shipped; you were on https://shop.example/o/1"


def test_contact_attributes_are_the_fallback_for_business_context(agent: Member) -> None:
    conversation = make_conversation(agent.workspace, make_contact(agent.workspace, attributes={"order_number": "A-7"}))
    assert render_canned("{{order.number}}", conversation, agent).text == "A-7"


def test_missing_and_unknown_variables_stay_as_written_and_are_listed(agent: Member) -> None:
    conversation = make_conversation(agent.workspace, make_contact(agent.workspace, name="Mei", email=""))
    rendered = render_canned(
        "Dear {{contact.name}}, we will write to {{contact.email}} "
        "about {{order.number}} {{ unknown }} {{contact.email}}",
        conversation,
        agent,
    )
    assert (
        rendered.text
        == "Dear Mei, we will write to {{contact.email}} about {{order.number}} {{ unknown }} {{contact.email}}"
    )
    assert rendered.missing == ["contact.email", "order.number", "unknown"]


def test_hostile_values_are_inserted_as_plain_text_once(agent: Member) -> None:
    hostile = "{{agent.name}} {% load x %}<script>alert(1)</script>"
    conversation = _web_chat_conversation(
        agent, {"order_number": "{{contact.email}}"}, name=hostile, email="secret@example.com"
    )
    rendered = render_canned("{{contact.name}} / {{order.number}}", conversation, agent)
    # Not re-expanded, not evaluated as a template, not escaped (the composer shows it as text).
    assert rendered.text == f"{hostile} / {{{{contact.email}}}}"
    assert rendered.missing == []


def test_a_hostile_canned_text_is_not_a_template(agent: Member) -> None:
    conversation = make_conversation(agent.workspace)
    text = "{% debug %}{{ settings.SECRET_KEY }}{{contact.__class__}}{{ {{contact.name}} }}"
    rendered = render_canned(text, conversation, agent)
    assert "{% debug %}" in rendered.text
    assert "settings.SECRET_KEY" in rendered.missing and "contact.__class__" in rendered.missing
