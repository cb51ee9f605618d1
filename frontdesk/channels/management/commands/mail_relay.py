"""``frontdesk mail-relay``: an SMTP server storing mail for the addresses of connected email channels."""

from __future__ import annotations

import logging
import signal
import threading
from argparse import ArgumentParser
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from frontdesk.channels.email.relay import relay_controller
from frontdesk.core.supervisor import stop_with_supervisor

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Accept mail by SMTP for the addresses of email channels (and their +tags) and store it. "
        "No AUTH or TLS: bind it to loopback behind your mail server (docs/channels/email.md)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on (default: %(default)s).")
        parser.add_argument("--port", type=int, default=2525, help="Port to listen on (default: %(default)s).")
        parser.add_argument(
            "--max-bytes",
            type=int,
            default=settings.FRONTDESK_MAX_EMAIL_BYTES,
            help="Largest mail accepted, announced with SIZE (default: FRONTDESK_MAX_EMAIL_BYTES, %(default)s).",
        )

    def handle(self, *args: Any, host: str, port: int, max_bytes: int, **options: Any) -> None:
        if max_bytes <= 0:
            raise CommandError("--max-bytes must be positive")
        controller = relay_controller(host, port, max_bytes=max_bytes)
        try:
            controller.start()
        except Exception as error:
            raise CommandError(f"Cannot listen on {host}:{port}: {error}") from error
        self.stdout.write(f"Mail relay listening on {host}:{port} (mail up to {max_bytes} bytes)")
        stop = threading.Event()

        def request_stop(signum: int, frame: FrameType | None) -> None:
            logger.info("Received %s - stopping the mail relay", signal.strsignal(signum))
            stop.set()

        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, request_stop)
        stop_with_supervisor()
        try:
            while not stop.wait(1.0):
                pass
        finally:
            controller.stop()
