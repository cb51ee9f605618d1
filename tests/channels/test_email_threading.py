"""Which conversation a mail joins: by headers, then by a verified reply token, then by subject, else a new one."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from frontdesk.channels.email.tokens import make_token, verified_conversation
from frontdesk.channels.models import Channel, ChannelKind
from frontdesk.conversations.models import ConversationStatus, Message, MessageKind
from frontdesk.core.models import Workspace
from frontdesk.pipeline.inbound import subject_key
from tests.channels.email_flow import CUSTOMER, conversations, customer_mail, email_channel, inbound, receive
from tests.factories import make_contact, make_conversation, make_identity, make_message, make_workspace


@pytest.fixture
def channel(workspace: Workspace) -> Channel:
    return email_channel(workspace)


def our_reply(channel: Channel, message_id: str = "<ours-1@shop.example>", subject: str = "Order 1234") -> int:
    """A conversation with a customer holding a reply we sent as ``message_id``; returns the conversation id."""
    contact = make_contact(channel.workspace, email=CUSTOMER)
    make_identity(contact, channel, CUSTOMER)
    conversation = make_conversation(channel.workspace, contact, channel, subject=subject)
    make_message(conversation, MessageKind.OUTBOUND, "Your parcel leaves tomorrow.", provider_message_id=message_id)
    return conversation.pk


@pytest.mark.parametrize(
    "headers",
    [
        {"In-Reply-To": "<ours-1@shop.example>"},
        {"References": "<root@example.hk> <ours-1@shop.example> <other@example.hk>"},
        # Outlook sometimes drops In-Reply-To but keeps the chain.
        {"In-Reply-To": "<unknown@example.hk>", "References": "<ours-1@shop.example>"},
    ],
)
def test_a_reply_joins_the_conversation_of_the_mail_it_answers(channel: Channel, headers: dict[str, str]) -> None:
    conversation_id = our_reply(channel)

    receive(channel, customer_mail("Thanks!", subject="Completely different", **headers))

    [message] = inbound(channel)
    assert message.conversation_id == conversation_id


def test_a_colleague_in_cc_answering_our_mail_joins_the_thread(channel: Channel) -> None:
    conversation_id = our_reply(channel)

    receive(channel, customer_mail("I am his manager.", sender="boss@example.hk", In_Reply_To="<ours-1@shop.example>"))

    assert inbound(channel)[0].conversation_id == conversation_id


def test_a_reply_reopens_a_resolved_conversation(channel: Channel) -> None:
    conversation_id = our_reply(channel)
    [conversation] = conversations(channel)
    conversation.status = ConversationStatus.RESOLVED
    conversation.resolved_at = timezone.now()
    conversation.save()

    receive(channel, customer_mail("One more thing", In_Reply_To="<ours-1@shop.example>"))

    [conversation] = conversations(channel)
    assert conversation.pk == conversation_id and conversation.status == ConversationStatus.OPEN


def test_the_customers_own_follow_up_to_their_mail_joins_it(channel: Channel) -> None:
    receive(channel, customer_mail("First", subject="Order 1234", message_id="<c1@example.hk>"))
    receive(channel, customer_mail("Forgot: gift wrap", subject="Gift", In_Reply_To="<c1@example.hk>"))

    first, second = inbound(channel)
    assert second.conversation_id == first.conversation_id


def test_someone_else_quoting_a_customers_message_id_does_not_join_their_conversation(channel: Channel) -> None:
    receive(channel, customer_mail("First", subject="Order 1234", message_id="<c1@example.hk>"))
    receive(
        channel, customer_mail("Hi", sender="mallory@evil.example", subject="Order 1234", In_Reply_To="<c1@example.hk>")
    )

    first, second = inbound(channel)
    assert second.conversation_id != first.conversation_id


def test_headers_of_another_workspace_never_thread(channel: Channel) -> None:
    other = email_channel(make_workspace("Other shop"))
    our_reply(other)

    receive(channel, customer_mail("Thanks!", In_Reply_To="<ours-1@shop.example>"))

    [message] = inbound(channel)
    assert message.conversation.workspace_id == channel.workspace_id
    assert len(conversations(channel)) == 1


def test_the_reply_token_in_the_address_threads_a_mail_that_lost_its_headers(channel: Channel) -> None:
    conversation_id = our_reply(channel, subject="Order 1234")
    token = make_token(channel.workspace_id, conversation_id, CUSTOMER)

    receive(channel, customer_mail("New mail, no headers", subject="Hello", to=f"support+{token}@shop.example"))

    assert inbound(channel)[0].conversation_id == conversation_id


def test_the_token_in_the_envelope_recipients_also_counts(channel: Channel) -> None:
    conversation_id = our_reply(channel)
    token = make_token(channel.workspace_id, conversation_id, CUSTOMER)

    receive(channel, customer_mail("Forwarded to you", subject="Hello"), envelope_to=[f"support+{token}@shop.example"])

    assert inbound(channel)[0].conversation_id == conversation_id


def test_the_token_quoted_in_the_subject_threads(channel: Channel) -> None:
    conversation_id = our_reply(channel)
    token = make_token(channel.workspace_id, conversation_id, CUSTOMER)

    receive(channel, customer_mail("Same case", subject=f"About my order [#{token}]"))

    assert inbound(channel)[0].conversation_id == conversation_id


@pytest.mark.parametrize(
    "token",
    [
        "1-00000000000000000000",
        "{conversation}-00000000000000000000",
        "{conversation}",
        "{conversation}-{other_sender}",
        "{conversation}-{other_workspace}",
    ],
)
def test_forged_tokens_never_thread(channel: Channel, token: str) -> None:
    conversation_id = our_reply(channel)
    forged = token.format(
        conversation=conversation_id,
        other_sender=make_token(channel.workspace_id, conversation_id, "mallory@evil.example").split("-")[1],
        other_workspace=make_token(channel.workspace_id + 1000, conversation_id, CUSTOMER).split("-")[1],
    )

    receive(channel, customer_mail("Let me in", subject=f"Hello [#{forged}]", to=f"support+{forged}@shop.example"))

    [message] = inbound(channel)
    assert message.conversation_id != conversation_id


def test_a_token_of_tenant_a_names_nothing_in_tenant_b(channel: Channel) -> None:
    other = email_channel(make_workspace("Other shop"))
    conversation_id = our_reply(other)
    token = make_token(other.workspace_id, conversation_id, CUSTOMER)

    receive(channel, customer_mail("Hi", subject="Hello", to=f"support+{token}@shop.example"))

    [message] = inbound(channel)
    assert message.conversation.workspace_id == channel.workspace_id
    assert verified_conversation(token, channel.workspace_id, CUSTOMER) is None


def test_a_rotated_secret_key_still_verifies_old_tokens(settings: pytest.FixtureRequest) -> None:
    token = make_token(7, 42, CUSTOMER)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]  # type: ignore[attr-defined]
    settings.SECRET_KEY = "a brand new secret key of enough length for django"  # type: ignore[attr-defined]

    assert verified_conversation(token, 7, CUSTOMER) == 42
    assert verified_conversation(token.upper(), 7, CUSTOMER.upper()) == 42
    assert verified_conversation(token, 7, "someone@else.example") is None


@pytest.mark.parametrize(
    "subject",
    [
        "Re: Order 1234",
        "RE: re: Order 1234",
        "Fwd: Order 1234",
        "回覆: Order 1234",
        "答复：Order 1234",
        "转发: Order 1234",
    ],
)
def test_a_mail_with_the_same_subject_joins_the_open_conversation(channel: Channel, subject: str) -> None:
    receive(channel, customer_mail("First", subject="Order 1234"))
    receive(channel, customer_mail("Second", subject=subject))

    first, second = inbound(channel)
    assert second.conversation_id == first.conversation_id


def test_a_mail_with_another_subject_opens_a_new_conversation_named_by_it(channel: Channel) -> None:
    receive(channel, customer_mail("First", subject="Order 1234"))
    receive(channel, customer_mail("Second", subject="Refund for order 999"))

    first, second = conversations(channel)
    assert (first.subject, second.subject) == ("Order 1234", "Refund for order 999")


def test_the_same_subject_does_not_join_a_resolved_conversation(channel: Channel) -> None:
    receive(channel, customer_mail("First", subject="Order 1234"))
    [conversation] = conversations(channel)
    conversation.status = ConversationStatus.RESOLVED
    conversation.resolved_at = timezone.now()
    conversation.save()

    receive(channel, customer_mail("Second", subject="Re: Order 1234"))

    assert len(conversations(channel)) == 2


def test_subject_keys_ignore_prefixes_case_and_spacing() -> None:
    assert subject_key("RE:  Fwd: 回覆：Order   1234") == subject_key("order 1234")
    assert subject_key("Re[2]: Order") == "order"
    assert subject_key("Regarding order") == "regarding order"


def test_mails_of_one_batch_thread_among_themselves(channel: Channel) -> None:
    receive(
        channel,
        customer_mail("First", subject="Order 1234", message_id="<b1@example.hk>"),
        customer_mail("Second", subject="Something", In_Reply_To="<b1@example.hk>"),
        customer_mail("Third", subject="RE: Order 1234"),
        customer_mail("Fourth", subject="Another question"),
    )

    first, second, third, fourth = inbound(channel)
    assert first.conversation_id == second.conversation_id == third.conversation_id
    assert fourth.conversation_id != first.conversation_id
    assert [conversation.subject for conversation in conversations(channel)] == ["Order 1234", "Another question"]


def test_a_batch_of_mails_is_threaded_in_the_same_number_of_queries_whatever_its_size(channel: Channel) -> None:
    conversation_id = our_reply(channel)
    counts = []
    for size in (2, 8):
        mails = [
            customer_mail(
                f"Mail {n}", sender=f"c{size}-{n}@example.hk", subject=f"Case {n}", In_Reply_To="<ours-1@shop.example>"
            )
            for n in range(size)
        ]
        receive(channel, *mails, process=False)
        with CaptureQueriesContext(connection) as captured:
            receive(channel, process=True)
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1], counts
    assert {message.conversation_id for message in inbound(channel)} == {conversation_id}


def test_a_customer_answering_a_demo_email_thread_joins_it(db: None) -> None:
    call_command("seed_demo", stdout=StringIO())
    reply = (
        Message.all_workspaces.filter(channel__kind=ChannelKind.EMAIL, kind=MessageKind.OUTBOUND)
        .select_related("conversation__contact", "channel")
        .order_by("pk")
        .first()
    )
    assert reply is not None
    first = reply.conversation.messages.order_by("created_at", "pk").first()
    assert first is not None and first.metadata["provider"]["subject"] == reply.conversation.subject
    customer = reply.conversation.contact.email
    assert reply.channel is not None
    answer_mail = customer_mail(
        "Thanks, that works.", sender=customer, subject="Re: anything", In_Reply_To=reply.provider_message_id
    )

    receive(reply.channel, answer_mail)

    answer = Message.all_workspaces.filter(channel=reply.channel, text="Thanks, that works.").get()
    assert answer.conversation_id == reply.conversation_id
