"""Merging two contacts that are one person, and undoing it: every kind of row follows, and comes back exactly."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from frontdesk.callbacks.models import CallbackRequest
from frontdesk.contacts.merging import merge_contacts, merged_into, unmerge
from frontdesk.contacts.models import (
    Contact,
    ContactFeedback,
    ContactMerge,
    ContactNote,
    ContactPreference,
    ContextObject,
    Identity,
)
from frontdesk.conversations.models import Conversation, Message
from frontdesk.core.models import AuditEntry, Member, Role, Workspace
from frontdesk.pipeline.events import Event, _subscribers
from tests.factories import (
    make_channel,
    make_contact,
    make_conversation,
    make_identity,
    make_member,
    make_message,
    make_workspace,
)


@pytest.fixture
def events() -> Iterator[list[Event]]:
    """Events heard after commit (run the action inside ``django_capture_on_commit_callbacks(execute=True)``)."""
    heard: list[Event] = []
    _subscribers["tests.merging"] = heard.extend
    yield heard
    del _subscribers["tests.merging"]


@pytest.fixture
def supervisor(workspace: Workspace) -> Member:
    return make_member(workspace, Role.SUPERVISOR)


def fresh(contact: Contact) -> Contact:
    return Contact.all_workspaces.get(pk=contact.pk)


def give_everything(workspace: Workspace, contact: Contact) -> dict[str, int]:
    """One row of every kind that belongs to a contact; returns their ids by kind."""
    channel = make_channel(workspace)
    identity = make_identity(contact, channel)
    conversation = make_conversation(workspace, contact=contact, channel=channel)
    make_message(conversation, text="my parcel is late")
    ws = workspace.pk
    preference = ContactPreference.all_workspaces.create(workspace_id=ws, contact=contact, kind="like", text="tea")
    note = ContactNote.all_workspaces.create(workspace_id=ws, contact=contact, text="prefers mornings")
    feedback = ContactFeedback.all_workspaces.create(workspace_id=ws, contact=contact, kind="complaint", text="late")
    context = ContextObject.all_workspaces.create(
        workspace_id=ws, contact=contact, kind="order", external_id=f"o-{contact.pk}"
    )
    callback = CallbackRequest.all_workspaces.create(
        workspace_id=ws, contact=contact, conversation=conversation, channel=channel, phone="+85291234567"
    )
    return {
        "identity": identity.pk,
        "conversation": conversation.pk,
        "preference": preference.pk,
        "note": note.pk,
        "feedback": feedback.pk,
        "context": context.pk,
        "callback": callback.pk,
    }


KINDS = {
    "identity": Identity,
    "conversation": Conversation,
    "preference": ContactPreference,
    "note": ContactNote,
    "feedback": ContactFeedback,
    "context": ContextObject,
    "callback": CallbackRequest,
}


def owner_of(kind: str, pk: int) -> int:
    row: Any = KINDS[kind].all_workspaces.get(pk=pk)  # type: ignore[attr-defined]
    owner: int = row.contact_id
    return owner


@pytest.mark.django_db
def test_merge_moves_every_kind_of_row_and_fills_empty_fields(
    workspace: Workspace, agent: Member, events: list[Event], django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    kept = make_contact(workspace, name="陳大文", email="", phone="+85291234567", attributes={"tier": "gold"})
    absorbed = make_contact(
        workspace,
        name="Chan Tai Man",
        email="tm@example.com",
        customer_id="C-7",
        attributes={"tier": "silver", "seat": "aisle"},
    )
    rows = give_everything(workspace, absorbed)

    with django_capture_on_commit_callbacks(execute=True):
        merge = merge_contacts(agent, kept=kept, absorbed=absorbed)

    assert all(owner_of(kind, pk) == kept.pk for kind, pk in rows.items())
    assert Message.in_workspace(workspace).get(text="my parcel is late").conversation.contact_id == kept.pk
    kept, absorbed = fresh(kept), fresh(absorbed)
    assert (kept.name, kept.email, kept.phone, kept.customer_id) == ("陳大文", "tm@example.com", "+85291234567", "C-7")
    assert kept.attributes == {"tier": "gold", "seat": "aisle"}
    assert absorbed.merged_into_id == kept.pk and absorbed.customer_id == ""
    assert merge.moved["attribute_conflicts"] == {"tier": "silver"}
    assert merged_into(absorbed) == kept
    [entry] = AuditEntry.all_workspaces.filter(workspace=workspace, action="contact.merged")
    assert entry.changes["absorbed"] == absorbed.pk and entry.changes["moved"]["contacts.identity.contact"] == 1
    [event] = [event for event in events if event.type == "contact.merged"]
    assert event.payload["absorbed_id"] == absorbed.pk and event.payload["conversation_ids"] == [rows["conversation"]]


@pytest.mark.django_db
def test_unmerge_puts_back_exactly_what_moved(
    workspace: Workspace,
    agent: Member,
    supervisor: Member,
    events: list[Event],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    kept = make_contact(workspace, name="Ada", email="")
    absorbed = make_contact(
        workspace, name="", email="ada@example.com", customer_id="C-1", attributes={"seat": "aisle"}
    )
    rows = give_everything(workspace, absorbed)
    kept_rows = give_everything(workspace, kept)
    with django_capture_on_commit_callbacks(execute=True):
        merge = merge_contacts(agent, kept=kept, absorbed=absorbed)
    # Made after the merge: it stays with the kept contact.
    later = ContactNote.all_workspaces.create(workspace=workspace, contact=kept, text="called back")

    with django_capture_on_commit_callbacks(execute=True):
        unmerge(supervisor, merge)

    assert all(owner_of(kind, pk) == absorbed.pk for kind, pk in rows.items())
    assert all(owner_of(kind, pk) == kept.pk for kind, pk in kept_rows.items())
    assert ContactNote.all_workspaces.get(pk=later.pk).contact_id == kept.pk
    kept, absorbed = fresh(kept), fresh(absorbed)
    assert (kept.email, kept.customer_id, kept.attributes) == ("", "", {})
    assert (absorbed.merged_into_id, absorbed.customer_id, absorbed.email) == (None, "C-1", "ada@example.com")
    merge.refresh_from_db()
    assert merge.undone_at is not None and merge.undone_by == supervisor
    assert AuditEntry.all_workspaces.filter(workspace=workspace, action="contact.unmerged").count() == 1
    assert [event.type for event in events if event.type.startswith("contact.")] == [
        "contact.merged",
        "contact.unmerged",
    ]
    with pytest.raises(ValidationError):
        unmerge(supervisor, merge)


@pytest.mark.django_db
def test_unmerge_keeps_a_field_the_agent_changed_since(workspace: Workspace, agent: Member, admin: Member) -> None:
    kept = make_contact(workspace, name="Ada", phone="")
    absorbed = make_contact(workspace, name="", phone="+85291234567")
    merge = merge_contacts(agent, kept=kept, absorbed=absorbed)
    Contact.all_workspaces.filter(pk=kept.pk).update(phone="+85299998888")
    unmerge(admin, merge)
    assert fresh(kept).phone == "+85299998888"


@pytest.mark.django_db
def test_agents_merge_but_only_supervisors_unmerge(workspace: Workspace, agent: Member) -> None:
    merge = merge_contacts(agent, kept=make_contact(workspace), absorbed=make_contact(workspace))
    with pytest.raises(PermissionDenied):
        unmerge(agent, merge)
    assert ContactMerge.all_workspaces.get(pk=merge.pk).undone_at is None


@pytest.mark.django_db
def test_merge_across_workspaces_is_not_found_and_changes_nothing(workspace: Workspace, agent: Member) -> None:
    other = make_workspace()
    mine = make_contact(workspace)
    theirs = make_contact(other, email="x@example.com")
    give_everything(other, theirs)
    with pytest.raises(Http404):
        merge_contacts(agent, kept=mine, absorbed=theirs)
    with pytest.raises(Http404):
        merge_contacts(agent, kept=theirs, absorbed=mine)
    assert fresh(theirs).merged_into_id is None and fresh(mine).email == ""
    assert Identity.all_workspaces.filter(contact=theirs).count() == 1
    assert not ContactMerge.all_workspaces.exists()


@pytest.mark.django_db
def test_a_merged_contact_cannot_be_merged_again(workspace: Workspace, agent: Member) -> None:
    kept, absorbed, third = make_contact(workspace), make_contact(workspace), make_contact(workspace)
    merge_contacts(agent, kept=kept, absorbed=absorbed)
    with pytest.raises(ValidationError):
        merge_contacts(agent, kept=third, absorbed=absorbed)
    with pytest.raises(ValidationError):
        merge_contacts(agent, kept=kept, absorbed=kept)
