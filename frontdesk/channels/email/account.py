"""A mailbox channel's settings: where mail is read from and sent through.

``channel.config`` holds what may be shown (addresses, hosts, ports, security,
folder, signature); ``channel.secrets`` holds the IMAP and SMTP passwords and
the inbound-mail webhook's signing key. Everything else in the email package
reads a channel through :func:`mail_account`, never the dictionaries directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from frontdesk.channels.models import Channel

type Security = Literal["ssl", "starttls", "none"]

SECURITY_CHOICES: tuple[Security, ...] = ("ssl", "starttls", "none")


@dataclass(frozen=True)
class MailServer:
    host: str
    port: int
    username: str
    password: str
    security: Security

    @property
    def configured(self) -> bool:
        return bool(self.host)


@dataclass(frozen=True)
class MailAccount:
    # The address customers write to and see replies from (support@shop.example).
    address: str
    # The name replies are sent under ("Skyward Support"); the agent's own name is not exposed.
    from_name: str
    imap: MailServer
    # Folder read for new mail.
    folder: str
    smtp: MailServer
    # Plain-text signature appended to every reply.
    signature: str
    # Signs inbound-mail webhook deliveries (HMAC-SHA256); empty when the mailbox is read only by IMAP.
    webhook_signing_key: str

    @property
    def domain(self) -> str:
        """The domain our Message-IDs and reply addresses use."""
        return self.address.rpartition("@")[2] or "localhost"


def mail_account(channel: Channel) -> MailAccount:
    config: dict[str, Any] = channel.config or {}
    secrets: dict[str, Any] = channel.secrets or {}
    return MailAccount(
        address=str(config.get("address") or ""),
        from_name=str(config.get("from_name") or channel.name),
        imap=MailServer(
            host=str(config.get("imap_host") or ""),
            port=int(config.get("imap_port") or 993),
            username=str(config.get("imap_username") or config.get("address") or ""),
            password=str(secrets.get("imap_password") or ""),
            security=_security(config.get("imap_security"), "ssl"),
        ),
        folder=str(config.get("imap_folder") or "INBOX"),
        smtp=MailServer(
            host=str(config.get("smtp_host") or ""),
            port=int(config.get("smtp_port") or 587),
            username=str(config.get("smtp_username") or config.get("address") or ""),
            password=str(secrets.get("smtp_password") or ""),
            security=_security(config.get("smtp_security"), "starttls"),
        ),
        signature=str(config.get("signature") or ""),
        webhook_signing_key=str(secrets.get("webhook_signing_key") or ""),
    )


def _security(value: Any, default: Security) -> Security:
    for choice in SECURITY_CHOICES:
        if value == choice:
            return choice
    return default
