"""Connecting a mailbox: the address customers write to, its IMAP server (reading) and SMTP server (replies).

Mail can also reach the channel without IMAP, through ``frontdesk mail-relay``
or the inbound-mail webhook signed with the generated signing key
(docs/channels/email.md). "Test connection" logs in to both servers: IMAP
selects the folder and counts its mails, SMTP says EHLO and logs in; nothing
is sent and nothing is marked read.
"""

from __future__ import annotations

import secrets
import smtplib
import ssl
from typing import Any

from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext_lazy as _

from frontdesk.channels.connect import ConnectionTestFailed, Connector, CredentialField
from frontdesk.channels.email.account import MailServer, mail_account
from frontdesk.channels.email.imap import MailboxError, connect
from frontdesk.channels.email.smtp import session
from frontdesk.channels.models import Channel, ChannelKind
from frontdesk.core.http_client import HttpClient, HttpClientError
from frontdesk.core.models import Workspace

SMTP_TIMEOUT = 20.0

SECURITY = (
    ("ssl", gettext_lazy("TLS (SSL)")),
    ("starttls", gettext_lazy("STARTTLS")),
    ("none", gettext_lazy("None (allowlisted private hosts only)")),
)


def new_webhook_signing_key() -> str:
    return secrets.token_urlsafe(32)


def create_email_channel(
    workspace: Workspace,
    name: str,
    address: str,
    *,
    imap_host: str = "",
    imap_port: int = 993,
    imap_security: str = "ssl",
    imap_username: str = "",
    imap_password: str = "",
    imap_folder: str = "INBOX",
    smtp_host: str = "",
    smtp_port: int = 587,
    smtp_security: str = "starttls",
    smtp_username: str = "",
    smtp_password: str = "",
    from_name: str = "",
    signature: str = "",
    webhook_signing_key: str | None = None,
) -> Channel:
    """A new email channel with the settings and secrets ``mail_account`` reads (for tests, the demo and scripts)."""
    config: dict[str, Any] = {
        "address": address,
        "imap_port": imap_port,
        "imap_security": imap_security,
        "imap_folder": imap_folder,
        "smtp_port": smtp_port,
        "smtp_security": smtp_security,
    }
    optional = {
        "from_name": from_name,
        "imap_host": imap_host,
        "imap_username": imap_username,
        "smtp_host": smtp_host,
        "smtp_username": smtp_username,
        "signature": signature,
    }
    config.update({key: value for key, value in optional.items() if value})
    channel_secrets = {
        "imap_password": imap_password,
        "smtp_password": smtp_password,
        "webhook_signing_key": new_webhook_signing_key() if webhook_signing_key is None else webhook_signing_key,
    }
    return Channel.all_workspaces.create(
        workspace=workspace,
        kind=ChannelKind.EMAIL,
        name=name,
        config=config,
        secrets={key: value for key, value in channel_secrets.items() if value},
    )


def test_connection(
    channel: Channel, client: HttpClient | None = None, *, ssl_context: ssl.SSLContext | None = None
) -> str:
    """Log in to both servers: "IMAP: 12 messages in INBOX · SMTP: login ok", or ``ConnectionTestFailed``."""
    try:
        account = mail_account(channel)
    except ValueError:
        raise ConnectionTestFailed(gettext("The IMAP and SMTP ports must be numbers, such as 993 and 587.")) from None
    if not account.address or "@" not in account.address:
        raise ConnectionTestFailed(gettext("Give the mailbox's email address, such as support@shop.example."))
    if not account.imap.configured and not account.smtp.configured:
        raise ConnectionTestFailed(gettext("Give an IMAP server to read mail from or an SMTP server to reply by."))
    parts = []
    if account.imap.configured:
        parts.append(_imap_check(account.imap, account.folder, ssl_context))
    if account.smtp.configured:
        parts.append(_smtp_check(account.smtp, ssl_context))
    return " · ".join(parts)


def _imap_check(server: MailServer, folder: str, ssl_context: ssl.SSLContext | None) -> str:
    try:
        with connect(server, ssl_context=ssl_context) as client:
            status = client.select_folder(folder, readonly=True)
    except MailboxError as error:
        raise ConnectionTestFailed(error.reason) from None
    except Exception as error:
        raise ConnectionTestFailed(f"IMAP: {error}") from None
    count = int(status.get(b"EXISTS") or 0)
    return gettext("IMAP: %(count)s messages in %(folder)s") % {"count": count, "folder": folder}


def _smtp_check(server: MailServer, ssl_context: ssl.SSLContext | None) -> str:
    """EHLO and login, the way replies are sent (smtp.py), without sending anything."""
    try:
        # Logged in only when a password is set: without one, seeing the server answer is the test.
        with session(
            host=server.host,
            port=server.port,
            username=server.username if server.password else "",
            password=server.password,
            security=server.security,
            timeout=SMTP_TIMEOUT,
            ssl_context=ssl_context,
        ):
            if server.username and server.password:
                return gettext("SMTP: login ok")
    except (OSError, smtplib.SMTPException, HttpClientError) as error:
        reason = _smtp_reason(error, server)
        if server.password and server.password in reason:
            reason = reason.replace(server.password, "***")
        raise ConnectionTestFailed(reason) from None
    return gettext("SMTP: connected (no login set)")


def _smtp_reason(error: Exception, server: MailServer) -> str:
    where = f"{server.host}:{server.port}"
    match error:
        case smtplib.SMTPAuthenticationError():
            words = error.smtp_error
            text = words.decode("utf-8", "replace") if isinstance(words, bytes) else str(words)
            return f"The SMTP server refused the login: {error.smtp_code} {' '.join(text.split())}"
        case smtplib.SMTPNotSupportedError():
            return f"SMTP server {where}: {error}"
        case ssl.SSLCertVerificationError():
            return f"The SMTP server's certificate is not trusted: {error.verify_message}"
        case ssl.SSLError():
            return f"TLS with the SMTP server failed: {error.reason or error}"
        case HttpClientError():
            return f"SMTP server refused or unreachable: {error}"
        case ConnectionRefusedError():
            return f"SMTP server {where} refused the connection."
        case TimeoutError():
            return f"SMTP server {where} did not answer in time."
        case OSError():
            return f"SMTP server {where} unreachable: {error.strerror or error}"
    return f"SMTP: {error}"


CONNECTOR = Connector(
    kind=ChannelKind.EMAIL,
    fields=(
        CredentialField(
            "address",
            _("Email address"),
            secret=False,
            help_text=_("The address customers write to, such as support@shop.example."),
        ),
        CredentialField(
            "from_name",
            _("Sender name"),
            secret=False,
            required=False,
            help_text=_("The name replies are sent under; the channel's name when left blank."),
        ),
        CredentialField(
            "imap_host",
            _("IMAP server"),
            secret=False,
            required=False,
            help_text=_("Where mail is read from, such as imap.gmail.com. Blank when mail comes by relay or webhook."),
        ),
        CredentialField("imap_port", _("IMAP port"), secret=False, required=False, default="993"),
        CredentialField(
            "imap_security", _("IMAP security"), secret=False, required=False, default="ssl", choices=SECURITY
        ),
        CredentialField(
            "imap_username",
            _("IMAP username"),
            secret=False,
            required=False,
            help_text=_("Usually the email address; the address is used when left blank."),
        ),
        CredentialField(
            "imap_password",
            _("IMAP password"),
            required=False,
            help_text=_("For Gmail and Outlook, an app password (see the documentation), not the account's password."),
        ),
        CredentialField("imap_folder", _("IMAP folder"), secret=False, required=False, default="INBOX"),
        CredentialField(
            "smtp_host",
            _("SMTP server"),
            secret=False,
            required=False,
            help_text=_("Where replies are sent through, such as smtp.gmail.com."),
        ),
        CredentialField("smtp_port", _("SMTP port"), secret=False, required=False, default="587"),
        CredentialField(
            "smtp_security", _("SMTP security"), secret=False, required=False, default="starttls", choices=SECURITY
        ),
        CredentialField(
            "smtp_username",
            _("SMTP username"),
            secret=False,
            required=False,
            help_text=_("Usually the email address; the address is used when left blank."),
        ),
        CredentialField("smtp_password", _("SMTP password"), required=False),
        CredentialField(
            "signature",
            _("Signature"),
            secret=False,
            required=False,
            help_text=_("Plain text added below every reply."),
        ),
        CredentialField(
            "webhook_signing_key",
            _("Webhook signing key"),
            generate=new_webhook_signing_key,
            reveal=True,
            help_text=_("Signs mail posted to the webhook URL (a Mailgun route's signing key, or your own script's)."),
        ),
    ),
    test_connection=test_connection,
    docs_page="email",
    notes=(
        _(
            "Mail is read from the IMAP folder within seconds where the server supports IDLE, every minute otherwise. "
            "Mail can also be posted to the webhook URL (Mailgun routes) or handed to frontdesk mail-relay."
        ),
    ),
)
