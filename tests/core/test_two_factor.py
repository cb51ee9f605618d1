from __future__ import annotations

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.test import Client
from django.utils import timezone

from frontdesk.core.models import Member
from tests.factories import PASSWORD


def current_code(secret: str) -> str:
    return str(format_hotp_value(hotp_value(secret, int(timezone.now().timestamp()) // 30)))


def test_member_with_two_factor_needs_a_code_to_sign_in(client: Client, agent: Member) -> None:
    secret = generate_totp_secret()
    TOTP.activate(agent.user, secret)
    stored = Authenticator.objects.get(user=agent.user).data["secret"]
    assert secret not in stored, "the TOTP key is stored encrypted"

    response = client.post("/accounts/login/", {"login": agent.user.email, "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/accounts/2fa/authenticate/"
    assert client.get("/inbox/").status_code == 302, "a password alone does not sign in"

    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000" if current_code(secret) != "000000" else "1"})
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session
    right = client.post("/accounts/2fa/authenticate/", {"code": current_code(secret)})
    assert right.status_code == 302
    assert client.get("/inbox/").status_code == 200


def test_two_factor_settings_page_is_reachable_from_the_profile(client: Client, agent: Member) -> None:
    client.force_login(agent.user)
    assert "/accounts/2fa/" in client.get("/settings/profile/").content.decode()
    assert client.get("/accounts/2fa/").status_code == 200


def test_forms_refuse_posts_without_a_csrf_token(agent: Member) -> None:
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(agent.user)
    assert strict.post("/settings/tokens/", {"name": "x"}).status_code == 403
    assert strict.post("/accounts/login/", {"login": agent.user.email, "password": PASSWORD}).status_code == 403
