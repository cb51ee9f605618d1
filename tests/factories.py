"""Small builders for test data. Each returns saved rows with sensible defaults."""

from __future__ import annotations

import itertools
from typing import Any

from django.utils import timezone

from frontdesk.channels.models import Channel, ChannelKind
from frontdesk.contacts.models import Contact, Identity
from frontdesk.conversations.models import Conversation, DeliveryStatus, Label, Message, MessageKind
from frontdesk.core.models import Member, Role, Team, TeamMembership, User, Workspace

_sequence = itertools.count(1)
PASSWORD = "correct horse battery staple"


def make_workspace(name: str | None = None) -> Workspace:
    number = next(_sequence)
    return Workspace.objects.create(name=name or f"Workspace {number}", slug=f"workspace-{number}")


def make_user(email: str | None = None, **fields: Any) -> User:
    number = next(_sequence)
    return User.objects.create_user(email or f"user{number}@example.com", PASSWORD, **fields)


def make_member(workspace: Workspace, role: Role = Role.AGENT, user: User | None = None, **fields: Any) -> Member:
    return Member.all_workspaces.create(workspace=workspace, user=user or make_user(), role=role, **fields)


def make_team(workspace: Workspace, name: str | None = None, members: list[Member] | None = None) -> Team:
    team = Team.all_workspaces.create(workspace=workspace, name=name or f"Team {next(_sequence)}")
    for member in members or []:
        TeamMembership.all_workspaces.create(workspace=workspace, member=member, team=team)
    return team


def make_channel(workspace: Workspace, kind: ChannelKind = ChannelKind.API, **fields: Any) -> Channel:
    fields.setdefault("name", f"{kind.label} {next(_sequence)}")
    return Channel.all_workspaces.create(workspace=workspace, kind=kind, **fields)


def make_contact(workspace: Workspace, **fields: Any) -> Contact:
    fields.setdefault("name", f"Customer {next(_sequence)}")
    return Contact.all_workspaces.create(workspace=workspace, **fields)


def make_identity(contact: Contact, channel: Channel, external_id: str | None = None) -> Identity:
    return Identity.all_workspaces.create(
        workspace_id=contact.workspace_id,
        contact=contact,
        channel=channel,
        external_id=external_id or f"ext-{next(_sequence)}",
    )


def make_label(workspace: Workspace, name: str | None = None) -> Label:
    return Label.all_workspaces.create(workspace=workspace, name=name or f"label-{next(_sequence)}")


def make_conversation(
    workspace: Workspace, contact: Contact | None = None, channel: Channel | None = None, **fields: Any
) -> Conversation:
    contact = contact or make_contact(workspace)
    channel = channel or make_channel(workspace)
    fields.setdefault("subject", f"Question {next(_sequence)}")
    return Conversation.all_workspaces.create(workspace=workspace, contact=contact, channel=channel, **fields)


def make_message(
    conversation: Conversation, kind: MessageKind = MessageKind.INBOUND, text: str = "Hello", **fields: Any
) -> Message:
    if kind == MessageKind.NOTE:
        fields.setdefault("channel", None)
        fields.setdefault("status", DeliveryStatus.SENT)
    else:
        fields.setdefault("channel", conversation.channel)
        fields.setdefault("status", DeliveryStatus.RECEIVED if kind == MessageKind.INBOUND else DeliveryStatus.QUEUED)
    fields.setdefault("created_at", timezone.now())
    return Message.all_workspaces.create(
        workspace_id=conversation.workspace_id, conversation=conversation, kind=kind, text=text, **fields
    )
