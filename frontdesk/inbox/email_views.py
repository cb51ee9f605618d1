"""A customer's mail in full, one click from the trimmed reply the timeline shows.

The page shows the headers and the full text; the HTML body is in an iframe
whose own response is sandboxed twice over (the ``sandbox`` attribute and a
``sandbox`` CSP: no scripts, no forms, no same-origin access) and may load
nothing but pictures: inline ``cid:`` pictures are embedded from our stored
attachments as ``data:`` URLs, and remote pictures, which tell the sender the
mail was opened, load only when the agent asks.
"""

from __future__ import annotations

import base64
import re
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET

from frontdesk.conversations.access import get_conversation_for_member
from frontdesk.conversations.models import Attachment, Message
from frontdesk.core.decorators import member_required
from frontdesk.core.html import sanitize_html
from frontdesk.core.models import Member

# Pictures embedded in the original; anything else keeps its cid: and shows nothing.
EMBEDDED_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
MAX_EMBEDDED_BYTES = 5 * 1024 * 1024
_CID_SOURCE = re.compile(r'src="cid:([^"]*)"', re.IGNORECASE)
_BODY_POLICY = "sandbox; default-src 'none'; img-src data:{remote}; style-src 'unsafe-inline'; frame-ancestors 'self'"


def _email_message(member: Member, message_id: int) -> Message:
    """A customer's mail the member may read: in their workspace and in a conversation they may see."""
    message = (
        Message.in_workspace(member.workspace_id)
        .select_related("channel")
        .filter(pk=message_id, kind="inbound", channel__kind="email")
        .first()
    )
    if message is None:
        raise Http404
    get_conversation_for_member(member, message.conversation_id)
    return message


@require_GET
@member_required
def email_original(request: HttpRequest, message_id: int) -> HttpResponse:
    member = request.member  # type: ignore[attr-defined]
    message = _email_message(member, message_id)
    provider: dict[str, Any] = dict((message.metadata or {}).get("provider") or {})
    return render(
        request,
        "inbox/email_original.html",
        {
            "message": message,
            "provider": provider,
            "sender": provider.get("from") or "",
            "full_text": provider.get("full_text") or message.text,
            "remote_images": request.GET.get("remote") == "1",
        },
    )


@require_GET
@member_required
@xframe_options_sameorigin
def email_original_body(request: HttpRequest, message_id: int) -> HttpResponse:
    member = request.member  # type: ignore[attr-defined]
    message = _email_message(member, message_id)
    body = _with_embedded_pictures(message, sanitize_html(message.html))
    document = (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="referrer" content="no-referrer"></head>'
        f"<body>{body}</body></html>"
    )
    response = HttpResponse(document, content_type="text/html; charset=utf-8")
    remote = " https: http:" if request.GET.get("remote") == "1" else ""
    response["Content-Security-Policy"] = _BODY_POLICY.format(remote=remote)
    response["X-Content-Type-Options"] = "nosniff"
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "private, no-store"
    return response


def _with_embedded_pictures(message: Message, html: str) -> str:
    """``html`` with each ``cid:`` picture replaced by its stored attachment as a ``data:`` URL, or removed."""
    metadata = message.metadata or {}
    inline: dict[str, str] = dict((metadata.get("provider") or {}).get("inline") or {})
    stored = {str(item.get("url")): item.get("attachment_id") for item in metadata.get("fetched_attachments") or []}
    wanted = {cid: stored.get(reference) for cid, reference in inline.items()}
    attachments = {
        attachment.pk: attachment
        for attachment in Attachment.in_workspace(message.workspace_id).filter(
            message=message, pk__in=[pk for pk in wanted.values() if pk]
        )
    }

    def replace(match: re.Match[str]) -> str:
        attachment = attachments.get(wanted.get(match.group(1)) or 0)
        if attachment is None or attachment.content_type not in EMBEDDED_TYPES or attachment.size > MAX_EMBEDDED_BYTES:
            return 'src=""'
        with attachment.file.open("rb") as handle:
            encoded = base64.b64encode(handle.read()).decode("ascii")
        return f'src="data:{attachment.content_type};base64,{encoded}"'

    return _CID_SOURCE.sub(replace, html)
