"""Every channel's webhook refuses what its provider did not sign (RELIABILITY T-09, T-10 runtime, T-11).

Each case goes through ``/hooks/<kind>/<webhook-token>`` with Django's test
client. A valid delivery (from ``bench.payloads.<kind>``, or built here for the
API channel and WeChat's plaintext mode) is stored once; every altered one is
answered 401 or 403 and leaves no ``InboundEvent`` and no queued task behind.

Not every provider signs the same things, and the matrix says so rather than
skipping: Telegram's secret token authenticates the sender but covers no byte
of the body, and WeChat's plaintext mode signs only the query (timestamp and
nonce), so "one byte changed" there means a byte of the nonce.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from importlib import import_module
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult

from frontdesk.channels.api.setup import create_api_channel
from frontdesk.channels.models import Channel
from frontdesk.channels.wechat.adapter import MAX_CLOCK_SKEW_SECONDS
from frontdesk.channels.wechat.setup import PLAIN, create_wechat_channel
from frontdesk.conversations.models import Message
from frontdesk.core.models import Workspace
from frontdesk.pipeline.models import InboundEvent
from tests.channels import signing
from tests.channels.webhooks import hook_path, message_event, process_stored_events

pytestmark = pytest.mark.django_db

PUBLIC_URL = "https://desk.example.com"
TEXT = "Hello from the signature matrix"
EMOJI_TEXT = "你好，請問訂單幾時到？🙏📦 繁體與简体 😀👍🏽"
CONTACTS = {
    "api": "crm-42",
    "whatsapp": "85255501234",
    "messenger": "6900000000001234",
    "instagram": "1200000000001234",
    "line": "contact-1234",
    "telegram": "1234567",
    "wechat": "oBench0000000000000000001234",
    "wechat-plain": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
    "x": "3000001234",
    "sms": "+85261234567",
}


@dataclass(frozen=True)
class Signed:
    """One webhook request as a provider sends it."""

    body: bytes
    headers: dict[str, str]
    query: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Provider:
    """How one channel kind is created, delivered to and signed."""

    name: str
    kind: str
    create: Callable[[Workspace], Channel]
    build: Callable[[Channel, str, int], Signed]
    # The same request signed with ``secrets`` (the body and query as they are).
    sign: Callable[[Channel, Mapping[str, str], Signed], Signed]
    # Where the signature travels: a header, or (WeChat) a query parameter.
    signature_header: str = ""
    signature_param: str = ""
    # The entry of ``channel.secrets`` that signs.
    secret: str = ""
    body_is_json: bool = True
    # The signature covers the body (Telegram's secret token and WeChat's plaintext mode do not).
    body_signed: bool = True


def _query(text: str) -> dict[str, str]:
    return dict(parse_qsl(text, keep_blank_values=True))


def _bench(kind: str) -> Any:
    return import_module(f"bench.payloads.{kind}")


def _bench_build(kind: str) -> Callable[[Channel, str, int], Signed]:
    def build(channel: Channel, text: str, sequence: int) -> Signed:
        secrets = {**channel.secrets, "hook_url": PUBLIC_URL + hook_path(channel)}
        query, body, headers = _bench(kind).delivery(secrets, CONTACTS[kind], text, sequence)
        return Signed(body, dict(headers), _query(query))

    return build


def _header_signer(header: str, algorithm: Callable[[str, bytes], str], secret: str) -> Callable[..., Signed]:
    def sign(channel: Channel, secrets: Mapping[str, str], request: Signed) -> Signed:
        return replace(request, headers={**request.headers, header: algorithm(secrets[secret], request.body)})

    return sign


def _telegram_sign(channel: Channel, secrets: Mapping[str, str], request: Signed) -> Signed:
    return replace(request, headers={**request.headers, "X-Telegram-Bot-Api-Secret-Token": secrets["webhook_secret"]})


def _twilio_sign(channel: Channel, secrets: Mapping[str, str], request: Signed) -> Signed:
    signature = signing.twilio_signature(secrets["auth_token"], PUBLIC_URL + hook_path(channel), request.body)
    return replace(request, headers={**request.headers, "X-Twilio-Signature": signature})


def _wechat_safe_sign(channel: Channel, secrets: Mapping[str, str], request: Signed) -> Signed:
    encrypted = request.body.decode().split("<Encrypt><![CDATA[")[1].split("]]>")[0]
    query = request.query
    signature = signing.wechat_signature(secrets["token"], query["timestamp"], query["nonce"], encrypted)
    return replace(request, query={**query, "msg_signature": signature})


def _wechat_plain_sign(channel: Channel, secrets: Mapping[str, str], request: Signed) -> Signed:
    query = request.query
    signature = signing.wechat_signature(secrets["token"], query["timestamp"], query["nonce"])
    return replace(request, query={**query, "signature": signature})


def _api_build(channel: Channel, text: str, sequence: int) -> Signed:
    event = message_event(CONTACTS["api"], text, event_id=f"evt-matrix-{sequence}", message_id=f"m-matrix-{sequence}")
    body = json.dumps({"events": [event]}, ensure_ascii=False).encode()
    return _api_sign(channel, channel.secrets, Signed(body, {"Content-Type": "application/json"}))


_api_sign = _header_signer("X-Frontdesk-Signature", signing.hex_hmac_sha256, "signing_secret")


def _wechat_plain_create(workspace: Workspace) -> Channel:
    return create_wechat_channel(
        workspace,
        "WeChat (plaintext)",
        app_id="wx5823bf96d3bd56c7",
        app_secret="f2b9a3c4d5e6f708192a3b4c5d6e7f80",
        token="QDG6eKplainToken0123456789abcdef",
        encoding_mode=PLAIN,
    )


def _wechat_plain_build(channel: Channel, text: str, sequence: int) -> Signed:
    timestamp = str(int(time.time()))
    body = (
        f"<xml><ToUserName><![CDATA[gh_matrix]]></ToUserName>"
        f"<FromUserName><![CDATA[{CONTACTS['wechat-plain']}]]></FromUserName>"
        f"<CreateTime>{timestamp}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{text}]]></Content><MsgId>{6_000_000_000_000_000_000 + sequence}</MsgId></xml>"
    ).encode()
    query = {"timestamp": timestamp, "nonce": f"{sequence:010d}", "openid": CONTACTS["wechat-plain"]}
    return _wechat_plain_sign(channel, channel.secrets, Signed(body, {"Content-Type": "text/xml"}, query))


def _meta(kind: str) -> Provider:
    return Provider(
        name=kind,
        kind=kind,
        create=_bench(kind).create_channel,
        build=_bench_build(kind),
        sign=_header_signer("X-Hub-Signature-256", signing.hex_hmac_sha256, "app_secret"),
        signature_header="X-Hub-Signature-256",
        secret="app_secret",
    )


PROVIDERS = [
    Provider(
        name="api",
        kind="api",
        create=lambda workspace: create_api_channel(workspace, "API"),
        build=_api_build,
        sign=_api_sign,
        signature_header="X-Frontdesk-Signature",
        secret="signing_secret",
    ),
    _meta("whatsapp"),
    _meta("messenger"),
    _meta("instagram"),
    Provider(
        name="line",
        kind="line",
        create=_bench("line").create_channel,
        build=_bench_build("line"),
        sign=_header_signer("X-Line-Signature", signing.line_signature, "channel_secret"),
        signature_header="X-Line-Signature",
        secret="channel_secret",
    ),
    Provider(
        name="telegram",
        kind="telegram",
        create=_bench("telegram").create_channel,
        build=_bench_build("telegram"),
        sign=_telegram_sign,
        signature_header="X-Telegram-Bot-Api-Secret-Token",
        secret="webhook_secret",
        body_signed=False,
    ),
    Provider(
        name="wechat",
        kind="wechat",
        create=_bench("wechat").create_channel,
        build=_bench_build("wechat"),
        sign=_wechat_safe_sign,
        signature_param="msg_signature",
        secret="token",
        body_is_json=False,
    ),
    Provider(
        name="wechat-plain",
        kind="wechat",
        create=_wechat_plain_create,
        build=_wechat_plain_build,
        sign=_wechat_plain_sign,
        signature_param="signature",
        secret="token",
        body_is_json=False,
        body_signed=False,
    ),
    Provider(
        name="x",
        kind="x",
        create=_bench("x").create_channel,
        build=_bench_build("x"),
        sign=_header_signer("x-twitter-webhooks-signature", signing.x_signature, "consumer_secret"),
        signature_header="x-twitter-webhooks-signature",
        secret="consumer_secret",
    ),
    Provider(
        name="sms",
        kind="sms",
        create=_bench("sms").create_channel,
        build=_bench_build("sms"),
        sign=_twilio_sign,
        signature_header="X-Twilio-Signature",
        secret="auth_token",
        body_is_json=False,
    ),
]
BY_NAME = {provider.name: provider for provider in PROVIDERS}


@pytest.fixture(autouse=True)
def public_url(settings: Any) -> None:
    # Twilio signs the public address; the test client's own host must not matter.
    settings.PUBLIC_URL = PUBLIC_URL


def post(client: Client, channel: Channel, request: Signed, **extra_headers: str) -> Any:
    path = hook_path(channel) + (f"?{urlencode(request.query)}" if request.query else "")
    content_type = request.headers.get("Content-Type", "application/octet-stream")
    headers = {name: value for name, value in request.headers.items() if name != "Content-Type"} | extra_headers
    return client.generic("POST", path, request.body, content_type=content_type, headers=headers)


def wrong(secret: str) -> str:
    """The secret with its last character changed: as near to right as a guess can be."""
    return secret[:-1] + ("A" if secret[-1] != "A" else "B")


def one_byte_changed(data: bytes, index: int) -> bytes:
    changed = data[:index] + (b"B" if data[index : index + 1] != b"B" else b"C") + data[index + 1 :]
    assert len(changed) == len(data) and sum(a != b for a, b in zip(changed, data, strict=True)) == 1
    return changed


def without_signature(provider: Provider, request: Signed) -> Signed:
    if provider.signature_param:
        return replace(request, query={k: v for k, v in request.query.items() if k != provider.signature_param})
    headers = {k: v for k, v in request.headers.items() if k.lower() != provider.signature_header.lower()}
    assert len(headers) == len(request.headers) - 1
    return replace(request, headers=headers)


def signed_with_wrong_secret(provider: Provider, channel: Channel, request: Signed) -> Signed:
    secrets = {**channel.secrets, provider.secret: wrong(channel.secrets[provider.secret])}
    return provider.sign(channel, secrets, request)


def tampered(provider: Provider, request: Signed) -> Signed:
    """One byte of what the signature covers changed, the signature kept."""
    if not provider.body_signed:
        # WeChat's plaintext mode signs the query only: a byte of the nonce.
        return replace(
            request, query={**request.query, "nonce": one_byte_changed(request.query["nonce"].encode(), 3).decode()}
        )
    marker = b"<Encrypt><![CDATA["
    if marker in request.body:
        # Inside the ciphertext, still valid base64: only the signature can tell.
        return replace(request, body=one_byte_changed(request.body, request.body.index(marker) + len(marker) + 8))
    return replace(request, body=one_byte_changed(request.body, request.body.index(b"Hello") + 2))


def reserialised(provider: Provider, channel: Channel, request: Signed, **dumps: Any) -> tuple[bytes, Signed]:
    """(body sent, request whose signature covers ``json.dumps(json.loads(body), **dumps)`` instead)."""
    other = json.dumps(json.loads(request.body), ensure_ascii=False, **dumps).encode()
    assert other != request.body
    return request.body, provider.sign(channel, channel.secrets, replace(request, body=other))


def case_names(provider: Provider) -> list[str]:
    names = ["signature missing", "wrong secret"]
    if provider.body_signed or provider.signature_param == "signature":
        names.append("one byte changed")
    if provider.body_is_json and provider.body_signed:
        names += ["signed over re-serialised JSON", "signed over re-indented JSON"]
    return names


def invalid_request(provider: Provider, channel: Channel, valid: Signed, case: str) -> Signed:
    if case == "signature missing":
        return without_signature(provider, valid)
    if case == "wrong secret":
        return signed_with_wrong_secret(provider, channel, valid)
    if case == "one byte changed":
        return tampered(provider, valid)
    if case == "signed over re-serialised JSON":
        # Sent compact, as Meta sends it; signed over Python's default re-serialisation of it.
        compact = json.dumps(json.loads(valid.body), separators=(",", ":"), ensure_ascii=False).encode()
        body, other = reserialised(provider, channel, replace(valid, body=compact))
        return replace(other, body=body)
    assert case == "signed over re-indented JSON"
    body, other = reserialised(provider, channel, valid, indent=2)
    return replace(other, body=body)


CASES = [(provider.name, case) for provider in PROVIDERS for case in case_names(provider)]


@pytest.mark.parametrize("name", list(BY_NAME))
def test_a_validly_signed_delivery_is_stored_once(client: Client, workspace: Workspace, name: str) -> None:
    provider = BY_NAME[name]
    channel = provider.create(workspace)
    response = post(client, channel, provider.build(channel, TEXT, 1))
    assert response.status_code == 200, response.content
    assert InboundEvent.all_workspaces.filter(channel=channel).count() == 1


@pytest.mark.parametrize(("name", "case"), CASES)
def test_an_unsigned_or_missigned_delivery_is_refused_and_leaves_nothing(
    client: Client, workspace: Workspace, name: str, case: str
) -> None:
    provider = BY_NAME[name]
    channel = provider.create(workspace)
    request = invalid_request(provider, channel, provider.build(channel, TEXT, 2), case)
    tasks = DBTaskResult.objects.count()

    response = post(client, channel, request)

    assert response.status_code in (401, 403), response.content
    assert InboundEvent.all_workspaces.count() == 0
    assert DBTaskResult.objects.count() == tasks


@pytest.mark.parametrize("name", list(BY_NAME))
def test_a_signed_message_in_chinese_with_emoji_is_accepted_and_kept_intact(
    client: Client, workspace: Workspace, name: str
) -> None:
    provider = BY_NAME[name]
    channel = provider.create(workspace)
    request = provider.build(channel, EMOJI_TEXT, 3)
    if provider.body_is_json:
        # The raw UTF-8 bytes on the wire, not \u escapes, signed as they are.
        body = json.dumps(json.loads(request.body), ensure_ascii=False).encode()
        request = provider.sign(channel, channel.secrets, replace(request, body=body))
        assert "🙏".encode() in request.body and "請".encode() in request.body

    response = post(client, channel, request)

    assert response.status_code == 200, response.content
    assert InboundEvent.all_workspaces.filter(channel=channel).count() == 1
    process_stored_events()
    assert list(Message.all_workspaces.values_list("text", flat=True)) == [EMOJI_TEXT]


# --- Twilio behind a TLS-terminating proxy --------------------------------------------------------------


def test_twilio_behind_a_tls_terminating_proxy_is_verified_against_the_public_https_url(
    client: Client, workspace: Workspace
) -> None:
    provider = BY_NAME["sms"]
    channel = provider.create(workspace)
    request = provider.build(channel, TEXT, 4)
    assert request.headers["X-Twilio-Signature"] == signing.twilio_signature(
        channel.secrets["auth_token"], f"https://desk.example.com/hooks/sms/{channel.webhook_token}", request.body
    )

    # The proxy speaks plain http to us and says so; Twilio called https://desk.example.com.
    response = post(client, channel, request, **{"X-Forwarded-Proto": "https"})

    assert response.status_code == 200, response.content
    assert InboundEvent.all_workspaces.filter(channel=channel).count() == 1


def test_twilio_signature_over_the_internal_address_is_refused(client: Client, workspace: Workspace) -> None:
    provider = BY_NAME["sms"]
    channel = provider.create(workspace)
    request = provider.build(channel, TEXT, 5)
    internal = signing.twilio_signature(
        channel.secrets["auth_token"], f"http://testserver/hooks/sms/{channel.webhook_token}", request.body
    )

    response = post(client, channel, replace(request, headers={**request.headers, "X-Twilio-Signature": internal}))

    assert response.status_code == 401
    assert InboundEvent.all_workspaces.count() == 0


# --- T-10 at runtime: verification handshakes --------------------------------------------------------------

CHALLENGE = "1158201444"


@pytest.mark.parametrize("kind", ["whatsapp", "messenger", "instagram"])
@pytest.mark.parametrize("verify_token", ["wrong", "", None])
def test_meta_handshake_with_a_wrong_verify_token_is_403_and_never_echoes_the_challenge(
    client: Client, workspace: Workspace, kind: str, verify_token: str | None
) -> None:
    channel = BY_NAME[kind].create(workspace)
    query = {"hub.mode": "subscribe", "hub.challenge": CHALLENGE}
    if verify_token is not None:
        query["hub.verify_token"] = wrong(channel.secrets["verify_token"]) if verify_token else ""

    response = client.get(hook_path(channel), query)

    assert response.status_code == 403
    assert CHALLENGE.encode() not in response.content


@pytest.mark.parametrize("kind", ["whatsapp", "messenger", "instagram"])
def test_meta_handshake_with_the_verify_token_echoes_the_challenge(
    client: Client, workspace: Workspace, kind: str
) -> None:
    channel = BY_NAME[kind].create(workspace)
    query = {"hub.mode": "subscribe", "hub.challenge": CHALLENGE, "hub.verify_token": channel.secrets["verify_token"]}

    response = client.get(hook_path(channel), query)

    assert response.status_code == 200
    assert response.content == CHALLENGE.encode()


def _echostr_query(channel: Channel, timestamp: int, token: str) -> dict[str, str]:
    nonce = "1514711492"
    return {
        "signature": signing.wechat_signature(token, str(timestamp), nonce),
        "timestamp": str(timestamp),
        "nonce": nonce,
        "echostr": "7304981862950211384",
    }


@pytest.mark.parametrize("name", ["wechat", "wechat-plain"])
@pytest.mark.parametrize("case", ["wrong token", "signature missing", "stale timestamp"])
def test_wechat_echostr_handshake_that_is_not_signed_is_refused_without_the_echo(
    client: Client, workspace: Workspace, name: str, case: str
) -> None:
    channel = BY_NAME[name].create(workspace)
    token = channel.secrets["token"]
    now = int(time.time())
    query = {
        "wrong token": _echostr_query(channel, now, wrong(token)),
        "signature missing": {k: v for k, v in _echostr_query(channel, now, token).items() if k != "signature"},
        "stale timestamp": _echostr_query(channel, now - MAX_CLOCK_SKEW_SECONDS - 60, token),
    }[case]

    response = client.get(hook_path(channel), query)

    assert response.status_code in (401, 403)
    assert b"7304981862950211384" not in response.content


@pytest.mark.parametrize("name", ["wechat", "wechat-plain"])
def test_wechat_echostr_handshake_signed_with_the_token_is_echoed(
    client: Client, workspace: Workspace, name: str
) -> None:
    channel = BY_NAME[name].create(workspace)

    response = client.get(hook_path(channel), _echostr_query(channel, int(time.time()), channel.secrets["token"]))

    assert response.status_code == 200
    assert response.content == b"7304981862950211384"


def test_x_crc_is_answered_with_the_consumer_secret_and_refused_without_a_token(
    client: Client, workspace: Workspace
) -> None:
    channel = BY_NAME["x"].create(workspace)
    secret = channel.secrets["consumer_secret"]

    answered = client.get(hook_path(channel), {"crc_token": "YzUzZGIyZDMtNTg0Ny00ZjM3"})
    refused = client.get(hook_path(channel))

    assert answered.status_code == 200
    assert answered.json() == {"response_token": signing.x_signature(secret, b"YzUzZGIyZDMtNTg0Ny00ZjM3")}
    assert refused.status_code == 400
    assert b"response_token" not in refused.content


def test_x_crc_answer_cannot_be_used_to_sign_a_forged_delivery(client: Client, workspace: Workspace) -> None:
    provider = BY_NAME["x"]
    channel = provider.create(workspace)
    forged = without_signature(provider, provider.build(channel, "forged by someone without the secret", 6))

    crc = client.get(hook_path(channel), {"crc_token": forged.body.decode()})
    signature = crc.json().get("response_token", "") if crc.status_code == 200 else ""
    response = post(client, channel, replace(forged, headers={**forged.headers, provider.signature_header: signature}))

    assert response.status_code in (401, 403)
    assert InboundEvent.all_workspaces.count() == 0


# --- T-11: WeChat's timestamp window -----------------------------------------------------------------------


def test_wechat_tolerates_five_minutes_of_clock_skew() -> None:
    assert MAX_CLOCK_SKEW_SECONDS == 5 * 60


@pytest.mark.parametrize("name", ["wechat-plain", "wechat"])
@pytest.mark.parametrize(("age", "status"), [(6 * 60, 401), (-6 * 60, 401), (4 * 60, 200)])
def test_a_wechat_delivery_signed_with_an_old_timestamp_is_refused(
    client: Client, workspace: Workspace, name: str, age: int, status: int
) -> None:
    provider = BY_NAME[name]
    channel = provider.create(workspace)
    valid = provider.build(channel, TEXT, 7)
    # Otherwise valid: signed anew over the other timestamp with the right token.
    request = provider.sign(
        channel, channel.secrets, replace(valid, query={**valid.query, "timestamp": str(int(time.time()) - age)})
    )
    tasks = DBTaskResult.objects.count()

    response = post(client, channel, request)

    assert response.status_code == status, response.content
    assert InboundEvent.all_workspaces.count() == (1 if status == 200 else 0)
    assert DBTaskResult.objects.count() == tasks


@pytest.mark.parametrize("name", ["wechat-plain", "wechat"])
def test_a_replayed_wechat_delivery_within_the_window_is_stored_once(
    client: Client, workspace: Workspace, name: str
) -> None:
    provider = BY_NAME[name]
    channel = provider.create(workspace)
    request = provider.build(channel, TEXT, 8)

    answers = [post(client, channel, request).status_code for _ in range(3)]

    assert answers == [200, 200, 200]
    assert InboundEvent.all_workspaces.filter(channel=channel).count() == 1
