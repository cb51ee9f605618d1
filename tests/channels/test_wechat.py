"""The WeChat channel both ways: signed (and AES-encrypted) XML callbacks in WeChat's wire format, the
Official Account's customer-service API and WeCom's app-message API on a fake WeChat server.

Deliveries are built with wechatpy's own crypto (``WeChatCrypto.encrypt_message``), not with our adapter,
so the signatures and ciphertexts are WeChat's algorithm. The XML bodies are WeChat's reference examples
(developers.weixin.qq.com, 接收普通消息 / 接收事件推送; developer.work.weixin.qq.com, 接收消息格式).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from pytest_httpserver import HTTPServer
from wechatpy.crypto import WeChatCrypto
from wechatpy.enterprise.crypto import WeChatCrypto as WeComCrypto
from wechatpy.utils import WeChatSigner
from werkzeug import Request, Response

from frontdesk.channels.base import OutboundAttachment, OutboundMessage, adapter_for
from frontdesk.channels.connect import ConnectionTestFailed, connector_for
from frontdesk.channels.models import Channel
from frontdesk.channels.wechat.profile import fetch_profile
from frontdesk.channels.wechat.setup import OFFICIAL_ACCOUNT, PLAIN, WECOM, create_wechat_channel
from frontdesk.conversations import actions
from frontdesk.conversations.actions import ReplyFile
from frontdesk.conversations.models import Attachment, Conversation, DeliveryStatus
from frontdesk.core.http_client import http_client
from frontdesk.core.models import Member, Workspace
from frontdesk.pipeline.media import download_attachments
from frontdesk.pipeline.models import InboundEvent
from frontdesk.pipeline.outbound import SendFailed, deliver
from tests.channels.webhooks import entry_of, hook_path, messages, process_stored_events, refreshed, stored
from tests.factories import make_message

pytestmark = pytest.mark.django_db

APP_ID = "wx5823bf96d3bd56c7"
APP_SECRET = "f2b9a3c4d5e6f708192a3b4c5d6e7f80"
CORP_ID = "wx5823bf96d3bd56c7"
AGENT_ID = "1000002"
TOKEN = "QDG6eK"
AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
USER_ID = "zhangsan"
ACCESS_TOKEN = "ACCESS_TOKEN_6f1e"
AVATAR_PATH = "/mmopen/g3MonUZtNHkdmzicIlibx6iaFqAc56vxLSUfpb6n5WKSYVY0ChQKkiaJSgQ1dZuTOgvLLrhJ/0"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 200
_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    # Access tokens are cached per channel; each test starts without one.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def wechat(httpserver: HTTPServer, settings: Any) -> HTTPServer:
    settings.FRONTDESK_HTTP_ALLOWED_PRIVATE_HOSTS = [f"{httpserver.host}:{httpserver.port}"]
    return httpserver


def base_url(server: HTTPServer) -> str:
    return f"http://{server.host}:{server.port}"


@pytest.fixture
def channel(workspace: Workspace, wechat: HTTPServer) -> Channel:
    return create_wechat_channel(
        workspace,
        "Shop OA",
        app_id=APP_ID,
        app_secret=APP_SECRET,
        token=TOKEN,
        encoding_aes_key=AES_KEY,
        api_base_url=base_url(wechat),
    )


@pytest.fixture
def plain_channel(workspace: Workspace, wechat: HTTPServer) -> Channel:
    return create_wechat_channel(
        workspace,
        "Plain OA",
        app_id="wx0000000000000001",
        app_secret=APP_SECRET,
        token=TOKEN,
        encoding_mode=PLAIN,
        api_base_url=base_url(wechat),
    )


@pytest.fixture
def wecom(workspace: Workspace, wechat: HTTPServer) -> Channel:
    return create_wechat_channel(
        workspace,
        "Staff app",
        account_type=WECOM,
        corp_id=CORP_ID,
        agent_id=AGENT_ID,
        app_secret=APP_SECRET,
        token=TOKEN,
        encoding_aes_key=AES_KEY,
        api_base_url=base_url(wechat),
    )


def text_xml(content: str = "this is a test", msg_id: str | None = None, sender: str = OPENID) -> str:
    """接收普通消息 / 文本消息, as WeChat's reference shows it."""
    return (
        "<xml><ToUserName><![CDATA[gh_7f083739789a]]></ToUserName>"
        f"<FromUserName><![CDATA[{sender}]]></FromUserName>"
        "<CreateTime>1348831860</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content>"
        f"<MsgId>{msg_id or 1234567890123456 + next(_numbers)}</MsgId></xml>"
    )


def message_xml(msg_type: str, fields: str, msg_id: str, sender: str = OPENID) -> str:
    return (
        f"<xml><ToUserName><![CDATA[gh_7f083739789a]]></ToUserName><FromUserName><![CDATA[{sender}]]></FromUserName>"
        f"<CreateTime>1357290913</CreateTime><MsgType><![CDATA[{msg_type}]]></MsgType>{fields}"
        f"<MsgId>{msg_id}</MsgId></xml>"
    )


def event_xml(event: str, fields: str = "", created: int = 123456789) -> str:
    """接收事件推送, as WeChat's reference shows it."""
    return (
        "<xml><ToUserName><![CDATA[toUser]]></ToUserName>"
        f"<FromUserName><![CDATA[{OPENID}]]></FromUserName><CreateTime>{created}</CreateTime>"
        f"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{event}]]></Event>{fields}</xml>"
    )


def sha1_signature(*parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(*parts)
    return str(signer.signature)


def encrypted_delivery(xml: str, receive_id: str = APP_ID, crypto: Any = WeChatCrypto) -> tuple[bytes, dict[str, str]]:
    """The body and query WeChat sends in safe mode, made by wechatpy's implementation of WeChat's algorithm."""
    timestamp, nonce = str(int(time.time())), f"nonce{next(_numbers)}"
    envelope = crypto(TOKEN, AES_KEY, receive_id).encrypt_message(xml, nonce, timestamp)
    encrypted = envelope.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
    msg_signature = envelope.split("<MsgSignature><![CDATA[")[1].split("]]>")[0]
    body = f"<xml><ToUserName><![CDATA[gh_7f083739789a]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    query = {
        "signature": sha1_signature(TOKEN, timestamp, nonce),
        "timestamp": timestamp,
        "nonce": nonce,
        "openid": OPENID,
        "encrypt_type": "aes",
        "msg_signature": msg_signature,
    }
    return body.encode(), query


def plain_delivery(xml: str) -> tuple[bytes, dict[str, str]]:
    timestamp, nonce = str(int(time.time())), f"nonce{next(_numbers)}"
    query = {"signature": sha1_signature(TOKEN, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}
    return xml.encode(), {**query, "openid": OPENID}


def post(client: Client, channel: Channel, body: bytes, query: dict[str, str]) -> Any:
    """POST as WeChat does (XML, the signature in the query string); then process what was stored."""
    query_string = "&".join(f"{name}={value}" for name, value in query.items())
    response = client.generic("POST", f"{hook_path(channel)}?{query_string}", body, content_type="text/xml")
    process_stored_events()
    return response


def deliver_xml(client: Client, channel: Channel, xml: str) -> Any:
    return post(client, channel, *encrypted_delivery(xml))


# The callback URL handshake.


def test_the_official_account_handshake_echoes_echostr(client: Client, channel: Channel) -> None:
    timestamp, nonce = str(int(time.time())), "1514711492"
    query = {
        "signature": sha1_signature(TOKEN, timestamp, nonce),
        "timestamp": timestamp,
        "nonce": nonce,
        "echostr": "5927782489442352469",
    }
    response = client.get(hook_path(channel), query)
    assert response.status_code == 200 and response.content == b"5927782489442352469"
    assert response["Content-Type"].startswith("text/plain")
    query["signature"] = sha1_signature("another-token", timestamp, nonce)
    assert client.get(hook_path(channel), query).status_code == 401


def test_the_wecom_handshake_answers_echostr_decrypted(client: Client, wecom: Channel) -> None:
    timestamp, nonce = str(int(time.time())), "1372623149"
    envelope = WeComCrypto(TOKEN, AES_KEY, CORP_ID).encrypt_message("1288432023552776189", nonce, timestamp)
    echostr = envelope.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
    query = {
        "msg_signature": sha1_signature(TOKEN, timestamp, nonce, echostr),
        "timestamp": timestamp,
        "nonce": nonce,
        "echostr": echostr,
    }
    response = client.get(hook_path(wecom), query)
    assert response.status_code == 200 and response.content == b"1288432023552776189"
    query["msg_signature"] = sha1_signature(TOKEN, timestamp, nonce, echostr + "x")
    assert client.get(hook_path(wecom), query).status_code == 401


# Receiving.


def test_an_encrypted_text_message_lands_in_a_conversation_and_is_answered_success(
    client: Client, channel: Channel
) -> None:
    response = deliver_xml(client, channel, text_xml("請問訂單幾時到?", msg_id="1234567890123456"))
    assert response.status_code == 200 and response.content == b"success"
    assert response["Content-Type"].startswith("text/plain")
    [message] = messages(channel)
    assert message.text == "請問訂單幾時到?" and message.provider_message_id == "1234567890123456"
    assert message.metadata["sent_at"] == "2012-09-28T11:31:00+00:00"
    assert message.metadata["provider"] == {"msg_type": "text"}
    conversation = Conversation.in_workspace(channel.workspace_id).get()
    assert conversation.contact.identities.get().external_id == OPENID


def test_a_plaintext_mode_message_is_checked_with_the_query_signature(client: Client, plain_channel: Channel) -> None:
    body, query = plain_delivery(text_xml("hello"))
    assert post(client, plain_channel, body, query).content == b"success"
    assert [message.text for message in messages(plain_channel)] == ["hello"]
    body, query = plain_delivery(text_xml("forged"))
    query["signature"] = sha1_signature("not-the-token", query["timestamp"], query["nonce"])
    assert post(client, plain_channel, body, query).status_code == 401
    assert len(messages(plain_channel)) == 1


def test_a_tampered_signature_or_ciphertext_is_a_401_and_stores_nothing(client: Client, channel: Channel) -> None:
    body, query = encrypted_delivery(text_xml())
    wrong = dict(query, msg_signature=sha1_signature("not-the-token", query["timestamp"], query["nonce"], "x"))
    assert post(client, channel, body, wrong).status_code == 401
    # One changed character of the ciphertext no longer matches msg_signature.
    tampered = body.replace(b"<![CDATA[", b"<![CDATA[A", 2)
    assert post(client, channel, tampered, query).status_code == 401
    missing = {name: value for name, value in query.items() if name != "msg_signature"}
    assert post(client, channel, body, missing).status_code == 401
    assert stored(channel) == 0 and messages(channel) == []


def test_a_delivery_signed_long_ago_is_refused(client: Client, channel: Channel) -> None:
    timestamp, nonce = str(int(time.time()) - 3600), "42"
    envelope = WeChatCrypto(TOKEN, AES_KEY, APP_ID).encrypt_message(text_xml(), nonce, timestamp)
    encrypted = envelope.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
    body = f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>".encode()
    query = {
        "timestamp": timestamp,
        "nonce": nonce,
        "msg_signature": sha1_signature(TOKEN, timestamp, nonce, encrypted),
    }
    response = post(client, channel, body, query)
    assert response.status_code == 401 and "seconds away from our clock" in response.json()["detail"]


def test_wechats_three_retries_store_one_message(client: Client, channel: Channel) -> None:
    xml = text_xml(msg_id="6054768590064713728")
    answers = [deliver_xml(client, channel, xml) for _ in range(4)]
    assert [answer.content for answer in answers] == [b"success"] * 4
    assert stored(channel) == 1 and len(messages(channel)) == 1


def test_every_message_kind_is_understood(client: Client, channel: Channel) -> None:
    deliveries = [
        message_xml(
            "image",
            "<PicUrl><![CDATA[https://evil.example/pic.jpg]]></PicUrl><MediaId><![CDATA[media_id_img]]></MediaId>",
            "1001",
        ),
        message_xml(
            "voice",
            "<MediaId><![CDATA[media_id_voice]]></MediaId><Format><![CDATA[amr]]></Format>"
            "<Recognition><![CDATA[腾讯微信团队]]></Recognition>",
            "1002",
        ),
        message_xml(
            "video",
            "<MediaId><![CDATA[media_id_video]]></MediaId><ThumbMediaId><![CDATA[thumb_media_id]]></ThumbMediaId>",
            "1003",
        ),
        message_xml(
            "shortvideo",
            "<MediaId><![CDATA[media_id_short]]></MediaId><ThumbMediaId><![CDATA[thumb_media_id]]></ThumbMediaId>",
            "1004",
        ),
        message_xml(
            "location",
            "<Location_X>23.134521</Location_X><Location_Y>113.358803</Location_Y><Scale>20</Scale>"
            "<Label><![CDATA[位置信息]]></Label>",
            "1005",
        ),
        message_xml(
            "link",
            "<Title><![CDATA[公众平台官网链接]]></Title><Description><![CDATA[公众平台官网链接]]></Description>"
            "<Url><![CDATA[https://mp.weixin.qq.com]]></Url>",
            "1006",
        ),
    ]
    for xml in deliveries:
        assert deliver_xml(client, channel, xml).content == b"success"
    image, voice, video, short, location, link = messages(channel)
    assert image.metadata["pending_attachments"] == [
        {"url": "wechat-media:media_id_img", "filename": "", "content_type": "image/jpeg"}
    ]
    # The payload's PicUrl is never kept: files come from the media API.
    assert "evil.example" not in str(image.metadata)
    assert voice.text == "腾讯微信团队"
    assert voice.metadata["pending_attachments"] == [
        {"url": "wechat-media:media_id_voice", "filename": "voice.amr", "content_type": "audio/amr"}
    ]
    assert video.metadata["pending_attachments"][0]["url"] == "wechat-media:media_id_video"
    assert short.metadata["pending_attachments"][0]["content_type"] == "video/mp4"
    assert location.metadata["location"] == {
        "latitude": 23.134521,
        "longitude": 113.358803,
        "name": "位置信息",
        "address": "",
        "scale": 20,
    }
    assert link.text == "公众平台官网链接\n公众平台官网链接\nhttps://mp.weixin.qq.com"
    assert [item.provider_message_id for item in messages(channel)] == ["1001", "1002", "1003", "1004", "1005", "1006"]


def test_follows_menu_clicks_and_location_reports_reach_the_agent(client: Client, channel: Channel) -> None:
    subscribe = event_xml(
        "subscribe", "<EventKey><![CDATA[qrscene_123123]]></EventKey><Ticket><![CDATA[TICKET]]></Ticket>", 1001
    )
    click = event_xml("CLICK", "<EventKey><![CDATA[V1001_TODAY_MUSIC]]></EventKey>", 1002)
    view = event_xml("VIEW", "<EventKey><![CDATA[https://www.qq.com/]]></EventKey>", 1003)
    location = event_xml(
        "LOCATION",
        "<Latitude>23.137466</Latitude><Longitude>113.352425</Longitude><Precision>119.385040</Precision>",
        1004,
    )
    unsubscribe = event_xml("unsubscribe", "", 1005)
    for xml in (subscribe, click, view, location, unsubscribe):
        assert deliver_xml(client, channel, xml).content == b"success"
    followed, clicked, viewed, located = messages(channel)
    assert followed.metadata["interactive"] == {"id": "subscribe", "title": "Followed the account", "scene": "123123"}
    assert followed.provider_message_id == f"event:{OPENID}:1001:subscribe"
    assert clicked.metadata["interactive"] == {"id": "V1001_TODAY_MUSIC", "title": "", "event": "CLICK"}
    assert viewed.metadata["interactive"]["id"] == "https://www.qq.com/"
    assert located.metadata["location"]["latitude"] == 23.137466
    # The unfollow is stored (deduped) but is nothing to answer.
    assert stored(channel) == 5
    assert InboundEvent.in_workspace(channel.workspace_id).filter(processed_at__isnull=True).count() == 0


def test_a_retried_event_is_deduped_by_sender_time_and_event(client: Client, channel: Channel) -> None:
    xml = event_xml("CLICK", "<EventKey><![CDATA[V1001_GOOD]]></EventKey>", 1700000000)
    for _ in range(3):
        deliver_xml(client, channel, xml)
    assert stored(channel) == 1 and len(messages(channel)) == 1
    assert InboundEvent.in_workspace(channel.workspace_id).get().provider_event_id == (
        f"event:{OPENID}:1700000000:CLICK"
    )


@pytest.mark.parametrize(
    ("xml", "detail"),
    [
        ("not xml at all", "malformed XML"),
        ("<json>{}</json>", "not a WeChat <xml> document"),
    ],
)
def test_unusable_plaintext_bodies_get_a_400(client: Client, plain_channel: Channel, xml: str, detail: str) -> None:
    response = post(client, plain_channel, *plain_delivery(xml))
    assert response.status_code == 400 and detail in response.json()["detail"]
    assert stored(plain_channel) == 0


def test_an_encrypted_delivery_to_a_plaintext_channel_says_how_to_fix_it(
    client: Client, plain_channel: Channel
) -> None:
    body, _query = encrypted_delivery(text_xml(), receive_id="wx0000000000000001")
    response = post(client, plain_channel, body, plain_delivery("")[1])
    assert response.status_code == 400 and "set the channel's message encryption to safe mode" in response.text


def test_entity_declarations_are_refused_not_expanded(client: Client, channel: Channel) -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        f"<xml><FromUserName>{OPENID}</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType>"
        "<Content>&b;</Content><MsgId>99</MsgId></xml>"
    )
    response = deliver_xml(client, channel, bomb)
    assert response.status_code == 400 and "DOCTYPE" in response.json()["detail"]
    assert stored(channel) == 0


def test_a_message_without_msgid_is_refused_with_the_reason(client: Client, channel: Channel) -> None:
    xml = text_xml().split("<MsgId>")[0] + "</xml>"
    response = deliver_xml(client, channel, xml)
    assert response.status_code == 400
    assert response.json()["rejected"] == [{"index": 0, "id": "", "detail": "the message has no MsgId"}]
    assert stored(channel) == 0


def test_a_message_encrypted_for_another_account_is_refused(client: Client, channel: Channel) -> None:
    response = post(client, channel, *encrypted_delivery(text_xml(), receive_id="wx00000000another"))
    assert response.status_code == 400 and "could not be decrypted" in response.json()["detail"]
    assert stored(channel) == 0


def test_a_message_of_the_wrong_shape_is_recorded_as_unparseable(client: Client, channel: Channel) -> None:
    xml = f"<xml><FromUserName>{OPENID}</FromUserName><MsgType>text</MsgType><MsgId>77</MsgId></xml>"
    deliver_xml(client, channel, xml)
    event = InboundEvent.in_workspace(channel.workspace_id).get()
    assert event.processed_at is not None and "no FromUserName or CreateTime" in event.error
    assert messages(channel) == []


def test_a_wecom_member_message_is_decrypted_with_the_corp_id_and_acknowledged_empty(
    client: Client, wecom: Channel
) -> None:
    xml = (
        "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName>"
        "<CreateTime>1348831860</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        "<Content><![CDATA[this is a test]]></Content><MsgId>1234567890123456</MsgId><AgentID>1000002</AgentID></xml>"
    )
    body, query = encrypted_delivery(xml, receive_id=CORP_ID, crypto=WeComCrypto)
    query = {name: query[name] for name in ("msg_signature", "timestamp", "nonce")}
    response = post(client, wecom, body, query)
    assert response.status_code == 200 and response.content == b""
    [message] = messages(wecom)
    assert message.text == "this is a test"
    assert message.metadata["provider"] == {"msg_type": "text", "agent_id": "1000002"}
    assert Conversation.in_workspace(wecom.workspace_id).get().contact.identities.get().external_id == USER_ID


# Sending.


def expect_token(server: HTTPServer, token: str = ACCESS_TOKEN) -> None:
    server.expect_ordered_request(
        "/cgi-bin/token",
        method="GET",
        query_string={"grant_type": "client_credential", "appid": APP_ID, "secret": APP_SECRET},
    ).respond_with_json({"access_token": token, "expires_in": 7200})


@pytest.fixture
def conversation(client: Client, channel: Channel) -> Conversation:
    # The follower wrote a minute ago: the 48-hour window is open.
    deliver_xml(client, channel, text_xml("在嗎?"))
    return Conversation.in_workspace(channel.workspace_id).get()


def test_a_reply_is_a_customer_service_message_with_a_cached_token(
    agent: Member, conversation: Conversation, wechat: HTTPServer
) -> None:
    expect_token(wechat)
    for _ in range(2):
        wechat.expect_ordered_request(
            "/cgi-bin/message/custom/send", method="POST", query_string={"access_token": ACCESS_TOKEN}
        ).respond_with_json({"errcode": 0, "errmsg": "ok"})
    first = entry_of(actions.reply(conversation, agent, "您好,訂單已出貨"))
    second = entry_of(actions.reply(conversation, agent, "謝謝"))
    assert deliver(first.pk).result == "sent" and deliver(second.pk).result == "sent"
    wechat.check_assertions()
    bodies = [request.get_json() for request, _response in wechat.log[1:]]
    assert bodies == [
        {"touser": OPENID, "msgtype": "text", "text": {"content": "您好,訂單已出貨"}},
        {"touser": OPENID, "msgtype": "text", "text": {"content": "謝謝"}},
    ]
    assert refreshed(first.message).status == DeliveryStatus.SENT


def test_an_expired_token_is_fetched_again_once_and_the_send_retried(
    agent: Member, conversation: Conversation, wechat: HTTPServer
) -> None:
    expect_token(wechat, "OLD_TOKEN")
    wechat.expect_ordered_request(
        "/cgi-bin/message/custom/send", query_string={"access_token": "OLD_TOKEN"}
    ).respond_with_json({"errcode": 42001, "errmsg": "access_token expired rid: 6566e5b1-1ad3e5c2-2ee5ba42"})
    expect_token(wechat, "NEW_TOKEN")
    wechat.expect_ordered_request(
        "/cgi-bin/message/custom/send", query_string={"access_token": "NEW_TOKEN"}
    ).respond_with_json({"errcode": 0, "errmsg": "ok"})
    entry = entry_of(actions.reply(conversation, agent, "Hello"))
    assert deliver(entry.pk).result == "sent"
    wechat.check_assertions()


@pytest.mark.parametrize(
    ("errcode", "errmsg", "code"),
    [
        (45015, "response out of time limit or subscription is canceled", "window_closed"),
        (43004, "require subscribe hint: [xxx]", "blocked"),
        (40003, "invalid openid hint: [xxx]", "invalid_recipient"),
        (45009, "reach max api daily quota limit", "quota"),
        (48001, "api unauthorized", ""),
    ],
)
def test_final_refusals_fail_the_message_with_their_code(
    agent: Member, conversation: Conversation, wechat: HTTPServer, errcode: int, errmsg: str, code: str
) -> None:
    expect_token(wechat)
    wechat.expect_ordered_request("/cgi-bin/message/custom/send").respond_with_json(
        {"errcode": errcode, "errmsg": errmsg}
    )
    entry = entry_of(actions.reply(conversation, agent, "Hello"))
    assert deliver(entry.pk).result == "failed"
    message = refreshed(entry.message)
    assert message.status == DeliveryStatus.FAILED
    assert message.status_reason == f"errcode {errcode}: {errmsg}"
    assert message.metadata.get("failure_code", "") == code
    assert ACCESS_TOKEN not in message.status_reason


@pytest.mark.parametrize(
    ("status", "document"),
    [
        (200, {"errcode": -1, "errmsg": "system error"}),
        (200, {"errcode": 45047, "errmsg": "out of response count limit"}),
        (502, {}),
    ],
)
def test_busy_and_rate_limits_are_retried(
    agent: Member, conversation: Conversation, wechat: HTTPServer, status: int, document: dict[str, Any]
) -> None:
    expect_token(wechat)
    wechat.expect_ordered_request("/cgi-bin/message/custom/send").respond_with_json(document, status=status)
    entry = entry_of(actions.reply(conversation, agent, "Hello"))
    assert deliver(entry.pk).result == "retry"
    assert refreshed(entry.message).status != DeliveryStatus.FAILED


def test_a_refused_app_secret_fails_with_the_credentials_code(
    agent: Member, conversation: Conversation, wechat: HTTPServer
) -> None:
    wechat.expect_ordered_request("/cgi-bin/token").respond_with_json(
        {"errcode": 40125, "errmsg": "invalid appsecret, view more at http://t.cn/RAEkdVq"}
    )
    entry = entry_of(actions.reply(conversation, agent, "Hello"))
    assert deliver(entry.pk).result == "failed"
    message = refreshed(entry.message)
    assert message.metadata["failure_code"] == "credentials" and "invalid appsecret" in message.status_reason
    assert APP_SECRET not in message.status_reason


def test_an_image_reply_is_uploaded_as_multipart_and_sent_by_media_id(
    agent: Member, conversation: Conversation, wechat: HTTPServer
) -> None:
    uploads: list[Request] = []

    def upload(request: Request) -> Response:
        uploads.append(request)
        return Response('{"type":"image","media_id":"MEDIA_ID_1","created_at":1700000000}', content_type="text/plain")

    expect_token(wechat)
    wechat.expect_ordered_request(
        "/cgi-bin/media/upload", method="POST", query_string={"access_token": ACCESS_TOKEN, "type": "image"}
    ).respond_with_handler(upload)
    wechat.expect_ordered_request("/cgi-bin/message/custom/send").respond_with_json({"errcode": 0, "errmsg": "ok"})
    entry = entry_of(actions.reply(conversation, agent, "", files=[ReplyFile("receipt.png", PNG)]))
    assert deliver(entry.pk).result == "sent"
    [request] = uploads
    assert request.mimetype == "multipart/form-data"
    media = request.files["media"]
    assert media.filename == "image.png" and media.mimetype == "image/png" and media.read() == PNG
    assert wechat.log[-1][0].get_json() == {"touser": OPENID, "msgtype": "image", "image": {"media_id": "MEDIA_ID_1"}}


def outbound(**fields: Any) -> OutboundMessage:
    return OutboundMessage(recipient=OPENID, **fields)


def test_content_and_files_wechat_cannot_carry_are_refused_before_calling(channel: Channel, wechat: HTTPServer) -> None:
    adapter = adapter_for(channel)
    with pytest.raises(SendFailed) as refused:
        adapter.send(channel, outbound(text="Pick", content={"buttons": [{"id": "a", "title": "A"}]}))
    assert refused.value.code == "unsupported" and not refused.value.retryable
    pdf = OutboundAttachment("a.pdf", "application/pdf", 10, "https://desk.example/media/a", "a.pdf")
    with pytest.raises(SendFailed) as refused:
        adapter.send(channel, outbound(attachments=(pdf,)))
    assert refused.value.code == "unsupported"
    assert wechat.log == []


def test_a_long_reply_goes_out_in_pieces_of_at_most_2048_bytes(channel: Channel, wechat: HTTPServer) -> None:
    expect_token(wechat)
    wechat.expect_request("/cgi-bin/message/custom/send").respond_with_json({"errcode": 0, "errmsg": "ok"})
    adapter_for(channel).send(channel, outbound(text="好" * 1500))
    pieces = [request.get_json()["text"]["content"] for request, _response in wechat.log[1:]]
    assert [len(piece.encode()) for piece in pieces] == [2046, 2046, 408]
    assert "".join(pieces) == "好" * 1500


def test_a_wecom_reply_is_an_app_message_with_the_agent_id(wecom: Channel, wechat: HTTPServer) -> None:
    wechat.expect_ordered_request(
        "/cgi-bin/gettoken", query_string={"corpid": CORP_ID, "corpsecret": APP_SECRET}
    ).respond_with_json({"errcode": 0, "errmsg": "ok", "access_token": ACCESS_TOKEN, "expires_in": 7200})
    wechat.expect_ordered_request(
        "/cgi-bin/message/send", method="POST", query_string={"access_token": ACCESS_TOKEN}
    ).respond_with_json({"errcode": 0, "errmsg": "ok", "invaliduser": "", "msgid": "xxxx_msgid"})
    result = adapter_for(wecom).send(wecom, OutboundMessage(recipient=USER_ID, text="收到"))
    assert result.provider_message_id == "xxxx_msgid"
    assert wechat.log[1][0].get_json() == {
        "touser": USER_ID,
        "agentid": 1000002,
        "msgtype": "text",
        "text": {"content": "收到"},
        "enable_duplicate_check": 1,
        "duplicate_check_interval": 600,
    }
    wechat.expect_ordered_request("/cgi-bin/message/send").respond_with_json(
        {"errcode": 0, "errmsg": "ok", "invaliduser": "lisi", "msgid": ""}
    )
    with pytest.raises(SendFailed) as refused:
        adapter_for(wecom).send(wecom, OutboundMessage(recipient="lisi", text="Hi"))
    assert refused.value.code == "invalid_recipient"


# Files, profiles, connecting.


def test_an_image_is_downloaded_from_the_media_api(conversation: Conversation, wechat: HTTPServer) -> None:
    expect_token(wechat)
    wechat.expect_ordered_request(
        "/cgi-bin/media/get", query_string={"access_token": ACCESS_TOKEN, "media_id": "media_id_img"}
    ).respond_with_data(
        PNG, content_type="image/png", headers={"Content-disposition": 'attachment; filename="media_id_img.png"'}
    )
    wechat.expect_ordered_request("/cgi-bin/media/get").respond_with_json(
        {"errcode": 40007, "errmsg": "invalid media_id"}
    )
    pending = [
        {"url": ref, "filename": "", "content_type": "image/jpeg"}
        for ref in ("wechat-media:media_id_img", "wechat-media:expired")
    ]
    message = make_message(conversation, metadata={"pending_attachments": pending})
    outcome = download_attachments(message.pk)
    assert (outcome.stored, outcome.failed) == (1, 1)
    attachment = Attachment.all_workspaces.get(message=message)
    assert attachment.content_type == "image/png" and attachment.file.read() == PNG
    failure = refreshed(message).metadata["failed_attachments"][0]
    assert "errcode 40007: invalid media_id" in failure["error"]


def test_the_profile_has_the_nickname_and_the_picture_from_wechats_host(channel: Channel, wechat: HTTPServer) -> None:
    expect_token(wechat)
    wechat.expect_ordered_request(
        "/cgi-bin/user/info", query_string={"access_token": ACCESS_TOKEN, "openid": OPENID, "lang": "zh_TW"}
    ).respond_with_json(
        {
            "subscribe": 1,
            "openid": OPENID,
            "nickname": "Band",
            "language": "zh_TW",
            "headimgurl": f"{base_url(wechat)}{AVATAR_PATH}",
        }
    )
    wechat.expect_ordered_request(AVATAR_PATH).respond_with_data(PNG, content_type="image/png")
    with http_client() as client:
        profile = fetch_profile(channel, OPENID, client)
    assert profile.name == "Band" and profile.avatar is not None and profile.avatar.content == PNG


def test_a_profile_picture_outside_wechats_hosts_is_not_fetched(channel: Channel, wechat: HTTPServer) -> None:
    expect_token(wechat)
    wechat.expect_ordered_request("/cgi-bin/user/info").respond_with_json(
        {"subscribe": 1, "openid": OPENID, "nickname": "Band", "headimgurl": "http://attacker.example/0"}
    )
    with http_client() as client:
        profile = fetch_profile(channel, OPENID, client)
    assert profile.name == "Band" and profile.avatar is None
    assert len(wechat.log) == 2


def test_connecting_fetches_an_access_token(channel: Channel, wecom: Channel, wechat: HTTPServer) -> None:
    connector = connector_for("wechat")
    expect_token(wechat)
    with http_client() as client:
        assert connector.test_connection(channel, client) == f"Access token OK for {APP_ID}"
    wechat.expect_ordered_request("/cgi-bin/gettoken").respond_with_json(
        {"errcode": 40001, "errmsg": "invalid credential"}
    )
    with http_client() as client, pytest.raises(ConnectionTestFailed) as failed:
        connector.test_connection(wecom, client)
    assert "errcode 40001: invalid credential" in failed.value.reason and APP_SECRET not in failed.value.reason


def test_the_connector_generates_the_token_and_the_aes_key_and_picks_the_host(workspace: Workspace) -> None:
    config, secrets = connector_for("wechat").split_values(
        {"account_type": OFFICIAL_ACCOUNT, "app_id": APP_ID, "app_secret": APP_SECRET}
    )
    assert config == {"account_type": OFFICIAL_ACCOUNT, "app_id": APP_ID, "encoding_mode": "safe"}
    assert len(secrets["token"]) == 32 and len(secrets["encoding_aes_key"]) == 43
    channel = create_wechat_channel(workspace, "WeCom", account_type=WECOM, corp_id=CORP_ID, app_secret="s")
    assert channel.config["api_base_url"] == "https://qyapi.weixin.qq.com"


def test_the_bench_payload_is_a_delivery_the_webhook_takes(client: Client, workspace: Workspace) -> None:
    from bench.payloads import wechat as bench

    bench_channel = bench.create_channel(workspace)
    query, body, headers = bench.delivery(bench_channel.secrets, bench.contact_id(7), "hello <&> ]]>", 3)
    response = client.generic(
        "POST", f"{hook_path(bench_channel)}?{query}", body, content_type="text/xml", headers=headers
    )
    process_stored_events()
    assert response.content == b"success"
    [message] = messages(bench_channel)
    assert message.text == "hello <&> ]]>"
    assert message.conversation.contact.identities.get().external_id == bench.contact_id(7)
