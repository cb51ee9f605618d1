"""Signed public addresses for the files of outbound messages.

Providers such as WhatsApp, Messenger, LINE and Twilio fetch a reply's image
from a URL instead of taking an upload. ``/media/<token>`` serves one
attachment of an outbound message to whoever holds its token: a signature
over the attachment id that expires after ``MAX_AGE``, so the address cannot
be guessed, changed to another file, or used for ever.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.http import FileResponse, Http404, HttpRequest
from django.urls import reverse
from django.views.decorators.http import require_safe

from frontdesk.conversations.models import Attachment, MessageKind

SALT = "frontdesk.outbound-media"
MAX_AGE = timedelta(days=7)


def public_media_url(attachment: Attachment) -> str:
    token = signing.dumps(attachment.pk, salt=SALT, compress=False)
    return settings.PUBLIC_URL + reverse("public-media", args=[token])


@require_safe
def public_media(request: HttpRequest, token: str) -> FileResponse:
    try:
        attachment_id = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature as error:
        raise Http404("No such file.") from error
    # Only files we send: an inbound file is the customer's, never published.
    attachment = (
        Attachment.all_workspaces.filter(pk=attachment_id, message__kind=MessageKind.OUTBOUND)
        .select_related("message")
        .first()
    )
    if attachment is None:
        raise Http404("No such file.")
    response = FileResponse(
        attachment.file.open("rb"),
        filename=attachment.filename,
        content_type=attachment.content_type,
        as_attachment=False,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response
