"""Storing attachments: size-limited, typed by their bytes, never trusted by their name."""

from __future__ import annotations

import mimetypes
from pathlib import PurePosixPath

import filetype
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from frontdesk.conversations.models import Attachment, Message

# Types a browser could execute or render as a page: stored, but only ever
# offered as a download (see the inbox attachment view).
ACTIVE_TYPES = {
    "text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml",
    "application/javascript", "text/javascript", "application/x-shockwave-flash",
}  # fmt: skip
REFUSED_TYPES = {
    "application/x-msdownload", "application/x-executable", "application/x-elf",
    "application/x-mach-binary", "application/vnd.microsoft.portable-executable",
}  # fmt: skip


class AttachmentRejected(ValueError):
    """The file may not be stored; the message says why, in the member's language."""


def detect_content_type(data: bytes, filename: str) -> str:
    """The type the bytes say they are; the name only decides between plain kinds."""
    kind = filetype.guess(data[:8192])
    if kind is not None:
        return str(kind.mime)
    guessed, _encoding = mimetypes.guess_type(filename)
    if guessed is None:
        return "application/octet-stream"
    if guessed in ACTIVE_TYPES or guessed.startswith("text/"):
        # Without magic bytes a "text" file may be anything: keep it inert.
        return "text/plain" if guessed == "text/plain" else "application/octet-stream"
    return guessed


def clean_filename(filename: str) -> str:
    name = PurePosixPath(filename.replace("\\", "/")).name.strip().replace("\x00", "")
    return name[:200] or "attachment"


def store_attachment(message: Message, filename: str, data: bytes) -> Attachment:
    """Save ``data`` as an attachment of ``message``, or raise AttachmentRejected."""
    limit = settings.FRONTDESK_MAX_ATTACHMENT_BYTES
    if len(data) > limit:
        raise AttachmentRejected(
            _("The file is too large (%(size)d MB; the limit is %(limit)d MB).")
            % {"size": len(data) // 1_000_000, "limit": limit // 1_000_000}
        )
    if not data:
        raise AttachmentRejected(_("The file is empty."))
    content_type = detect_content_type(data, filename)
    if content_type in REFUSED_TYPES:
        raise AttachmentRejected(_("Programs cannot be attached."))
    attachment = Attachment(
        workspace_id=message.workspace_id,
        message=message,
        filename=clean_filename(filename),
        content_type=content_type,
        size=len(data),
    )
    attachment.file.save(attachment.filename, ContentFile(data), save=False)
    attachment.save()
    return attachment
