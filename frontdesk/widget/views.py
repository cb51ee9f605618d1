"""The widget's HTTP side: the script, file uploads, suggestions, call requests, files, and pushes and typing.

The visitor endpoints are called from the business's site, with no session:
they are CSRF-exempt, authenticated by the signed visitor token, answered with
CORS headers for the channel's allowed sites only, and rate-limited per
visitor and address. Browsers send them as "simple" requests (a GET, or a
multipart POST without custom headers), so no preflight is needed.
"""

from __future__ import annotations

import json
import mimetypes
import uuid
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from frontdesk.callbacks.actions import InvalidPhoneNumber, request_callback
from frontdesk.channels.access import get_channel_for_member
from frontdesk.channels.models import Channel, ChannelKind
from frontdesk.channels.webchat.media import upload_prefix
from frontdesk.channels.webchat.setup import origin_allowed
from frontdesk.contacts.models import Identity
from frontdesk.conversations.access import get_conversation_for_member
from frontdesk.conversations.attachments import ACTIVE_TYPES, REFUSED_TYPES, clean_filename, detect_content_type
from frontdesk.core.decorators import member_required
from frontdesk.inbox import forwarding
from frontdesk.pipeline.webhooks import ChannelNotFound, channel_for_webhook
from frontdesk.widget import conversation, limits
from frontdesk.widget.push import push_to_visitor, send_to_group, visitor_group
from frontdesk.widget.signed_files import file_of
from frontdesk.widget.strings import catalog
from frontdesk.widget.suggestions import suggestions as find_suggestions
from frontdesk.widget.templatetags.widget import widget_context
from frontdesk.widget.visitors import IdentityRefused, Visitor, identify, visitor_key

BUNDLE = settings.BASE_DIR / "static" / "widget" / "widget.js"
CONFIG_PLACEHOLDER = "__FRONTDESK_WIDGET_CONFIG__"
MAX_UPLOAD_BYTES = min(
    getattr(settings, "FRONTDESK_WIDGET_MAX_UPLOAD_BYTES", 10 * 1024 * 1024), settings.FRONTDESK_MAX_ATTACHMENT_BYTES
)
MAX_QUERY = 200


def _channel(channel_token: str) -> Channel:
    try:
        return channel_for_webhook(ChannelKind.WEBCHAT, channel_token)
    except ChannelNotFound as error:
        raise Http404 from error


def _address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR") or "?")


def _answer(request: HttpRequest, channel: Channel, document: dict[str, Any], status: int = 200) -> JsonResponse:
    """JSON for the widget, readable by the page only when it is one of the channel's allowed sites."""
    response = JsonResponse(document, status=status)
    origin = request.headers.get("Origin", "")
    if origin and origin_allowed(channel, origin):
        response["Access-Control-Allow-Origin"] = origin
    response["Vary"] = "Origin"
    response["Cache-Control"] = "no-store"
    return response


def _refuse(request: HttpRequest, channel: Channel, status: int, code: str, detail: str) -> JsonResponse:
    return _answer(request, channel, {"code": code, "detail": detail}, status)


def _visitor(request: HttpRequest, channel: Channel, form: Any) -> Visitor | None:
    """The visitor named by the request's ``visitor`` token, identified by its user_id/user_hash/name/email."""
    key = visitor_key(channel, str(form.get("visitor") or ""))
    if key is None:
        return None
    claims = {name: form.get(name, "") for name in ("user_id", "user_hash", "name", "email")}
    try:
        return identify(channel, key, claims)
    except IdentityRefused:
        return Visitor(channel, key)


def _json_for_script(value: Any) -> str:
    """JSON safe inside a script: no ``</script>``, no line separators that end a JS string."""
    text = json.dumps(value, ensure_ascii=False)
    for character, escape in (("<", "\\u003C"), (">", "\\u003E"), ("&", "\\u0026"), ("\u2028", "\\u2028")):
        text = text.replace(character, escape)
    return text.replace("\u2029", "\\u2029")


@require_GET
def script(request: HttpRequest, channel_token: str) -> HttpResponse:
    """``/widget/<channel token>.js``: the widget with its settings and strings; a disabled channel shows nothing."""
    try:
        channel = channel_for_webhook(ChannelKind.WEBCHAT, channel_token)
    except ChannelNotFound:
        response = HttpResponse(
            "/* Frontdesk: no active web chat at this address. */\n", status=404, content_type="text/javascript"
        )
        response["Cache-Control"] = "no-store"
        return response
    public = settings.PUBLIC_URL
    config = {
        "base": f"{public}/widget/{channel.webhook_token}",
        "socket": ("wss:" if public.startswith("https:") else "ws:")
        + public.split(":", 1)[1]
        + f"/ws/widget/{channel.webhook_token}/",
        "channel": channel.webhook_token,
        "maxUpload": MAX_UPLOAD_BYTES,
        "maxText": conversation.MAX_TEXT,
        "strings": catalog(),
    }
    body = BUNDLE.read_text().replace(CONFIG_PLACEHOLDER, _json_for_script(config), 1)
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    return response


@csrf_exempt
@require_http_methods(["POST", "OPTIONS"])
def upload(request: HttpRequest, channel_token: str) -> HttpResponse:
    """A file from the visitor (multipart: ``file``, ``visitor``, ``id``, optional ``text`` and identity fields)."""
    channel = _channel(channel_token)
    if request.method == "OPTIONS":
        return _answer(request, channel, {})
    visitor = _visitor(request, channel, request.POST)
    if visitor is None:
        return _refuse(request, channel, 403, "visitor", "unknown visitor")
    if not limits.allow("upload", visitor.key) or not limits.allow("upload", _address(request)):
        return _refuse(request, channel, 429, "rate_limited", "too many uploads; wait a minute")
    uploaded = request.FILES.get("file")
    if uploaded is None:
        return _refuse(request, channel, 400, "file", "no file")
    if uploaded.size is None or uploaded.size > MAX_UPLOAD_BYTES:
        return _refuse(request, channel, 413, "too_large", f"files are limited to {MAX_UPLOAD_BYTES} bytes")
    head = uploaded.read(8192)
    uploaded.seek(0)
    filename = clean_filename(uploaded.name or "file")
    content_type = detect_content_type(head, filename)
    named_type, _encoding = mimetypes.guess_type(filename)
    # Pages and scripts are refused by their bytes or their name: a customer has no reason to send one.
    if content_type in REFUSED_TYPES or content_type in ACTIVE_TYPES or named_type in ACTIVE_TYPES:
        return _refuse(request, channel, 415, "type", "this kind of file cannot be sent")
    storage_name = default_storage.save(
        upload_prefix(channel) + uuid.uuid4().hex + PurePosixPath(filename).suffix[:10], File(uploaded)
    )
    try:
        context = conversation.clean_context(json.loads(request.POST.get("context") or "{}"))
    except ValueError:
        context = {}
    try:
        new = conversation.post_message(
            visitor,
            str(request.POST.get("id") or ""),
            str(request.POST.get("text") or ""),
            context,
            uploads=(conversation.Upload(storage_name, filename, content_type),),
        )
    except conversation.MessageRefused as error:
        default_storage.delete(storage_name)
        return _refuse(request, channel, 400, error.code, error.detail)
    if not new:
        default_storage.delete(storage_name)  # the first upload with this id is the one attached
    return _answer(request, channel, {"id": request.POST.get("id"), "duplicate": not new}, 201 if new else 200)


@require_GET
def suggestions(request: HttpRequest, channel_token: str) -> HttpResponse:
    """``?q=…&lang=…``: answers that may help before a conversation opens (``frontdesk.widget.suggestions``)."""
    channel = _channel(channel_token)
    if not limits.allow("suggest", _address(request)):
        return _refuse(request, channel, 429, "rate_limited", "too many requests")
    query = request.GET.get("q", "").strip()[:MAX_QUERY]
    language = request.GET.get("lang", "en")
    found = find_suggestions(channel, query, language) if query else []
    return _answer(request, channel, {"results": [{"title": item.title, "url": item.url} for item in found]})


@csrf_exempt
@require_http_methods(["POST", "OPTIONS"])
def callback(request: HttpRequest, channel_token: str) -> HttpResponse:
    """ "Call me": ``phone`` with the visitor's token and page context becomes a callback request."""
    channel = _channel(channel_token)
    if request.method == "OPTIONS":
        return _answer(request, channel, {})
    visitor = _visitor(request, channel, request.POST)
    if visitor is None:
        return _refuse(request, channel, 403, "visitor", "unknown visitor")
    if not limits.allow("callback", visitor.key) or not limits.allow("callback", _address(request)):
        return _refuse(request, channel, 429, "rate_limited", "too many call requests")
    try:
        context = conversation.clean_context(json.loads(request.POST.get("context") or "{}"))
    except ValueError:
        context = {}
    language = translation.get_supported_language_variant(request.POST.get("lang") or "en")
    with translation.override(language):
        try:
            request_callback(
                channel=channel,
                contact=conversation.contact_for(visitor),
                phone=str(request.POST.get("phone") or "").strip()[:40],
                conversation=conversation.active_conversation(visitor),
                context=context,
                source="widget",
            )
        except InvalidPhoneNumber as error:
            return _refuse(request, channel, 400, "phone", str(error))
        except ValidationError as error:
            return _refuse(request, channel, 400, "callback", " ".join(error.messages))
    return _answer(request, channel, {"ok": True}, 201)


@require_GET
def file(request: HttpRequest, channel_token: str, token: str) -> FileResponse:
    """A file of the visitor's conversation, by its signed address; always a download."""
    channel = _channel(channel_token)
    found = file_of(channel, token)
    if found is None or not default_storage.exists(found[0]):
        raise Http404
    response = FileResponse(default_storage.open(found[0], "rb"), as_attachment=True, filename=found[1])
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    return response


@csrf_exempt
@require_POST
def forwarded_push(request: HttpRequest) -> HttpResponse:
    """A push to a visitor from this machine's worker, for the widgets connected here (embedded mode)."""
    if not forwarding.is_signed(request.body, request.headers.get(forwarding.SIGNATURE_HEADER, "")):
        return HttpResponse(status=403)
    try:
        item = json.loads(request.body)
        group = visitor_group(int(item["channel_id"]), str(item["visitor"]))
        payload = dict(item["payload"])
    except (ValueError, KeyError, TypeError):
        return HttpResponse(status=400)
    send_to_group(group, payload)
    return HttpResponse(status=204)


@require_GET
@member_required
def preview(request: HttpRequest, channel_id: int) -> HttpResponse:
    """A sample order page with the channel's widget on it, for trying the chat before embedding it."""
    channel = get_channel_for_member(request.member, channel_id)  # type: ignore[attr-defined]
    if channel.kind != ChannelKind.WEBCHAT or not channel.is_active:
        raise Http404
    return render(request, "widget/preview.html", {"channel": channel})


@require_GET
@member_required
def agent_context(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The top of a web-chat conversation (order, page, identity), refreshed live on the agent's page."""
    found = get_conversation_for_member(request.member, conversation_id)  # type: ignore[attr-defined]
    return render(request, "widget/_context_facts.html", {"widget": widget_context(found)})


@require_POST
@member_required
def agent_typing(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The agent is typing in a web-chat conversation: the customer's widget shows it."""
    member = request.member  # type: ignore[attr-defined]
    found = get_conversation_for_member(member, conversation_id)
    if found.channel.kind != ChannelKind.WEBCHAT:
        return HttpResponse(status=204)
    identity = (
        Identity.in_workspace(member.workspace_id)
        .filter(contact_id=found.contact_id, channel_id=found.channel_id)
        .order_by("pk")
        .first()
    )
    if identity is not None:
        push_to_visitor(found.channel_id, identity.external_id, {"type": "typing", "typing": True})
    return HttpResponse(status=204)
