"""Agent UI at scale: the inbox and conversation pages over 1,000,000 conversations, and live updates to 200 agents.

Loads PostgreSQL (server-side, INSERT … SELECT over generate_series) with one
busy workspace — contacts with an identity each, four channels, 50 agents,
teams, labels, ~5 % of conversations open and most resolved, three messages
per conversation — and a workspace 1/100 its size, so the tenant filter is
real. Then starts the product in scale-out shape (`frontdesk web` and
`frontdesk worker`, the Redis channel layer), signs agents in through the
login form, and measures:

- server time of GET /inbox/ (all, mine, unassigned, one label; first page)
  and GET /inbox/conversations/<id>/ (200 random conversations), sequential
  requests after a warm-up, against the same server's /healthz (the ceiling);
- with N websocket clients on /ws/agent/, signed webhooks posted to an API
  channel at a steady rate: per client, the time from the webhook's 200 until
  its `message.created` event arrives, and how many events each client missed.

Prints progress to stderr and one JSON line to stdout.

    .venv/bin/python bench/ui.py                                  # 1,000,000 conversations, 200 clients
    .venv/bin/python bench/ui.py --reuse                          # keep a database already loaded
    .venv/bin/python bench/ui.py --conversations 100000 --clients 50 --rate 10 --seconds 10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime
from functools import partial
from multiprocessing.connection import Connection as Pipe
from pathlib import Path
from typing import Any

import httpx
import psycopg
import websockets
from websockets.asyncio.client import ClientConnection
from websockets.typing import Origin

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.ingest import Connection, message, signed  # noqa: E402
from tests.running import FRONTDESK, clean_env, free_port, frontdesk, is_healthy, wait_for  # noqa: E402

MEMBERS = 50
TEAMS = 4
LABELS = 12
PASSWORD = "bench agent passphrase 42"  # noqa: S105 (a fixed bench credential)
# Stable across runs, so a reused database's encrypted channel secrets still open.
SECRET_KEY = "frontdesk-bench-ui-not-a-secret-" + "0" * 32
# The loaded workspace's name once its data is complete; --reuse looks for it.
LOADED = "Bench Air"
INBOX_TARGET_MS = 100
# Requests per page whose CPU time in the web process is measured.
CPU_SAMPLES = 50
WS_TARGET_MS = 300

# Runs inside the product (Django set up): the few rows the ORM makes well — workspaces, agents with a
# password, channels with their encrypted secrets, teams, labels. Returns their ids; finds them if they exist.
SETUP = """
import json, sys
import django
django.setup()
from frontdesk.channels.api.setup import create_api_channel
from frontdesk.channels.models import Channel
from frontdesk.conversations.models import Label
from frontdesk.core.models import Member, Role, Team, TeamMembership, User, Workspace

sys.path.insert(0, sys.argv[4])
from bench.payloads import email, line, whatsapp

slug, members, teams, labels = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[5])
password = sys.argv[6]
LABEL_NAMES = ["refund", "delivery", "vip", "complaint", "invoice", "address-change", "warranty", "bug",
               "feedback", "urgent", "wholesale", "membership"]
world = {}
for key, size in (("busy", members), ("quiet", max(2, members // 10))):
    workspace = Workspace.objects.filter(slug=f"{slug}-{key}").first()
    if workspace is None:
        workspace = Workspace.objects.create(name="Loading", slug=f"{slug}-{key}")
        hashed = None
        people = []
        for number in range(size):
            user = User(email=f"agent{number}@{key}.{slug}.bench", name=f"Agent {number}", language="en")
            if hashed is None:
                user.set_password(password)
                hashed = user.password
            user.password = hashed  # one PBKDF2 run, not one per agent
            people.append(user)
        User.objects.bulk_create(people)
        for number, user in enumerate(User.objects.filter(email__endswith=f"@{key}.{slug}.bench").order_by("pk")):
            Member.all_workspaces.create(workspace=workspace, user=user, role=Role.ADMIN if number == 0 else Role.AGENT)
        create_api_channel(workspace, "Shop backend")
        for payloads in (whatsapp, line, email):
            payloads.create_channel(workspace)
        for number in range(teams):
            Team.all_workspaces.create(workspace=workspace, name=f"Team {number + 1}")
        for name in LABEL_NAMES[:labels]:
            Label.all_workspaces.create(workspace=workspace, name=name)
    teams_here = list(Team.all_workspaces.filter(workspace=workspace).order_by("pk"))
    for number, member in enumerate(Member.all_workspaces.filter(workspace=workspace).order_by("pk")):
        # Every agent in one team, so "My teams" has conversations to show.
        TeamMembership.all_workspaces.get_or_create(
            workspace=workspace, member=member, team=teams_here[number % len(teams_here)]
        )
    channels = list(Channel.all_workspaces.filter(workspace=workspace).order_by("pk"))
    member_rows = list(Member.all_workspaces.filter(workspace=workspace).select_related("user").order_by("pk"))
    world[key] = {
        "workspace": workspace.pk,
        "loaded": workspace.name == sys.argv[7],
        "admin": member_rows[0].pk,
        "agents": [member.pk for member in member_rows[1:]],
        "emails": {member.pk: member.user.email for member in member_rows},
        "channels": [channel.pk for channel in channels],
        "api_channel": channels[0].pk,
        "hook": f"/hooks/api/{channels[0].webhook_token}",
        "signing_secret": channels[0].secrets["signing_secret"],
        "teams": list(Team.all_workspaces.filter(workspace=workspace).order_by("pk").values_list("pk", flat=True)),
        "labels": list(Label.all_workspaces.filter(workspace=workspace).order_by("pk").values_list("pk", "name")),
    }
print(json.dumps(world))
"""

SUBJECTS = [
    "Where is my order?",
    "Refund for a damaged item",
    "Change delivery address",
    "訂單查詢",
    "退款申請",
    "送貨延誤",
    "发票抬头修改",
    "Warranty claim",
]
PHRASES = [
    "Hi, my parcel has not arrived yet.",
    "請問我的訂單幾時送到？",
    "Thanks, we have sent a replacement.",
    "收到，已經幫你安排退款。",
    "Could you send a photo of the receipt?",
    "我想更改送货地址。",
]

# A column's zero for NOT NULL columns the loader does not name (added by later migrations).
ZEROES = {
    "text": "''",
    "character varying": "''",
    "integer": "0",
    "smallint": "0",
    "bigint": "0",
    "double precision": "0",
    "numeric": "0",
    "boolean": "false",
    "jsonb": "'{}'::jsonb",
    "json": "'{}'::json",
    "timestamp with time zone": "now()",
    "date": "current_date",
    "uuid": "gen_random_uuid()",
}


def log(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, int(fraction * len(ordered)))], 1)


def spread(samples: list[float]) -> dict[str, float]:
    return {
        "p50_ms": percentile(samples, 0.5),
        "p95_ms": percentile(samples, 0.95),
        "p99_ms": percentile(samples, 0.99),
    }


# --- Loading -------------------------------------------------------------------------------------------------


def insert_select(
    connection: psycopg.Connection, table: str, values: dict[str, str], source: str, params: dict[str, Any]
) -> int:
    """``INSERT INTO table (…) SELECT … FROM source``; NOT NULL columns not in ``values`` get their type's zero.

    So a column another part of the product adds later does not break the load.
    """
    columns = connection.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s "
        "AND is_nullable = 'NO' AND column_default IS NULL AND is_identity = 'NO'",
        [table],
    ).fetchall()
    filled = dict(values)
    for name, data_type in columns:
        if name not in filled:
            if data_type not in ZEROES:
                raise SystemExit(f"{table}.{name} ({data_type}) needs a value the loader does not know")
            filled[name] = ZEROES[data_type]
    names = ", ".join(filled)
    expressions = ", ".join(filled.values())
    cursor = connection.execute(f"INSERT INTO {table} ({names}) SELECT {expressions} FROM {source}", params)
    return cursor.rowcount


def load_workspace(connection: psycopg.Connection, ids: dict[str, Any], conversations: int, per: int) -> None:
    """Contacts, identities, conversations, messages and labels of one workspace, all generated by the database."""
    contacts = max(1, conversations // 5)
    params: dict[str, Any] = {
        "workspace": ids["workspace"],
        "contacts": contacts,
        "conversations": conversations,
        "channels": ids["channels"],
        "agents": ids["agents"],
        "teams": ids["teams"],
        "labels": [label for label, _name in ids["labels"]],
        "subjects": SUBJECTS,
        "phrases": PHRASES,
        "per": per,
    }
    # Random but repeatable choices: pick(g, seed, n) is in [0, n).
    connection.execute(
        "CREATE OR REPLACE FUNCTION pg_temp.pick(g bigint, seed bigint, n int) RETURNS int LANGUAGE sql IMMUTABLE "
        "AS $$ SELECT mod(mod(hashint8extended(g, seed), n) + n, n)::int $$"
    )
    insert_select(
        connection,
        "contacts_contact",
        {
            "workspace_id": "%(workspace)s",
            "name": "(ARRAY['Chan Tai Man', '陳大文', 'Wong Siu Ming', '王小明', 'Lee Ka Yan', '李嘉欣'])[1 + pg_temp.pick(g, 11, 6)] || ' ' || g",
            "email": "'customer' || g || '@example.com'",
            "phone": "'+8529' || lpad(g::text, 7, '0')",
            "language": "(ARRAY['en', 'zh-hant', 'zh-hans'])[1 + pg_temp.pick(g, 12, 3)]",
            "attributes": "'{}'::jsonb",
            "created_at": "now() - make_interval(days => 800)",
            "updated_at": "now()",
        },
        "generate_series(1, %(contacts)s) g",
        params,
    )
    params["first_contact"] = connection.execute(
        "SELECT min(id) FROM contacts_contact WHERE workspace_id = %s", [ids["workspace"]]
    ).fetchone()[0]  # type: ignore[index]
    # Contact number c (0-based) writes on channel c mod channels, as "bench-<workspace>-<c>".
    insert_select(
        connection,
        "contacts_identity",
        {
            "workspace_id": "%(workspace)s",
            "contact_id": "%(first_contact)s + c",
            "channel_id": "(%(channels)s::bigint[])[1 + mod(c, cardinality(%(channels)s::bigint[]))]",
            "external_id": "'bench-' || %(workspace)s || '-' || c",
            "display_name": "''",
            "avatar": "''",
            "profile_attempts": "0",
            "created_at": "now() - make_interval(days => 800)",
        },
        "generate_series(0, %(contacts)s - 1) c",
        params,
    )
    # Conversation g (1 = most recent, one a minute back in time) belongs to contact (g - 1) mod contacts.
    insert_select(
        connection,
        "conversations_conversation",
        {
            "workspace_id": "%(workspace)s",
            "contact_id": "%(first_contact)s + mod(g - 1, %(contacts)s)",
            "channel_id": "(%(channels)s::bigint[])[1 + mod(mod(g - 1, %(contacts)s), cardinality(%(channels)s::bigint[]))]",
            "subject": "(%(subjects)s::text[])[1 + pg_temp.pick(g, 7, cardinality(%(subjects)s::text[]))]",
            "status": "CASE WHEN h < 50 THEN 'open' WHEN h < 80 THEN 'pending' WHEN h < 100 THEN 'snoozed' ELSE 'resolved' END",
            "priority": "CASE WHEN p < 6 THEN 0 WHEN p < 8 THEN 1 WHEN p < 9 THEN 2 ELSE 3 + mod(g, 2) END",
            "assignee_id": "CASE WHEN pg_temp.pick(g, 2, 100) < 15 THEN NULL "
            "ELSE (%(agents)s::bigint[])[1 + pg_temp.pick(g, 3, cardinality(%(agents)s::bigint[]))] END",
            "team_id": "CASE WHEN pg_temp.pick(g, 5, 4) = 0 THEN NULL "
            "ELSE (%(teams)s::bigint[])[1 + pg_temp.pick(g, 6, cardinality(%(teams)s::bigint[]))] END",
            "last_message_preview": "(%(phrases)s::text[])[1 + pg_temp.pick(g, 8, cardinality(%(phrases)s::text[]))]",
            "last_activity_at": "at",
            "waiting_since": "CASE WHEN h < 50 AND mod(g, 2) = 0 THEN at END",
            "snoozed_until": "CASE WHEN h >= 80 AND h < 100 THEN now() + make_interval(hours => 1 + mod(g, 72)::int) END",
            "resolved_at": "CASE WHEN h >= 100 THEN at END",
            "created_at": "at - make_interval(hours => 1 + mod(g, 48)::int)",
        },
        "(SELECT g, pg_temp.pick(g, 1, 1000) AS h, pg_temp.pick(g, 4, 10) AS p, "
        "now() - make_interval(secs => g * 60) AS at FROM generate_series(1, %(conversations)s) g) s",
        params,
    )
    # Three messages each: the customer, the agent's answer (every tenth a private note instead), the customer again.
    insert_select(
        connection,
        "conversations_message",
        {
            "workspace_id": "c.workspace_id",
            "conversation_id": "c.id",
            "kind": "CASE WHEN mod(n, 2) = 1 THEN 'inbound' WHEN mod(c.id, 10) = 0 THEN 'note' ELSE 'outbound' END",
            "channel_id": "CASE WHEN mod(n, 2) = 0 AND mod(c.id, 10) = 0 THEN NULL ELSE c.channel_id END",
            "author_id": "CASE WHEN mod(n, 2) = 0 THEN c.assignee_id END",
            "text": "(%(phrases)s::text[])[1 + pg_temp.pick(c.id * 8 + n, 9, cardinality(%(phrases)s::text[]))]",
            "html": "''",
            "provider_message_id": "''",
            "metadata": "'{}'::jsonb",
            "status": "CASE WHEN mod(n, 2) = 1 THEN 'received' WHEN mod(c.id, 10) = 0 THEN 'sent' ELSE 'delivered' END",
            "status_reason": "''",
            "created_at": "c.last_activity_at - make_interval(mins => (%(per)s - n) * 7)",
        },
        "conversations_conversation c CROSS JOIN generate_series(1, %(per)s) n WHERE c.workspace_id = %(workspace)s",
        params,
    )
    # A fifth of conversations carry a label, one in twenty a second one; links copy status and last activity.
    insert_select(
        connection,
        "conversations_conversationlabel",
        {
            "workspace_id": "c.workspace_id",
            "conversation_id": "c.id",
            "label_id": "(%(labels)s::bigint[])[1 + mod(pg_temp.pick(c.id, 10, 1000) + k * 5, cardinality(%(labels)s::bigint[]))]",
            "status": "c.status",
            "last_activity_at": "c.last_activity_at",
        },
        "conversations_conversation c CROSS JOIN generate_series(0, 1) k WHERE c.workspace_id = %(workspace)s "
        "AND pg_temp.pick(c.id, 13, 100) < CASE WHEN k = 0 THEN 20 ELSE 5 END",
        params,
    )


def gently(connection: psycopg.Connection) -> None:
    """Lower the priority of this connection's PostgreSQL backend: others share the machine while it loads."""
    pid = connection.execute("SELECT pg_backend_pid()").fetchone()[0]  # type: ignore[index]
    try:
        os.setpriority(os.PRIO_PROCESS, pid, 10)
    except OSError:
        log("could not lower the loading backend's priority (run as root or the postgres user to do so)")


def load(database_url: str, world: dict[str, Any], conversations: int, per: int) -> float:
    """Fill both workspaces in one transaction, then VACUUM ANALYZE; returns seconds taken."""
    started = time.perf_counter()
    with psycopg.connect(database_url) as connection:
        gently(connection)
        connection.execute("SET synchronous_commit = off")
        log(f"loading {conversations:,} conversations into the busy workspace…")
        load_workspace(connection, world["busy"], conversations, per)
        log(f"loading {max(1, conversations // 100):,} into the quiet workspace…")
        load_workspace(connection, world["quiet"], max(1, conversations // 100), per)
        for key in ("busy", "quiet"):
            connection.execute("UPDATE core_workspace SET name = %s WHERE id = %s", [LOADED, world[key]["workspace"]])
        connection.commit()
    log("VACUUM ANALYZE…")
    with psycopg.connect(database_url, autocommit=True) as connection:
        gently(connection)
        connection.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


@contextmanager
def database(url: str, reuse: bool) -> Iterator[str]:
    """The benchmark's database: kept as it is with ``reuse``, else dropped and created empty."""
    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and not reuse:
            connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        if not exists or not reuse:
            connection.execute(f'CREATE DATABASE "{name}"')
    yield url


def set_up(env: dict[str, str], conversations: int) -> dict[str, Any]:
    made = subprocess.run(
        [
            sys.executable,
            "-c",
            SETUP,
            f"ui-{conversations}",
            str(MEMBERS + 1),
            str(TEAMS),
            str(REPO),
            str(LABELS),
            PASSWORD,
            LOADED,
        ],
        env=env | {"DJANGO_SETTINGS_MODULE": "frontdesk.settings"},
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )
    if made.returncode != 0:
        raise SystemExit(f"set-up failed:\n{made.stdout}\n{made.stderr}")
    world: dict[str, Any] = json.loads(made.stdout.strip().splitlines()[-1])
    return world


# --- Serving and signing in ----------------------------------------------------------------------------------


@contextmanager
def product(
    env: dict[str, str], var_dir: Path, web_workers: int, profile: str | None = None
) -> Iterator[tuple[str, dict[str, int]]]:
    """`frontdesk web` and `frontdesk worker` as an operator scales out; yields the base URL and their pids."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    quiet = env | {"FRONTDESK_LOG_LEVEL": "WARNING"}
    web_log, worker_log = var_dir / "web.log", var_dir / "worker.log"
    with web_log.open("w") as web_output, worker_log.open("w") as worker_output:
        # With --profile-web the web process runs under cProfile (slower), which writes its figures when it stops.
        profiled = [sys.executable, "-m", "cProfile", "-o", profile, "-m", "frontdesk.cli"] if profile else FRONTDESK
        web = subprocess.Popen(
            [*profiled, "web", "--port", str(port), "--workers", str(web_workers)],
            env=quiet,
            stdout=web_output,
            stderr=subprocess.STDOUT,
        )
        worker = subprocess.Popen([*FRONTDESK, "worker"], env=quiet, stdout=worker_output, stderr=subprocess.STDOUT)
    try:
        wait_for(partial(is_healthy, base), 60, "frontdesk web", web_log)
        yield base, {"web": web.pid, "worker": worker.pid}
    except BaseException:
        sys.stderr.write(web_log.read_text()[-4000:] + worker_log.read_text()[-4000:])
        raise
    finally:
        # SIGINT, as Ctrl-C: uvicorn re-raises the signal once stopped, and cProfile writes its file on SIGINT.
        web.send_signal(signal.SIGINT)
        worker.terminate()
        for process in (web, worker):
            process.wait(30)


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system) of a process and its descendants so far, from /proc."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        number = int(stat.parent.name)
        parents[number] = int(fields[1])
        times[number] = (int(fields[11]) + int(fields[12])) / tick
    total, family = 0.0, [pid]
    while family:
        number = family.pop()
        total += times.get(number, 0.0)
        family.extend(child for child, parent in parents.items() if parent == number)
    return total


CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def sign_in(base: str, email: str, address: str) -> dict[str, str]:
    """The cookies of a session opened through the login form, as an agent at ``address`` does.

    The address reaches the server as the reverse proxy in front of it would tell it (X-Forwarded-For, trusted
    from the loopback): sign-ins are rate-limited per address, and 50 agents do not share one.
    """
    with httpx.Client(base_url=base, timeout=30, headers={"X-Forwarded-For": address}) as client:
        form = client.get("/accounts/login/")
        token = CSRF_FIELD.search(form.text)
        assert token is not None, "no CSRF token on the login page"
        answer = client.post(
            "/accounts/login/",
            data={"login": email, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)},
            headers={"Referer": f"{base}/accounts/login/"},
        )
        if answer.status_code != 302 or "/inbox/" not in answer.headers.get("location", ""):
            raise SystemExit(f"signing in {email} failed: {answer.status_code} {answer.text[:300]}")
        return dict(client.cookies.items())


# --- Page timings --------------------------------------------------------------------------------------------


def time_pages(
    base: str, cookies: dict[str, str], cases: dict[str, list[str]], samples: int, warm_up: int
) -> dict[str, list[float]]:
    """Milliseconds of ``samples`` sequential GETs per case, each case cycling over its paths.

    The cases take turns request by request, so a burst of load from elsewhere on the machine falls on all of
    them alike. /healthz goes without the session cookie, as a load balancer asks it.
    """
    timings: dict[str, list[float]] = {name: [] for name in cases}
    with (
        httpx.Client(base_url=base, cookies=cookies, timeout=30) as client,
        httpx.Client(base_url=base, timeout=30) as anonymous,
    ):
        for index in range(-warm_up, samples):
            for name, paths in cases.items():
                path = paths[index % len(paths)]
                started = time.perf_counter()
                response = (anonymous if path == "/healthz" else client).get(path)
                elapsed = (time.perf_counter() - started) * 1000
                if response.status_code != 200:
                    raise SystemExit(f"GET {path} answered {response.status_code}")
                if index >= 0:
                    timings[name].append(elapsed)
    return timings


def inbox_views(world: dict[str, Any]) -> dict[str, str]:
    """The inbox's first page as agents open it: each view, and one label (the figure the target is about).

    Addresses are the list's canonical ones (defaults left out); another address is redirected, which fails the run.
    """
    label_id, _name = world["busy"]["labels"][1]
    return {
        "all": "/inbox/",
        "mine": "/inbox/?view=mine",
        "unassigned": "/inbox/?view=unassigned",
        "label": f"/inbox/?label={label_id}",
    }


def more_inbox_views(world: dict[str, Any]) -> dict[str, str]:
    """Other filters and sorts of the list, reported beside the target's views."""
    busy = world["busy"]
    return {
        "team": "/inbox/?view=team",
        "mentions": "/inbox/?view=mentions",
        "channel": f"/inbox/?channel={busy['channels'][1]}",
        "priority": "/inbox/?priority=4",
        "sla_at_risk": "/inbox/?sla=1",
        "sort_waiting": "/inbox/?sort=waiting",
        "sort_priority": "/inbox/?sort=priority",
        "resolved": "/inbox/?status=resolved",
        "search": "/inbox/?q=refund",
    }


# --- Live updates --------------------------------------------------------------------------------------------

TOKEN = re.compile(r"ws-probe-([0-9a-f]{8})-(\d+)")
OCCURRED = re.compile(r'"occurred_at": "([^"]+)"')


def clients_process(
    url: str, origin: str, sessions: list[dict[str, str]], run: str, compression: str | None, pipe: Pipe
) -> None:
    """One load-generator process: its share of agents' websockets, reporting arrival times of probe messages."""
    asyncio.run(_clients(url, origin, sessions, run, compression, pipe))


async def _clients(
    url: str, origin: str, sessions: list[dict[str, str]], run: str, compression: str | None, pipe: Pipe
) -> None:
    # Wall-clock times (time.time()): the acknowledgements are taken in another process, the publication in the worker.
    arrivals: list[dict[int, float]] = [{} for _ in sessions]
    published: dict[int, float] = {}
    other: list[int] = [0 for _ in sessions]
    lags: list[float] = []
    connected = 0
    all_connected = asyncio.Event()
    sockets: list[ClientConnection] = []
    stopping = False

    async def client(index: int, cookies: dict[str, str]) -> None:
        nonlocal connected
        cookie = "; ".join(f"{name}={value}" for name, value in cookies.items())
        async with websockets.connect(
            url,
            additional_headers={"Cookie": cookie},
            origin=Origin(origin),
            compression=compression,
            max_queue=None,
            proxy=None,
        ) as socket:
            sockets.append(socket)
            hello = json.loads(await socket.recv())
            assert hello["type"] == "hello", hello
            connected += 1
            if connected == len(sessions):
                all_connected.set()
            mine = arrivals[index]
            try:
                async for raw in socket:
                    at = time.time()
                    text = raw if isinstance(raw, str) else raw.decode()
                    # Cheap on purpose: 200 clients in two processes read thousands of frames a second.
                    if '"message.created"' in text:
                        match = TOKEN.search(text)
                        if match is not None and match.group(1) == run:
                            sequence = int(match.group(2))
                            mine.setdefault(sequence, at)
                            if sequence not in published and (occurred := OCCURRED.search(text)):
                                published[sequence] = datetime.fromisoformat(occurred.group(1)).timestamp()
                            continue
                    other[index] += 1
            except websockets.ConnectionClosed:
                if not stopping:
                    raise

    async def watch_loop() -> None:
        """How late this process's event loop wakes up: if the clients fall behind, their latencies are ours."""
        while not stopping:
            started = time.monotonic()
            await asyncio.sleep(0.05)
            lags.append((time.monotonic() - started - 0.05) * 1000)

    tasks = [asyncio.create_task(client(index, cookies)) for index, cookies in enumerate(sessions)]
    await asyncio.wait_for(all_connected.wait(), 120)
    loop = asyncio.get_running_loop()
    watcher = asyncio.create_task(watch_loop())
    pipe.send("connected")
    expected: int = await loop.run_in_executor(None, pipe.recv)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(len(mine) < expected for mine in arrivals):
        await asyncio.sleep(0.05)
    stopping = True
    await watcher
    for socket in sockets:
        await socket.close()
    failed = [result for result in await asyncio.gather(*tasks, return_exceptions=True) if result is not None]
    pipe.send(
        {
            "arrivals": arrivals,
            "published": published,
            "other_events": sum(other),
            "loop_lag_ms": lags,
            "failed": [repr(error) for error in failed],
        }
    )


async def post_webhooks(
    base: str, world: dict[str, Any], run: str, rate: float, seconds: float
) -> tuple[dict[int, float], list[int]]:
    """Signed API-channel webhooks at a steady rate; returns each one's acknowledgement time and any non-200."""
    busy = world["busy"]
    host, port = base.removeprefix("http://").split(":")
    count = int(rate * seconds)
    plan = []
    for sequence in range(count):
        # Existing customers spread over the workspace; contact c writes on channel c mod channels, the API one first.
        channels = len(busy["channels"])
        number = (sequence * 97) % (busy["contacts"] // channels) * channels
        contact = f"bench-{busy['workspace']}-{number}"
        plan.append(signed(busy["signing_secret"], [message(contact, f"Any news? ws-probe-{run}-{sequence}")]))
    acked: dict[int, float] = {}
    failures: list[int] = []
    idle: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(4):
        idle.put_nowait(Connection(host, int(port)))

    async def send(sequence: int) -> None:
        connection = await idle.get()
        body, headers = plan[sequence]
        status, _answer = await connection.request("POST", busy["hook"], body, headers)
        acked[sequence] = time.time()
        idle.put_nowait(connection)
        if status != 200:
            failures.append(status)

    started = time.monotonic()
    sends = []
    for sequence in range(count):
        await asyncio.sleep(max(0.0, started + sequence / rate - time.monotonic()))
        sends.append(asyncio.create_task(send(sequence)))
    await asyncio.gather(*sends)
    return acked, failures


def live_updates(
    base: str, world: dict[str, Any], sessions: list[dict[str, str]], args: argparse.Namespace
) -> dict[str, Any]:
    run = uuid.uuid4().hex[:8]
    url = base.replace("http://", "ws://") + "/ws/agent/"
    context = multiprocessing.get_context("spawn")
    shares = [sessions[index :: args.client_processes] for index in range(args.client_processes)]
    pipes, processes = [], []
    for share in shares:
        ours, theirs = context.Pipe()
        process = context.Process(
            target=clients_process, args=(url, base, share, run, args.ws_compression, theirs), daemon=True
        )
        process.start()
        pipes.append(ours)
        processes.append(process)
    try:
        for pipe in pipes:
            if not pipe.poll(180):
                raise SystemExit("websocket clients did not all connect within 3 minutes")
            assert pipe.recv() == "connected"
        log(
            f"{len(sessions)} websocket clients connected; posting {int(args.rate * args.seconds)} webhooks at {args.rate}/s…"
        )
        acked, failures = asyncio.run(post_webhooks(base, world, run, args.rate, args.seconds))
        for pipe in pipes:
            pipe.send(len(acked))
        reports = []
        for pipe in pipes:
            if not pipe.poll(120):
                raise SystemExit("websocket clients did not report")
            reports.append(pipe.recv())
    finally:
        for process in processes:
            process.join(10)
            if process.is_alive():
                process.terminate()
    failed = [error for report in reports for error in report["failed"]]
    if failed:
        raise SystemExit(f"{len(failed)} websocket clients failed: {failed[:3]}")
    latencies: list[float] = []
    missed: list[int] = []
    published: dict[int, float] = {}
    for report in reports:
        published |= report["published"]
        for mine in report["arrivals"]:
            missed.append(sum(1 for sequence in acked if sequence not in mine))
            latencies.extend((mine[sequence] - at) * 1000 for sequence, at in acked.items() if sequence in mine)
    # Where the time goes: from the 200 until the worker publishes the event, then until each client reads it.
    to_publish = [(published[sequence] - at) * 1000 for sequence, at in acked.items() if sequence in published]
    to_client = [
        (mine[sequence] - published[sequence]) * 1000
        for report in reports
        for mine in report["arrivals"]
        for sequence in mine
        if sequence in published
    ]
    lags = [lag for report in reports for lag in report["loop_lag_ms"]]
    return {
        "ws_clients": len(sessions),
        "ws_events": len(acked),
        "ws_rate_per_s": args.rate,
        "ws_deliveries": len(latencies),
        "ws_missed": sum(missed),
        "ws_missed_max_per_client": max(missed) if missed else 0,
        "ws_other_events": sum(report["other_events"] for report in reports),
        "webhook_non_200": len(failures),
        **({f"ws_{key}": value for key, value in spread(latencies).items()} if latencies else {}),
        "ws_compression": args.ws_compression or "none",
        "ws_accepted_to_published_p50_ms": percentile(to_publish, 0.5) if to_publish else None,
        "ws_accepted_to_published_p95_ms": percentile(to_publish, 0.95) if to_publish else None,
        "ws_published_to_client_p50_ms": percentile(to_client, 0.5) if to_client else None,
        "ws_published_to_client_p95_ms": percentile(to_client, 0.95) if to_client else None,
        "ws_client_loop_lag_p95_ms": percentile(lags, 0.95) if lags else None,
    }


# --- The run -------------------------------------------------------------------------------------------------


def measure(args: argparse.Namespace, env: dict[str, str], var_dir: Path, world: dict[str, Any]) -> dict[str, Any]:
    busy, quiet = world["busy"], world["quiet"]
    with psycopg.connect(env["FRONTDESK_DATABASE_URL"]) as connection:
        sample = [
            row[0]
            for row in connection.execute(
                "SELECT id FROM conversations_conversation TABLESAMPLE SYSTEM (1) REPEATABLE (7) WHERE workspace_id = %s "
                "ORDER BY random() LIMIT %s",
                [busy["workspace"], args.conversation_sample],
            )
        ]
        elsewhere = connection.execute(
            "SELECT id FROM conversations_conversation WHERE workspace_id = %s LIMIT 1", [quiet["workspace"]]
        ).fetchone()[0]  # type: ignore[index]
    figures: dict[str, Any] = {}
    with product(env, var_dir, args.web_workers, args.profile_web) as (base, pids):
        agent = busy["agents"][0]
        cookies = sign_in(base, busy["emails"][str(agent)], "10.0.1.1")
        with httpx.Client(base_url=base, cookies=cookies, timeout=30) as client:
            # Scoping is real: the other workspace's conversation is not found.
            figures["other_workspace_status"] = client.get(f"/inbox/conversations/{elsewhere}/").status_code
        if args.samples:
            core = {name: [path] for name, path in inbox_views(world).items()}
            pages = {"healthz": ["/healthz"], **core, "conversation": [f"/inbox/conversations/{pk}/" for pk in sample]}
            log(f"timing /healthz, the inbox ({', '.join(core)}) and {len(sample)} conversation pages, interleaved…")
            timings = time_pages(base, cookies, pages, args.samples, 10)
            inbox = [timing for name in core for timing in timings[name]]
            figures |= {
                **{f"inbox_{key}": value for key, value in spread(inbox).items()},
                "inbox_views": {name: spread(timings[name]) for name in core},
                **{f"conversation_{key}": value for key, value in spread(timings["conversation"]).items()},
                "healthz_p50_ms": percentile(timings["healthz"], 0.5),
                "healthz_p95_ms": percentile(timings["healthz"], 0.95),
            }
            # The web process's own CPU per page, whatever else the machine runs (PostgreSQL's is not in it).
            cpu_per_request = {}
            for name, paths in pages.items():
                before = cpu_seconds(pids["web"])
                time_pages(base, cookies, {name: paths}, CPU_SAMPLES, 0)
                cpu_per_request[name] = round((cpu_seconds(pids["web"]) - before) * 1000 / CPU_SAMPLES, 1)
            figures["web_cpu_ms_per_request"] = cpu_per_request
            if args.more_views:
                log("timing the inbox's other filters and sorts…")
                more = time_pages(
                    base, cookies, {name: [path] for name, path in more_inbox_views(world).items()}, args.more_views, 5
                )
                figures["inbox_more_views"] = {name: spread(values) for name, values in more.items()}
        if args.clients:
            agents = busy["agents"][: min(args.agents, args.clients)]
            log(f"signing in {len(agents)} agents for {args.clients} websocket clients…")
            with ThreadPoolExecutor(2) as pool:
                signed_in = list(
                    pool.map(
                        lambda number: sign_in(base, busy["emails"][str(agents[number])], f"10.0.2.{number + 1}"),
                        range(len(agents)),
                    )
                )
            sessions = [signed_in[index % len(signed_in)] for index in range(args.clients)]
            cpu_before = {role: cpu_seconds(pid) for role, pid in pids.items()}
            figures["load_average_before_ws"] = round(os.getloadavg()[0], 1)
            figures |= live_updates(base, world, sessions, args)
            # What the fan-out costs whatever else the machine runs: CPU per event delivered to one client.
            web_cpu = cpu_seconds(pids["web"]) - cpu_before["web"]
            worker_cpu = cpu_seconds(pids["worker"]) - cpu_before["worker"]
            frames = figures["ws_deliveries"] + figures["ws_other_events"]
            figures["ws_web_cpu_s"] = round(web_cpu, 2)
            figures["ws_web_cpu_us_per_frame"] = round(web_cpu * 1e6 / frames) if frames else None
            figures["ws_worker_cpu_ms_per_webhook"] = round(worker_cpu * 1000 / figures["ws_events"], 1)
            figures["load_average_after_ws"] = round(os.getloadavg()[0], 1)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=1_000_000)
    parser.add_argument("--messages-per-conversation", type=int, default=3)
    parser.add_argument("--clients", type=int, default=200, help="websocket clients (agents' open pages)")
    parser.add_argument(
        "--agents", type=int, default=MEMBERS, help="agents signed in; the clients are their open tabs, spread evenly"
    )
    parser.add_argument("--client-processes", type=int, default=2, help="processes the websocket clients run in")
    parser.add_argument("--rate", type=float, default=20, help="webhooks per second during the live test")
    parser.add_argument("--seconds", type=float, default=30, help="how long webhooks are posted")
    parser.add_argument("--samples", type=int, default=300, help="timed requests per page (0: no page timings)")
    parser.add_argument(
        "--more-views", type=int, default=100, help="timed requests per other filter and sort (0: none)"
    )
    parser.add_argument("--conversation-sample", type=int, default=200, help="distinct conversations opened")
    parser.add_argument(
        "--ws-compression",
        default="deflate",
        type=lambda value: None if value == "none" else value,
        help="the clients' permessage-deflate offer: deflate (as browsers) or none",
    )
    parser.add_argument("--profile-web", metavar="FILE", help="run the web process under cProfile, writing FILE")
    parser.add_argument("--web-workers", type=int, default=1, help="`frontdesk web --workers`")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("FRONTDESK_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/fd_bench"),
        help="PostgreSQL database the benchmark owns (dropped and created again unless --reuse)",
    )
    parser.add_argument("--redis-url", default=os.environ.get("FRONTDESK_REDIS_URL", "redis://127.0.0.1:6379/9"))
    parser.add_argument("--reuse", action="store_true", help="keep the database when it already holds this load")
    args = parser.parse_args()

    with (
        tempfile.TemporaryDirectory(prefix="frontdesk-bench-ui-") as scratch,
        database(args.database_url, args.reuse) as url,
    ):
        var_dir = Path(scratch)
        env = clean_env(var_dir) | {
            "FRONTDESK_DATABASE_URL": url,
            "FRONTDESK_REDIS_URL": args.redis_url,
            "FRONTDESK_SECRET_KEY": SECRET_KEY,
        }
        log("migrating…")
        frontdesk("migrate", "--no-input", env=env)
        world = set_up(env, args.conversations)
        world["busy"]["contacts"] = max(1, args.conversations // 5)
        load_seconds = None
        if not world["busy"]["loaded"]:
            load_seconds = round(load(url, world, args.conversations, args.messages_per_conversation), 1)
            log(f"loaded in {load_seconds} s")
        else:
            log("reusing the loaded database")
        with psycopg.connect(url) as connection:
            conversations = connection.execute(
                "SELECT count(*) FROM conversations_conversation WHERE workspace_id = %s", [world["busy"]["workspace"]]
            ).fetchone()[0]  # type: ignore[index]
        figures = measure(args, env, var_dir, world)
    targets = {}
    if args.samples:
        targets["inbox_p95"] = figures["inbox_p95_ms"] < INBOX_TARGET_MS
        targets["conversation_p95"] = figures["conversation_p95_ms"] < INBOX_TARGET_MS
    if args.clients:
        targets["ws_p95"] = figures.get("ws_p95_ms", float("inf")) < WS_TARGET_MS
        targets["ws_missed"] = figures["ws_missed"] == 0
    print(
        json.dumps(
            {
                "bench": "ui",
                "database": "postgresql",
                "conversations": conversations,
                "load_seconds": load_seconds,
                "samples": args.samples,
                **figures,
                "targets_ms": {"page_p95": INBOX_TARGET_MS, "ws_p95": WS_TARGET_MS},
                "targets_met": targets,
            }
        )
    )


if __name__ == "__main__":
    main()
