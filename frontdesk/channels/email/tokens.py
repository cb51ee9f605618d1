"""Reply tokens: a conversation named in a reply address or subject, proven with an HMAC (RELIABILITY T-34).

Every reply we send carries ``Reply-To: support+<token>@domain`` and, for
clients that drop the plus address, nothing else; a customer may also quote
``[#<token>]`` in a subject. A token is ``<conversation id>-<mac>``, where the
MAC is HMAC-SHA256 over (workspace, conversation, the customer's address) with
a key derived from ``FRONTDESK_SECRET_KEY``, cut to 20 hex digits (80 bits).
A token threads a mail only when it was made for that workspace, that
conversation and the mail's sender: a token read in someone else's mail, made
up, or taken from another tenant names nothing. Tokens made with a key in
``FRONTDESK_SECRET_KEY_FALLBACKS`` still verify, so rotating the key does not
break threads.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from functools import cache

from django.conf import settings

MAC_LENGTH = 20
_TOKEN = re.compile(rf"^(?P<conversation>[1-9][0-9]{{0,18}})-(?P<mac>[0-9a-f]{{{MAC_LENGTH}}})$")
_SUBJECT_TOKEN = re.compile(rf"\[#([0-9]{{1,19}}-[0-9a-fA-F]{{{MAC_LENGTH}}})\]")
_KEY_PURPOSE = b"frontdesk email reply token v1"


@cache
def _key(secret_key: str) -> bytes:
    return hmac.new(secret_key.encode(), _KEY_PURPOSE, hashlib.sha256).digest()


def _keys() -> list[bytes]:
    return [_key(secret) for secret in (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS) if secret]


def _mac(key: bytes, workspace_id: int, conversation_id: int, address: str) -> str:
    message = f"{workspace_id}\x00{conversation_id}\x00{address.strip().lower()}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:MAC_LENGTH]


def make_token(workspace_id: int, conversation_id: int, address: str) -> str:
    """The token for replies to ``conversation_id`` sent to ``address``."""
    return f"{conversation_id}-{_mac(_keys()[0], workspace_id, conversation_id, address)}"


def verified_conversation(token: str, workspace_id: int, address: str) -> int | None:
    """The conversation id ``token`` names, if it was made for this workspace and sender; else ``None``."""
    match = _TOKEN.match(token.strip().lower())
    if match is None:
        return None
    conversation_id = int(match["conversation"])
    given = match["mac"].encode()
    # Every key is tried, whatever the outcome, so the time taken says nothing about which key matched.
    valid = [hmac.compare_digest(_mac(key, workspace_id, conversation_id, address).encode(), given) for key in _keys()]
    return conversation_id if any(valid) else None


def subject_token(subject: str) -> str:
    """The ``[#<token>]`` a subject quotes, or ``""``."""
    found = _SUBJECT_TOKEN.search(subject)
    return found.group(1).lower() if found else ""


def address_tokens(addresses: Iterable[str], base_address: str) -> list[str]:
    """Tokens in plus addresses of our mailbox (``support+<token>@domain``) among ``addresses``."""
    local, _, domain = base_address.strip().lower().rpartition("@")
    mailbox = local.split("+", 1)[0]
    if not mailbox or not domain:
        return []
    tokens = []
    for address in addresses:
        their_local, _, their_domain = address.strip().lower().rpartition("@")
        name, plus, token = their_local.partition("+")
        if plus and name == mailbox and their_domain == domain and token:
            tokens.append(token)
    return tokens


def find_conversation(
    *, workspace_id: int, sender: str, base_address: str, recipients: Iterable[str], subject: str
) -> int | None:
    """The conversation a verified token in the recipients or the subject names, else ``None``."""
    candidates = address_tokens(recipients, base_address)
    quoted = subject_token(subject)
    if quoted:
        candidates.append(quoted)
    for token in candidates:
        conversation_id = verified_conversation(token, workspace_id, sender)
        if conversation_id is not None:
            return conversation_id
    return None
