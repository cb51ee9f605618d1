from __future__ import annotations

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from frontdesk.channels.email.parsing import parse_email
from tests.channels import mails

TRADITIONAL = "您好，我想查詢訂單的送貨進度，請問幾時可以送到香港？多謝幫忙。"
SIMPLIFIED = "你好，我想查询订单的送货进度，请问什么时候可以送到上海？谢谢。"


@pytest.mark.parametrize(
    ("body", "charset"),
    [(TRADITIONAL, "big5"), (TRADITIONAL, "big5hkscs"), (SIMPLIFIED, "gb2312"), (SIMPLIFIED, "gbk"),
     (SIMPLIFIED, "gb18030"), (TRADITIONAL, "utf-8")],
)  # fmt: skip
def test_body_is_read_in_its_declared_charset(body: str, charset: str) -> None:
    parsed = parse_email(mails.text_mail(body, charset))

    assert parsed.text.strip() == body


def test_gb2312_label_holding_gb18030_only_characters_is_read_as_gb18030() -> None:
    body = "𠮷野家 䶮 订单已收到"
    parsed = parse_email(mails.raw_body_mail(body.encode("gb18030"), "text/plain; charset=gb2312"))

    assert parsed.text == body


@pytest.mark.parametrize("content_type", ["text/plain; charset=utf-8", "text/plain", "text/plain; charset=klingon"])
def test_big5_body_mislabelled_or_unlabelled_is_guessed(content_type: str) -> None:
    parsed = parse_email(mails.raw_body_mail(TRADITIONAL.encode("big5"), content_type))

    assert parsed.text == TRADITIONAL


@pytest.mark.parametrize(
    ("subject", "charset"),
    [("訂單查詢", "big5"), ("订单查询 𠮷", "gb18030"), ("订单查询", "gb2312"), ("訂單 ✓", "utf-8")],
)
def test_rfc2047_subject_is_decoded(subject: str, charset: str) -> None:
    assert parse_email(mails.encoded_subject_mail(subject, charset)).subject == subject


def test_headers_are_read() -> None:
    parsed = parse_email(mails.reply_mail("Thanks"))

    assert (parsed.sender.name, parsed.sender.address) == ("陳大文", "chan@example.hk")
    assert parsed.to == ("support@frontdesk.example",)
    assert parsed.date is not None and parsed.date.isoformat() == "2026-11-02T10:00:00+08:00"
    assert parsed.message_id == "<m1@example.hk>"
    assert parsed.in_reply_to == "<first@frontdesk.example>"
    assert parsed.references == ("<root@frontdesk.example>", "<first@frontdesk.example>")


def test_multipart_alternative_keeps_both_bodies() -> None:
    parsed = parse_email(mails.alternative_mail("Plain words", "<p>Rich <b>words</b></p>"))

    assert parsed.text.strip() == "Plain words"
    assert parsed.html == "<p>Rich <b>words</b></p>"


def test_html_only_mail_gets_a_text_version() -> None:
    parsed = parse_email(
        mails.html_only_mail(
            "<html><head><title>T</title></head><body><p>第一行</p><p>Second &amp; line</p></body></html>"
        )
    )

    assert parsed.text == "第一行\n\nSecond & line"


def test_hostile_html_is_sanitised() -> None:
    hostile = (
        '<p style="x">Hi<script>alert(1)</script><img src="x.png" onerror="alert(1)">'
        '<a href="javascript:alert(1)">click</a><style>p{color:red}</style><b>ok</b></p>'
    )
    parsed = parse_email(mails.html_only_mail(hostile))

    assert parsed.html == '<p>Hi<img src="x.png"><a rel="noopener noreferrer">click</a><b>ok</b></p>'
    assert "alert" not in parsed.text


def test_inline_image_is_kept_by_content_id_and_attachment_listed() -> None:
    parsed = parse_email(mails.mail_with_image_and_attachment(b"%PDF-1.4 invoice"))

    assert '<img src="cid:photo1@example.hk">' in parsed.html
    assert parsed.inline_images["photo1@example.hk"].content == mails.PNG
    [attachment] = parsed.attachments
    assert (attachment.filename, attachment.content_type, attachment.size) == ("invoice.pdf", "application/pdf", 16)
    assert attachment.content == b"%PDF-1.4 invoice" and not attachment.too_large


def test_oversized_attachment_is_listed_without_content(settings: pytest.FixtureRequest) -> None:
    settings.FRONTDESK_MAX_ATTACHMENT_BYTES = 1000  # type: ignore[attr-defined]
    parsed = parse_email(mails.mail_with_image_and_attachment(b"x" * 5000))

    [attachment] = parsed.attachments
    assert attachment.too_large and attachment.content is None and attachment.size == 5000


def test_missing_closing_boundary_still_gives_body_and_attachment() -> None:
    parsed = parse_email(mails.missing_closing_boundary())

    assert parsed.text == "still readable"
    assert [a.filename for a in parsed.attachments] == ["a.pdf"]


def test_truncated_base64_gives_what_was_received() -> None:
    assert parse_email(mails.truncated_base64()).text == "你好，我的訂"


def test_garbage_headers_and_nul_bytes_do_not_crash() -> None:
    parsed = parse_email(mails.garbage_headers())

    assert parsed.sender.address == "a@example.hk"
    assert "body with a NUL byte" in parsed.text


@pytest.mark.parametrize("raw", [b"", b"\x00\xff\xfe garbage", b"Content-Type: multipart/mixed\r\n\r\n--"])
def test_nonsense_input_gives_an_empty_result(raw: bytes) -> None:
    parsed = parse_email(raw)

    assert parsed.sender.address == "" and parsed.attachments == ()


NEW = "好的，明天下午三點前送到就可以。"

REPLIES = {
    "gmail_en": (
        "Yes, tomorrow is fine.\n\nOn Mon, 2 Nov 2026 at 10:00, Frontdesk <support@frontdesk.example> wrote:\n"
        "> When shall we deliver?\n"
    ),
    "gmail_zh_hant": f"{NEW}\n\nFrontdesk <help@fd.example> 於 2026年11月2日 週一 上午10:00寫道：\n> 請問幾時送貨？\n",
    "gmail_zh_hans": f"{NEW}\n\n在 2026年11月2日周一 上午10:00，Frontdesk <h@fd.hk> 写道：\n> 请问什么时候送货？\n",
    "outlook_en": (
        "Yes, tomorrow is fine.\n\n________________________________\nFrom: Frontdesk <support@frontdesk.example>\n"
        "Sent: Monday, November 2, 2026 10:00 AM\nTo: Chan <chan@example.hk>\nSubject: Order 1234\n\n"
        "When shall we deliver?\n"
    ),
    "outlook_zh_hant": (
        f"{NEW}\n\n寄件者: Frontdesk <support@frontdesk.example>\n寄件日期: 2026年11月2日 上午 10:00\n"
        "收件者: 陳大文 <chan@example.hk>\n主旨: 訂單 1234\n\n請問幾時送貨？\n"
    ),
    "outlook_zh_hans": (
        f"{NEW}\n\n发件人: Frontdesk <support@frontdesk.example>\n发送时间: 2026年11月2日 10:00\n"
        "收件人: 王伟 <w@example.cn>\n主题: 订单 1234\n\n请问什么时候送货？\n"
    ),
    "original_message": f"{NEW}\n\n-----Original Message-----\nFrom: support@frontdesk.example\n\nOld text\n",
    "original_zh_hant": f"{NEW}\n\n-----原始郵件-----\n寄件者: support@frontdesk.example\n\n舊內容\n",
    "original_zh_hans": f"{NEW}\n\n-----原始邮件-----\n发件人: support@frontdesk.example\n\n旧内容\n",
    "apple_mail": "Yes, tomorrow is fine.\n\nOn 2 Nov 2026, at 10:00, Frontdesk <help@fd.example> wrote:\n\n> When?\n",
    "quoted_lines": "Yes, tomorrow is fine.\n\n> When shall we deliver?\n> Frontdesk\n",
    "iphone_en": "Yes, tomorrow is fine.\n\nSent from my iPhone\n",
    "iphone_zh_hant": f"{NEW}\n\n從我的 iPhone 傳送\n",
    "iphone_zh_hans": f"{NEW}\n\n发自我的iPhone\n",
    "outlook_android": "Yes, tomorrow is fine.\n\nSent from Outlook for Android\n",
    "android_zh_hant": f"{NEW}\n\n寄自我的 Android\n",
    # RFC 3676's "-- " separator, with and without its space, above a signature of any shape.
    "signature_separator": "Yes, tomorrow is fine.\n\n-- \nChan Tai Man\nHarbour Trading Ltd\n",
    "signature_separator_no_space": f"{NEW}\n--\n陳大文\n從我的 iPhone 傳送\n",
}


@pytest.mark.parametrize("style", sorted(REPLIES))
def test_reply_text_is_only_the_new_part(style: str) -> None:
    body = REPLIES[style]
    parsed = parse_email(mails.reply_mail(body))

    expected = "Yes, tomorrow is fine." if body.startswith("Yes") else NEW
    assert parsed.reply_text == expected
    assert parsed.text == body


@pytest.mark.parametrize(
    "headers",
    [{"Auto-Submitted": "auto-replied"}, {"Precedence": "bulk"}, {"Precedence": "auto_reply"}, {"X-Autoreply": "yes"}],
)
def test_automatic_mail_is_marked(headers: dict[str, str]) -> None:
    assert parse_email(mails.text_mail("I am away", "utf-8", **headers)).auto_submitted


@pytest.mark.parametrize(
    "subject",
    ["自動回覆: 訂單 1234", "自动回复：订单", "不在辦公室", "休假通知", "Automatic reply: Order", "Out of Office"],
)
def test_out_of_office_subject_is_marked(subject: str) -> None:
    assert parse_email(mails.text_mail("away", "utf-8", subject=subject)).auto_submitted


def test_dsn_bounce_is_marked_as_bounce() -> None:
    parsed = parse_email(mails.dsn_bounce())

    assert parsed.bounce and parsed.auto_submitted
    assert parsed.text == "Your message could not be delivered."


def test_normal_mail_is_not_marked_automatic() -> None:
    parsed = parse_email(mails.text_mail("Where is my order?", "utf-8", **{"Auto-Submitted": "no"}))

    assert not parsed.auto_submitted and not parsed.bounce


def test_a_customer_asking_about_the_holidays_is_not_an_auto_reply() -> None:
    assert not parse_email(mails.text_mail("請問何時出貨？", "utf-8", subject="休假期間的訂單")).auto_submitted


def _write_mails(folder: Path) -> list[Path]:
    first = folder / "a.eml"
    first.write_bytes(mails.reply_mail(REPLIES["gmail_zh_hant"]))
    second = folder / "b.eml"
    second.write_bytes(mails.mail_with_image_and_attachment(b"%PDF-1.4 invoice"))
    return [first, second]


def test_command_prints_one_json_line_per_file(tmp_path: Path) -> None:
    out = StringIO()
    call_command("email_parse", *map(str, _write_mails(tmp_path)), stdout=out)

    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert first["from"] == {"name": "陳大文", "address": "chan@example.hk"}
    assert first["reply_text"] == NEW and first["date"] == "2026-11-02T10:00:00+08:00"
    assert first["auto_submitted"] is False
    assert second["attachments"] == [{"filename": "invoice.pdf", "content_type": "application/pdf", "size": 16}]


def test_command_reports_an_unreadable_file_and_still_prints_the_others(tmp_path: Path) -> None:
    out = StringIO()
    missing = str(tmp_path / "missing.eml")
    with pytest.raises(CommandError) as raised:
        call_command("email_parse", missing, str(_write_mails(tmp_path)[0]), stdout=out)

    assert raised.value.returncode == 1
    error, parsed = (json.loads(line) for line in out.getvalue().splitlines())
    assert error["file"] == missing and error["error"]
    assert parsed["reply_text"] == NEW


def test_console_script_prints_json_lines_and_exits_1_on_an_unreadable_file(tmp_path: Path) -> None:
    frontdesk = Path(sys.executable).parent / "frontdesk"
    files = [str(path) for path in _write_mails(tmp_path)]

    good = subprocess.run([frontdesk, "email-parse", *files], capture_output=True, text=True, check=False)
    missing = str(tmp_path / "nope.eml")
    bad = subprocess.run([frontdesk, "email-parse", files[0], missing], capture_output=True, text=True, check=False)

    assert good.returncode == 0, good.stderr
    assert [json.loads(line)["subject"] for line in good.stdout.splitlines()] == ["Re: Order 1234", "Order 1234"]
    parsed, error = (json.loads(line) for line in bad.stdout.splitlines())
    assert bad.returncode == 1
    assert parsed["reply_text"] == NEW and error["file"] == missing
