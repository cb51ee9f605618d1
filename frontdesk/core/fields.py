from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

from frontdesk.core.crypto import decrypt_json, encrypt_json

if TYPE_CHECKING:
    _EncryptedBase = models.TextField[dict[str, Any], dict[str, Any]]
else:
    _EncryptedBase = models.TextField


class EncryptedJSONField(_EncryptedBase):
    """A JSON object stored encrypted (Fernet); the database only ever sees ciphertext."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return {}
        return decrypt_json(value)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, dict):
            return value
        if value is None or value == "":
            return {}
        return decrypt_json(value)

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            value = {}
        return encrypt_json(value)

    def value_to_string(self, obj: Any) -> str:
        # Serialisation (dumpdata) never writes secrets in the clear.
        return str(self.get_prep_value(self.value_from_object(obj)))
