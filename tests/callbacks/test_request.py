"""Asking for a callback: the number, the conversation item, the queue row and the confirmation."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext

from frontdesk.callbacks.actions import InvalidPhoneNumber, customer_language, normalise_phone, request_callback
from frontdesk.callbacks.models import CallbackRequest, CallbackStatus, ConfirmationState
from frontdesk.callbacks.schemas import CallbackOut
from frontdesk.channels.models import ChannelKind
from frontdesk.contacts.models import Contact
from frontdesk.conversations.models import Conversation, Message, MessageKind, OutboxEntry
from frontdesk.core.models import Workspace
from frontdesk.pipeline.events import Event
from tests.factories import make_channel, make_contact, make_conversation, make_message, make_workspace


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("9123 4567", "+85291234567"),
        ("+852 9123-4567", "+85291234567"),
        ("(+852) 91234567", "+85291234567"),
        ("+86 138 0013 8000", "+8613800138000"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_numbers_are_stored_in_e164_with_hong_kong_as_the_default_region(given: str, expected: str) -> None:
    assert normalise_phone(given) == expected


@pytest.mark.parametrize("given", ["", "   ", "hello", "123", "+852 1234", "9" * 50])
def test_numbers_that_cannot_be_called_are_refused_with_a_reason(given: str) -> None:
    with pytest.raises(InvalidPhoneNumber) as refused:
        normalise_phone(given)
    assert str(refused.value)


def test_a_number_is_read_in_the_configured_region(settings: object) -> None:
    settings.FRONTDESK_PHONE_REGION = "GB"  # type: ignore[attr-defined]
    assert normalise_phone("020 7946 0958") == "+442079460958"


def test_the_refusal_is_a_value_error_with_a_message_in_the_active_language() -> None:
    with translation.override("zh-hant"), pytest.raises(InvalidPhoneNumber) as refused:
        normalise_phone("")
    assert isinstance(refused.value, ValueError)
    with translation.override("zh-hant"):
        assert str(refused.value) == gettext("Enter a phone number.")


def test_a_request_joins_the_open_conversation_with_a_note_and_a_queued_confirmation(workspace: Workspace) -> None:
    channel = make_channel(workspace, ChannelKind.API)
    contact = make_contact(workspace, name="Mei")
    conversation = make_conversation(workspace, contact=contact, channel=channel)
    callback = request_callback(
        channel=channel, contact=contact, phone="9123 4567", context={"order": "A-1001", "page": "https://shop/x"}
    )
    assert callback.conversation == conversation
    assert callback.status == CallbackStatus.WAITING
    assert callback.phone == "+85291234567"
    assert callback.target_seconds == 60
    assert callback.context == {"order": "A-1001", "page": "https://shop/x"}
    note = Message.in_workspace(workspace).get(conversation=conversation, kind=MessageKind.NOTE)
    assert note.text == "Callback requested: +852 9123 4567"
    confirmation = Message.in_workspace(workspace).get(conversation=conversation, kind=MessageKind.OUTBOUND)
    assert confirmation.text == "Thank you. We'll call you at +852 9123 4567 within a minute."
    assert OutboxEntry.in_workspace(workspace).filter(message=confirmation).exists()
    assert callback.confirmation == ConfirmationState.QUEUED


def test_without_an_open_conversation_one_is_opened(workspace: Workspace) -> None:
    channel = make_channel(workspace)
    contact = make_contact(workspace)
    callback = request_callback(channel=channel, contact=contact, phone="+85291234567")
    assert Conversation.in_workspace(workspace).get() == callback.conversation
    assert callback.conversation.channel == channel


def test_a_second_request_for_the_same_number_while_open_is_the_same_request(workspace: Workspace) -> None:
    channel = make_channel(workspace)
    contact = make_contact(workspace)
    first = request_callback(channel=channel, contact=contact, phone="+85291234567")
    second = request_callback(channel=channel, contact=contact, phone="9123 4567")
    assert first.pk == second.pk
    assert CallbackRequest.in_workspace(workspace).count() == 1


def test_the_confirmation_is_in_the_contacts_language(workspace: Workspace) -> None:
    channel = make_channel(workspace)
    contact = make_contact(workspace, language="zh-HK")
    callback = request_callback(channel=channel, contact=contact, phone="+85291234567")
    confirmation = Message.in_workspace(workspace).get(conversation=callback.conversation, kind=MessageKind.OUTBOUND)
    with translation.override("zh-hant"):
        expected = gettext("Thank you. We'll call you at %(phone)s within a minute.") % {"phone": "+852 9123 4567"}
    assert confirmation.text == expected


@pytest.mark.parametrize(
    ("contact_language", "workspace_language", "expected"),
    [
        ("zh-HK", "en", "zh-hant"),
        ("zh_TW", "en", "zh-hant"),
        ("zh-Hant", "en", "zh-hant"),
        ("zh-CN", "en", "zh-hans"),
        ("zh-hans", "zh-hant", "zh-hans"),
        ("en-GB", "zh-hant", "en"),
        ("", "zh-hant", "zh-hant"),
        ("fr", "zh-hans", "zh-hans"),
        ("", "de", "en"),
    ],
)
def test_the_customer_is_written_to_in_their_language_else_the_workspaces(
    contact_language: str, workspace_language: str, expected: str
) -> None:
    workspace = Workspace(default_language=workspace_language)
    contact = Contact(language=contact_language)
    assert customer_language(contact, workspace) == expected


def test_a_refused_confirmation_is_recorded_not_raised(workspace: Workspace) -> None:
    # WhatsApp's 24-hour window: the customer wrote two days ago.
    from datetime import timedelta

    from django.utils import timezone

    channel = make_channel(workspace, ChannelKind.WHATSAPP, config={"phone_number_id": "1"})
    contact = make_contact(workspace)
    conversation = make_conversation(workspace, contact=contact, channel=channel)
    make_message(conversation, created_at=timezone.now() - timedelta(days=2))
    callback = request_callback(channel=channel, contact=contact, phone="+85291234567")
    assert callback.confirmation == ConfirmationState.REFUSED
    assert "window" in callback.confirmation_error
    assert not Message.in_workspace(workspace).filter(kind=MessageKind.OUTBOUND).exists()
    notes = list(Message.in_workspace(workspace).filter(kind=MessageKind.NOTE).values_list("text", flat=True))
    assert any("could not be sent" in text for text in notes)
    assert CallbackRequest.in_workspace(workspace).get().status == CallbackStatus.WAITING


def test_a_contact_of_another_workspace_is_refused(workspace: Workspace) -> None:
    channel = make_channel(workspace)
    stranger = make_contact(make_workspace())
    with pytest.raises(ValidationError):
        request_callback(channel=channel, contact=stranger, phone="+85291234567")


def test_a_context_that_is_too_large_is_refused(workspace: Workspace) -> None:
    with pytest.raises(ValidationError):
        request_callback(
            channel=make_channel(workspace),
            contact=make_contact(workspace),
            phone="+85291234567",
            context={"page": "x" * 5000},
        )


def test_agents_hear_of_a_new_request_in_the_callback_schema(
    workspace: Workspace, events: list[Event], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        callback = request_callback(
            channel=make_channel(workspace), contact=make_contact(workspace), phone="+85291234567"
        )
    created = [event for event in events if event.type == "callback.created"]
    assert len(created) == 1
    announced = CallbackOut.model_validate(created[0].payload["callback"])
    assert (announced.id, announced.phone, announced.status) == (callback.pk, "+85291234567", "waiting")
    assert created[0].payload["conversation_id"] == callback.conversation_id
    assert created[0].workspace_id == workspace.pk
