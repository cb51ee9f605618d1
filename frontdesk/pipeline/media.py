"""Downloading the files of inbound messages into attachment storage.

An inbound message keeps its provider's file references in
``metadata["pending_attachments"]``. ``download_attachments`` fetches each one
through its channel's ``media.fetch_media`` and the hardened client, stores it
with ``store_attachment`` and moves the reference to ``fetched_attachments``,
or, when the file will never come (too large, a refused type, the provider said
404, a private address), to ``failed_attachments`` with the reason. A transient
failure leaves the reference pending with its attempt count, until
``MAX_ATTEMPTS``. The move happens with the message row locked and only for a
reference still pending, so running twice never stores a file twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction

from frontdesk.api.serializers import message_out
from frontdesk.channels.base import FetchedMedia, MediaFetcher, MediaUnavailable, media_fetcher_for
from frontdesk.conversations.attachments import AttachmentRejected, store_attachment
from frontdesk.conversations.models import Message
from frontdesk.core.http_client import BlockedDestination, HttpClient, HttpClientError, ResponseTooLarge, http_client
from frontdesk.pipeline.events import publish

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
ERROR_LENGTH = 300


@dataclass(frozen=True)
class DownloadOutcome:
    stored: int = 0
    failed: int = 0
    # References left pending after a transient failure: the caller asks again later.
    retry: int = 0


def download_attachments(message_id: int) -> DownloadOutcome:
    """Fetch and store every pending attachment of one message; safe to run again or concurrently."""
    message = Message.all_workspaces.select_related("channel").filter(pk=message_id).first()
    if message is None or message.channel is None:
        return DownloadOutcome()
    pending: list[dict[str, Any]] = list((message.metadata or {}).get("pending_attachments") or [])
    if not pending:
        return DownloadOutcome()
    fetcher = media_fetcher_for(message.channel)
    stored = failed = retry = 0
    with http_client(max_response_bytes=settings.FRONTDESK_MAX_ATTACHMENT_BYTES) as client:
        for item in pending:
            media, error, retryable = _fetch(fetcher, message, item, client)
            outcome = _settle(message.pk, item, media, error, retryable)
            stored += outcome == "stored"
            failed += outcome == "failed"
            retry += outcome == "retry"
    if stored or failed:
        with transaction.atomic():
            fresh = Message.all_workspaces.get(pk=message.pk)
            publish(
                "message.updated",
                fresh.workspace_id,
                {
                    "message": message_out(fresh).model_dump(mode="json"),
                    "conversation_id": fresh.conversation_id,
                    "changes": {"attachments": {"stored": stored, "failed": failed}},
                },
            )
    return DownloadOutcome(stored=stored, failed=failed, retry=retry)


def _fetch(
    fetcher: MediaFetcher | None, message: Message, item: dict[str, Any], client: HttpClient
) -> tuple[FetchedMedia | None, str, bool]:
    """The file, or why not and whether asking again may help."""
    assert message.channel is not None
    if fetcher is None:
        return None, "this channel's files cannot be downloaded", False
    try:
        return fetcher(message.channel, str(item.get("url") or ""), client), "", False
    except MediaUnavailable as error:
        return None, error.detail, error.retryable
    except ResponseTooLarge:
        return None, f"too large (over {settings.FRONTDESK_MAX_ATTACHMENT_BYTES} bytes)", False
    except BlockedDestination as error:
        return None, f"not allowed: {error}", False
    except HttpClientError as error:
        return None, f"{type(error).__name__}: {error}", True


def _settle(message_id: int, item: dict[str, Any], media: FetchedMedia | None, error: str, retryable: bool) -> str:
    """Store the file and move its reference out of pending, with the message locked; returns what happened."""
    url = item.get("url")
    with transaction.atomic():
        message = Message.all_workspaces.select_for_update().get(pk=message_id)
        metadata: dict[str, Any] = dict(message.metadata or {})
        pending: list[dict[str, Any]] = list(metadata.get("pending_attachments") or [])
        index = next((n for n, entry in enumerate(pending) if entry.get("url") == url), None)
        if index is None:
            return "done elsewhere"
        entry = pending.pop(index)
        outcome = "failed"
        if media is not None:
            try:
                attachment = store_attachment(message, str(entry.get("filename") or media.filename), media.content)
            except AttachmentRejected as rejected:
                error = f"not allowed: {rejected}"
            else:
                fetched = list(metadata.get("fetched_attachments") or [])
                fetched.append({**_ref(entry), "attachment_id": attachment.pk})
                metadata["fetched_attachments"] = fetched
                outcome = "stored"
        elif retryable and int(entry.get("attempts") or 0) + 1 < MAX_ATTEMPTS:
            pending.insert(index, {**entry, "attempts": int(entry.get("attempts") or 0) + 1})
            outcome = "retry"
        if outcome == "failed":
            logger.info("Attachment %s of message %s not downloaded: %s", url, message_id, error)
            failures = list(metadata.get("failed_attachments") or [])
            failures.append({**_ref(entry), "error": error[:ERROR_LENGTH]})
            metadata["failed_attachments"] = failures
        if pending:
            metadata["pending_attachments"] = pending
        else:
            metadata.pop("pending_attachments", None)
        Message.all_workspaces.filter(pk=message_id).update(metadata=metadata)
    return outcome


def _ref(entry: dict[str, Any]) -> dict[str, Any]:
    return {key: entry.get(key, "") for key in ("url", "filename", "content_type")}
