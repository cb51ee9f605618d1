"""Inbox at scale: conversation-list and message-list API latency over 1,000,000 conversations.

Loads PostgreSQL with one busy workspace (and a second, smaller one, so the
tenant filter matters), starts `frontdesk web` against it, and times the
first page of the open inbox with the filters agents use, and one
conversation's messages. The ceiling is PostgreSQL's own time for the same
queries, measured in the same run. Prints one JSON line.

    .venv/bin/python bench/inbox.py                       # 1,000,000 conversations, 5,000,000 messages
    .venv/bin/python bench/inbox.py --conversations 100000 --samples 100
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import psycopg

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.running import FRONTDESK, free_port, is_healthy, wait_for  # noqa: E402

MEMBERS = 20
CHANNELS = 5
LABELS = 10


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, int(fraction * len(ordered)))], 2)


def summary(samples: list[float]) -> dict[str, float]:
    return {"p50_ms": percentile(samples, 0.5), "p95_ms": percentile(samples, 0.95)}


def create_database(base_url: str) -> str:
    name = f"frontdesk_bench_inbox_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base_url + "/postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_database(base_url: str, name: str) -> None:
    with psycopg.connect(base_url + "/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup_small_objects(env: dict[str, str]) -> dict[str, object]:
    """Workspace, members, channels, labels and a token, through the ORM (they are few)."""
    script = f"""
import json, django
django.setup()
from frontdesk.channels.models import Channel, ChannelKind
from frontdesk.conversations.models import Label
from frontdesk.core.models import Member, User, Workspace
from frontdesk.core.tokens import issue_token
ids = {{}}
for slug in ("busy", "quiet"):
    workspace = Workspace.objects.create(name=slug, slug=slug)
    members = [Member.all_workspaces.create(workspace=workspace, user=User.objects.create_user(f"m{{i}}@{{slug}}.bench", "x"))
               for i in range({MEMBERS})]
    channels = [Channel.all_workspaces.create(workspace=workspace, kind=ChannelKind.API, name=f"c{{i}}") for i in range({CHANNELS})]
    labels = [Label.all_workspaces.create(workspace=workspace, name=f"label-{{i}}") for i in range({LABELS})]
    ids[slug] = {{"workspace": workspace.pk, "members": [m.pk for m in members], "channels": [c.pk for c in channels],
                 "labels": [label.pk for label in labels], "token": issue_token(members[0], "bench")[1]}}
print(json.dumps(ids))
"""
    made = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, cwd=REPO, check=True)
    return dict(json.loads(made.stdout.strip().splitlines()[-1]))


def bulk_load(connection: psycopg.Connection, ids: dict[str, Any], conversations: int, per: int) -> float:
    """Fill one workspace with ``conversations`` x ``per`` messages, in SQL; returns seconds taken."""
    started = time.perf_counter()
    workspace = ids["workspace"]
    members: list[int] = ids["members"]
    channels: list[int] = ids["channels"]
    labels: list[int] = ids["labels"]
    contacts = max(1, conversations // 5)
    connection.execute(
        """INSERT INTO contacts_contact (name, email, phone, language, attributes, created_at, updated_at, workspace_id)
           SELECT 'Customer ' || g, '', '', 'en', '{}', now(), now(), %s FROM generate_series(1, %s) g""",
        [workspace, contacts],
    )
    first_contact = connection.execute(
        "SELECT min(id) FROM contacts_contact WHERE workspace_id = %s", [workspace]
    ).fetchone()[0]  # type: ignore[index]
    connection.execute(
        """INSERT INTO conversations_conversation
             (subject, status, priority, last_message_preview, last_activity_at, waiting_since, snoozed_until,
              resolved_at, created_at, assignee_id, channel_id, contact_id, team_id, workspace_id)
           SELECT 'Case ' || g,
                  CASE WHEN g %% 10 < 6 THEN 'resolved' WHEN g %% 10 < 9 THEN 'open' ELSE 'pending' END,
                  g %% 5, 'Message ' || g, now() - make_interval(secs => g), NULL, NULL, NULL,
                  now() - make_interval(secs => g),
                  CASE WHEN g %% 3 = 0 THEN NULL ELSE (%s::bigint[])[1 + g %% %s] END,
                  (%s::bigint[])[1 + g %% %s], %s + g %% %s, NULL, %s
           FROM generate_series(1, %s) g""",
        [members, len(members), channels, len(channels), first_contact, contacts, workspace, conversations],  # type: ignore[arg-type]
    )
    connection.execute(
        """INSERT INTO conversations_message
             (kind, text, html, provider_message_id, status, status_reason, created_at, author_id, channel_id,
              conversation_id, workspace_id, metadata)
           SELECT CASE WHEN n %% 2 = 1 THEN 'inbound' ELSE 'outbound' END, 'Message ' || n || ' of case ' || c.id,
                  '', '', CASE WHEN n %% 2 = 1 THEN 'received' ELSE 'delivered' END, '',
                  c.created_at + make_interval(secs => n), NULL, c.channel_id, c.id, c.workspace_id, '{}'
           FROM conversations_conversation c CROSS JOIN generate_series(1, %s) n WHERE c.workspace_id = %s""",
        [per, workspace],
    )
    # Every 7th conversation has a label; id / 70 (not id / 7, which fixes id % 10 and so the status)
    # gives each label the inbox's mix of statuses.
    connection.execute(
        """INSERT INTO conversations_conversationlabel (conversation_id, label_id, workspace_id, status, last_activity_at)
           SELECT id, (%s::bigint[])[1 + (id / 70) %% %s], workspace_id, status, last_activity_at
           FROM conversations_conversation WHERE workspace_id = %s AND id %% 7 = 0""",
        [labels, len(labels), workspace],
    )
    connection.commit()
    connection.execute("ANALYZE")
    return time.perf_counter() - started


def time_api(base: str, token: str, paths: list[str], samples: int) -> list[float]:
    timings = []
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
        for path in paths[:5]:
            client.get(path).raise_for_status()
        for index in range(samples):
            path = paths[index % len(paths)]
            started = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - started) * 1000)
            response.raise_for_status()
    return timings


def time_sql(connection: psycopg.Connection, query: str, params_list: list[list[object]], samples: int) -> list[float]:
    timings = []
    for index in range(samples):
        started = time.perf_counter()
        connection.execute(query, params_list[index % len(params_list)]).fetchall()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=1_000_000)
    parser.add_argument("--messages-per-conversation", type=int, default=5)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument(
        "--postgres", default=os.environ.get("FRONTDESK_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/x")
    )
    args = parser.parse_args()
    base_url = args.postgres.rsplit("/", 1)[0]
    name = create_database(base_url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRONTDESK_")}
    env |= {
        "FRONTDESK_DATABASE_URL": f"{base_url}/{name}",
        "FRONTDESK_VAR_DIR": f"/tmp/{name}",
        "DJANGO_SETTINGS_MODULE": "frontdesk.settings",
        "FRONTDESK_LOG_LEVEL": "WARNING",
    }
    web = None
    try:
        subprocess.run([*FRONTDESK, "migrate", "--no-input", "-v0"], env=env, check=True, cwd=REPO)
        ids = setup_small_objects(env)
        busy, quiet = ids["busy"], ids["quiet"]
        with psycopg.connect(f"{base_url}/{name}") as connection:
            print(f"loading {args.conversations:,} conversations…", file=sys.stderr)
            load_seconds = bulk_load(connection, busy, args.conversations, args.messages_per_conversation)  # type: ignore[arg-type]
            bulk_load(connection, quiet, max(1, args.conversations // 100), args.messages_per_conversation)  # type: ignore[arg-type]
            port = free_port()
            log = Path(env["FRONTDESK_VAR_DIR"]) / "web.log"
            log.parent.mkdir(parents=True, exist_ok=True)
            with log.open("w") as output:
                web = subprocess.Popen([*FRONTDESK, "web", "--port", str(port)], env=env, stdout=output, stderr=output)
            base = f"http://127.0.0.1:{port}"
            wait_for(partial(is_healthy, base), 60, "frontdesk web", log)
            token = str(busy["token"])  # type: ignore[index]
            channel = busy["channels"][1]  # type: ignore[index]
            member = busy["members"][0]  # type: ignore[index]
            workspace = busy["workspace"]  # type: ignore[index]
            conversation_ids = [
                row[0]
                for row in connection.execute(
                    "SELECT id FROM conversations_conversation WHERE workspace_id = %s ORDER BY random() LIMIT 500",
                    [workspace],
                )
            ]
            # A label on only a handful of open conversations, the oldest.
            rare_label = connection.execute(
                "INSERT INTO conversations_label (name, color, description, workspace_id) "
                "VALUES ('rare', '#6b7280', '', %s) RETURNING id",
                [workspace],
            ).fetchone()[0]  # type: ignore[index]
            connection.execute(
                "INSERT INTO conversations_conversationlabel (conversation_id, label_id, workspace_id, status, "
                "last_activity_at) SELECT id, %s, workspace_id, status, last_activity_at "
                "FROM conversations_conversation WHERE workspace_id = %s AND status = 'open' "
                "ORDER BY last_activity_at LIMIT 5",
                [rare_label, workspace],
            )
            connection.commit()
            connection.execute("ANALYZE conversations_conversationlabel")
            results: dict[str, object] = {}
            filters = {
                "open": "",
                "mine": "&assignee=me",
                "unassigned": "&assignee=unassigned",
                "label": "&label=label-3",
                "rare_label": "&label=rare",
                "channel": f"&channel_id={channel}",
            }
            inbox = (
                "SELECT c.* FROM conversations_conversation c WHERE c.workspace_id = %s AND c.status = 'open' {} "
                "ORDER BY c.last_activity_at DESC, c.id DESC LIMIT 51"
            )
            # What the API does for a label: a page of the label's links in index order, then their conversations.
            label_page = (
                "SELECT c.* FROM (SELECT l.conversation_id, l.last_activity_at FROM conversations_conversationlabel l "
                "WHERE l.workspace_id = %s AND l.label_id = %s AND l.status = 'open' "
                "ORDER BY l.last_activity_at DESC, l.conversation_id DESC LIMIT 51) page "
                "JOIN conversations_conversation c ON c.id = page.conversation_id AND c.workspace_id = %s "
                "ORDER BY page.last_activity_at DESC, page.conversation_id DESC"
            )
            sql_queries: dict[str, tuple[str, list[object]]] = {
                "open": (inbox.format(""), [workspace]),
                "mine": (inbox.format("AND c.assignee_id = %s"), [workspace, member]),
                "unassigned": (inbox.format("AND c.assignee_id IS NULL"), [workspace]),
                "label": (label_page, [workspace, busy["labels"][3], workspace]),  # type: ignore[index]
                "rare_label": (label_page, [workspace, rare_label, workspace]),
                "channel": (inbox.format("AND c.channel_id = %s"), [workspace, channel]),
            }
            for key, query in filters.items():
                api = time_api(base, token, [f"/api/v1/conversations?status=open&limit=50{query}"], args.samples)
                sql_query, params = sql_queries[key]
                sql = time_sql(connection, sql_query, [params], args.samples)
                results[f"list_{key}"] = {**summary(api), "sql_p95_ms": percentile(sql, 0.95)}
            api = time_api(
                base, token, [f"/api/v1/conversations/{cid}/messages" for cid in conversation_ids], args.samples
            )
            sql = time_sql(
                connection,
                "SELECT * FROM conversations_message WHERE workspace_id = %s AND conversation_id = %s "
                "ORDER BY created_at, id LIMIT 51",
                [[workspace, cid] for cid in conversation_ids],
                args.samples,
            )
            results["messages"] = {**summary(api), "sql_p95_ms": percentile(sql, 0.95)}
            message_rows = connection.execute("SELECT count(*) FROM conversations_message").fetchone()[0]  # type: ignore[index]
        worst = max(float(value["p95_ms"]) for value in results.values())  # type: ignore[index]
        print(
            json.dumps(
                {
                    "bench": "inbox",
                    "database": "postgresql",
                    "conversations": args.conversations,
                    "message_rows": message_rows,
                    "load_seconds": round(load_seconds, 1),
                    "samples": args.samples,
                    **results,
                    "worst_p95_ms": round(worst, 2),
                    "target_p95_ms": 50,
                }
            )
        )
    finally:
        if web is not None:
            web.terminate()
            web.wait(timeout=15)
        drop_database(base_url, name)


if __name__ == "__main__":
    main()
