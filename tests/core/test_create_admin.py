from __future__ import annotations

import io
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from frontdesk.core.models import AuditEntry, Member, Role, User, Workspace
from tests.factories import make_workspace

pytestmark = pytest.mark.django_db

PASSWORD = "a long enough pass phrase"


def create_admin(*args: str) -> str:
    out = StringIO()
    call_command("create_admin", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def _no_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))


def test_creates_the_owner_of_a_new_workspace(client: Client) -> None:
    create_admin("--email", "Boss@Example.com", "--password", PASSWORD, "--workspace", "Acme Travel", "--name", "Ada")

    user = User.objects.get(email="boss@example.com")
    workspace = Workspace.objects.get(name="Acme Travel")
    assert workspace.slug == "acme-travel"
    assert Member.in_workspace(workspace).get(user=user).role == Role.OWNER
    assert user.name == "Ada"
    assert client.login(email="boss@example.com", password=PASSWORD)
    assert AuditEntry.in_workspace(workspace).filter(action="member.created").exists()


def test_rerunning_updates_the_password_and_promotes_the_member(client: Client) -> None:
    workspace = make_workspace("Acme")
    create_admin("--email", "boss@example.com", "--password", PASSWORD, "--workspace", "Acme")
    member = Member.in_workspace(workspace).get(user__email="boss@example.com")
    member.role = Role.AGENT
    member.save()

    create_admin("--email", "boss@example.com", "--password", "another long pass phrase", "--workspace", "Acme")

    assert User.objects.filter(email="boss@example.com").count() == 1
    assert not client.login(email="boss@example.com", password=PASSWORD)
    assert client.login(email="boss@example.com", password="another long pass phrase")
    member.refresh_from_db()
    assert member.role == Role.OWNER
    assert Workspace.objects.filter(name="Acme").count() == 1


def test_without_a_terminal_a_password_is_generated_and_printed_once(client: Client) -> None:
    output = create_admin("--email", "boss@example.com", "--workspace", "Acme")

    match = re.search(r"Password \(shown once\): (\S+)", output)
    assert match is not None
    assert client.login(email="boss@example.com", password=match.group(1))


def test_an_existing_user_keeps_their_password_when_none_is_given(client: Client) -> None:
    create_admin("--email", "boss@example.com", "--password", PASSWORD, "--workspace", "Acme")

    output = create_admin("--email", "boss@example.com", "--workspace", "Second")

    assert "shown once" not in output
    assert client.login(email="boss@example.com", password=PASSWORD)
    assert Member.in_workspace(Workspace.objects.get(name="Second")).get(user__email="boss@example.com").role == "owner"


def test_chinese_workspace_names_get_unique_usable_slugs() -> None:
    create_admin("--email", "a@example.com", "--password", PASSWORD, "--workspace", "天翔航空")
    create_admin("--email", "b@example.com", "--password", PASSWORD, "--workspace", "海港選物")

    slugs = sorted(Workspace.objects.values_list("slug", flat=True))
    assert slugs == ["workspace", "workspace-2"]


def test_weak_passwords_are_refused() -> None:
    with pytest.raises(CommandError):
        create_admin("--email", "boss@example.com", "--password", "123", "--workspace", "Acme")
    assert not User.objects.filter(email="boss@example.com").exists()
