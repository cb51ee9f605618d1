"""The pipeline's reactions to domain events: a customer's files are downloaded once their message is stored."""

from __future__ import annotations

from frontdesk.pipeline.events import Event, subscriber
from frontdesk.pipeline.tasks import enqueue_download


@subscriber
def download_inbound_media(events: list[Event]) -> None:
    # The inbound paths say how many files wait, so a message without any costs no query and no task.
    for event in events:
        if event.type == "message.created" and event.payload.get("pending_attachments"):
            enqueue_download(int(event.payload["message"]["id"]))
