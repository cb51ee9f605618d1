"""WeChat deliveries for ``bench/ingest.py --kind wechat``: an Official Account in safe mode, so every
delivery is AES-encrypted and signed with ``msg_signature`` as WeChat does it (wechatpy's implementation)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

if TYPE_CHECKING:
    from frontdesk.channels.models import Channel
    from frontdesk.core.models import Workspace

APP_ID = "wxbench0000000001"
CREDENTIALS = {
    "app_secret": "bench-app-secret-0123456789abcdef",
    "token": "benchCallbackToken0123456789abcd",
    "encoding_aes_key": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
}


def create_channel(workspace: Workspace) -> Channel:
    from frontdesk.channels.wechat.setup import create_wechat_channel

    return create_wechat_channel(workspace, "Bench WeChat", app_id=APP_ID, **CREDENTIALS)


def contact_id(number: int) -> str:
    """An OpenID: 28 characters, starting with "o"."""
    return f"oBench{number % 10**22:022d}"


def delivery(secrets: dict[str, str], contact: str, text: str, sequence: int) -> tuple[str, bytes, dict[str, str]]:
    """One callback POST carrying one text message from ``contact`` with a MsgId unique per ``sequence``."""
    from wechatpy.crypto import WeChatCrypto

    timestamp, nonce = str(int(time.time())), f"{sequence:010d}"
    xml = (
        f"<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><FromUserName><![CDATA[{contact}]]></FromUserName>"
        f"<CreateTime>{timestamp}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content>{escape(text)}</Content><MsgId>{7_000_000_000_000_000_000 + sequence}</MsgId></xml>"
    )
    envelope = WeChatCrypto(secrets["token"], secrets["encoding_aes_key"], APP_ID).encrypt_message(
        xml, nonce, timestamp
    )
    encrypted = envelope.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
    msg_signature = envelope.split("<MsgSignature><![CDATA[")[1].split("]]>")[0]
    body = f"<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    query = f"timestamp={timestamp}&nonce={nonce}&encrypt_type=aes&msg_signature={msg_signature}&openid={contact}"
    return query, body.encode(), {"Content-Type": "text/xml"}
