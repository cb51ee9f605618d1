"""Building an agent's reply as a mail that threads on both sides.

A reply carries a fresh ``Message-ID``, ``In-Reply-To`` and ``References`` so
Gmail, Outlook and Apple Mail put it in the customer's thread, a subject with
one "Re: ", the agent's signature, and UTF-8 text encoded for any SMTP server.
It never carries ``Auto-Submitted``: a human wrote it, and the customer's
auto-responder may answer it.
"""

from __future__ import annotations

import html as html_escaping
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email import headerregistry
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.policy import EmailPolicy
from email.utils import format_datetime
from typing import Any

from frontdesk.channels.email.parsing import sanitise_html

# Threading needs the first message (the root) and the recent ones; twenty ids
# keep References under about 1.5 kB however long the conversation.
MAX_REFERENCES = 20

# "Re:", "RE:", "Re[2]:" and the Chinese forms, with an ASCII or a full-width colon.
_REPLY_PREFIX = re.compile(r"^\s*(?:re(?:\[\d+\])?|回覆|回复|答复|答覆)\s*[:：]", re.IGNORECASE)
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class _MessageIdListHeader(headerregistry.UnstructuredHeader, headerregistry.BaseHeader):
    """``In-Reply-To`` / ``References``: one id per line, never RFC 2047 encoded.

    The stock unstructured header turns an id longer than a line into an
    encoded word, and no client can thread on ``=?utf-8?q?=3C...?=``.
    """

    def fold(self, *, policy: Any) -> str:
        separator = str(policy.linesep) + " "
        return f"{self.name}: {separator.join(str(self).split())}{policy.linesep}"


def _reply_policy() -> EmailPolicy[EmailMessage]:
    registry = headerregistry.HeaderRegistry()
    registry.map_to_type("in-reply-to", _MessageIdListHeader)
    registry.map_to_type("references", _MessageIdListHeader)
    # cte_type 7bit: bodies go out as quoted-printable or base64, so a server
    # without 8BITMIME passes the Chinese text unharmed.
    policy: EmailPolicy[EmailMessage] = SMTP_POLICY.clone(header_factory=registry, cte_type="7bit")
    return policy


REPLY_POLICY = _reply_policy()


@dataclass(frozen=True)
class OutgoingAttachment:
    filename: str
    content_type: str
    content: bytes


def compose_reply(
    *,
    from_address: str,
    from_name: str,
    to: str | Sequence[str],
    subject: str,
    text: str,
    html: str = "",
    in_reply_to: str = "",
    references: Iterable[str] = (),
    signature: str = "",
    attachments: Iterable[OutgoingAttachment] = (),
    domain: str,
) -> EmailMessage:
    """The agent's reply, ready for :func:`frontdesk.channels.email.smtp.send`.

    ``in_reply_to`` and ``references`` are those of the customer's mail being
    answered (its ``Message-ID`` and its ``References``). ``html``, when given,
    is sanitised and sent beside ``text`` as multipart/alternative.
    """
    message = EmailMessage(policy=REPLY_POLICY)
    message["Message-ID"] = new_message_id(domain)
    message["Date"] = format_datetime(datetime.now(UTC))
    message["From"] = headerregistry.Address(display_name=from_name, addr_spec=from_address)
    message["To"] = [to] if isinstance(to, str) else list(to)
    message["Subject"] = reply_subject(subject)
    replied_to = _first_message_id(in_reply_to)
    if replied_to:
        message["In-Reply-To"] = replied_to
    chain = reference_chain(references, replied_to)
    if chain:
        message["References"] = " ".join(chain)

    message.set_content(_with_text_signature(text, signature))
    if html:
        message.add_alternative(_with_html_signature(sanitise_html(html), signature), subtype="html")
    for attachment in attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        if not subtype:
            maintype, subtype = "application", "octet-stream"
        message.add_attachment(attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename)
    return message


def new_message_id(domain: str) -> str:
    """A globally unique ``<id@domain>``; random, so it says nothing about the host or process."""
    return f"<{uuid.uuid4().hex}@{domain}>"


def reply_subject(subject: str) -> str:
    """``subject`` with one "Re: " in front, unless it already reads as a reply in English or Chinese."""
    subject = " ".join(subject.split())
    if _REPLY_PREFIX.match(subject):
        return subject
    return f"Re: {subject}".rstrip()


def reference_chain(references: Iterable[str], replied_to: str) -> list[str]:
    """``References`` for a reply: the earlier chain plus the mail answered, each id once.

    Past :data:`MAX_REFERENCES` the root is kept with the most recent ids, since
    some clients thread on the first id and others on the last.
    """
    chain: list[str] = []
    for value in [*references, replied_to]:
        for message_id in _MESSAGE_ID.findall(value):
            if message_id in chain:
                chain.remove(message_id)
            chain.append(message_id)
    if len(chain) > MAX_REFERENCES:
        chain = [chain[0], *chain[-(MAX_REFERENCES - 1) :]]
    return chain


def reply_token_address(base_address: str, token: str) -> str:
    """``support+<token>@domain``: a reply address that names the conversation, for mail that lost its headers."""
    if not _TOKEN.match(token):
        raise ValueError("a reply token is 1-64 letters, digits, '-' or '_'")
    local, at, domain = base_address.rpartition("@")
    if not at or not local:
        raise ValueError(f"not an address: {base_address!r}")
    mailbox = local.split("+", 1)[0]
    return f"{mailbox}+{token}@{domain}"


def _first_message_id(value: str) -> str:
    found = _MESSAGE_ID.search(value)
    return found.group(0) if found else ""


def _with_text_signature(text: str, signature: str) -> str:
    body = text.rstrip("\n") + "\n"
    if signature.strip():
        # "-- " with its trailing space is the delimiter mail clients recognise and fold away.
        body += "\n-- \n" + signature.strip("\n") + "\n"
    return body


def _with_html_signature(html: str, signature: str) -> str:
    if not signature.strip():
        return html
    lines = "<br>".join(html_escaping.escape(line) for line in signature.strip("\n").splitlines())
    return f'{html}\n<div class="signature">-- <br>{lines}</div>\n'
