"""The adapter protocol every channel implements, and the registry that finds a channel's adapter.

A channel is a plug-in: its subpackage ``frontdesk/channels/<kind>/adapter.py``
defines one class decorated with ``@register(ChannelKind.X)``. The registry
imports that module the first time an adapter of that kind is asked for, so
adding a channel touches only its own folder.

The inbound side of an adapter has three steps, each pure (no database):

1. ``verify`` the request against the channel's credentials (raw bytes, constant-time);
2. ``split`` the verified body into the provider's single events, each with the
   provider's event id (the dedupe key) and its JSON, to be stored as they came;
3. ``parse`` one stored event into normalised ``InboundMessage`` / ``StatusUpdate`` items.

A channel whose messages carry files may also have a ``media`` module with a
``fetch_media`` function (``MediaFetcher``): it turns one of its own attachment
references into the file's bytes, calling only hosts the channel owns.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import import_module
from typing import TYPE_CHECKING, Any, Protocol

from frontdesk.channels.models import Channel, ChannelKind

if TYPE_CHECKING:
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
class OutboundMessage:
    """A message to send through a channel (filled in by the outbound pipeline)."""

    recipient: str
    text: str = ""
    attachment_urls: tuple[str, ...] = ()
    reply_to: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SendResult:
    provider_message_id: str


class ChannelAdapter(Protocol):
    capabilities: Capabilities

    def verify(self, channel: Channel, body: bytes, headers: Mapping[str, str]) -> None:
        """Return if ``body`` was signed with the channel's credentials; raise ``SignatureInvalid`` otherwise."""
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


def media_fetcher_for(channel: Channel) -> MediaFetcher | None:
    """The channel's ``media.fetch_media``, or ``None`` if its messages carry no files we can download."""
    if channel.kind not in ChannelKind.values:
        return None
    module_name = f"frontdesk.channels.{channel.kind}.media"
    try:
        module = import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name is None or not module_name.startswith(error.name):
            raise
        return None
    fetcher: MediaFetcher | None = getattr(module, "fetch_media", None)
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
