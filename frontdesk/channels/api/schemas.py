"""The JSON payload of the generic API channel (see docs/channels/api.md).

A delivery is a batch::

    {"events": [
      {"id": "evt_1", "type": "message", "timestamp": "2026-11-23T09:00:00Z",
       "contact": {"id": "crm-42", "name": "Ada", "email": "ada@example.com", "phone": "+4470000000"},
       "message": {"id": "m1", "text": "Hello",
                   "attachments": [{"url": "https://…/a.pdf", "filename": "a.pdf", "content_type": "application/pdf"}],
                   "location": {"latitude": 51.5, "longitude": -0.12, "name": "", "address": ""},
                   "contact_card": {"name": "Bob", "phones": ["+44…"], "emails": ["bob@example.com"]},
                   "reply_to": "m0",
                   "interactive": {"id": "yes", "title": "Yes please"}}},
      {"id": "evt_2", "type": "status", "message_id": "<provider id of our outbound message>",
       "status": "delivered", "reason": ""}
    ]}

``id`` of each event is the caller's event id: a second delivery of the same id
is acknowledged and ignored. ``message.id`` is the caller's message id: two
events carrying the same message id store one message. Unknown fields are ignored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, model_validator

EventId = Annotated[str, Field(min_length=1, max_length=255)]
MAX_BATCH = 5000
# Enough to keep a non-address out of the contact's email; delivery checks the rest.
EMAIL_OR_EMPTY = r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$"


class Payload(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class ContactIn(Payload):
    id: Annotated[str, Field(min_length=1, max_length=255)]
    name: Annotated[str, Field(max_length=200)] = ""
    email: Annotated[str, Field(max_length=254, pattern=EMAIL_OR_EMPTY)] = ""
    phone: Annotated[str, Field(max_length=32)] = ""


class AttachmentIn(Payload):
    url: HttpUrl
    filename: Annotated[str, Field(max_length=255)] = ""
    content_type: Annotated[str, Field(max_length=127)] = ""


class LocationIn(Payload):
    latitude: Annotated[float, Field(ge=-90, le=90)]
    longitude: Annotated[float, Field(ge=-180, le=180)]
    name: Annotated[str, Field(max_length=200)] = ""
    address: Annotated[str, Field(max_length=500)] = ""


class ContactCardIn(Payload):
    name: Annotated[str, Field(max_length=200)] = ""
    phones: Annotated[list[Annotated[str, Field(max_length=32)]], Field(max_length=20)] = []
    emails: Annotated[list[Annotated[str, Field(max_length=254)]], Field(max_length=20)] = []


class InteractiveIn(Payload):
    id: Annotated[str, Field(min_length=1, max_length=255)]
    title: Annotated[str, Field(max_length=500)] = ""


class MessageIn(Payload):
    id: Annotated[str, Field(min_length=1, max_length=255)]
    text: Annotated[str, Field(max_length=20_000)] = ""
    attachments: Annotated[list[AttachmentIn], Field(max_length=20)] = []
    location: LocationIn | None = None
    contact_card: ContactCardIn | None = None
    reply_to: Annotated[str, Field(max_length=255)] = ""
    interactive: InteractiveIn | None = None

    @model_validator(mode="after")
    def has_content(self) -> MessageIn:
        if not (self.text or self.attachments or self.location or self.contact_card or self.interactive):
            raise ValueError("a message needs text, attachments, a location, a contact card or an interactive answer")
        return self


class MessageEvent(Payload):
    id: EventId
    type: Literal["message"]
    contact: ContactIn
    message: MessageIn
    timestamp: datetime | None = None


class StatusEvent(Payload):
    id: EventId
    type: Literal["status"]
    message_id: Annotated[str, Field(min_length=1, max_length=255)]
    status: Literal["sent", "delivered", "read", "failed"]
    reason: Annotated[str, Field(max_length=500)] = ""
    timestamp: datetime | None = None


class ApiEvent(BaseModel):
    event: Annotated[MessageEvent | StatusEvent, Field(discriminator="type")]
