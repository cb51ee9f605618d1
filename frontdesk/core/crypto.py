"""Encryption at rest for secrets (channel credentials), keyed from FRONTDESK_SECRET_KEY.

Each secret key is stretched with HKDF into a Fernet key; the current key
encrypts and every key in FRONTDESK_SECRET_KEY_FALLBACKS can still decrypt,
so the secret key can be rotated without losing stored credentials.
"""

from __future__ import annotations

import base64
import json
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


class SecretDecryptionError(Exception):
    """Stored ciphertext could not be decrypted with any configured key."""


def _fernet_for(secret_key: str) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"frontdesk-secrets", info=b"fernet-v1").derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(derived))


@cache
def _keyring(secret_key: str, fallbacks: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([_fernet_for(key) for key in (secret_key, *fallbacks)])


def keyring() -> MultiFernet:
    return _keyring(settings.SECRET_KEY, tuple(settings.SECRET_KEY_FALLBACKS))


def encrypt_json(value: Any) -> str:
    return keyring().encrypt(json.dumps(value, separators=(",", ":")).encode()).decode()


def decrypt_json(token: str) -> Any:
    try:
        return json.loads(keyring().decrypt(token.encode()))
    except InvalidToken as error:
        raise SecretDecryptionError("stored secret cannot be decrypted with the configured keys") from error
