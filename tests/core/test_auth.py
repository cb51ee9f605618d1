from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from frontdesk.core.models import Member, User
from tests.factories import PASSWORD, make_member, make_user


def test_login_page_is_served_with_security_headers(client: Client, db: None) -> None:
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b'name="password"' in response.content
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    stylesheet = client.get("/static/frontdesk/app.css")
    assert stylesheet.status_code == 200 and stylesheet.headers["Content-Type"].startswith("text/css")


def test_member_signs_in_with_email_and_password_and_reaches_the_inbox(client: Client, agent: Member) -> None:
    client.get("/accounts/login/")
    before = client.cookies["sessionid"].value if "sessionid" in client.cookies else None
    response = client.post("/accounts/login/", {"login": agent.user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/inbox/"
    assert client.cookies["sessionid"].value != before, "the session id must rotate at login"
    assert client.get("/inbox/").status_code == 200


def test_wrong_password_is_refused_and_repeated_failures_are_throttled(client: Client, agent: Member) -> None:
    for _attempt in range(5):
        response = client.post("/accounts/login/", {"login": agent.user.email, "password": "wrong"})
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session
    throttled = client.post("/accounts/login/", {"login": agent.user.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session, "the sixth try within a minute must not sign in"
    assert throttled.status_code in {200, 429}


def test_pages_require_sign_in(client: Client, db: None) -> None:
    for path in ["/inbox/", "/settings/tokens/", "/team/", "/workspaces/"]:
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/accounts/login/")


def test_user_without_workspace_is_told_so(client: Client, db: None) -> None:
    client.force_login(make_user())
    response = client.get("/inbox/")
    assert response.status_code == 403
    assert b"not in a workspace" in response.content


def test_nobody_can_sign_up_alone(client: Client, db: None) -> None:
    assert "/accounts/signup/" not in client.get("/accounts/login/").content.decode()
    client.post("/accounts/signup/", {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD})
    assert not User.objects.filter(email="new@example.com").exists()


def test_password_reset_link_uses_the_public_url_and_works_once(
    client: Client, agent: Member, settings: object
) -> None:
    settings.PUBLIC_URL = "https://support.example.com"  # type: ignore[attr-defined]
    response = client.post("/accounts/password/reset/", {"email": agent.user.email}, headers={"host": "localhost"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+", str(mail.outbox[0].body))
    assert link is not None
    assert link.group(0).startswith("https://support.example.com/accounts/password/reset/key/")
    path = link.group(0).removeprefix("https://support.example.com")
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    action = form_page.redirect_chain[-1][0] if form_page.redirect_chain else path
    done = client.post(action, {"password1": "a new long passphrase 42", "password2": "a new long passphrase 42"})
    assert done.status_code == 302
    agent.user.refresh_from_db()
    assert agent.user.check_password("a new long passphrase 42")
    again = client.post(action, {"password1": "another passphrase 43", "password2": "another passphrase 43"})
    agent.user.refresh_from_db()
    assert not agent.user.check_password("another passphrase 43"), "a reset link must work only once"
    assert again.status_code in {200, 302}


def test_sign_in_notice_uses_the_members_language(client: Client, workspace: object) -> None:
    member = make_member(workspace, user=make_user(language="zh-hant"))  # type: ignore[arg-type]
    response = client.post("/accounts/login/", {"login": member.user.email, "password": PASSWORD}, follow=True)
    notices = [str(message) for message in response.context["messages"]]
    assert notices and "Successfully signed in" not in notices[0]


@pytest.mark.parametrize("language,expected", [("zh-hant", "收件匣"), ("zh-hans", "收件箱"), ("en", "Inbox")])
def test_pages_speak_the_members_language(client: Client, workspace: object, language: str, expected: str) -> None:
    member = make_member(workspace, user=make_user(language=language))  # type: ignore[arg-type]
    client.force_login(member.user)
    response = client.get("/inbox/")
    assert expected in response.content.decode()
