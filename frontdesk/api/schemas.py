from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Field, Schema


class ErrorOut(Schema):
    detail: str


class WorkspaceOut(Schema):
    id: int
    name: str
    slug: str


class MemberOut(Schema):
    id: int
    name: str
    email: str
    role: str
    team_ids: list[int]


class MeOut(Schema):
    member: MemberOut
    workspace: WorkspaceOut


class TeamOut(Schema):
    id: int
    name: str
    description: str


class ChannelOut(Schema):
    id: int
    kind: str
    name: str
    is_active: bool
    created_at: datetime
    webhook_path: str
    webhook_url: str
    # Settings that are safe to show (a phone number id, an API base URL).
    config: dict[str, Any]
    # Names of the stored, encrypted credentials; their values are never returned.
    secret_names: list[str]
    # Values the admin must paste at the provider (a verify token); null unless the caller manages channels.
    revealed: dict[str, str] | None = None


class ConnectionTestOut(Schema):
    ok: bool
    detail: str


class ChannelConnectedOut(ChannelOut):
    # What setting the channel up at the provider said; null when the kind has nothing to set up.
    setup: ConnectionTestOut | None = None


class ChannelIn(Schema):
    kind: str
    name: str = Field(min_length=1, max_length=120)
    values: dict[str, str] = {}


class ChannelPatch(Schema):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    is_active: bool | None = None
    # A blank or absent secret keeps the stored one.
    values: dict[str, str] | None = None


class ChoiceOut(Schema):
    value: str
    label: str


class CredentialFieldOut(Schema):
    name: str
    label: str
    secret: bool
    required: bool
    help_text: str
    # Left blank, Frontdesk makes one up.
    generated: bool
    default: str
    choices: list[ChoiceOut]


class ChannelKindOut(Schema):
    kind: str
    label: str
    docs_page: str
    fields: list[CredentialFieldOut]


class LabelOut(Schema):
    id: int
    name: str
    color: str


class IdentityOut(Schema):
    id: int
    channel_id: int
    external_id: str
    display_name: str


class ContactOut(Schema):
    id: int
    name: str
    email: str
    phone: str
    language: str
    attributes: dict[str, object]
    identities: list[IdentityOut]
    created_at: datetime
    updated_at: datetime
    # The business's own id for this customer (unique in the workspace); empty when unknown.
    customer_id: str = ""
    # Set on a contact that was merged into another: the id of the contact it now lives in.
    merged_into_id: int | None = None


class ConversationOut(Schema):
    id: int
    contact_id: int
    channel_id: int
    subject: str
    status: str
    priority: int
    assignee_id: int | None
    team_id: int | None
    labels: list[str]
    last_message_preview: str
    last_activity_at: datetime
    waiting_since: datetime | None
    snoozed_until: datetime | None
    created_at: datetime
    # Set on a case that was joined into another (the same problem on another channel): that case's id.
    merged_into_id: int | None = None


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    url: str


class MessageOut(Schema):
    id: int
    conversation_id: int
    kind: str
    channel_id: int | None
    author_id: int | None
    text: str
    html: str
    status: str
    status_reason: str
    # Why a failed message failed, whatever the provider's words: blocked, window_closed, opted_out…
    failure_code: str = ""
    # Structured content of a reply (a template, buttons, a sticker…), as sent.
    content: dict[str, object] = {}
    created_at: datetime
    attachments: list[AttachmentOut]


class ContactPage(Schema):
    items: list[ContactOut]
    next_cursor: str | None


class ConversationPage(Schema):
    items: list[ConversationOut]
    next_cursor: str | None


class MessagePage(Schema):
    items: list[MessageOut]
    next_cursor: str | None


class ContactIn(Schema):
    name: str = ""
    email: str = ""
    phone: str = ""
    language: str = ""
    customer_id: str = ""
    attributes: dict[str, object] = {}


class ContactPatch(Schema):
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    language: str | None = None
    customer_id: str | None = None
    attributes: dict[str, object] | None = None


class ConversationPatch(Schema):
    """Only the fields sent are changed; send ``null`` to clear assignee or team."""

    status: str | None = None
    snoozed_until: datetime | None = None
    priority: int | None = None
    assignee_id: int | None = None
    team_id: int | None = None
    labels: list[str] | None = None


class FileIn(Schema):
    filename: str
    content_base64: str


class MessageIn(Schema):
    """``note``: a private note for the team; ``reply``: a message to the customer, queued for sending."""

    kind: Literal["note", "reply"]
    text: str = ""
    # For a reply: send through this channel of the workspace instead of the conversation's own.
    channel_id: int | None = None
    # For a reply: structured content the channel can carry (docs/outbound.md).
    content: dict[str, object] = {}
    # For a reply: files, base64-encoded.
    files: list[FileIn] = []
