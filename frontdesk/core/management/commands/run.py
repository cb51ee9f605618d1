"""``frontdesk run``: the whole product on one machine, every role under one supervisor."""

from __future__ import annotations

import os
import socket
import sys
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from frontdesk.core.models import User
from frontdesk.core.supervisor import Role, Supervisor
from frontdesk.demo import DEMO_ADMIN_EMAIL, DEMO_AGENT_EMAIL, DEMO_PASSWORD


class Command(BaseCommand):
    help = (
        "Run Frontdesk: the web server, the task worker, the scheduler and the mailbox reader, restarted if they "
        "crash. Stop with Ctrl-C."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on (default: %(default)s).")
        parser.add_argument("--port", type=int, default=8000, help="Port to listen on (default: %(default)s).")

    def handle(self, *args: Any, host: str, port: int, **options: Any) -> None:
        self._migrate()
        sign_in = self._sign_in_hint()
        # The children open their own connections; this process needs none.
        connections.close_all()

        command = [sys.executable, "-m", "frontdesk.cli"]
        # Without Redis the channel layer lives inside the web process, so the
        # other roles hand it their events (see frontdesk.inbox.forwarding).
        forward = {} if settings.REDIS_URL else {"FRONTDESK_EVENTS_FORWARD_URL": _forward_url(host, port)}
        roles = [
            Role("web", [*command, "web", "--host", host, "--port", str(port)]),
            Role("worker", [*command, "worker"], env=forward),
            Role("scheduler", [*command, "scheduler"], env=forward),
            # Mailboxes are read in a process of their own: each holds an IMAP connection waiting in IDLE,
            # which would tie up worker threads, and a mail server's trouble cannot stall sending or webhooks.
            Role("mail", [*command, "mail-reader"], env=forward),
        ]
        url = f"http://{host}:{port}"
        supervisor: Supervisor

        def announce() -> bool:
            if not _accepts_connections(host, port):
                return False
            supervisor.say(f"Frontdesk is running at {url}\n{sign_in}\nPress Ctrl-C to stop.")
            return True

        supervisor = Supervisor(
            roles,
            run_dir=settings.VAR_DIR / "run",
            out=sys.stdout,
            # Every child sees the same var/ as this process, even one found from the cwd.
            env={**os.environ, "FRONTDESK_VAR_DIR": str(settings.VAR_DIR)},
            announce=announce,
        )
        status = supervisor.run()
        if status:
            sys.exit(status)

    def _migrate(self) -> None:
        """Apply pending migrations in embedded mode; in scale-out mode migrating is a deploy step."""
        connection = connections[DEFAULT_DB_ALIAS]
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if not pending:
            return
        if connection.vendor != "sqlite":
            raise CommandError(
                f"The database has {len(pending)} unapplied migration(s). Run `frontdesk migrate` first."
            )
        self.stdout.write(f"Applying {len(pending)} database migration(s)…")
        call_command("migrate", interactive=False, verbosity=0)

    @staticmethod
    def _sign_in_hint() -> str:
        if User.objects.filter(email=DEMO_AGENT_EMAIL).exists():
            return f"Sign in as {DEMO_AGENT_EMAIL} (agent) or {DEMO_ADMIN_EMAIL} (admin), password {DEMO_PASSWORD}."
        if not User.objects.exists():
            return (
                "No accounts yet: `frontdesk seed-demo` adds demo workspaces, "
                "`frontdesk create-admin --email you@example.com` your own."
            )
        return "Sign in with your account."


def _forward_url(host: str, port: int) -> str:
    target = {"0.0.0.0": "127.0.0.1", "::": "[::1]", "": "127.0.0.1"}.get(host, host)  # noqa: S104
    return f"http://{target}:{port}{reverse('inbox:forwarded-event')}"


def _accepts_connections(host: str, port: int) -> bool:
    # A wildcard address is reached through loopback.
    target = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)  # noqa: S104
    try:
        with socket.create_connection((target, port), timeout=0.2):
            return True
    except OSError:
        return False
