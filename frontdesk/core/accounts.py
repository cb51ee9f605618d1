from __future__ import annotations

from urllib.parse import quote

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.http import HttpRequest
from django.utils import translation

from frontdesk.core.crypto import decrypt_json, encrypt_json
from frontdesk.core.middleware import SUPPORTED_LANGUAGES
from frontdesk.core.models import User


class AccountAdapter(DefaultAccountAdapter):
    """Members join by invitation; nobody signs up on their own."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def get_reset_password_from_key_url(self, key: str) -> str:
        # Links in emails are built from the configured public URL, never from
        # the request's Host header.
        from django.urls import reverse

        path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
        path = path.replace("UID-KEY", quote(key))
        return settings.PUBLIC_URL + path


class MFAAdapter(DefaultMFAAdapter):
    """Two-factor secrets (TOTP keys) are stored encrypted, like channel credentials."""

    def encrypt(self, text: str) -> str:
        return encrypt_json(text)

    def decrypt(self, encrypted_text: str) -> str:
        return str(decrypt_json(encrypted_text))


def use_members_language_from_sign_in(sender: object, request: HttpRequest, user: User, **kwargs: object) -> None:
    """The 'signed in' notice and everything after it speak the member's own language."""
    if user.language in SUPPORTED_LANGUAGES:
        translation.activate(user.language)
        request.LANGUAGE_CODE = user.language
