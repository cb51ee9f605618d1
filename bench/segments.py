"""Segments at broadcast scale: count and stream the ids of 100,000+ matching contacts on PostgreSQL.

Loads a workspace of 200,000 contacts (and a second one of 50,000, so the
tenant filter matters) with attributes, identities on three channels,
preferences, conversations, complaints and compliments, and bookings, by
COPY. Then, for three segments — passengers on flight CX123 on 2026-12-01,
customers who complained at least twice in 30 days, and a 4-rule segment —
times ``count`` and streaming every id with ``iter_contact_ids`` (keyset
pages of 10,000), each the median of a few runs. The ceiling is streaming
the same number of ids, the same way, with a plain
``SELECT id FROM contact WHERE workspace_id = … AND id > … ORDER BY id``.
Prints one JSON line.

    .venv/bin/python bench/segments.py                 # load (drops the database first) and measure
    .venv/bin/python bench/segments.py --reuse         # keep a database already loaded
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import psycopg

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

TARGET_SECONDS = 2.0
LOADED = "Bench segments"
FLIGHTS = ("CX123", "CX251", "KA902", "BR870")
CHUNK = 10_000


def ensure_database(url: str, reuse: bool) -> None:
    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and not reuse:
            connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        if not exists or not reuse:
            connection.execute(f'CREATE DATABASE "{name}"')


def copy_rows(model: Any, columns: list[str], rows: Iterator[tuple[Any, ...]]) -> int:
    """COPY ``rows`` (values for ``columns``; every other column gets the field's default) into ``model``'s table."""
    from django.db import connection

    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    given = {name: index for index, name in enumerate(columns)}
    defaults: dict[str, Any] = {}
    for field in fields:
        if field.attname not in given:
            value = field.get_default()
            defaults[field.attname] = json.dumps(value) if isinstance(value, (dict, list)) else value
    names = [field.attname for field in fields]
    sql = f'COPY "{model._meta.db_table}" ({", ".join(names)}) FROM STDIN'
    written = 0
    with connection.cursor() as cursor, cursor.connection.cursor().copy(sql) as copy:
        for row in rows:
            copy.write_row([row[given[name]] if name in given else defaults[name] for name in names])
            written += 1
    return written


def load_workspace(slug: str, size: int, seed: int) -> dict[str, Any]:
    """A workspace with ``size`` contacts and their rows about them; returns what the segments refer to."""
    from django.db import connection

    from frontdesk.channels.models import Channel, ChannelKind
    from frontdesk.contacts.models import (
        AttributeDefinition,
        AttributeType,
        Contact,
        ContactFeedback,
        ContactPreference,
        ContextObject,
        Identity,
    )
    from frontdesk.conversations.models import Conversation
    from frontdesk.core.models import Workspace

    rng = random.Random(seed)
    now = datetime.now(UTC)
    workspace = Workspace.objects.create(name="Loading", slug=slug)
    channels = [
        Channel.all_workspaces.create(workspace=workspace, kind=kind, name=str(kind.label))
        for kind in (ChannelKind.WHATSAPP, ChannelKind.EMAIL, ChannelKind.LINE)
    ]
    AttributeDefinition.all_workspaces.create(
        workspace=workspace, key="tier", label="Tier", type=AttributeType.CHOICE, choices=["gold", "silver", "blue"]
    )
    AttributeDefinition.all_workspaces.create(
        workspace=workspace, key="spend", label="Spend", type=AttributeType.NUMBER
    )
    tiers = ("gold", "silver", "blue", "blue")
    languages = ("zh-Hant", "zh-Hant", "zh-Hans", "en", "en", "ja")

    def contacts() -> Iterator[tuple[Any, ...]]:
        for number in range(size):
            attributes = {"tier": rng.choice(tiers), "spend": rng.randint(0, 50_000)}
            created = now - timedelta(days=rng.randint(0, 1000))
            yield (workspace.pk, f"Customer {number}", rng.choice(languages), json.dumps(attributes), created, created)

    copy_rows(Contact, ["workspace_id", "name", "language", "attributes", "created_at", "updated_at"], contacts())
    ids = list(Contact.in_workspace(workspace).order_by("pk").values_list("pk", flat=True))

    def identities() -> Iterator[tuple[Any, ...]]:
        for contact_id in ids:
            first = rng.randrange(3)
            yield (workspace.pk, contact_id, channels[first].pk, f"{slug}-{contact_id}-{first}", now)
            if rng.random() < 0.3:
                second = (first + 1) % 3
                yield (workspace.pk, contact_id, channels[second].pk, f"{slug}-{contact_id}-{second}", now)

    copy_rows(Identity, ["workspace_id", "contact_id", "channel_id", "external_id", "created_at"], identities())
    likes = ("靠窗座位", "素食餐", "window seat", "經濟艙", "extra legroom", "vegetarian meal")

    def preferences() -> Iterator[tuple[Any, ...]]:
        for contact_id in ids:
            if rng.random() < 0.3:
                yield (workspace.pk, contact_id, rng.choice(("like", "like", "dislike")), rng.choice(likes), now)

    copy_rows(ContactPreference, ["workspace_id", "contact_id", "kind", "text", "created_at"], preferences())

    def conversations() -> Iterator[tuple[Any, ...]]:
        for contact_id in ids:
            for _ in range(rng.choice((0, 1, 1, 2, 3))):
                created = now - timedelta(days=rng.uniform(0, 400))
                yield (
                    workspace.pk,
                    contact_id,
                    channels[rng.randrange(3)].pk,
                    rng.choice(("open", "resolved", "resolved", "resolved")),
                    "Question",
                    created,
                    created,
                )

    copy_rows(
        Conversation,
        ["workspace_id", "contact_id", "channel_id", "status", "subject", "created_at", "last_activity_at"],
        conversations(),
    )

    def feedback() -> Iterator[tuple[Any, ...]]:
        for contact_id in ids:
            roll = rng.random()
            complaints = 0 if roll < 0.8 else rng.randint(1, 4)
            for _ in range(complaints):
                yield (workspace.pk, contact_id, "complaint", "Late again", now - timedelta(days=rng.uniform(0, 120)))
            if rng.random() < 0.1:
                yield (workspace.pk, contact_id, "compliment", "Great crew", now - timedelta(days=rng.uniform(0, 120)))

    copy_rows(ContactFeedback, ["workspace_id", "contact_id", "kind", "text", "created_at"], feedback())

    def bookings() -> Iterator[tuple[Any, ...]]:
        for contact_id in ids:
            # About 55% of contacts are on CX123 on 2026-12-01 (the broadcast), the rest elsewhere, some on two.
            count = 1 if rng.random() < 0.9 else 2
            for index in range(count):
                if index == 0 and rng.random() < 0.58:
                    flight, date = "CX123", "2026-12-01"
                else:
                    flight, date = rng.choice(FLIGHTS), f"2026-12-{rng.randint(1, 28):02d}"
                status = "confirmed" if rng.random() < 0.95 else "cancelled"
                data = json.dumps(
                    {"flight": flight, "date": date, "seat": f"{rng.randint(1, 60)}{rng.choice('ABCDEF')}"}
                )
                yield (workspace.pk, contact_id, "booking", f"{contact_id}-{index}", status, data, now, now)

    copy_rows(
        ContextObject,
        ["workspace_id", "contact_id", "kind", "external_id", "status", "data", "created_at", "updated_at"],
        bookings(),
    )
    workspace.name = LOADED
    workspace.save(update_fields=["name"])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"workspace": workspace.pk}


def timed(function: Callable[[], Any], runs: int) -> tuple[float, Any]:
    results, seconds = None, []
    for _ in range(runs):
        started = time.perf_counter()
        results = function()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), results


def plain_ids(workspace_id: int, limit: int) -> int:
    """The ceiling: ``limit`` ids of the workspace's contacts by the same keyset pages, no conditions."""
    from django.db import connection

    streamed, last = 0, 0
    with connection.cursor() as cursor:
        while streamed < limit:
            cursor.execute(
                'SELECT id FROM "contacts_contact" WHERE workspace_id = %s AND id > %s ORDER BY id LIMIT %s',
                [workspace_id, last, min(CHUNK, limit - streamed)],
            )
            ids = [row[0] for row in cursor.fetchall()]
            if not ids:
                break
            streamed += len(ids)
            last = ids[-1]
    return streamed


def streamed_ids(segment: Any) -> int:
    from frontdesk.segments.evaluate import iter_contact_ids

    return sum(1 for _id in iter_contact_ids(segment, chunk=CHUNK))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("FRONTDESK_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/fd_segments_bench"),
        help="PostgreSQL database the benchmark owns (dropped and created again unless --reuse)",
    )
    parser.add_argument("--reuse", action="store_true", help="keep the database when it already holds this load")
    args = parser.parse_args()
    ensure_database(args.database_url, args.reuse)
    os.environ["FRONTDESK_DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontdesk.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from frontdesk.contacts.models import Contact
    from frontdesk.core.models import Workspace
    from frontdesk.segments.definition import clean_definition
    from frontdesk.segments.evaluate import count
    from frontdesk.segments.models import Segment

    call_command("migrate", verbosity=0)
    slug = f"segments-{args.contacts}"
    started = time.perf_counter()
    workspace = Workspace.objects.filter(slug=slug, name=LOADED).first()
    if workspace is None:
        Workspace.objects.filter(slug__in=[slug, f"{slug}-other"]).delete()
        workspace_id = load_workspace(slug, args.contacts, seed=1)["workspace"]
        load_workspace(f"{slug}-other", args.contacts // 4, seed=2)
        workspace = Workspace.objects.get(pk=workspace_id)
    load_seconds = time.perf_counter() - started
    segments = {
        "flight_cx123_2026_12_01": {
            "rules": [{"type": "context", "kind": "booking", "data": {"flight": "CX123", "date": "2026-12-01"}}]
        },
        "complained_twice_in_30_days": {
            "rules": [{"type": "feedback", "feedback": "complaint", "op": "at_least", "count": 2, "days": 30}]
        },
        "four_rules": {
            "match": "all",
            "rules": [
                {"type": "context", "kind": "booking", "status": "confirmed", "data": {"flight": "CX123"}},
                {"type": "language", "op": "equals", "value": "zh"},
                {"type": "channel", "channel_kind": "whatsapp"},
                {"type": "attribute", "key": "tier", "op": "not_equals", "value": "blue"},
            ],
        },
    }
    results: dict[str, Any] = {}
    for name, definition in segments.items():
        segment = Segment(workspace=workspace, name=name, definition=clean_definition(workspace.pk, definition))
        count_seconds, matching = timed(partial(count, segment), args.runs)
        stream_seconds, streamed = timed(partial(streamed_ids, segment), args.runs)
        ceiling_seconds, _ = timed(partial(plain_ids, workspace.pk, matching), args.runs)
        assert streamed == matching, (name, streamed, matching)
        results[name] = {
            "matching": matching,
            "count_ms": round(count_seconds * 1000, 1),
            "stream_ms": round(stream_seconds * 1000, 1),
            "ceiling_stream_ms": round(ceiling_seconds * 1000, 1),
            "ids_per_second": round(streamed / stream_seconds) if stream_seconds else None,
        }
    flight = results["flight_cx123_2026_12_01"]
    print(
        json.dumps(
            {
                "bench": "segments",
                "contacts": Contact.in_workspace(workspace).count(),
                "load_seconds": round(load_seconds, 1),
                "chunk": CHUNK,
                "runs": args.runs,
                "segments": results,
                "target_ms_per_100000": TARGET_SECONDS * 1000,
                "flight_100000_ids_ms": round(flight["stream_ms"] * 100_000 / flight["matching"], 1),
                "within_target": flight["matching"] >= 100_000 and flight["stream_ms"] < TARGET_SECONDS * 1000,
            }
        )
    )


if __name__ == "__main__":
    main()
