"""A mail's files, ``email-part:<event id>:<n>``, read back from the stored mail: never from the network.

The inbound event keeps the raw mail (``events``); the n-th file is the n-th of
its attachments followed by its inline images, as ``adapter.mail_parts`` counts
them. Only events of the asking channel, in its workspace, are read.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from django.conf import settings

from frontdesk.channels.base import FetchedMedia, MediaUnavailable
from frontdesk.channels.email.adapter import PART_REFERENCE, mail_parts
from frontdesk.channels.email.events import raw_mime
from frontdesk.channels.email.parsing import Attachment, parse_email
from frontdesk.channels.models import Channel
from frontdesk.core.http_client import HttpClient
from frontdesk.pipeline.models import InboundEvent


def _stored_parts(workspace_id: int, channel_id: int, event_id: str) -> tuple[Attachment, ...] | None:
    """The files of the stored mail, or ``None`` when the channel has no such event."""
    found = (
        InboundEvent.in_workspace(workspace_id)
        .filter(channel_id=channel_id, provider_event_id=event_id)
        .values_list("pk", "received_at")
        .first()
    )
    if found is None:
        return None
    return _parts_of_event(*found, settings.FRONTDESK_MAX_ATTACHMENT_BYTES)


@lru_cache(maxsize=1)
def _parts_of_event(event_pk: int, received_at: datetime, limit: int) -> tuple[Attachment, ...]:
    # The worker downloads a message's files one after another: the mail is read once for all of them.
    # A stored event never changes; its row's id and arrival time (and the size limit) name one reading.
    payload = InboundEvent.all_workspaces.filter(pk=event_pk).values_list("payload", flat=True).first()
    if payload is None:  # deleted a moment ago
        return ()
    return tuple(mail_parts(parse_email(raw_mime(payload), max_attachment_bytes=limit)))


def fetch_media(channel: Channel, ref: str, client: HttpClient) -> FetchedMedia:
    """The file ``ref`` names; ``MediaUnavailable`` when the mail or the part is gone or was too large."""
    if not ref.startswith(PART_REFERENCE):
        raise MediaUnavailable("not a mail part reference")
    event_id, _, number = ref.removeprefix(PART_REFERENCE).rpartition(":")
    if not event_id or not number.isdigit():
        raise MediaUnavailable("not a mail part reference")
    parts = _stored_parts(channel.workspace_id, channel.pk, event_id)
    if parts is None:
        raise MediaUnavailable("the mail is no longer stored")
    index = int(number)
    if index >= len(parts):
        raise MediaUnavailable("the mail has no such part")
    part = parts[index]
    if part.too_large or part.content is None:
        raise MediaUnavailable(f"too large ({part.size} bytes)")
    return FetchedMedia(content=part.content, content_type=part.content_type, filename=part.filename)
