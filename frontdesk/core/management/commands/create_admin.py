"""``frontdesk create-admin``: a user who owns a workspace, for the first sign-in on a new install."""

from __future__ import annotations

import getpass
import secrets
import sys
from argparse import ArgumentParser
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils.text import slugify

from frontdesk.core.audit import record
from frontdesk.core.models import Member, Role, User, Workspace

DEFAULT_WORKSPACE = "Frontdesk"
_PROMPT_ATTEMPTS = 3


class Command(BaseCommand):
    help = "Create or update a user and make them the owner of a workspace (created if missing)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--email", required=True, help="The address the user signs in with.")
        parser.add_argument(
            "--password",
            help="The new password. Without it you are asked on a terminal; otherwise a password is generated "
            "and printed once (an existing user keeps theirs).",
        )
        parser.add_argument(
            "--workspace",
            default=DEFAULT_WORKSPACE,
            help="Name (or slug) of the workspace to own (default: %(default)s).",
        )
        parser.add_argument("--name", default="", help="The user's display name.")

    def handle(self, *args: Any, email: str, password: str | None, workspace: str, name: str, **options: Any) -> None:
        email = User.objects.normalize_email(email.strip()).lower()
        try:
            validate_email(email)
        except ValidationError as error:
            raise CommandError(f"Not an email address: {email}") from error
        workspace_name = workspace.strip()
        if not workspace_name:
            raise CommandError("The workspace needs a name.")

        user = User.objects.filter(email=email).first()
        generated = False
        if password is None:
            if sys.stdin.isatty():
                password = self._prompt_password(user or User(email=email, name=name))
            elif user is None:
                password = secrets.token_urlsafe(15)
                generated = True
        elif password_errors := _password_errors(password, user or User(email=email, name=name)):
            raise CommandError(" ".join(password_errors))

        with transaction.atomic():
            created_user = user is None
            if user is None:
                user = User.objects.create_user(email, password, name=name)
            else:
                fields = ["is_active"]
                user.is_active = True
                if name:
                    user.name = name
                    fields.append("name")
                if password:
                    user.set_password(password)
                    fields.append("password")
                user.save(update_fields=fields)
            owned, created_workspace = _workspace(workspace_name)
            member, created_member = Member.all_workspaces.get_or_create(
                workspace=owned, user=user, defaults={"role": Role.OWNER}
            )
            previous_role = None if created_member else member.role
            if not created_member and (member.role != Role.OWNER or not member.is_active):
                member.role, member.is_active = Role.OWNER, True
                member.save(update_fields=["role", "is_active"])
            record(
                owned,
                "member.created" if created_member else "member.role_changed",
                member,
                changes={
                    "email": email,
                    "role": [previous_role, Role.OWNER.value],
                    "via": "create-admin",
                    "user_created": created_user,
                    "workspace_created": created_workspace,
                    "password_set": bool(password),
                },
            )

        self.stdout.write(
            self.style.SUCCESS(
                f"{'Created' if created_user else 'Updated'} {email}, owner of "
                f"{'new workspace' if created_workspace else 'workspace'} “{owned.name}” ({owned.slug})."
            )
        )
        if generated:
            self.stdout.write(f"Password (shown once): {password}")

    def _prompt_password(self, user: User) -> str | None:
        for _ in range(_PROMPT_ATTEMPTS):
            hint = " (leave empty to keep the current one)" if user.pk else ""
            first = getpass.getpass(f"Password{hint}: ")
            if not first and user.pk:
                return None
            if first != getpass.getpass("Password (again): "):
                self.stderr.write("The passwords do not match.")
                continue
            if errors := _password_errors(first, user):
                self.stderr.write(" ".join(errors))
                continue
            return first
        raise CommandError("No password set.")


def _password_errors(password: str, user: User) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as error:
        return list(error.messages)
    return []


def _workspace(name: str) -> tuple[Workspace, bool]:
    """The workspace called ``name`` (or with that slug), created with a unique slug if there is none."""
    existing = Workspace.objects.filter(Q(name=name) | Q(slug=name)).order_by("pk").first()
    if existing is not None:
        return existing, False
    # Names in Chinese have no ASCII slug; they still need a usable address.
    base = slugify(name)[:50].strip("-") or "workspace"
    slug, number = base, 2
    while Workspace.objects.filter(slug=slug).exists():
        slug = f"{base}-{number}"
        number += 1
    return Workspace.objects.create(name=name, slug=slug), True
