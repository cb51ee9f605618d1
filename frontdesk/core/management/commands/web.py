"""``frontdesk web``: the ASGI server alone (HTTP pages, API, webhooks, websockets)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from frontdesk.core.supervisor import stop_with_supervisor

# Seconds uvicorn gives open requests and websockets to finish on shutdown;
# below the supervisor's grace period, so a stop never needs SIGKILL.
GRACEFUL_SHUTDOWN_SECONDS = 5


class Command(BaseCommand):
    help = "Run the web server (HTTP and websockets) for scale-out; `frontdesk run` starts it for you."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on (default: %(default)s).")
        parser.add_argument("--port", type=int, default=8000, help="Port to listen on (default: %(default)s).")
        parser.add_argument(
            "--workers", type=int, default=1, help="Server processes sharing the port (default: %(default)s)."
        )

    def handle(self, *args: Any, host: str, port: int, workers: int, **options: Any) -> None:
        if workers < 1:
            raise CommandError("--workers must be at least 1")
        if workers > 1 and "InMemoryChannelLayer" in settings.CHANNEL_LAYERS["default"]["BACKEND"]:
            # Live updates reach only the websockets of the process that sent them.
            self.stderr.write(
                "Warning: several web workers need FRONTDESK_REDIS_URL for live updates to reach every agent."
            )
        stop_with_supervisor()
        uvicorn.run(
            "frontdesk.asgi:application",
            host=host,
            port=port,
            workers=workers,
            ws="websockets-sansio",
            # Django is not a lifespan app; "auto" would only log that it is unsupported.
            lifespan="off",
            # Behind a reverse proxy on this host, client addresses and https come
            # from X-Forwarded-*; FORWARDED_ALLOW_IPS widens the trusted proxies.
            proxy_headers=True,
            # Logging (and its level, FRONTDESK_LOG_LEVEL) is Django's LOGGING setting.
            log_config=None,
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        )
