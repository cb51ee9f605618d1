"""Meta's Graph API as Messenger and Instagram messaging share it: one thin client, one webhook format, one error map.

The client is a few lines over our ``HttpClient`` (no SDK): every call goes to
``{api_base_url}/{api_version}/{path}`` (``channel.config``, defaults
``https://graph.facebook.com`` and ``v21.0``) with the page access token as a
bearer token and, when the channel has its app secret, the ``appsecret_proof``
Meta wants from apps that require it. A refusal comes back as
``{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}`` and is
raised as :class:`GraphError`; :func:`send_failure` turns it into ``SendFailed``
with a failure code.

Both products post the same webhook shape, ``{"object": "page" | "instagram",
"entry": [{"id", "time", "messaging": [event, …]}]}``, signed with the app
secret (``frontdesk.channels.meta``). :class:`GraphAdapter` cuts it into one
stored event per ``messaging`` item and parses those; the Messenger and
Instagram adapters are small subclasses of it.

Files are never fetched from a payload URL as such: an attachment is stored as
``<kind>-media:<CDN URL>`` and :func:`fetch_cdn_file` downloads it only from
Meta's CDN hosts (``*.fbcdn.net``, ``*.fbsbx.com``, ``*.cdninstagram.com``) or
the channel's own API host.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import posixpath
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote, unquote, urlencode, urlsplit

from django.utils.translation import gettext_lazy as _

from frontdesk.channels import meta
from frontdesk.channels.base import (
    Capabilities,
    Delivery,
    FetchedMedia,
    HookAnswer,
    MediaUnavailable,
    OutboundMessage,
    PayloadInvalid,
    RawEvent,
    RejectedEvent,
    SendResult,
    WebhookRequest,
)
from frontdesk.channels.connect import ConnectionTestFailed, CredentialField
from frontdesk.channels.hosts import is_provider_url
from frontdesk.channels.models import Channel
from frontdesk.channels.payloads import read_json
from frontdesk.conversations.models import DeliveryStatus
from frontdesk.core.http_client import BlockedDestination, HttpClientError, Response
from frontdesk.pipeline.inbound import AttachmentRef, ContactRef, InboundMessage, StatusUpdate
from frontdesk.pipeline.outbound import SendFailed

if TYPE_CHECKING:
    from frontdesk.core.http_client import HttpClient

DEFAULT_API_BASE_URL = "https://graph.facebook.com"
DEFAULT_API_VERSION = "v21.0"
# Where Meta serves attachment and profile-picture files from.
CDN_HOST_SUFFIXES = (".fbcdn.net", ".fbsbx.com", ".cdninstagram.com")
REASON_LENGTH = 300
ID_LENGTH = 255
MAX_EVENTS = 5000

# Graph error codes (https://developers.facebook.com/docs/graph-api/guides/error-handling,
# https://developers.facebook.com/docs/messenger-platform/error-codes).
WINDOW_SUBCODES = frozenset({2018278, 2534022})
BLOCKED_CODES = frozenset({551})
BLOCKED_SUBCODES = frozenset({2018108, 1545041})
NO_USER_SUBCODES = frozenset({2018001, 2534014})
TOKEN_CODES = frozenset({102, 190})
PERMISSION_CODES = frozenset({10, *range(200, 300)})
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, 80006})
TRANSIENT_CODES = frozenset({1, 2, 1200})
# Graph's rate-limit hint: minutes until calls are allowed again, per business use case.
USAGE_HEADERS = ("x-business-use-case-usage", "x-page-usage", "x-app-usage")


class GraphError(Exception):
    """The Graph API refused a call; ``code``/``subcode`` are Meta's, ``message`` its explanation."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: int = 0,
        subcode: int = 0,
        transient: bool = False,
        retry_after: timedelta | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.subcode = subcode
        self.transient = transient
        self.retry_after = retry_after

    def describe(self) -> str:
        codes = f"code {self.code}" + (f"/{self.subcode}" if self.subcode else "")
        return f"HTTP {self.status}: {self.message} ({codes})"[:REASON_LENGTH]


class Graph:
    """The Graph API as one channel's page access token sees it."""

    def __init__(self, channel: Channel, client: HttpClient) -> None:
        config = channel.config or {}
        secrets = channel.secrets or {}
        self.base_url = str(config.get("api_base_url") or DEFAULT_API_BASE_URL).rstrip("/")
        self.version = str(config.get("api_version") or DEFAULT_API_VERSION).strip("/")
        self.token = str(secrets.get("page_access_token") or "")
        self.app_secret = str(secrets.get("app_secret") or "")
        self.client = client

    def url(self, path: str, params: Mapping[str, str] | None = None) -> str:
        query = dict(params or {})
        if self.app_secret and self.token:
            # Apps set to "Require App Secret" refuse calls without this proof of the app secret.
            query["appsecret_proof"] = hmac.new(
                self.app_secret.encode(), self.token.encode(), hashlib.sha256
            ).hexdigest()
        address = f"{self.base_url}/{self.version}/{path.lstrip('/')}"
        return address + ("?" + urlencode(query) if query else "")

    def get(self, path: str, params: Mapping[str, str] | None = None) -> dict[str, Any]:
        return self._call("GET", path, params, None)

    def post(
        self, path: str, document: Mapping[str, Any] | None = None, params: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        return self._call("POST", path, params, document)

    def _call(
        self, method: str, path: str, params: Mapping[str, str] | None, document: Mapping[str, Any] | None
    ) -> dict[str, Any]:
        if not self.token:
            raise GraphError(0, "the channel has no page access token", code=190)
        headers = {"Authorization": f"Bearer {self.token}"}
        body = b""
        if document is not None:
            headers["Content-Type"] = "application/json"
            body = json.dumps(document, ensure_ascii=False).encode()
        response = self.client.request(method, self.url(path, params), content=body, headers=headers)
        parsed = response.json_object()
        error = parsed.get("error")
        if response.is_success and not isinstance(error, dict):
            return parsed
        raise _graph_error(response, error if isinstance(error, dict) else {})


def _graph_error(response: Response, error: dict[str, Any]) -> GraphError:
    message = error.get("error_user_msg") or error.get("message") or " ".join(response.text.split())
    return GraphError(
        response.status_code,
        str(message)[:REASON_LENGTH] or f"HTTP {response.status_code}",
        code=_int(error.get("code")),
        subcode=_int(error.get("error_subcode")),
        transient=error.get("is_transient") is True,
        retry_after=_retry_after(response),
    )


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _retry_after(response: Response) -> timedelta | None:
    """The longest ``estimated_time_to_regain_access`` (minutes) of Graph's usage headers, or Retry-After."""
    asked = response.retry_after()
    if asked is not None:
        return asked
    minutes = 0
    for header in USAGE_HEADERS:
        try:
            usage = json.loads(response.headers.get(header, "") or "null")
        except ValueError:
            continue
        items: list[Any] = []
        if isinstance(usage, dict):
            # X-Business-Use-Case-Usage maps a business id to a list; the others are one object.
            nested = [item for value in usage.values() if isinstance(value, list) for item in value]
            items = nested or [usage]
        for item in items:
            if isinstance(item, dict):
                minutes = max(minutes, _int(item.get("estimated_time_to_regain_access")))
    return timedelta(minutes=minutes) if minutes else None


def send_failure(error: GraphError) -> SendFailed:
    """What a Graph refusal of a send means for the message: retry later, or fail with a code."""
    reason = error.describe()
    code, subcode, status = error.code, error.subcode, error.status or None
    if subcode in WINDOW_SUBCODES:
        return SendFailed(reason, retryable=False, http_status=status, code="window_closed")
    if code in BLOCKED_CODES or subcode in BLOCKED_SUBCODES:
        return SendFailed(reason, retryable=False, http_status=status, code="blocked")
    if subcode in NO_USER_SUBCODES:
        return SendFailed(reason, retryable=False, http_status=status, code="invalid_recipient")
    if (
        code in RATE_LIMIT_CODES
        or code in TRANSIENT_CODES
        or error.transient
        or error.status == 429
        or error.status >= 500
    ):
        return SendFailed(reason, retryable=True, http_status=status, retry_after=error.retry_after)
    if code in TOKEN_CODES or code in PERMISSION_CODES or status == 401:
        return SendFailed(reason, retryable=False, http_status=status, code="credentials")
    return SendFailed(reason, retryable=False, http_status=status)


def transport_failure(error: HttpClientError) -> SendFailed:
    if isinstance(error, BlockedDestination):
        return SendFailed(f"Graph API address refused: {error}", retryable=False)
    return SendFailed(f"{type(error).__name__}: {error}", retryable=True)


def send_all(graph: Graph, path: str, bodies: list[dict[str, Any]]) -> SendResult:
    """POST each Send API body in order; the result carries the last message id.

    The Send API has no idempotency key and takes one attachment per message. A
    failure before anything went out keeps its own retryability; once a part was
    sent, a retry would send that part again, so the failure is final and says
    how far it got.
    """
    message_id = ""
    for index, body in enumerate(bodies):
        try:
            answer = graph.post(path, body)
        except (GraphError, HttpClientError) as error:
            failure = send_failure(error) if isinstance(error, GraphError) else transport_failure(error)
            if index == 0:
                raise failure from error
            raise SendFailed(
                f"sent {index} of {len(bodies)} parts, then: {failure.reason}",
                retryable=False,
                http_status=failure.http_status,
                code=failure.code,
            ) from error
        message_id = str(answer.get("message_id") or "")[:ID_LENGTH]
    return SendResult(provider_message_id=message_id)


# Building Send API messages.


def text_chunks(text: str, limit: int, *, count_bytes: bool = False) -> list[str]:
    """``text`` cut into pieces of at most ``limit`` characters (or UTF-8 bytes), never inside a character."""
    chunks: list[str] = []
    current = ""
    size = 0
    for character in text:
        width = len(character.encode()) if count_bytes else 1
        if size + width > limit:
            chunks.append(current)
            current, size = "", 0
        current += character
        size += width
    if current:
        chunks.append(current)
    return chunks


QUICK_REPLY_LIMIT = 13
TITLE_LENGTH = 20
PAYLOAD_LENGTH = 1000


def quick_replies(items: Any) -> list[dict[str, str]]:
    """``content["quick_replies"]`` as Send API quick replies (text ones, titles cut to Meta's 20 characters)."""
    if not isinstance(items, list) or not items or not all(isinstance(item, dict) for item in items):
        raise SendFailed("quick replies must be a list of {id, title}", retryable=False, code="unsupported")
    if len(items) > QUICK_REPLY_LIMIT:
        raise SendFailed(f"at most {QUICK_REPLY_LIMIT} quick replies", retryable=False, code="unsupported")
    return [
        {
            "content_type": "text",
            "title": str(item.get("title") or item.get("id") or "")[:TITLE_LENGTH],
            "payload": str(item.get("id") or item.get("title") or "")[:PAYLOAD_LENGTH],
        }
        for item in items
    ]


def check_content(message: OutboundMessage, supported: Iterable[str]) -> None:
    """Refuse structured content this channel cannot send."""
    unknown = sorted(set(message.content) - set(supported))
    if unknown:
        raise SendFailed(f"this channel cannot send {', '.join(unknown)}", retryable=False, code="unsupported")


def tag_fields(message: OutboundMessage, allowed: frozenset[str]) -> dict[str, str]:
    """``messaging_type``/``tag`` for a tagged message (allowed outside the 24-hour window), or nothing."""
    tag = message.content.get("tag")
    if not tag:
        return {}
    if tag not in allowed:
        raise SendFailed(f"the message tag {tag!r} cannot be used here", retryable=False, code="unsupported")
    return {"messaging_type": "MESSAGE_TAG", "tag": str(tag)}


BUTTON_TEXT_LIMIT = 640
BUTTON_LIMIT = 3


def message_bodies(
    message: OutboundMessage,
    envelope: dict[str, Any],
    *,
    text_limit: int,
    count_bytes: bool = False,
    attachment_types: Mapping[str, str],
    buttons: bool = False,
) -> list[dict[str, Any]]:
    """The Send API requests for ``message``: its text (cut to the limit), buttons, one per attachment.

    ``attachment_types`` maps a content type's main part (``image``) to the Send API
    type; ``"*"`` is the type for anything else (Messenger's ``file``). Quick replies
    ride on the last request.
    """
    texts = text_chunks(message.text, text_limit, count_bytes=count_bytes)
    contents: list[dict[str, Any]] = [{"text": text} for text in texts]
    if buttons and message.content.get("buttons"):
        if not texts:
            raise SendFailed("buttons need a text to go with", retryable=False, code="unsupported")
        # The button template holds at most 640 characters: the text's last part goes in it.
        *head, last = text_chunks(contents.pop()["text"], BUTTON_TEXT_LIMIT, count_bytes=count_bytes)
        contents += [{"text": text} for text in head]
        contents.append(_button_template(last, message.content["buttons"]))
    for attachment in message.attachments:
        main_type = attachment.content_type.partition("/")[0].lower()
        kind = attachment_types.get(main_type) or attachment_types.get("*")
        if kind is None:
            raise SendFailed(
                f"{attachment.content_type or 'this file type'} cannot be sent on this channel",
                retryable=False,
                code="unsupported",
            )
        contents.append({"attachment": {"type": kind, "payload": {"url": attachment.url, "is_reusable": False}}})
    if not contents:
        raise SendFailed("the message has no text and no attachment", retryable=False, code="unsupported")
    if message.content.get("quick_replies"):
        contents[-1]["quick_replies"] = quick_replies(message.content["quick_replies"])
    return [{**envelope, "message": content} for content in contents]


def _button_template(text: str, items: Any) -> dict[str, Any]:
    if not isinstance(items, list) or not items or not all(isinstance(item, dict) for item in items):
        raise SendFailed("buttons must be a list of {id, title}", retryable=False, code="unsupported")
    if len(items) > BUTTON_LIMIT:
        raise SendFailed(f"at most {BUTTON_LIMIT} buttons", retryable=False, code="unsupported")
    buttons = [
        {
            "type": "postback",
            "title": str(item.get("title") or item.get("id") or "")[:TITLE_LENGTH],
            "payload": str(item.get("id") or item.get("title") or "")[:PAYLOAD_LENGTH],
        }
        for item in items
    ]
    return {
        "attachment": {"type": "template", "payload": {"template_type": "button", "text": text, "buttons": buttons}}
    }


# Inbound: the webhook shared by Messenger and Instagram.


class GraphAdapter:
    """Messenger and Instagram webhooks: Meta's handshake and signature, ``entry[].messaging[]`` events."""

    capabilities: Capabilities
    # The webhook body's "object": "page" for Messenger, "instagram" for Instagram.
    webhook_object: ClassVar[str]
    # The prefix of this channel's attachment references (``messenger-media:``).
    media_prefix: ClassVar[str]

    def handshake(self, channel: Channel, request: WebhookRequest) -> HookAnswer:
        return meta.answer_subscription(channel, request)

    def verify(self, channel: Channel, request: WebhookRequest) -> None:
        meta.verify_signature(channel, request)

    def split(self, channel: Channel, body: bytes) -> Delivery:
        document = read_json(body)
        if not isinstance(document, dict) or not isinstance(document.get("entry"), list):
            raise PayloadInvalid('the body must be a JSON object with an "entry" list')
        if document.get("object") != self.webhook_object:
            raise PayloadInvalid(f'expected "object": "{self.webhook_object}", got {document.get("object")!r}')
        delivery = Delivery()
        index = 0
        for entry in document["entry"]:
            # Entries without "messaging" (feed changes, standby threads) carry nothing for this channel.
            items = entry.get("messaging") if isinstance(entry, dict) else None
            for item in items if isinstance(items, list) else []:
                if index >= MAX_EVENTS:
                    raise PayloadInvalid(f"at most {MAX_EVENTS} events per delivery")
                event_id, problem = event_id_of(item)
                if problem:
                    delivery.rejected.append(RejectedEvent(index=index, detail=problem, provider_event_id=event_id))
                else:
                    delivery.events.append(RawEvent(provider_event_id=event_id, payload=item))
                index += 1
        return delivery

    def parse(self, channel: Channel, payload: dict[str, Any]) -> list[InboundMessage | StatusUpdate]:
        return parse_event(payload, self.media_prefix)

    def send(self, channel: Channel, message: OutboundMessage) -> SendResult:
        raise NotImplementedError


def event_id_of(event: Any) -> tuple[str, str]:
    """The event's dedupe key (a message's ``mid``, or an id made from stable fields) and what is wrong, if any."""
    if not isinstance(event, dict):
        return "", "the event is not an object"
    sender = _id(event.get("sender"))
    if not sender:
        return "", "the event has no sender id"
    message = event.get("message")
    if isinstance(message, dict):
        mid = message.get("mid")
        if not isinstance(mid, str) or not mid.strip():
            return "", "the message has no mid"
        event_id = mid.strip()
    elif isinstance(event.get("postback"), dict):
        event_id = f"postback:{event['postback'].get('mid') or event.get('timestamp')}:{sender}"
    elif isinstance(event.get("delivery"), dict):
        event_id = f"delivery:{event['delivery'].get('watermark')}:{sender}"
    elif isinstance(event.get("read"), dict):
        read = event["read"]
        event_id = f"read:{read.get('mid') or read.get('watermark')}:{sender}"
    elif isinstance(event.get("reaction"), dict):
        reaction = event["reaction"]
        event_id = f"reaction:{reaction.get('mid')}:{reaction.get('action')}:{event.get('timestamp')}:{sender}"
    else:
        # Referrals, opt-ins, handovers…: kept under their type and time, parsed as nothing.
        kinds = sorted(key for key in event if key not in {"sender", "recipient", "timestamp"})
        event_id = f"{kinds[0] if kinds else 'event'}:{event.get('timestamp')}:{sender}"
    if len(event_id) > ID_LENGTH:
        return "", f"the event id is longer than {ID_LENGTH} characters"
    return event_id, ""


def _id(value: Any) -> str:
    identifier = value.get("id") if isinstance(value, dict) else None
    return str(identifier).strip() if isinstance(identifier, str | int) else ""


def _time(milliseconds: Any) -> datetime | None:
    if isinstance(milliseconds, int | float) and not isinstance(milliseconds, bool) and milliseconds > 0:
        return datetime.fromtimestamp(milliseconds / 1000, UTC)
    return None


# Instagram attachments that are a file at a CDN URL: shared posts, reels, story mentions.
CDN_ATTACHMENT_TYPES = frozenset({"image", "video", "audio", "file", "share", "story_mention", "ig_reel", "reel"})


def parse_event(event: dict[str, Any], media_prefix: str) -> list[InboundMessage | StatusUpdate]:
    """One ``messaging`` item as messages and status updates; echoes and unknown kinds are nothing."""
    sender = _id(event.get("sender"))
    if not sender:
        raise PayloadInvalid("the event has no sender id")
    sent_at = _time(event.get("timestamp"))
    contact = ContactRef(external_id=sender)
    if isinstance(event.get("message"), dict):
        message = _message(event["message"], contact, sent_at, media_prefix)
        return [message] if message is not None else []
    if isinstance(event.get("postback"), dict):
        postback = event["postback"]
        event_id, _problem = event_id_of(event)
        interactive = {"id": str(postback.get("payload") or ""), "title": str(postback.get("title") or "")}
        return [InboundMessage(provider_message_id=event_id, contact=contact, interactive=interactive, sent_at=sent_at)]
    if isinstance(event.get("delivery"), dict):
        delivery = event["delivery"]
        at = _time(delivery.get("watermark")) or sent_at
        mids = delivery.get("mids") if isinstance(delivery.get("mids"), list) else []
        return [StatusUpdate(provider_message_id=mid, status=DeliveryStatus.DELIVERED, at=at) for mid in mids if mid]
    if isinstance(event.get("read"), dict):
        # Instagram names the message read; Messenger only gives a watermark ("everything before this
        # time"), which names no message, so it is not applied (docs/channels/messenger.md).
        mid = event["read"].get("mid")
        return [StatusUpdate(provider_message_id=mid, status=DeliveryStatus.READ, at=sent_at)] if mid else []
    if isinstance(event.get("reaction"), dict):
        return _reaction(event, contact, sent_at)
    return []


def _message(
    message: dict[str, Any], contact: ContactRef, sent_at: datetime | None, media_prefix: str
) -> InboundMessage | None:
    # An echo is a message the page sent (through us or another tool), never the customer's;
    # deleted and unsupported messages have nothing to show.
    if message.get("is_echo") or message.get("is_deleted") or message.get("is_unsupported"):
        return None
    mid = str(message.get("mid") or "")
    if not mid:
        raise PayloadInvalid("the message has no mid")
    text = str(message["text"]) if isinstance(message.get("text"), str) else ""
    provider: dict[str, Any] = {}
    interactive = None
    quick_reply = message.get("quick_reply")
    if isinstance(quick_reply, dict) and quick_reply.get("payload"):
        interactive = {"id": str(quick_reply["payload"]), "title": text}
    reply_to = ""
    reference = message.get("reply_to")
    attachments: list[AttachmentRef] = []
    if isinstance(reference, dict):
        reply_to = str(reference.get("mid") or "")
        story = reference.get("story")
        if isinstance(story, dict):
            provider["story_reply"] = {"id": str(story.get("id") or "")}
            if story.get("url"):
                attachments.append(AttachmentRef(url=media_prefix + str(story["url"]), filename="story"))
    location = None
    links: list[str] = []
    raw_attachments = message.get("attachments")
    for attachment in raw_attachments if isinstance(raw_attachments, list) else []:
        if not isinstance(attachment, dict):
            raise PayloadInvalid("an attachment is not an object")
        kind = str(attachment.get("type") or "")
        payload: dict[str, Any] = attachment["payload"] if isinstance(attachment.get("payload"), dict) else {}
        if kind == "location":
            coordinates = payload.get("coordinates") or {}
            location = {
                "latitude": coordinates.get("lat"),
                "longitude": coordinates.get("long"),
                "name": str(attachment.get("title") or ""),
                "address": "",
            }
        elif kind == "fallback":
            # A shared link: shown as text, never fetched.
            url = str(attachment.get("url") or payload.get("url") or "")
            links.append(" ".join(part for part in (str(attachment.get("title") or ""), url) if part))
        elif kind in CDN_ATTACHMENT_TYPES and payload.get("url"):
            if kind == "story_mention":
                provider["story_mention"] = True
            if payload.get("title"):
                links.append(str(payload["title"]))
            attachments.append(
                AttachmentRef(
                    url=media_prefix + str(payload["url"]),
                    filename=_filename(str(payload["url"])) if kind == "file" else "",
                )
            )
        elif kind:
            provider.setdefault("unsupported_attachments", []).append(kind)
    if not text and links:
        text = "\n".join(links)
    if not (text or attachments or location or interactive):
        return None
    return InboundMessage(
        provider_message_id=mid,
        contact=contact,
        text=text,
        attachments=tuple(attachments),
        location=location,
        reply_to=reply_to,
        interactive=interactive,
        sent_at=sent_at,
        provider=provider or None,
    )


def _reaction(
    event: dict[str, Any], contact: ContactRef, sent_at: datetime | None
) -> list[InboundMessage | StatusUpdate]:
    reaction = event["reaction"]
    if reaction.get("action") != "react":
        # Taking a reaction back leaves nothing to answer.
        return []
    event_id, _problem = event_id_of(event)
    emoji = str(reaction.get("emoji") or reaction.get("reaction") or "")
    return [
        InboundMessage(
            provider_message_id=event_id,
            contact=contact,
            text=emoji,
            reply_to=str(reaction.get("mid") or ""),
            sent_at=sent_at,
            provider={"reaction": str(reaction.get("reaction") or "")},
        )
    ]


def _filename(url: str) -> str:
    return unquote(posixpath.basename(urlsplit(url).path))[:200]


# Files and profile pictures from Meta's CDN.


def is_allowed_file_url(channel: Channel, url: str) -> bool:
    """Whether ``url`` is on Meta's CDN (https) or the channel's own API host: the only places files come from."""
    api = str((channel.config or {}).get("api_base_url") or DEFAULT_API_BASE_URL)
    return is_provider_url(url, api, suffixes=CDN_HOST_SUFFIXES)


def fetch_cdn_file(channel: Channel, url: str, client: HttpClient) -> FetchedMedia:
    """Download ``url`` if it is a Meta CDN address; CDN URLs expire, so a 403/404/410 is final."""
    if not is_allowed_file_url(channel, url):
        raise MediaUnavailable(f"not a Meta CDN address: {urlsplit(url).netloc or url[:100]}")
    response = client.get(url)
    if not response.is_success:
        retryable = response.status_code == 429 or response.status_code >= 500
        raise MediaUnavailable(f"Meta's CDN said {response.status_code}", retryable=retryable)
    return FetchedMedia(
        content=response.content,
        content_type=response.headers.get("content-type", ""),
        filename=_filename(url),
    )


def fetch_media_ref(channel: Channel, ref: str, client: HttpClient, prefix: str) -> FetchedMedia:
    """The file behind a ``<prefix><CDN URL>`` reference."""
    if not ref.startswith(prefix):
        raise MediaUnavailable(f"not a {prefix.rstrip(':')} reference")
    return fetch_cdn_file(channel, ref.removeprefix(prefix), client)


def fetch_picture(channel: Channel, url: Any, client: HttpClient) -> FetchedMedia | None:
    """A profile picture, or ``None`` when there is none or it cannot be had (the name is still worth keeping)."""
    if not isinstance(url, str) or not url:
        return None
    try:
        return fetch_cdn_file(channel, url, client)
    except (MediaUnavailable, HttpClientError):
        return None


def profile_document(channel: Channel, user_id: str, fields: str, client: HttpClient) -> dict[str, Any]:
    """``GET /{user id}?fields=…``; a refusal is ``MediaUnavailable`` (retryable when Graph says so)."""
    try:
        # The id came in a webhook: quoted, so it can only ever name one object.
        return Graph(channel, client).get(quote(user_id, safe=""), {"fields": fields})
    except GraphError as error:
        raise MediaUnavailable(error.describe(), retryable=send_failure(error).retryable) from error


# Connecting: the credentials both products need.


def credential_fields(*extra: CredentialField) -> tuple[CredentialField, ...]:
    return (
        CredentialField(
            "page_id",
            _("Facebook Page ID"),
            secret=False,
            help_text=_("The numeric ID of the Page (Page settings › About › Page transparency)."),
        ),
        *extra,
        CredentialField(
            "page_access_token",
            _("Page access token"),
            help_text=_("A long-lived Page access token of your Meta app, with the messaging permissions."),
        ),
        CredentialField(
            "app_secret",
            _("App secret"),
            help_text=_("App settings › Basic › App secret: it signs every webhook delivery."),
        ),
        CredentialField(
            "verify_token",
            _("Webhook verify token"),
            required=False,
            generate=meta.new_verify_token,
            reveal=True,
            help_text=_("Paste it into the webhook settings of your Meta app with the callback URL."),
        ),
        CredentialField(
            "api_base_url",
            _("Graph API base URL"),
            secret=False,
            required=False,
            default=DEFAULT_API_BASE_URL,
        ),
        CredentialField(
            "api_version",
            _("Graph API version"),
            secret=False,
            required=False,
            default=DEFAULT_API_VERSION,
        ),
    )


def connection_get(channel: Channel, client: HttpClient, path: str, fields: str) -> dict[str, Any]:
    """A cheap Graph read for "Test connection"; any refusal becomes ``ConnectionTestFailed``."""
    try:
        return Graph(channel, client).get(path, {"fields": fields})
    except GraphError as error:
        raise ConnectionTestFailed(error.describe()) from error
    except HttpClientError as error:
        raise ConnectionTestFailed(f"the Graph API could not be reached: {error}") from error
