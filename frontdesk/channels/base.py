"""The adapter protocol every channel implements, and the registry that finds a channel's adapter.

A channel is a plug-in: its subpackage ``frontdesk/channels/<kind>/adapter.py``
defines one class decorated with ``@register(ChannelKind.X)``. The registry
imports that module the first time an adapter of that kind is asked for, so
adding a channel touches only its own folder.

The inbound side of an adapter has three steps, each pure (no database):

1. ``verify`` the request (a ``WebhookRequest``: raw body, headers, query, the
   public URL it was sent to) against the channel's credentials, in constant time;
2. ``split`` the verified body into the provider's single events, each with the
   provider's event id (the dedupe key) and its JSON, to be stored as they came;
3. ``parse`` one stored event into normalised ``InboundMessage`` / ``StatusUpdate`` items.

Some providers need more than a POST: an adapter may also define
``handshake(channel, request) -> HookAnswer`` to answer the provider's
verification request (a ``GET`` with ``hub.challenge``, X's CRC, WeChat's
``echostr``), and ``acknowledgement(channel, request) -> HookAnswer | None`` when
the provider wants a particular success body (WeChat's ``success``, Twilio's
empty TwiML, a Telegram method call answering a button press).

A channel may also have a ``profile`` module with ``fetch_profile``
(``ProfileFetcher``): the customer's name and picture, fetched once by a task.

A channel whose messages carry files may also have a ``media`` module with a
``fetch_media`` function (``MediaFetcher``): it turns one of its own attachment
references into the file's bytes, calling only hosts the channel owns.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import import_module
from typing import TYPE_CHECKING, Any, Protocol

from frontdesk.channels.models import Channel, ChannelKind

if TYPE_CHECKING:
    from datetime import datetime

    from frontdesk.core.http_client import HttpClient
    from frontdesk.pipeline.inbound import InboundMessage, StatusUpdate


class InboundRejected(Exception):
    """A webhook request refused as a whole; ``status`` is the HTTP status to answer with."""

    status = 400

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class SignatureInvalid(InboundRejected):
    status = 401


class PayloadInvalid(InboundRejected):
    status = 400


class UnknownChannelKind(LookupError):
    pass


@dataclass(frozen=True)
class Capabilities:
    """What a channel can carry, so code outside ``channels/`` never branches on a kind."""

    media_kinds: frozenset[str] = frozenset()
    templates: bool = False
    typing_indicator: bool = False
    read_receipts: bool = False
    # Hours after the customer's last message during which free-form replies are allowed.
    reply_window_hours: int | None = None
    # Keys of ``OutboundMessage.content`` that may be sent when that window is closed
    # (WhatsApp's "template", Messenger's "tag").
    outside_window_content: frozenset[str] = frozenset()
    # Keys of ``OutboundMessage.content`` this channel can send (see docs/outbound.md).
    content_kinds: frozenset[str] = frozenset()
    # The provider's documented sending rate per account (WhatsApp 80/s per number, Telegram 30/s per bot);
    # a channel's ``rate_limit_per_second`` setting overrides it.
    send_rate_per_second: int | None = None
    # Customers stop and restart messages with keywords (SMS STOP / START); parse marks them in
    # ``InboundMessage.provider["opt_out"]`` and replies are refused after a stop.
    opt_out_keywords: bool = False


@dataclass(frozen=True)
class WebhookRequest:
    """A request to ``/hooks/<kind>/<webhook-token>`` as the provider sent it."""

    method: str
    body: bytes
    headers: Mapping[str, str]
    # The first value of each query parameter.
    query: Mapping[str, str] = field(default_factory=dict)
    # The address the provider called, built from FRONTDESK_PUBLIC_URL (what signatures over the URL cover).
    url: str = ""


@dataclass(frozen=True)
class HookAnswer:
    """What a webhook request is answered with."""

    status: int
    body: bytes
    content_type: str = "application/json"

    @classmethod
    def json(cls, status: int, document: Mapping[str, Any]) -> HookAnswer:
        return cls(status, json.dumps(document, ensure_ascii=False).encode())

    @classmethod
    def text(cls, body: str, status: int = 200, content_type: str = "text/plain; charset=utf-8") -> HookAnswer:
        return cls(status, body.encode(), content_type)


@dataclass(frozen=True)
class RawEvent:
    """One provider event cut out of a delivery: its id (the dedupe key) and its JSON."""

    provider_event_id: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class RejectedEvent:
    """An event of a batch that cannot be stored (no usable id, wrong shape); the rest still go through."""

    index: int
    detail: str
    provider_event_id: str = ""


@dataclass(frozen=True)
class Delivery:
    """A verified webhook body split into events."""

    events: list[RawEvent] = field(default_factory=list)
    rejected: list[RejectedEvent] = field(default_factory=list)


@dataclass(frozen=True)
class OutboundAttachment:
    """A file of an outbound message: in our storage, and at a signed public URL for providers that fetch."""

    filename: str
    content_type: str
    size: int
    # ``FRONTDESK_PUBLIC_URL/media/<signed token>``: readable without a login for a week, by nobody who lacks it.
    url: str
    storage_name: str

    def read(self) -> bytes:
        """The file's bytes, for providers that take an upload instead of a URL."""
        from django.core.files.storage import default_storage

        with default_storage.open(self.storage_name, "rb") as handle:
            data: bytes = handle.read()
        return data


@dataclass(frozen=True)
class LastInbound:
    """The customer's latest message on this channel: what reply tokens and quoting need."""

    provider_message_id: str
    received_at: datetime
    # The inbound message's provider-only data (``InboundMessage.provider``), such as LINE's reply token.
    provider: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OutboundMessage:
    """A message to send through a channel (filled in by the outbound pipeline)."""

    recipient: str
    text: str = ""
    attachments: tuple[OutboundAttachment, ...] = ()
    # Structured content the agent chose, keyed by kind: "template", "buttons", "list",
    # "quick_replies", "sticker", "flex", "tag" (docs/outbound.md has each shape).
    content: Mapping[str, Any] = field(default_factory=dict)
    reply_to: str = ""
    last_inbound: LastInbound | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SendResult:
    provider_message_id: str
    # What the send cost or how it went out (an SMS's encoding and segments), kept in the message's metadata.
    details: Mapping[str, Any] = field(default_factory=dict)


class ChannelAdapter(Protocol):
    capabilities: Capabilities

    def verify(self, channel: Channel, request: WebhookRequest) -> None:
        """Return if ``request`` was signed with the channel's credentials; raise ``SignatureInvalid`` otherwise."""
        ...

    def split(self, channel: Channel, body: bytes) -> Delivery:
        """Cut a verified body into events; raise ``PayloadInvalid`` if the body as a whole is unusable."""
        ...

    def parse(self, channel: Channel, payload: dict[str, Any]) -> list[InboundMessage | StatusUpdate]:
        """Normalise one stored event; raise ``PayloadInvalid`` if it does not have the provider's shape."""
        ...

    def send(self, channel: Channel, message: OutboundMessage) -> SendResult:
        """Deliver ``message`` to the provider (implemented with the outbound pipeline)."""
        ...


@dataclass(frozen=True)
class FetchedMedia:
    """A downloaded attachment as the provider gave it (its type is checked again from the bytes)."""

    content: bytes
    content_type: str = ""
    filename: str = ""


class MediaUnavailable(Exception):
    """The provider did not hand the file over; ``retryable`` when asking again later may work."""

    def __init__(self, detail: str, *, retryable: bool = False) -> None:
        super().__init__(detail)
        self.detail = detail
        self.retryable = retryable


class MediaFetcher(Protocol):
    def __call__(self, channel: Channel, ref: str, client: HttpClient) -> FetchedMedia:
        """Download the file ``ref`` points to, or raise ``MediaUnavailable`` (or an ``HttpClientError``)."""
        ...


@dataclass(frozen=True)
class Profile:
    """What the provider tells about a customer: the name and picture they chose there."""

    name: str = ""
    avatar: FetchedMedia | None = None


class ProfileFetcher(Protocol):
    def __call__(self, channel: Channel, external_id: str, client: HttpClient) -> Profile:
        """The customer's profile at ``external_id``, or raise ``MediaUnavailable`` (or an ``HttpClientError``)."""
        ...


def _channel_function(channel: Channel, module: str, function: str) -> Any:
    """``frontdesk.channels.<kind>.<module>.<function>``, or ``None`` when the channel has no such module."""
    if channel.kind not in ChannelKind.values:
        return None
    module_name = f"frontdesk.channels.{channel.kind}.{module}"
    try:
        imported = import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name is None or not module_name.startswith(error.name):
            raise
        return None
    return getattr(imported, function, None)


def media_fetcher_for(channel: Channel) -> MediaFetcher | None:
    """The channel's ``media.fetch_media``, or ``None`` if its messages carry no files we can download."""
    fetcher: MediaFetcher | None = _channel_function(channel, "media", "fetch_media")
    return fetcher


def profile_fetcher_for(channel: Channel) -> ProfileFetcher | None:
    """The channel's ``profile.fetch_profile``, or ``None`` if the provider tells nothing about customers."""
    fetcher: ProfileFetcher | None = _channel_function(channel, "profile", "fetch_profile")
    return fetcher


_adapters: dict[str, ChannelAdapter] = {}


def register[A: type[ChannelAdapter]](kind: ChannelKind) -> Callable[[A], A]:
    """Class decorator: the adapter of every channel of ``kind``."""

    def decorate(adapter_class: A) -> A:
        _adapters[kind.value] = adapter_class()
        return adapter_class

    return decorate


def adapter_for_kind(kind: str) -> ChannelAdapter:
    if kind not in _adapters:
        if kind not in ChannelKind.values:
            raise UnknownChannelKind(kind)
        try:
            import_module(f"frontdesk.channels.{kind}.adapter")
        except ModuleNotFoundError as error:
            # Only a missing adapter module means "no adapter"; a missing dependency is a real error.
            if error.name is None or not f"frontdesk.channels.{kind}.adapter".startswith(error.name):
                raise
            raise UnknownChannelKind(kind) from error
    try:
        return _adapters[kind]
    except KeyError as error:
        raise UnknownChannelKind(kind) from error


def adapter_for(channel: Channel) -> ChannelAdapter:
    """The adapter that speaks ``channel``'s provider protocol."""
    return adapter_for_kind(channel.kind)
