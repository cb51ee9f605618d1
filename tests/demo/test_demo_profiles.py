"""The demo's customer profiles: typed definitions its customers' values fit, bookings and orders, feedback."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import F

from frontdesk.contacts.attributes import coerce_value
from frontdesk.contacts.models import AttributeDefinition, Contact, ContactFeedback, ContextObject
from frontdesk.conversations.models import Message, MessageKind
from frontdesk.core.models import Workspace
from frontdesk.demo.disruption import FLIGHT

pytestmark = pytest.mark.django_db


def test_the_demo_has_typed_attributes_context_and_feedback() -> None:
    out = StringIO()
    call_command("seed_demo", "--contacts", "60", "--conversations", "200", stdout=out)
    assert "Customer profiles for Skyward Airlines" in out.getvalue()
    for workspace in Workspace.objects.all():
        definitions = list(AttributeDefinition.in_workspace(workspace))
        assert [d.key for d in definitions][:2] == ["tier", "city"]
        # Every seeded value already is of its definition's type.
        for contact in Contact.in_workspace(workspace):
            for definition in definitions:
                if definition.key in contact.attributes:
                    value = contact.attributes[definition.key]
                    assert coerce_value(definition, value) == value, (definition.key, value)
        assert ContextObject.in_workspace(workspace).exists()
        assert ContactFeedback.in_workspace(workspace).exists()
    assert not ContextObject.all_workspaces.exclude(workspace=F("contact__workspace")).exists()
    assert not ContactFeedback.all_workspaces.exclude(workspace=F("contact__workspace")).exists()
    assert not ContactFeedback.all_workspaces.exclude(source_conversation__contact=F("contact")).exists()
    # Each passenger of the cancelled flight has that booking, cancelled.
    passengers = set(
        Message.all_workspaces.filter(kind=MessageKind.INBOUND, text__contains=FLIGHT).values_list(
            "conversation__contact_id", flat=True
        )
    )
    assert passengers
    cancelled = ContextObject.all_workspaces.filter(data__flight=FLIGHT, status="cancelled")
    assert set(cancelled.values_list("contact_id", flat=True)) == passengers
