"""Inbound ingest: signed webhooks per second, acknowledgement latency, time until a message is readable.

Starts `frontdesk web` on a free port against a fresh database (embedded
SQLite, or PostgreSQL when FRONTDESK_DATABASE_URL points at a server), sends
N signed API-channel webhooks (one message each, spread over many contacts)
from a pool of concurrent senders, and times:

- the acknowledgement (the 200) of every delivery: p50/p95/p99;
- for a sample of probe messages, the time from sending until the message is
  listed by `GET /api/v1/conversations/{id}/messages`: p50/p95;
- messages per second over the whole run;
- the ceiling: the database's own rate for inserting the same number of
  message rows in one transaction (rolled back).

Prints one JSON line.

    .venv/bin/python bench/ingest.py                                   # 2,000 messages, 16 senders, SQLite
    FRONTDESK_DATABASE_URL=postgres://postgres@127.0.0.1:5432/frontdesk \\
        FRONTDESK_REDIS_URL=redis://127.0.0.1:6379/14 .venv/bin/python bench/ingest.py --workers 4
"""

# ruff: noqa: S603, RUF100  (runs our own `frontdesk` and Python; S603 is also ignored for bench/ in newer settings)
from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.running import FRONTDESK, clean_env, free_port, frontdesk, scratch_database, wait_for  # noqa: E402

# Runs inside the product's environment: a workspace, an owner with an API
# token, an API channel, and one empty conversation per probe contact.
SETUP = """
import json, sys
import django
django.setup()
from django.db import connection
from frontdesk.channels.api.setup import create_api_channel
from frontdesk.contacts.models import Contact, Identity
from frontdesk.conversations.models import Conversation
from frontdesk.core.models import Role, User, Workspace, Member
from frontdesk.core.tokens import issue_token

probes = int(sys.argv[1])
workspace = Workspace.objects.create(name="Bench", slug="bench")
user = User.objects.create_user("bench@example.com", "bench-password-123")
member = Member.all_workspaces.create(workspace=workspace, user=user, role=Role.OWNER)
_token, token = issue_token(member, "bench")
channel = create_api_channel(workspace, "Bench backend")
conversations = {}
for number in range(probes):
    contact = Contact.all_workspaces.create(workspace=workspace, name=f"Probe {number}")
    Identity.all_workspaces.create(workspace=workspace, contact=contact, channel=channel, external_id=f"probe-{number}")
    conversation = Conversation.all_workspaces.create(workspace=workspace, contact=contact, channel=channel)
    conversations[f"probe-{number}"] = conversation.pk
print(json.dumps({"hook": f"/hooks/api/{channel.webhook_token}", "secret": channel.secrets["signing_secret"],
                  "token": token, "conversations": conversations, "vendor": connection.vendor}))
"""

# The same number of message rows inserted by the database alone, in one transaction.
CEILING = """
import json, sys, time
import django
django.setup()
from django.db import connection, transaction
from frontdesk.conversations.models import Conversation
from django.utils import timezone

count = int(sys.argv[1])
conversation = Conversation.all_workspaces.order_by("pk").first()
now = timezone.now()
rows = [(conversation.workspace_id, conversation.pk, "inbound", conversation.channel_id, f"ceiling {n}", "",
         f"ceiling-{n}", "{}", "received", "", now) for n in range(count)]
with transaction.atomic():
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO conversations_message (workspace_id, conversation_id, kind, channel_id, text, html,"
            " provider_message_id, metadata, status, status_reason, created_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            rows,
        )
    elapsed = time.perf_counter() - started
    transaction.set_rollback(True)
print(json.dumps({"rows_per_s": round(count / elapsed)}))
"""


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, int(fraction * len(ordered)))], 1)


def signed(secret: str, events: list[dict[str, Any]]) -> tuple[bytes, dict[str, str]]:
    body = json.dumps({"events": events}).encode()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return body, {"Content-Type": "application/json", "X-Frontdesk-Signature": signature}


def message(contact: str, text: str) -> dict[str, Any]:
    key = uuid.uuid4().hex
    return {
        "id": f"evt-{key}",
        "type": "message",
        "contact": {"id": contact, "name": contact},
        "message": {"id": f"msg-{key}", "text": text},
    }


def run(args: argparse.Namespace, env: dict[str, str], var_dir: Path) -> dict[str, Any]:
    frontdesk("migrate", "--no-input", env=env)
    setup = subprocess.run(
        [sys.executable, "-c", SETUP, str(args.probes)],
        env=env | {"DJANGO_SETTINGS_MODULE": "frontdesk.settings"},
        capture_output=True,
        text=True,
        check=False,
    )
    if setup.returncode != 0:
        raise SystemExit(f"set-up failed:\n{setup.stdout}\n{setup.stderr}")
    world = json.loads(setup.stdout.strip().splitlines()[-1])
    port = free_port()
    log = var_dir / "web.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [*FRONTDESK, "web", "--port", str(port), "--workers", str(args.workers)],
            env=env | {"FRONTDESK_LOG_LEVEL": "WARNING"},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _up(base), 60, "frontdesk web", log)
        figures = load(args, world, base)
    except BaseException:
        sys.stderr.write(log.read_text()[-5000:])
        raise
    finally:
        server.terminate()
        server.wait(30)
    ceiling = subprocess.run(
        [sys.executable, "-c", CEILING, str(args.messages)],
        env=env | {"DJANGO_SETTINGS_MODULE": "frontdesk.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    figures["ceiling_db_insert_rows_per_s"] = json.loads(ceiling.stdout.strip().splitlines()[-1])["rows_per_s"]
    figures["database"] = world["vendor"]
    return figures


def _up(base: str) -> bool:
    try:
        return httpx.get(base + "/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def load(args: argparse.Namespace, world: dict[str, Any], base: str) -> dict[str, Any]:
    probes = list(world["conversations"])
    every = max(1, args.messages // max(1, len(probes)))
    plan: list[tuple[str, str, str | None]] = []
    for number in range(args.messages):
        if number % every == every - 1 and probes:
            contact = probes.pop()
            plan.append((contact, f"probe {uuid.uuid4().hex}", contact))
        else:
            plan.append((f"contact-{number % args.contacts}", f"message {number}", None))
    acks: list[float] = []
    readable: list[float] = []
    failures: list[int] = []
    lock = threading.Lock()
    local = threading.local()

    def client() -> httpx.Client:
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=base, timeout=30)
        found: httpx.Client = local.client
        return found

    def send(item: tuple[str, str, str | None]) -> None:
        contact, text, probe = item
        body, headers = signed(world["secret"], [message(contact, text)])
        started = time.perf_counter()
        response = client().post(world["hook"], content=body, headers=headers)
        acked = time.perf_counter()
        with lock:
            acks.append((acked - started) * 1000)
            if response.status_code != 200:
                failures.append(response.status_code)
        if probe is None:
            return
        path = f"/api/v1/conversations/{world['conversations'][probe]}/messages"
        auth = {"Authorization": f"Bearer {world['token']}"}
        deadline = started + 30
        while time.perf_counter() < deadline:
            listing = client().get(path, headers=auth)
            if listing.status_code != 200:
                raise SystemExit(f"GET {path} answered {listing.status_code}: {listing.text[:500]}")
            page = listing.json()
            if any(item["text"] == text for item in page["items"]):
                with lock:
                    readable.append((time.perf_counter() - started) * 1000)
                return
            time.sleep(0.005)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
        list(pool.map(send, plan))
    elapsed = time.perf_counter() - started
    return {
        "benchmark": "ingest",
        "messages": args.messages,
        "concurrency": args.concurrency,
        "web_workers": args.workers,
        "messages_per_s": round(args.messages / elapsed, 1),
        "ack_p50_ms": percentile(acks, 0.50),
        "ack_p95_ms": percentile(acks, 0.95),
        "ack_p99_ms": percentile(acks, 0.99),
        "readable_p50_ms": percentile(readable, 0.50) if readable else None,
        "readable_p95_ms": percentile(readable, 0.95) if readable else None,
        "probes_readable": f"{len(readable)}/{len(world['conversations'])}",
        "non_200": len(failures),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--contacts", type=int, default=200, help="distinct senders of the load messages")
    parser.add_argument("--probes", type=int, default=100, help="messages timed until readable through the API")
    parser.add_argument("--workers", type=int, default=1, help="web server processes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="frontdesk-bench-ingest-") as scratch:
        var_dir = Path(scratch)
        env = clean_env(var_dir)
        if os.environ.get("FRONTDESK_REDIS_URL"):
            env["FRONTDESK_REDIS_URL"] = os.environ["FRONTDESK_REDIS_URL"]
        database_url = os.environ.get("FRONTDESK_DATABASE_URL")
        if database_url:
            with scratch_database(database_url) as url:
                figures = run(args, env | {"FRONTDESK_DATABASE_URL": url}, var_dir)
        else:
            figures = run(args, env, var_dir)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
