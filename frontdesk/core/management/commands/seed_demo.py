"""``frontdesk seed-demo``: the demo workspaces, generated from a seed."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from frontdesk.demo import DEMO_ADMIN_EMAIL, DEMO_AGENT_EMAIL, DEMO_PASSWORD
from frontdesk.demo.seed import (
    DEFAULT_CONTACTS,
    DEFAULT_CONVERSATIONS,
    DEFAULT_SEED,
    delete_demo_workspaces,
    demo_workspaces_exist,
    seed_demo,
)


class Command(BaseCommand):
    help = (
        "Create two demo workspaces, an airline and a shop, with staff, channels, customers and conversations "
        "in English and Chinese."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing if the demo workspaces already exist (what `make run` uses).",
        )
        parser.add_argument(
            "--reset", action="store_true", help="Delete the demo workspaces and their users first, then rebuild."
        )
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help="Random seed; the same seed gives the same demo."
        )
        parser.add_argument(
            "--contacts", type=_count, default=DEFAULT_CONTACTS, help="Contacts in all (default: %(default)s)."
        )
        parser.add_argument(
            "--conversations",
            type=_count,
            default=DEFAULT_CONVERSATIONS,
            help="Conversations in all (default: %(default)s).",
        )

    def handle(
        self,
        *args: Any,
        if_empty: bool,
        reset: bool,
        seed: int,
        contacts: int,
        conversations: int,
        **options: Any,
    ) -> None:
        if reset:
            deleted = delete_demo_workspaces()
            if deleted:
                self.stdout.write(f"Deleted {deleted} demo workspace(s).")
        elif demo_workspaces_exist():
            if not if_empty:
                raise CommandError("The demo workspaces already exist. Use --reset to rebuild them.")
            self.stdout.write("The demo workspaces already exist; nothing to do.")
            self._sign_in_hint()
            return

        summary = seed_demo(seed=seed, contacts=contacts, conversations=conversations, progress=self.stdout.write)
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {summary.workspaces} workspaces, {summary.users} users, {summary.contacts} contacts, "
                f"{summary.conversations} conversations and {summary.messages} messages "
                f"in {summary.seconds:.1f} s."
            )
        )
        self._sign_in_hint()

    def _sign_in_hint(self) -> None:
        self.stdout.write(f"Sign in at {settings.PUBLIC_URL}{reverse('account_login')}")
        self.stdout.write(f"  {DEMO_ADMIN_EMAIL} / {DEMO_PASSWORD}  (owner of both demo workspaces)")
        self.stdout.write(f"  {DEMO_AGENT_EMAIL} / {DEMO_PASSWORD}  (agent)")


def _count(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError(value)
    return number
