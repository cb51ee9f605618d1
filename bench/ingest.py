"""Inbound ingest: signed webhooks per second, acknowledgement latency, time until a message is readable.

Starts `frontdesk web` and `frontdesk worker` (its inbound processors turn
the stored events into messages) on a free port against a fresh database
(embedded SQLite, or PostgreSQL when FRONTDESK_DATABASE_URL points at a
server), sends
N signed API-channel webhooks (one message each, spread over many contacts)
from a pool of concurrent senders, and times:

- the acknowledgement (the 200) of every delivery: p50/p95/p99;
- for a sample of probe messages, the time from sending until the message is
  listed by `GET /api/v1/conversations/{id}/messages`: p50/p95;
- messages per second acknowledged over the whole run, and messages per
  second processed (from the first send until the last message is stored);
- the ceiling: the database's own rate for inserting the same number of
  message rows in one transaction (rolled back).

Prints one JSON line.

With ``--kind whatsapp`` (or messenger, instagram, line, telegram, wechat, x,
sms) the deliveries are that provider's real webhook format, signed with its
real algorithm, built by ``bench/payloads/<kind>.py``; the default is the API channel.

    .venv/bin/python bench/ingest.py                                   # 2,000 messages, 16 senders, SQLite
    .venv/bin/python bench/ingest.py --kind line                       # the same with LINE's webhooks
    FRONTDESK_DATABASE_URL=postgres://postgres@127.0.0.1:5432/frontdesk \\
        FRONTDESK_REDIS_URL=redis://127.0.0.1:6379/14 .venv/bin/python bench/ingest.py --workers 4
"""

# ruff: noqa: S603, RUF100  (runs our own `frontdesk` and Python; S603 is also ignored for bench/ in newer settings)
from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import importlib
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from types import ModuleType
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

probes, kind, repo = int(sys.argv[1]), sys.argv[2], sys.argv[3]
sys.path.insert(0, repo)
from bench.ingest import contact_id, payloads

workspace = Workspace.objects.create(name="Bench", slug="bench")
user = User.objects.create_user("bench@example.com", "bench-password-123")
member = Member.all_workspaces.create(workspace=workspace, user=user, role=Role.OWNER)
_token, token = issue_token(member, "bench")
if kind == "api":
    channel = create_api_channel(workspace, "Bench backend")
else:
    channel = payloads(kind).create_channel(workspace)
    # Profile fetches and media go nowhere real: the loopback is refused at once by the hardened client.
    channel.config = {**channel.config, "api_base_url": "http://127.0.0.1:9"}
    channel.save()
conversations = {}
# Email joins an open conversation by subject; chat channels ignore it.
subject = "" if kind == "api" else getattr(payloads(kind), "SUBJECT", "")
for number in range(probes):
    external_id = contact_id(kind, 1_000_000 + number)
    contact = Contact.all_workspaces.create(workspace=workspace, name=f"Probe {number}")
    Identity.all_workspaces.create(workspace=workspace, contact=contact, channel=channel, external_id=external_id)
    conversation = Conversation.all_workspaces.create(
        workspace=workspace, contact=contact, channel=channel, subject=subject
    )
    conversations[external_id] = conversation.pk
print(json.dumps({"hook": f"/hooks/{kind}/{channel.webhook_token}", "secrets": channel.secrets,
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


# After the last send, how long a probe message may take to become readable before the run is called failed.
PROBE_TIMEOUT_SECONDS = 300


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, int(fraction * len(ordered)))], 1)


def payloads(kind: str) -> ModuleType:
    """``bench/payloads/<kind>.py``: a channel of that kind and its provider's signed deliveries."""
    return importlib.import_module(f"bench.payloads.{kind}")


def contact_id(kind: str, number: int) -> str:
    """The sender's address as that provider writes it (a phone number, a numeric chat id…)."""
    if kind == "api":
        return f"contact-{number}"
    make = getattr(payloads(kind), "contact_id", None)
    return str(make(number)) if make is not None else f"contact-{number}"


def delivery(
    kind: str, secrets: dict[str, str], contact: str, text: str, sequence: int
) -> tuple[str, bytes, dict[str, str]]:
    """(query string, body, headers) of one signed delivery carrying one message."""
    if kind == "api":
        return ("", *signed(secrets["signing_secret"], [message(contact, text)]))
    query, body, headers = payloads(kind).delivery(secrets, contact, text, sequence)
    return query, body, dict(headers)


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
        [sys.executable, "-c", SETUP, str(args.probes), args.kind, str(REPO)],
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
    worker_log = var_dir / "worker.log"
    base = f"http://127.0.0.1:{port}"
    quiet = env | {"FRONTDESK_LOG_LEVEL": "WARNING"}
    # As `frontdesk run` does: without Redis the worker hands its events to the web process.
    forward = (
        {} if env.get("FRONTDESK_REDIS_URL") else {"FRONTDESK_EVENTS_FORWARD_URL": base + "/inbox/internal/events/"}
    )
    with log.open("w") as output, worker_log.open("w") as worker_output:
        server = subprocess.Popen(
            [*FRONTDESK, "web", "--port", str(port), "--workers", str(args.workers)],
            env=quiet,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        worker = subprocess.Popen(
            [*FRONTDESK, "worker", "--inbound", str(args.processors)],
            env=quiet | forward,
            stdout=worker_output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(lambda: _up(base), 60, "frontdesk web", log)
        figures = load(args, world, base, env)
    except BaseException:
        sys.stderr.write(log.read_text()[-5000:] + worker_log.read_text()[-5000:])
        raise
    finally:
        for process in (server, worker):
            process.terminate()
        for process in (server, worker):
            process.wait(30)
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


# Waits until the worker has processed every event; prints the wall-clock time it saw that.
PROCESSED = """
import sys, time
import django
django.setup()
from frontdesk.pipeline.models import InboundEvent
expected, deadline = int(sys.argv[1]), time.time() + 600
while InboundEvent.all_workspaces.filter(processed_at__isnull=False).count() < expected:
    if time.time() > deadline:
        raise SystemExit("the worker did not process every event within 10 minutes")
    time.sleep(0.05)
print(time.time())
"""


def wait_until_processed(expected: int, env: dict[str, str], started_at: float) -> float:
    """Seconds from the first send until the worker has processed every event."""
    done = subprocess.run(
        [sys.executable, "-c", PROCESSED, str(expected)],
        env=env | {"DJANGO_SETTINGS_MODULE": "frontdesk.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout.strip().splitlines()[-1]) - started_at


def _up(base: str) -> bool:
    try:
        return httpx.get(base + "/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


class Connection:
    """A keep-alive HTTP/1.1 connection, as light as a load generator can be (httpx would cost the server CPU)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", f"Content-Length: {len(body)}"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        return status, await self.reader.readexactly(length)


def load(args: argparse.Namespace, world: dict[str, Any], base: str, env: dict[str, str]) -> dict[str, Any]:
    return asyncio.run(_load(args, world, base, env))


async def _load(args: argparse.Namespace, world: dict[str, Any], base: str, env: dict[str, str]) -> dict[str, Any]:
    host, port = base.removeprefix("http://").split(":")
    probes = list(world["conversations"])
    every = max(1, args.messages // max(1, len(probes)))
    # Bodies are built and signed before the clock starts: the load generator's work is not the server's.
    plan: list[tuple[str, bytes, dict[str, str], str | None, str]] = []
    for number in range(args.messages):
        if number % every == every - 1 and probes:
            contact = probes.pop()
            text, probe = f"probe {uuid.uuid4().hex}", contact
        else:
            contact, text, probe = contact_id(args.kind, number % args.contacts), f"message {number}", None
        query, body, headers = delivery(args.kind, world["secrets"], contact, text, number)
        path = world["hook"] + (f"?{query}" if query else "")
        plan.append((path, body, headers, probe, text))
    queue: asyncio.Queue[tuple[str, bytes, dict[str, str], str | None, str]] = asyncio.Queue()
    for item in plan:
        queue.put_nowait(item)
    acks: list[float] = []
    failures: list[int] = []
    pending: dict[str, tuple[str, float]] = {}
    readable: list[float] = []
    sending = True

    async def sender() -> None:
        connection = Connection(host, int(port))
        while not queue.empty():
            path, body, headers, probe, text = queue.get_nowait()
            started = time.perf_counter()
            status, _answer = await connection.request("POST", path, body, headers)
            acks.append((time.perf_counter() - started) * 1000)
            if status != 200:
                failures.append(status)
            if probe is not None:
                pending[probe] = (text, started)

    async def prober() -> None:
        """Polls the API for each probe message not yet readable, oldest first, on its own connection."""
        connection = Connection(host, int(port))
        auth = {"Authorization": f"Bearer {world['token']}"}
        deadline: float | None = None
        while sending or pending:
            if not sending:
                deadline = deadline or time.perf_counter() + PROBE_TIMEOUT_SECONDS
                if time.perf_counter() > deadline:
                    raise SystemExit(f"{len(pending)} probe messages never became readable: is their contact id right?")
            for probe, (text, started) in sorted(pending.items(), key=lambda item: item[1][1]):
                path = f"/api/v1/conversations/{world['conversations'][probe]}/messages"
                status, answer = await connection.request("GET", path, headers=auth)
                if status != 200:
                    raise SystemExit(f"GET {path} answered {status}: {answer[:500]!r}")
                if any(item["text"] == text for item in json.loads(answer)["items"]):
                    readable.append((time.perf_counter() - started) * 1000)
                    del pending[probe]
            await asyncio.sleep(0.01)

    started_at, started = time.time(), time.perf_counter()
    # With no processor running (--processors 0) only the acknowledgement is measured (RELIABILITY T-07).
    probing = asyncio.create_task(prober()) if args.processors else None
    await asyncio.gather(*(sender() for _ in range(args.concurrency)))
    elapsed = time.perf_counter() - started
    sending = False
    processed = None
    if probing is not None:
        processed = await asyncio.to_thread(wait_until_processed, args.messages, env, started_at)
        await asyncio.wait_for(probing, 600)
    return {
        "benchmark": "ingest",
        "kind": args.kind,
        "messages": args.messages,
        "concurrency": args.concurrency,
        "web_workers": args.workers,
        "inbound_processors": args.processors,
        "messages_per_s": round(args.messages / elapsed, 1),
        "processed_per_s": round(args.messages / processed, 1) if processed else None,
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
    parser.add_argument("--kind", default="api", help="channel kind whose real webhook payloads are sent")
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--contacts", type=int, default=200, help="distinct senders of the load messages")
    parser.add_argument("--probes", type=int, default=100, help="messages timed until readable through the API")
    parser.add_argument("--workers", type=int, default=1, help="web server processes")
    parser.add_argument("--processors", type=int, default=1, help="inbound processors in the worker")
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
