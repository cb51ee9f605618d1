"""The WeChat channel: an Official Account's followers, or the members writing to a WeCom self-built app.

Inbound: WeChat POSTs one XML message per request to ``/hooks/wechat/<webhook-token>``
with ``timestamp`` and ``nonce`` in the query and

- plaintext mode (Official Account only): ``signature`` = SHA-1 of the sorted
  token, timestamp and nonce. It does not cover the body, which is why safe mode
  is the default and the timestamp must be recent;
- safe mode (Official Account option, WeCom always): the body is
  ``<xml><ToUserName/><Encrypt>…</Encrypt></xml>`` and ``msg_signature`` = SHA-1 of
  the sorted token, timestamp, nonce and ``Encrypt``; ``Encrypt`` is the message
  XML, AES-256-CBC with the EncodingAESKey, followed by the AppID or CorpID.

The handshake is a ``GET`` with ``echostr``: echoed back (Official Account) or
decrypted (WeCom, which signs it with ``msg_signature``). A delivery is
acknowledged with ``success`` (Official Account) or an empty 200 (WeCom);
anything else within 5 seconds makes WeChat retry three times.

Dedupe keys follow WeChat's advice: ``MsgId`` for messages,
``FromUserName`` + ``CreateTime`` (+ ``Event``) for events, which carry no id.
Media is never fetched from the payload's ``PicUrl``: an attachment is
``wechat-media:<MediaId>``, downloaded from the media API with the access token.

Outbound: customer-service messages (Official Account) or app messages
(WeCom), see ``frontdesk.channels.wechat.outbound``.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import time
from datetime import UTC, datetime
from typing import Any

import xmltodict
from wechatpy import parse_message
from wechatpy.crypto import PrpCrypto
from wechatpy.enterprise import parse_message as parse_wecom_message
from wechatpy.utils import WeChatSigner

from frontdesk.channels.base import (
    Capabilities,
    Delivery,
    HookAnswer,
    OutboundMessage,
    PayloadInvalid,
    RawEvent,
    RejectedEvent,
    SendResult,
    SignatureInvalid,
    WebhookRequest,
    register,
)
from frontdesk.channels.models import Channel, ChannelKind
from frontdesk.channels.wechat.setup import AES_KEY_LENGTH, is_wecom, receive_id, safe_mode
from frontdesk.pipeline.inbound import AttachmentRef, ContactRef, InboundMessage, StatusUpdate

MEDIA_REFERENCE = "wechat-media:"
# Requests whose timestamp is further than this from our clock are refused: in plaintext mode the
# signature covers only the query, so an old signed query must not carry a new body.
MAX_CLOCK_SKEW_SECONDS = 300
MEDIA_CONTENT_TYPES = {"image": "image/jpeg", "video": "video/mp4", "shortvideo": "video/mp4"}
VOICE_CONTENT_TYPES = {"amr": "audio/amr", "speex": "audio/speex", "mp3": "audio/mpeg"}


def signature(*parts: str) -> str:
    """WeChat's signature: SHA-1 of the parts sorted and joined (token, timestamp, nonce[, Encrypt or echostr])."""
    signer = WeChatSigner()
    signer.add_data(*parts)
    return str(signer.signature)


def encrypt(encoding_aes_key: str, app_or_corp_id: str, plaintext: str) -> str:
    """``plaintext`` encrypted as WeChat does in safe mode (what tests and the benchmark send)."""
    return str(PrpCrypto(_aes_key(encoding_aes_key)).encrypt(plaintext, app_or_corp_id).decode())


def read_xml(body: bytes | str) -> dict[str, Any]:
    """The children of a WeChat ``<xml>`` document; DTDs and entities are refused, never expanded."""
    head = (body.encode() if isinstance(body, str) else body)[:4096].upper()
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise PayloadInvalid("XML with a DOCTYPE is not accepted")
    try:
        document = xmltodict.parse(body, disable_entities=True)
    except Exception as error:  # expat's errors and xmltodict's refusal of entities
        raise PayloadInvalid(f"malformed XML: {error}"[:300]) from error
    root = document.get("xml") if isinstance(document, dict) else None
    if not isinstance(root, dict):
        raise PayloadInvalid("the body is not a WeChat <xml> document")
    return root


@register(ChannelKind.WECHAT)
class WeChatAdapter:
    capabilities = Capabilities(media_kinds=frozenset({"image"}), reply_window_hours=48)

    def handshake(self, channel: Channel, request: WebhookRequest) -> HookAnswer:
        token = _token(channel)
        timestamp, nonce = _timestamp_and_nonce(request)
        echostr = request.query.get("echostr", "")
        if not echostr:
            raise SignatureInvalid("missing echostr")
        if is_wecom(channel):
            _check(signature(token, timestamp, nonce, echostr), request.query.get("msg_signature", ""))
            # WeCom proves we hold the AES key too: the answer is echostr decrypted.
            return HookAnswer.text(_decrypt(channel, echostr))
        _check(signature(token, timestamp, nonce), request.query.get("signature", ""))
        return HookAnswer.text(echostr)

    def verify(self, channel: Channel, request: WebhookRequest) -> None:
        token = _token(channel)
        timestamp, nonce = _timestamp_and_nonce(request)
        if not safe_mode(channel):
            _check(signature(token, timestamp, nonce), request.query.get("signature", ""))
            return
        try:
            encrypted = read_xml(request.body).get("Encrypt")
        except PayloadInvalid as error:
            raise SignatureInvalid(f"no <Encrypt> element to check the signature against ({error.detail})") from error
        if not isinstance(encrypted, str) or not encrypted:
            raise SignatureInvalid("no <Encrypt> element: is the account in plaintext mode?")
        _check(signature(token, timestamp, nonce, encrypted), request.query.get("msg_signature", ""))

    def split(self, channel: Channel, body: bytes) -> Delivery:
        message = read_xml(body)
        if safe_mode(channel):
            encrypted = message.get("Encrypt")
            if not isinstance(encrypted, str):
                raise PayloadInvalid("no <Encrypt> element")
            message = read_xml(_decrypt(channel, encrypted))
        elif "Encrypt" in message and "MsgType" not in message:
            raise PayloadInvalid("the delivery is encrypted: set the channel's message encryption to safe mode")
        if not all(isinstance(value, str | dict | None) for value in message.values()):
            return Delivery(rejected=[RejectedEvent(index=0, detail="an element appears more than once")])
        event_id = _event_id(message)
        if not event_id:
            is_event = message.get("MsgType") == "event"
            detail = "the event has no FromUserName, CreateTime or Event" if is_event else "the message has no MsgId"
            return Delivery(rejected=[RejectedEvent(index=0, detail=detail)])
        return Delivery(events=[RawEvent(provider_event_id=event_id, payload=message)])

    def acknowledgement(self, channel: Channel, request: WebhookRequest) -> HookAnswer | None:
        # WeChat wants "success" (or an empty body, which is WeCom's documented answer) within 5 seconds.
        return HookAnswer.text("" if is_wecom(channel) else "success")

    def parse(self, channel: Channel, payload: dict[str, Any]) -> list[InboundMessage | StatusUpdate]:
        message = _wechatpy_message(channel, payload)
        sender = payload.get("FromUserName")
        created = payload.get("CreateTime")
        if not isinstance(sender, str) or not sender or not isinstance(created, str) or not created.isdigit():
            raise PayloadInvalid("not a WeChat message: no FromUserName or CreateTime")
        provider: dict[str, Any] = {"msg_type": message.type}
        if is_wecom(channel) and payload.get("AgentID"):
            provider["agent_id"] = str(payload["AgentID"])
        common: dict[str, Any] = {
            "contact": ContactRef(external_id=sender),
            "sent_at": datetime.fromtimestamp(int(created), UTC),
            "provider": provider,
        }
        if message.type == "event":
            return _event(message, payload, common)
        message_id = str(payload.get("MsgId") or "")
        if message.type == "text":
            return [InboundMessage(provider_message_id=message_id, text=message.content or "", **common)]
        if message.type in ("image", "video", "shortvideo", "voice"):
            return [_media(message, message_id, common)]
        if message.type == "location":
            location = {
                "latitude": _number(message.location_x),
                "longitude": _number(message.location_y),
                "name": message.label or "",
                "address": "",
                "scale": _number(message.scale),
            }
            return [InboundMessage(provider_message_id=message_id, location=location, **common)]
        if message.type == "link":
            provider["link"] = {"title": message.title, "description": message.description, "url": message.url}
            text = "\n".join(part for part in (message.title, message.description, message.url) if part)
            return [InboundMessage(provider_message_id=message_id, text=text, **common)]
        # Mini-program cards and kinds WeChat adds later are skipped, not refused for good.
        return []

    def send(self, channel: Channel, message: OutboundMessage) -> SendResult:
        from frontdesk.channels.wechat.outbound import send_message
        from frontdesk.core.http_client import http_client

        with http_client() as client:
            return send_message(channel, message, client)


def _token(channel: Channel) -> str:
    token = str((channel.secrets or {}).get("token") or "")
    if not token:
        raise SignatureInvalid("the channel has no callback token")
    return token


def _timestamp_and_nonce(request: WebhookRequest) -> tuple[str, str]:
    timestamp = request.query.get("timestamp", "")
    nonce = request.query.get("nonce", "")
    if not timestamp.isdigit() or not nonce:
        raise SignatureInvalid("missing timestamp or nonce")
    offset = abs(time.time() - int(timestamp))
    if offset > MAX_CLOCK_SKEW_SECONDS:
        raise SignatureInvalid(f"the timestamp is {offset:.0f} seconds away from our clock")
    return timestamp, nonce


def _check(expected: str, given: str) -> None:
    if not given:
        raise SignatureInvalid("missing signature")
    if not hmac.compare_digest(expected.encode(), given.strip().lower().encode()):
        raise SignatureInvalid("signature does not match")


def _aes_key(encoding_aes_key: str) -> bytes:
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True) if len(encoding_aes_key) == 43 else b""
    except binascii.Error:
        key = b""
    if len(key) != 32:
        raise PayloadInvalid(f"the channel's EncodingAESKey is not {AES_KEY_LENGTH} base64 characters")
    return key


def _decrypt(channel: Channel, encrypted: str) -> str:
    key = _aes_key(str((channel.secrets or {}).get("encoding_aes_key") or ""))
    try:
        plaintext: str = PrpCrypto(key).decrypt(encrypted, receive_id(channel))
    except Exception as error:  # bad padding, truncated text, another account's id: wechatpy raises many kinds
        raise PayloadInvalid(
            "the message could not be decrypted with this channel's EncodingAESKey and "
            + ("CorpID" if is_wecom(channel) else "AppID")
        ) from error
    return plaintext


def _event_id(message: dict[str, Any]) -> str:
    if message.get("MsgType") == "event":
        parts = [message.get("FromUserName"), message.get("CreateTime"), message.get("Event")]
        if not all(isinstance(part, str) and part for part in parts):
            return ""
        return "event:" + ":".join(str(part) for part in parts)
    message_id = message.get("MsgId")
    return message_id.strip() if isinstance(message_id, str) else ""


def _wechatpy_message(channel: Channel, payload: dict[str, Any]) -> Any:
    """The stored message read with wechatpy's models (the Official Account's or WeCom's)."""
    if not isinstance(payload.get("MsgType"), str):
        raise PayloadInvalid("not a WeChat message: no MsgType")
    try:
        xml = xmltodict.unparse({"xml": payload})
        return (parse_wecom_message if is_wecom(channel) else parse_message)(xml)
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        raise PayloadInvalid(f"not a WeChat message: {error}"[:300]) from error


def _event(message: Any, payload: dict[str, Any], common: dict[str, Any]) -> list[InboundMessage | StatusUpdate]:
    event = str(message.event or "").lower()
    event_id = _event_id(payload)
    interactive: dict[str, Any]
    if event in ("subscribe", "subscribe_scan"):
        # A follow opens the contact's conversation, so agents can greet them.
        interactive = {"id": "subscribe", "title": "Followed the account"}
        if event == "subscribe_scan":
            interactive["scene"] = message.scene_id
    elif event == "scan":
        interactive = {"id": "scan", "title": "Scanned a QR code", "scene": message.scene_id}
    elif event == "click":
        interactive = {"id": message.key or "", "title": "", "event": "CLICK"}
    elif event == "view":
        interactive = {"id": message.url or "", "title": "", "event": "VIEW"}
    elif event == "location":
        location = {
            "latitude": message.latitude,
            "longitude": message.longitude,
            "name": "",
            "address": "",
            "precision": message.precision,
        }
        return [InboundMessage(provider_message_id=event_id, location=location, **common)]
    else:
        # unsubscribe (the next reply fails as "blocked"), enter_agent, template results…: nothing to answer.
        return []
    return [InboundMessage(provider_message_id=event_id, interactive=interactive, **common)]


def _media(message: Any, message_id: str, common: dict[str, Any]) -> InboundMessage:
    media_id = str(message.media_id or "")
    if not media_id:
        raise PayloadInvalid(f"the {message.type} message has no MediaId")
    if message.type == "voice":
        content_type = VOICE_CONTENT_TYPES.get(str(message.format or "").lower(), "")
        filename = f"voice.{str(message.format or 'amr').lower()}"
    else:
        content_type = MEDIA_CONTENT_TYPES[message.type]
        filename = ""
    attachment = AttachmentRef(url=MEDIA_REFERENCE + media_id, filename=filename, content_type=content_type)
    # WeChat's speech recognition, when the account turned it on, is the voice message's text.
    text = str(message.recognition or "") if message.type == "voice" else ""
    return InboundMessage(provider_message_id=message_id, text=text, attachments=(attachment,), **common)


def _number(value: Any) -> float | int | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if number.is_integer() and "." not in str(value) else number
