"""Reply trimming: the new part of a reply, without quoted mail or mobile signatures.

mail-parser-reply covers English clients and mainland Outlook headers; the
patterns here add what it lacks for Hong Kong and Taiwan clients and for
Gmail in Chinese, whose "写道" header its own pattern never matches.
"""

from __future__ import annotations

import re

from mailparser_reply import EmailReplyParser

_DATE_ZH = r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日"

# Each pattern matches the first line of what the client appended below the reply.
_QUOTE_HEADERS = [
    # Gmail zh-TW "…於 2026年11月2日 週一 上午10:00寫道", zh-CN "在 2026年11月2日…写道" (full-width colon)
    # (Gmail wraps long header lines, so the verb may sit on the next line).
    rf"^[^\n]*{_DATE_ZH}[^\n]*(?:\n[^\n]*)?(?:寫道|写道)\s*[:：]\s*$",
    # Gmail and Apple Mail in English, possibly wrapped the same way.
    r"^On\s[^\n]{1,200}(?:\n[^\n]{1,200})?\swrote:\s*$",
    r"^-{3,}\s*(?:Original Message|原始郵件|原始邮件|原始訊息)\s*-{3,}\s*$",
    r"^_{10,}\s*$",
    # Outlook's header block: a sender line followed within a few lines by a date line.
    r"^\*?(?:From|寄件者|发件人|發件人)\s*\*?\s*[:：][^\n]*"
    r"(?:\n[^\n]*){0,3}?\n\*?(?:Sent|Date|寄件日期|发送时间|發送時間|日期|时间)\s*\*?\s*[:：]",
]
_QUOTE_HEADER = re.compile("|".join(f"(?:{p})" for p in _QUOTE_HEADERS), re.MULTILINE | re.IGNORECASE)

_MOBILE_SIGNATURE = re.compile(
    r"^\s*(?:Sent from my\s.+|Sent from Outlook for\s.+|Get Outlook for\s.+"
    r"|從我的\s*.+?(?:傳送|發送)|从我的\s*.+?发送|发自我的\s*.+|寄自我的\s*.+)\s*$",
    re.MULTILINE | re.IGNORECASE,
)

# RFC 3676's signature separator, "-- " on a line of its own (clients often drop the space):
# everything below it is the sender's signature, whatever language it is in.
_SIGNATURE_SEPARATOR = re.compile(r"^-- ?$", re.MULTILINE)

_LIBRARY_PARSER = EmailReplyParser(languages=["en", "zh"])


def trim_reply(text: str) -> str:
    """Return the new part of a reply: quoted mail, ">" lines, signatures and mobile signatures removed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _cut_at(_QUOTE_HEADER, text)
    text = _without_quoted_lines(text)
    text = _cut_at(_SIGNATURE_SEPARATOR, text)
    text = _cut_at(_MOBILE_SIGNATURE, text)
    return _library_trim(text).strip()


def _cut_at(pattern: re.Pattern[str], text: str) -> str:
    match = pattern.search(text)
    return text[: match.start()] if match else text


def _without_quoted_lines(text: str) -> str:
    # Quoted lines are dropped rather than cut at, so answers written between them survive.
    return "\n".join(line for line in text.split("\n") if not line.lstrip().startswith(">"))


def _library_trim(text: str) -> str:
    # The library strips English sign-offs and headers our patterns do not know;
    # if it ever trims everything, the text we already trimmed is the better answer.
    trimmed = _LIBRARY_PARSER.parse_reply(text)
    return trimmed if trimmed and trimmed.strip() else text
