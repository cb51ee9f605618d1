"""Reading one inbound mail: headers, bodies, attachments and auto-reply marks.

``parse_email`` never raises on bad input: broken MIME, wrong charsets and
garbage headers give a best-effort ``ParsedEmail`` so the pipeline can still
store what the customer sent.
"""

from __future__ import annotations

import binascii
import email.policy
import html as html_escaping
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.header import decode_header
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime

import charset_normalizer
import nh3
from django.conf import settings

from frontdesk.channels.email.quotes import trim_reply


@dataclass(frozen=True)
class Mailbox:
    name: str
    address: str


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    size: int
    content: bytes | None
    too_large: bool = False
    content_id: str | None = None


@dataclass(frozen=True)
class ParsedEmail:
    sender: Mailbox
    to: tuple[str, ...]
    cc: tuple[str, ...]
    subject: str
    date: datetime | None
    message_id: str
    in_reply_to: str
    references: tuple[str, ...]
    text: str
    html: str
    reply_text: str
    attachments: tuple[Attachment, ...]
    inline_images: dict[str, Attachment] = field(default_factory=dict)
    auto_submitted: bool = False
    bounce: bool = False
    # The HTML body was too large or too deeply nested to sanitise in bounded time: ``html`` is empty.
    html_dropped: bool = False
    # Parts past MAX_PARTS, neither read nor listed.
    parts_skipped: int = 0


# Bounds that keep one hostile mail within about a second of CPU (RELIABILITY T-30).
# nh3 and the text extractor take time in proportion to the HTML's size and, for
# deep nesting, to its depth times its size; a body past these is replaced by
# the plain-text part or a rough text version.
MAX_HTML_CHARS = 600_000
MAX_HTML_DEPTH = 400
# Leaf parts read per mail; reading each one's headers costs about a millisecond.
MAX_PARTS = 200
# Text searched for quoted replies; the reply a customer types comes first.
MAX_TRIM_CHARS = 100_000


def parse_email(raw: bytes, *, max_attachment_bytes: int | None = None) -> ParsedEmail:
    """Parse one RFC 5322 message; oversized attachments are listed without content."""
    limit = settings.FRONTDESK_MAX_ATTACHMENT_BYTES if max_attachment_bytes is None else max_attachment_bytes
    message = email.message_from_bytes(raw, policy=email.policy.default)
    headers = _RawHeaders(message)
    bodies = _Bodies.collect(message, limit)
    html_dropped = bool(bodies.html) and html_too_costly(bodies.html)
    html = "" if html_dropped or not bodies.html else sanitise_html(bodies.html).strip()
    if bodies.text.strip():
        text = bodies.text
    elif html_dropped:
        text = rough_text(bodies.html)
    else:
        text = text_of_clean_html(html)
    subject = headers.text("Subject")
    bounce = _is_bounce(message)
    return ParsedEmail(
        sender=_first_mailbox(headers.text("From")),
        to=_addresses(headers.text("To")),
        cc=_addresses(headers.text("Cc")),
        subject=subject,
        date=_date(headers.text("Date")),
        message_id=_first_message_id(headers.text("Message-ID")),
        in_reply_to=_first_message_id(headers.text("In-Reply-To")),
        references=tuple(_message_ids(headers.text("References"))),
        text=text,
        html=html,
        reply_text=trim_reply(text[:MAX_TRIM_CHARS]),
        attachments=tuple(bodies.attachments),
        inline_images=bodies.inline_images,
        auto_submitted=bounce or _is_automatic(headers, subject),
        bounce=bounce,
        html_dropped=html_dropped,
        parts_skipped=bodies.skipped,
    )


# Labels senders put on text that is really in a superset: GB2312-labelled mail
# often holds GB18030-only characters, and Hong Kong Big5 mail holds HKSCS ones.
_CHARSET_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "big5": "big5hkscs",
    "x-big5": "big5hkscs",
    "cn-big5": "big5hkscs",
    "cp950": "big5hkscs",
}


def decode_text(payload: bytes, declared: str | None) -> str:
    """Decode text with its declared charset, or a guessed one when that is missing or wrong."""
    return _decode_any(payload, declared).replace("\r\n", "\n").replace("\x00", "")


def _decode_any(payload: bytes, declared: str | None) -> str:
    for codec in _codecs_to_try(declared):
        try:
            return payload.decode(codec)
        except UnicodeDecodeError as error:
            if error.start >= len(payload) - 3:
                # A body cut short mid-character (truncated transfer) is still in this charset.
                return payload[: error.start].decode(codec, errors="replace")
        except LookupError:
            continue
    guess = charset_normalizer.from_bytes(payload).best()
    if guess is not None:
        return str(guess)
    return payload.decode("utf-8", errors="replace")


def _codecs_to_try(declared: str | None) -> list[str]:
    if not declared:
        # Unlabelled mail is most often UTF-8; anything else is left to the guesser.
        return ["utf-8"]
    label = declared.strip().strip('"').lower()
    return [_CHARSET_SUPERSETS.get(label, label)]


class _RawHeaders:
    """Header values decoded by us from the raw text, so mislabelled RFC 2047 words still read."""

    def __init__(self, message: Message) -> None:
        self._values: dict[str, str] = {}
        for name, value in message.raw_items():
            self._values.setdefault(str(name).lower(), str(value))

    def text(self, name: str) -> str:
        raw = self._values.get(name.lower())
        return decode_header_value(raw) if raw is not None else ""

    def has(self, name: str) -> bool:
        return name.lower() in self._values


def decode_header_value(raw: str) -> str:
    """Decode a raw header value: RFC 2047 words and raw 8-bit bytes, in any charset."""
    unfolded = re.sub(r"\r?\n[ \t]+", " ", raw).replace("\x00", "")
    try:
        chunks = decode_header(unfolded)
    except (ValueError, binascii.Error, AssertionError):
        chunks = [(unfolded, None)]
    return "".join(_header_chunk(chunk, charset) for chunk, charset in chunks).strip()


def _header_chunk(chunk: bytes | str, charset: str | None) -> str:
    if isinstance(chunk, str):
        # Raw 8-bit header bytes arrive as surrogate escapes; decode them as text.
        return decode_text(chunk.encode("utf-8", "surrogateescape"), None)
    return decode_text(chunk, charset)


def _addresses(value: str) -> tuple[str, ...]:
    return tuple(mailbox.address for mailbox in _mailboxes(value))


def _first_mailbox(value: str) -> Mailbox:
    mailboxes = _mailboxes(value)
    return mailboxes[0] if mailboxes else Mailbox(name="", address="")


def _mailboxes(value: str) -> list[Mailbox]:
    if not value:
        return []
    pairs = getaddresses([value])
    return [Mailbox(name=name.strip(), address=address.strip()) for name, address in pairs if "@" in address]


def _date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    # "-0000" means "zone unknown"; UTC is the honest reading for ordering mail.
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


_MESSAGE_ID = re.compile(r"<[^<>\s]+>")


def _message_ids(value: str) -> list[str]:
    return _MESSAGE_ID.findall(value)


def _first_message_id(value: str) -> str:
    ids = _message_ids(value)
    return ids[0] if ids else value.strip()


@dataclass
class _Bodies:
    text: str = ""
    html: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    inline_images: dict[str, Attachment] = field(default_factory=dict)
    skipped: int = 0

    @classmethod
    def collect(cls, message: Message, limit: int) -> _Bodies:
        bodies = cls()
        for number, part in enumerate(_leaf_parts(message)):
            if number < MAX_PARTS:
                bodies.add(part, limit)
            else:
                bodies.skipped += 1
        return bodies

    def add(self, part: Message, limit: int) -> None:
        content_type = _content_type(part)
        if content_type.startswith("multipart/"):
            # A multipart whose boundary is missing could not be split: its raw text is all we have.
            content_type = "text/plain"
        disposition = _safe(part.get_content_disposition, None)
        if disposition != "attachment" and content_type == "text/plain" and not self.text:
            self.text = decode_text(_payload(part), _safe(part.get_content_charset, None))
        elif disposition != "attachment" and content_type == "text/html" and not self.html:
            self.html = decode_text(_payload(part), _safe(part.get_content_charset, None))
        else:
            self._add_attachment(part, content_type, disposition, limit)

    def _add_attachment(self, part: Message, content_type: str, disposition: str | None, limit: int) -> None:
        payload = _payload(part)
        content_id = _content_id(part)
        attachment = Attachment(
            filename=_filename(part),
            content_type=content_type,
            size=len(payload),
            content=payload if len(payload) <= limit else None,
            too_large=len(payload) > limit,
            content_id=content_id,
        )
        if content_id and disposition != "attachment" and content_type.startswith("image/"):
            self.inline_images[content_id] = attachment
        else:
            self.attachments.append(attachment)


def _leaf_parts(part: Message) -> Iterator[Message]:
    # An attached message (message/rfc822, a DSN's delivery-status) is one attachment,
    # not more bodies: its text must not be taken for the customer's.
    payload = part.get_payload()
    if part.is_multipart() and isinstance(payload, list) and _content_type(part).startswith("multipart/"):
        for child in payload:
            if isinstance(child, Message):
                yield from _leaf_parts(child)
    else:
        yield part


def _payload(part: Message) -> bytes:
    if part.is_multipart():
        children = part.get_payload()
        return b"".join(_safe(child.as_bytes, b"") for child in children if isinstance(child, Message))
    if str(part.get("Content-Transfer-Encoding", "")).strip().lower() == "base64":
        return _base64_prefix(str(part.get_payload()))
    decoded = _safe(lambda: part.get_payload(decode=True), None)
    if isinstance(decoded, bytes):
        return decoded
    raw = part.get_payload()
    return raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""


def _base64_prefix(encoded: str) -> bytes:
    # A truncated attachment or body still yields every complete 4-character group.
    compact = re.sub(r"[^A-Za-z0-9+/=]", "", encoded)
    try:
        return binascii.a2b_base64(compact[: len(compact) - len(compact) % 4])
    except binascii.Error:
        return b""


def _content_type(part: Message) -> str:
    return str(_safe(part.get_content_type, "application/octet-stream"))


def _content_id(part: Message) -> str | None:
    raw = part.get("Content-ID")
    return str(raw).strip().strip("<>").strip() or None if raw else None


def _filename(part: Message) -> str:
    name = _safe(part.get_filename, None)
    return decode_header_value(str(name)) if name else ""


def _safe[T](read: Callable[[], T], default: T) -> T:
    # The email package raises from deep inside on some malformed headers;
    # a part we cannot read fully is still better than no mail at all.
    try:
        return read()
    except (ValueError, TypeError, LookupError, AttributeError, binascii.Error, UnicodeError):
        return default


_AUTOMATIC_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
_OUT_OF_OFFICE = re.compile(
    # "休假" alone would also match a customer asking about orders during a holiday ("休假期間的訂單").
    r"automatic reply|auto(?:matic)?[- ]?reply|out of (?:the )?office|自動回覆|自动回复|不在辦公室|不在办公室"
    r"|休假通知|休假中|正在休假",
    re.IGNORECASE,
)


def _is_automatic(headers: _RawHeaders, subject: str) -> bool:
    auto_submitted = headers.text("Auto-Submitted").lower()
    if auto_submitted and auto_submitted != "no":
        return True
    if headers.text("Precedence").lower() in _AUTOMATIC_PRECEDENCE:
        return True
    if headers.has("X-Autoreply") or headers.has("X-Autorespond"):
        return True
    return bool(_OUT_OF_OFFICE.search(subject))


def _is_bounce(message: Message) -> bool:
    if _content_type(message) != "multipart/report":
        return False
    return str(message.get_param("report-type", "")).lower() == "delivery-status"


_ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "div", "em", "font", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "s", "small", "span", "strong",
    "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align"},
    "font": {"color"},
}
# cid: stays so the inbox can point inline images at the stored attachment.
_ALLOWED_SCHEMES = {"http", "https", "mailto", "tel", "cid"}


def sanitise_html(html: str) -> str:
    """HTML safe to show an agent: formatting kept, scripts, styles, handlers and javascript: dropped."""
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        clean_content_tags={"script", "style", "title"},
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes=_ALLOWED_SCHEMES,
    )


_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)[^<>]*?(/?)>")
# Elements that hold no children, or that the next sibling closes (so senders rarely close them).
_NOT_NESTING = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track",
    "wbr", "p", "li", "dt", "dd", "td", "th", "tr", "option",
}  # fmt: skip


def html_too_costly(html: str) -> bool:
    """Whether sanitising ``html`` could take more than bounded time: too long, or nested too deeply."""
    if len(html) > MAX_HTML_CHARS:
        return True
    depth = 0
    for match in _TAG.finditer(html):
        closing, name, self_closing = match.groups()
        if closing:
            depth = max(0, depth - 1)
        elif not self_closing and name.lower() not in _NOT_NESTING:
            depth += 1
            if depth > MAX_HTML_DEPTH:
                return True
    return False


def rough_text(html: str) -> str:
    """A fast, plain version of HTML too costly to read properly: tags dropped, entities decoded.

    One linear pass: no pattern here may search ahead for a closing tag, which
    a hostile body would make quadratic.
    """
    text = _ANY_TAG.sub(" ", html[: 4 * MAX_HTML_CHARS])
    lines = (" ".join(line.split()) for line in html_escaping.unescape(text).splitlines())
    return "\n".join(line for line in lines if line)[:MAX_HTML_CHARS]


_ANY_TAG = re.compile(r"<[^<>]*>")


_BLOCK_TAG = re.compile(r"</?(?:br|p|div|tr|li|h[1-6]|blockquote|table|hr)\b[^<>]*>", re.IGNORECASE)


def html_to_text(html: str) -> str:
    """Plain text of an HTML body: block elements become line breaks, scripts and styles vanish."""
    return text_of_clean_html(sanitise_html(html))


def text_of_clean_html(clean: str) -> str:
    """Plain text of HTML that ``sanitise_html`` wrote: well-formed, so a few linear passes read it."""
    text = _BLOCK_TAG.sub("\n", re.sub(r"\s+", " ", clean))
    text = html_escaping.unescape(_ANY_TAG.sub("", text))
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
