"""One person across channels: new identities join a contact by a verified identifier, and one case per problem.

Every scenario runs through the worker's batch path and through the one-event
path it falls back to; both must reach the same outcome.
"""

from __future__ import annotations

import itertools
import json
from urllib.parse import urlencode

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from frontdesk.channels.base import Delivery, RawEvent, adapter_for
from frontdesk.channels.email.events import mail_event
from frontdesk.channels.models import Channel, ChannelKind
from frontdesk.channels.sms.setup import create_sms_channel
from frontdesk.channels.whatsapp.setup import create_whatsapp_channel
from frontdesk.contacts.merging import merge_contacts
from frontdesk.contacts.models import Contact, Identity
from frontdesk.conversations.models import Conversation, ConversationStatus, Message, MessageKind
from frontdesk.core.models import CrossChannelCases, Member, Workspace
from frontdesk.pipeline.inbound import apply_event
from frontdesk.pipeline.models import InboundEvent
from frontdesk.pipeline.webhooks import store
from tests.channels.email_flow import customer_mail, email_channel
from tests.channels.webhooks import process_stored_events
from tests.factories import PASSWORD, make_channel, make_contact, make_conversation, make_identity

WA_ID = "85291234567"
PHONE = "+85291234567"
EMAIL = "chan@example.hk"
_numbers = itertools.count(1)


@pytest.fixture(params=["batch", "single"])
def path(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def process(path: str) -> None:
    """Apply every stored event as the worker does: in one batch, or one event at a time."""
    if path == "batch":
        process_stored_events()
        return
    for event in InboundEvent.all_workspaces.filter(processed_at__isnull=True).order_by("pk"):
        with transaction.atomic():
            apply_event(event)
            InboundEvent.all_workspaces.filter(pk=event.pk).update(processed_at=timezone.now())


@pytest.fixture
def whatsapp(workspace: Workspace) -> Channel:
    return create_whatsapp_channel(
        workspace,
        "WhatsApp +852",
        phone_number_id="106540352242922",
        waba_id="102290129340398",
        access_token="token",
        app_secret="secret",
        verify_token="verify",
        api_base_url="http://127.0.0.1:9/",
    )


@pytest.fixture
def sms(workspace: Workspace) -> Channel:
    return create_sms_channel(
        workspace,
        "SMS line",
        "AC" + "0" * 32,
        "auth-token",
        from_number="+15005550006",
        api_base_url="http://127.0.0.1:9/",
    )


@pytest.fixture
def email(workspace: Workspace) -> Channel:
    return email_channel(workspace)


@pytest.fixture
def webchat(workspace: Workspace) -> Channel:
    return make_channel(workspace, ChannelKind.WEBCHAT, name="Website chat")


def whatsapp_message(channel: Channel, text: str = "Hi", wa_id: str = WA_ID, name: str = "陳大文") -> None:
    body = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "102290129340398",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {"display_phone_number": "85255550000", "phone_number_id": "106540352242922"},
                            "contacts": [{"profile": {"name": name}, "wa_id": wa_id}],
                            "messages": [
                                {
                                    "from": wa_id,
                                    "id": f"wamid.identity{next(_numbers)}",
                                    "timestamp": "1763888400",
                                    "type": "text",
                                    "text": {"body": text},
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    }
    store(channel, adapter_for(channel).split(channel, json.dumps(body).encode()))


def sms_message(channel: Channel, text: str = "Hi", sender: str = PHONE) -> None:
    number = next(_numbers)
    form = {"MessageSid": f"SM{number:032d}", "From": sender, "To": "+15005550006", "Body": text, "NumMedia": "0"}
    store(channel, adapter_for(channel).split(channel, urlencode(form).encode()))


def email_message(channel: Channel, text: str = "Hi", sender: str = EMAIL, **headers: str) -> None:
    store(channel, Delivery(events=[mail_event(customer_mail(text, sender=sender, **headers), "imap")]))


def widget_message(channel: Channel, user_id: str, text: str = "Hi") -> None:
    event_id = f"w{next(_numbers)}"
    payload = {
        "type": "message",
        "id": event_id,
        "visitor": f"user:{user_id}",
        "verified": True,
        "text": text,
    }
    store(channel, Delivery(events=[RawEvent(provider_event_id=event_id, payload=payload)]))


def contact_of(channel: Channel, external_id: str) -> Contact:
    return (
        Identity.in_workspace(channel.workspace_id)
        .select_related("contact")
        .get(channel=channel, external_id=external_id)
        .contact
    )


def set_cases(workspace: Workspace, choice: CrossChannelCases) -> None:
    workspace.cross_channel_cases = choice
    workspace.save(update_fields=["cross_channel_cases"])


@pytest.mark.django_db
def test_whatsapp_and_sms_from_one_number_are_one_contact(path: str, whatsapp: Channel, sms: Channel) -> None:
    whatsapp_message(whatsapp, "my flight was cancelled")
    process(path)
    sms_message(sms, "any news?")
    process(path)
    assert contact_of(whatsapp, WA_ID) == contact_of(sms, PHONE)
    assert Contact.in_workspace(whatsapp.workspace_id).count() == 1


@pytest.mark.django_db
def test_an_email_from_a_known_address_joins_that_contact(path: str, email: Channel, workspace: Workspace) -> None:
    known = make_contact(workspace, name="Chan Tai Man", email=EMAIL)
    email_message(email)
    process(path)
    assert contact_of(email, EMAIL) == known


@pytest.mark.django_db
def test_a_signed_in_widget_customer_joins_the_contact_with_their_customer_id(
    path: str, webchat: Channel, workspace: Workspace
) -> None:
    known = make_contact(workspace, name="Ada", customer_id="C-42")
    widget_message(webchat, "C-42")
    widget_message(webchat, "C-43")
    process(path)
    assert contact_of(webchat, "user:C-42") == known
    newcomer = contact_of(webchat, "user:C-43")
    assert newcomer != known and newcomer.customer_id == "C-43"


@pytest.mark.django_db
def test_the_same_name_alone_never_joins_a_contact(path: str, whatsapp: Channel, workspace: Workspace) -> None:
    namesake = make_contact(workspace, name="陳大文", email="other@example.com")
    whatsapp_message(whatsapp, name="陳大文")
    process(path)
    assert contact_of(whatsapp, WA_ID) != namesake
    assert Contact.in_workspace(workspace).count() == 2


@pytest.mark.django_db
def test_two_contacts_with_the_number_are_ambiguous_and_neither_is_chosen(
    path: str, whatsapp: Channel, workspace: Workspace
) -> None:
    first, second = make_contact(workspace, phone=PHONE), make_contact(workspace, phone=PHONE)
    whatsapp_message(whatsapp)
    process(path)
    assert contact_of(whatsapp, WA_ID) not in (first, second)


@pytest.mark.django_db
def test_an_absorbed_contact_is_never_matched(
    path: str, whatsapp: Channel, workspace: Workspace, agent: Member
) -> None:
    kept, absorbed = make_contact(workspace, phone=""), make_contact(workspace, phone=PHONE)
    merge_contacts(agent, kept=kept, absorbed=absorbed)
    whatsapp_message(whatsapp)
    process(path)
    assert contact_of(whatsapp, WA_ID) == kept


@pytest.mark.django_db
def test_under_join_a_message_on_a_second_channel_joins_the_open_case(
    path: str, whatsapp: Channel, sms: Channel, email: Channel, workspace: Workspace
) -> None:
    assert workspace.cross_channel_cases == CrossChannelCases.JOIN
    whatsapp_message(whatsapp, "my flight was cancelled")
    process(path)
    sms_message(sms, "any news?")
    process(path)
    [case] = Conversation.in_workspace(workspace)
    assert case.channel_id == whatsapp.pk
    assert [(m.text, m.channel_id) for m in case.messages.order_by("pk")] == [
        ("my flight was cancelled", whatsapp.pk),
        ("any news?", sms.pk),
    ]


@pytest.mark.django_db
def test_under_join_a_new_email_thread_joins_the_open_case_and_replies_keep_their_thread(
    path: str, whatsapp: Channel, email: Channel, workspace: Workspace
) -> None:
    contact = make_contact(workspace, email=EMAIL, phone=PHONE)
    make_identity(contact, whatsapp, WA_ID)
    case = make_conversation(workspace, contact=contact, channel=whatsapp)
    email_message(email, "Following up by mail", subject="Flight CX123")
    process(path)
    assert Message.in_workspace(workspace).get(text__startswith="Following up").conversation_id == case.pk
    # A mail answering a thread of its own keeps it, even with a case open elsewhere.
    thread = make_conversation(workspace, contact=contact, channel=email, subject="Invoice")
    Message.all_workspaces.create(
        workspace=workspace,
        conversation=thread,
        kind=MessageKind.OUTBOUND,
        channel=email,
        text="Here is your invoice",
        provider_message_id="<ours-7@shop.example>",
        status="sent",
    )
    email_message(email, "Thanks for the invoice", subject="Re: Invoice", In_Reply_To="<ours-7@shop.example>")
    process(path)
    assert Message.in_workspace(workspace).get(text__startswith="Thanks for").conversation_id == thread.pk


@pytest.mark.django_db
@pytest.mark.parametrize("choice", [CrossChannelCases.OFFER, CrossChannelCases.SEPARATE])
def test_offer_and_separate_open_a_case_per_channel(
    path: str, choice: CrossChannelCases, whatsapp: Channel, sms: Channel, workspace: Workspace
) -> None:
    set_cases(workspace, choice)
    whatsapp_message(whatsapp)
    process(path)
    sms_message(sms)
    process(path)
    cases = Conversation.in_workspace(workspace).order_by("pk")
    assert [case.channel_id for case in cases] == [whatsapp.pk, sms.pk]
    assert len({case.contact_id for case in cases}) == 1


@pytest.mark.django_db
def test_the_composer_answers_on_the_channel_the_customer_last_used(
    client: Client, agent: Member, whatsapp: Channel, sms: Channel, workspace: Workspace
) -> None:
    whatsapp_message(whatsapp, "first on WhatsApp")
    process("batch")
    sms_message(sms, "then by SMS")
    process("batch")
    [case] = Conversation.in_workspace(workspace)
    client.login(email=agent.user.email, password=PASSWORD)
    page = client.get(reverse("inbox:conversation-detail", args=[case.pk])).content.decode()
    assert f'<option value="{sms.pk}" selected>' in page
    assert f'<option value="{whatsapp.pk}">' in page


@pytest.mark.django_db
def test_under_offer_the_new_case_offers_to_join_the_open_one(
    client: Client, agent: Member, whatsapp: Channel, sms: Channel, workspace: Workspace
) -> None:
    set_cases(workspace, CrossChannelCases.OFFER)
    whatsapp_message(whatsapp)
    process("batch")
    sms_message(sms)
    process("batch")
    first, second = Conversation.in_workspace(workspace).order_by("pk")
    client.login(email=agent.user.email, password=PASSWORD)
    page = client.get(reverse("inbox:conversation-detail", args=[second.pk])).content.decode()
    offer_url = reverse("inbox:conversation-case-offer", args=[second.pk])
    assert offer_url in page
    offer = client.get(offer_url).content.decode()
    assert f"open case #{first.pk} on WhatsApp" in offer and "Join it" in offer
    # Keeping a case per channel offers nothing.
    set_cases(workspace, CrossChannelCases.SEPARATE)
    assert "Join it" not in client.get(offer_url).content.decode()
    set_cases(workspace, CrossChannelCases.OFFER)
    response = client.post(reverse("inbox:conversation-join", args=[second.pk]), {"into": first.pk})
    assert response.status_code in (200, 302)
    second.refresh_from_db()
    assert second.merged_into_id == first.pk and second.status == ConversationStatus.RESOLVED
