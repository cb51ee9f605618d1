"""A mail's files, ``email-part:<event id>:<n>``, read back from the stored mail: never from the network.

The inbound event keeps the raw mail (``events``); the n-th file is the n-th of
its attachments followed by its inline images, as ``adapter.mail_parts`` counts
them. Only events of the asking channel, in its workspace, are read.
"""

from __future__ import annotations

from frontdesk.channels.base import FetchedMedia, MediaUnavailable
from frontdesk.channels.email.adapter import PART_REFERENCE, mail_parts
from frontdesk.channels.email.events import raw_mime
from frontdesk.channels.email.parsing import parse_email
from frontdesk.channels.models import Channel
from frontdesk.core.http_client import HttpClient
from frontdesk.pipeline.models import InboundEvent


def fetch_media(channel: Channel, ref: str, client: HttpClient) -> FetchedMedia:
    """The file ``ref`` names; ``MediaUnavailable`` when the mail or the part is gone or was too large."""
    if not ref.startswith(PART_REFERENCE):
        raise MediaUnavailable("not a mail part reference")
    event_id, _, number = ref.removeprefix(PART_REFERENCE).rpartition(":")
    if not event_id or not number.isdigit():
        raise MediaUnavailable("not a mail part reference")
    payload = (
        InboundEvent.in_workspace(channel.workspace_id)
        .filter(channel=channel, provider_event_id=event_id)
        .values_list("payload", flat=True)
        .first()
    )
    if payload is None:
        raise MediaUnavailable("the mail is no longer stored")
    parts = mail_parts(parse_email(raw_mime(payload)))
    index = int(number)
    if index >= len(parts):
        raise MediaUnavailable("the mail has no such part")
    part = parts[index]
    if part.too_large or part.content is None:
        raise MediaUnavailable(f"too large ({part.size} bytes)")
    return FetchedMedia(content=part.content, content_type=part.content_type, filename=part.filename)
