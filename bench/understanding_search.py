"""Search at scale: latency of `frontdesk.search.query.search` over 5,000,000 messages on PostgreSQL, and
recall of cross-script queries.

Loads one busy workspace (and a second, 1/20 its size, so the tenant filter is real) by COPY: contacts,
conversations, messages written from templates with slots in English, Traditional Chinese (Hong Kong and
Taiwan wording) and Simplified Chinese, and each message's search entry (terms computed once per distinct
text). Needles with known ground truth are planted: for ten words, ten messages written in Traditional and
ten in Simplified, and a hundred unique order numbers.

Then runs ≥ 200 queries as an agent would (`search(member, q)`: ranked, 20 hits loaded and highlighted),
of five kinds — a common word, a rare word, a code, a Chinese word in either script, an English prefix — and
reports p50/p95/p99 per kind and overall; the ceiling, in the same run, is a primary-key lookup of a message
and the same full-text match without ranking or loading (``LIMIT 20``). Cross-script recall: a query in
one script, the fraction of the needles written in the other script that it finds (and the other way).

Prints progress to stderr and one JSON line to stdout. `bench/understanding.py` calls `measure_search`.

    .venv/bin/python bench/understanding_search.py                         # 5,000,000 messages (drops the db)
    .venv/bin/python bench/understanding_search.py --reuse                 # keep a database already loaded
    .venv/bin/python bench/understanding_search.py --messages 200000 --database-url postgres://…/fd_small
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/fd_search_bench"
TARGET_P95_MS = 200
MESSAGES_PER_CONVERSATION = 5
CONVERSATIONS_PER_CONTACT = 4
QUERIES_PER_KIND = 50
NEEDLES_PER_SCRIPT = 10
# (Traditional, Simplified): words no template uses, so their needles are the only messages holding them.
NEEDLE_WORDS = [
    ("護照", "护照"),
    ("颱風", "台风"),
    ("輪椅", "轮椅"),
    ("嬰兒車", "婴儿车"),
    ("寵物", "宠物"),
    ("簽證", "签证"),
    ("發票", "发票"),
    ("雨傘", "雨伞"),
    ("韓國", "韩国"),
    ("導盲犬", "导盲犬"),
]
SLOTS_FLIGHTS = [f"CX{number}" for number in range(100, 400)] + [f"KA{number}" for number in range(100, 300)]
BOOKINGS = 20_000
TEMPLATES = {
    "en": [
        "My flight {flight} on {date} was cancelled, I need a refund for booking {booking}",
        "Where is my baggage? The bag tag is {booking} from flight {flight}",
        "Can I change my seat on {flight}? I would like a window seat please",
        "The app keeps crashing when I try to pay for booking {booking}",
        "Thanks for the help with my booking {booking}, everything is fine now",
        "I was charged twice for {booking}, please check the payment",
        "Is the lounge open at the airport before {flight} on {date}?",
        "Hello, I want to upgrade booking {booking} to business class",
        "My cancellation request for {booking} has had no answer for three days",
        "Please send the receipt of booking {booking} to my email",
    ],
    "zh_hant": [
        "我的航班{flight}在{date}取消了，請幫我退款，訂單號{booking}",
        "行李還沒有到，行李牌是{booking}，航班{flight}",
        "可以幫我改{flight}的座位嗎？我想要靠窗座位",
        "這個軟體一直當機，付款{booking}付不到",
        "多謝你幫我處理訂單{booking}，已經沒問題了",
        "訂單{booking}被扣了兩次錢，請幫我查一下",
        "{date}搭{flight}之前機場貴賓室有開嗎？",
        "你好，我想把訂單{booking}升級到商務艙",
        "我取消訂單{booking}的申請三天都沒有回覆",
        "請把訂單{booking}的收據寄到我的電郵",
    ],
    "zh_hans": [
        "我的航班{flight}在{date}取消了，请帮我退款，订单号{booking}",
        "行李还没有到，行李牌是{booking}，航班{flight}",
        "可以帮我改{flight}的座位吗？我想要靠窗座位",
        "这个软件一直死机，付款{booking}付不了",
        "谢谢你帮我处理订单{booking}，已经没问题了",
        "订单{booking}被扣了两次钱，请帮我查一下",
        "{date}坐{flight}之前机场贵宾室有开吗？",
        "你好，我想把订单{booking}升级到商务舱",
        "我取消订单{booking}的申请三天都没有回复",
        "请把订单{booking}的收据发到我的邮箱",
    ],
}
# Each template cut into literal pieces and "$slot" names.
PIECES = {
    script: [
        [("$" + piece if index % 2 else piece) for index, piece in enumerate(re.split(r"\{(\w+)\}", template)) if piece]
        for template in templates
    ]
    for script, templates in TEMPLATES.items()
}
NEEDLE_TEMPLATE = {
    "zh_hant": "請問帶{word}上機有甚麼要注意？訂單{booking}",
    "zh_hans": "请问带{word}上机有什么要注意？订单{booking}",
}
QUERIES = {
    "common word": ["refund", "booking", "flight", "退款", "航班", "訂單", "订单", "seat", "payment", "行李"],
    "english prefix": ["canc", "refu", "bagg", "upgr", "rece", "lou", "wind", "charg", "pay", "busin"],
    "chinese word": ["機票", "机票", "座位", "收據", "收据", "軟體", "软件", "商務艙", "商务舱", "貴賓室"],
}


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def ensure_database(url: str, reuse: bool) -> bool:
    """Create the database (dropping it first unless ``reuse``); whether it already existed and was kept."""
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None
        if exists and not reuse:
            connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        if not exists or not reuse:
            connection.execute(f'CREATE DATABASE "{name}"')
    return exists and reuse


def copy(table: str, columns: list[str], rows: Iterator[tuple[Any, ...]]) -> int:
    from django.db import connection

    written = 0
    sql = f'COPY "{table}" ({", ".join(columns)}) FROM STDIN'
    with connection.cursor() as cursor, cursor.connection.cursor().copy(sql) as stream:
        for row in rows:
            stream.write_row(row)
            written += 1
    return written


class Texts:
    """Message texts from the templates, and their search terms computed once per distinct text."""

    def __init__(self, rng: random.Random) -> None:
        from frontdesk.search.terms import index_terms

        self.index_terms = index_terms
        self.cache: dict[str, str] = {}
        self.bookings = [f"{rng.choice('ABCDEFGHJK')}{rng.randrange(10**5, 10**6)}" for _ in range(BOOKINGS)]
        self.dates = [f"{month}/{day}" for month in range(1, 13) for day in range(1, 29)]

    def terms(self, text: str) -> str:
        terms = self.cache.get(text)
        if terms is None:
            terms = self.cache[text] = " ".join(self.index_terms(text))
        return terms

    def message(self, rng: random.Random) -> tuple[str, str]:
        """A message from a template, and its terms: those of each template piece and slot value, cached apart.

        Slots hold ASCII (codes, dates) beside Chinese or after a space, where search_terms always cuts, so
        the terms of the pieces run together are the terms of the whole text.
        """
        script = rng.choice(("en", "en", "zh_hant", "zh_hans"))
        pieces = PIECES[script][rng.randrange(len(TEMPLATES[script]))]
        values = {
            "flight": rng.choice(SLOTS_FLIGHTS),
            "date": rng.choice(self.dates),
            "booking": rng.choice(self.bookings),
        }
        parts = [values[piece[1:]] if piece.startswith("$") else piece for piece in pieces]
        terms = " ".join(term for term in (self.terms(part) for part in parts) if term)
        return "".join(parts), terms


def _ids_after(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')
        return int(cursor.fetchone()[0])


def load_workspace(slug: str, size: int, texts: Texts, seed: int, *, needles: bool) -> dict[str, Any]:
    """A workspace with ``size`` messages (and contacts, conversations, entries); returns the planted needles."""
    from frontdesk.channels.models import Channel, ChannelKind
    from frontdesk.core.models import Member, Role, User, Workspace

    rng = random.Random(seed)
    workspace = Workspace.objects.create(name="Loading", slug=slug)
    channels = [
        Channel.all_workspaces.create(workspace=workspace, kind=kind, name=str(kind.label)).pk
        for kind in (ChannelKind.WHATSAPP, ChannelKind.EMAIL, ChannelKind.LINE)
    ]
    user = User.objects.create_user(f"agent@{slug}.example", "bench search passphrase 42")
    Member.all_workspaces.create(workspace=workspace, user=user, role=Role.AGENT)
    conversations = max(1, size // MESSAGES_PER_CONVERSATION)
    contacts = max(1, conversations // CONVERSATIONS_PER_CONTACT)
    start = datetime.now(UTC) - timedelta(days=730)
    step = timedelta(days=730) / size
    first_contact = _ids_after("contacts_contact") + 1
    first_conversation = _ids_after("conversations_conversation") + 1
    first_message = _ids_after("conversations_message") + 1
    log(f"{slug}: {contacts} contacts, {conversations} conversations, {size} messages")

    # Needles: each word written NEEDLES_PER_SCRIPT times in each script, and 100 unique order numbers.
    planted: dict[int, str] = {}
    truth: dict[str, Any] = {"needles": {}, "orders": []}
    if needles:
        spots = rng.sample(range(size), len(NEEDLE_WORDS) * NEEDLES_PER_SCRIPT * 2 + 100)
        for hant, hans in NEEDLE_WORDS:
            truth["needles"][hant] = {"hans": hans, "zh_hant": [], "zh_hans": []}
            for script, word in (("zh_hant", hant), ("zh_hans", hans)):
                for _ in range(NEEDLES_PER_SCRIPT):
                    spot = spots.pop()
                    planted[spot] = NEEDLE_TEMPLATE[script].format(word=word, booking=rng.choice(texts.bookings))
                    truth["needles"][hant][script].append(first_message + spot)
        for number in range(100):
            order = f"ZQ{900000 + number}"
            planted[spots.pop()] = f"Order {order} arrived damaged, what now?"
            truth["orders"].append(order)

    def stream() -> Iterator[tuple[int, str, str, int, datetime]]:
        # The same seed twice gives the same messages: once for their rows, once for their entries.
        generator = random.Random(seed + 1)
        for number in range(size):
            if number in planted:
                text = planted[number]
                terms = texts.terms(text)
            else:
                text, terms = texts.message(generator)
            conversation = min(number // MESSAGES_PER_CONVERSATION, conversations - 1)
            yield first_message + number, text, terms, conversation, start + step * number

    started = time.perf_counter()
    copy(
        "contacts_contact",
        [
            "id",
            "workspace_id",
            "name",
            "email",
            "phone",
            "language",
            "attributes",
            "customer_id",
            "created_at",
            "updated_at",
        ],
        (
            (first_contact + n, workspace.pk, f"Customer {n}", "", "", "", "{}", "", start, start)
            for n in range(contacts)
        ),
    )
    copy(
        "conversations_conversation",
        [
            "id",
            "workspace_id",
            "contact_id",
            "channel_id",
            "subject",
            "status",
            "priority",
            "last_message_preview",
            "last_activity_at",
            "created_at",
        ],
        (
            (
                first_conversation + n,
                workspace.pk,
                first_contact + n % contacts,
                channels[n % 3],
                "",
                "resolved",
                0,
                "",
                start + step * n * MESSAGES_PER_CONVERSATION,
                start + step * n * MESSAGES_PER_CONVERSATION,
            )
            for n in range(conversations)
        ),
    )
    copy(
        "conversations_message",
        [
            "id",
            "workspace_id",
            "conversation_id",
            "kind",
            "channel_id",
            "text",
            "html",
            "provider_message_id",
            "metadata",
            "status",
            "status_reason",
            "created_at",
        ],
        (
            (
                message_id,
                workspace.pk,
                first_conversation + conversation,
                "inbound",
                channels[conversation % 3],
                text,
                "",
                "",
                "{}",
                "received",
                "",
                created,
            )
            for message_id, text, _terms, conversation, created in stream()
        ),
    )
    log(f"  rows copied in {time.perf_counter() - started:.0f} s; {len(texts.cache)} distinct texts")
    started = time.perf_counter()
    entry_columns = ["workspace_id", "kind", "object_id", "conversation_id", "contact_id", "terms", "created_at"]
    copy(
        "search_searchentry",
        entry_columns,
        (
            (
                workspace.pk,
                "message",
                message_id,
                first_conversation + conversation,
                first_contact + conversation % contacts,
                terms,
                created,
            )
            for message_id, _text, terms, conversation, created in stream()
        ),
    )
    copy(
        "search_searchentry",
        entry_columns,
        (
            (workspace.pk, "contact", first_contact + n, None, first_contact + n, texts.terms(f"Customer {n}"), start)
            for n in range(contacts)
        ),
    )
    log(f"  entries copied in {time.perf_counter() - started:.0f} s")
    Workspace.objects.filter(pk=workspace.pk).update(name=slug)
    truth["workspace_id"] = workspace.pk
    return truth


def load(messages: int, seed: int) -> dict[str, Any]:
    """Both workspaces; the GIN index is built once the rows are in (much faster than row by row)."""
    from django.db import connection

    texts = Texts(random.Random(seed))
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS search_entry_document")
    load_workspace("bench-search-small", max(1000, messages // 20), texts, seed + 10, needles=False)
    truth = load_workspace("bench-search", messages, texts, seed, needles=True)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '1GB'")
        cursor.execute("CREATE INDEX search_entry_document ON search_searchentry USING gin (document)")
        cursor.execute("VACUUM ANALYZE search_searchentry")
        cursor.execute("ANALYZE conversations_message")
    log(f"GIN index built and tables analysed in {time.perf_counter() - started:.0f} s")
    return truth


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 1)


def summary(values: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(statistics.median(values), 1),
        "p95_ms": percentile(values, 0.95),
        "p99_ms": percentile(values, 0.99),
        "queries": len(values),
    }


def queries(truth: dict[str, Any], rng: random.Random) -> list[tuple[str, str]]:
    """(kind, query): QUERIES_PER_KIND of each kind, in a shuffled order."""
    words = [hant for hant in truth["needles"]] + [entry["hans"] for entry in truth["needles"].values()]
    codes = truth["orders"] + rng.sample(SLOTS_FLIGHTS, 20)
    pools = {**QUERIES, "rare word": words, "code": codes}
    chosen = [(kind, rng.choice(pool)) for kind, pool in pools.items() for _ in range(QUERIES_PER_KIND)]
    rng.shuffle(chosen)
    return chosen


def timed_ms(function: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = function()
    return (time.perf_counter() - started) * 1000, result


def measure(truth: dict[str, Any], seed: int) -> dict[str, Any]:
    from django.db import connection, reset_queries

    from frontdesk.conversations.models import Message
    from frontdesk.core.models import Member
    from frontdesk.search.query import postgresql_query, search
    from frontdesk.search.terms import query_terms

    rng = random.Random(seed)
    member = Member.all_workspaces.select_related("user", "workspace").get(workspace__slug="bench-search")
    workspace_id = member.workspace_id
    # Warm-up: the segmenter's dictionary, the permission cache, the first pages of the indexes.
    for query in ("refund", "退款", "CX123"):
        search(member, query)
    by_kind: dict[str, list[float]] = {}
    for kind, query in queries(truth, rng):
        elapsed, _page = timed_ms(lambda query=query: search(member, query))
        by_kind.setdefault(kind, []).append(elapsed)
        reset_queries()
    overall = [value for values in by_kind.values() for value in values]

    # Ceilings: a message by primary key, and the same match without ranking or loading.
    highest = Message.all_workspaces.order_by("-pk").values_list("pk", flat=True).first() or 1
    lookups = [
        timed_ms(lambda: Message.in_workspace(workspace_id).filter(pk=rng.randrange(1, highest)).first())[0]
        for _ in range(200)
    ]
    unranked: list[float] = []
    with connection.cursor() as cursor:
        for _kind, query in queries(truth, random.Random(seed + 1)):
            terms = query_terms(query)

            def plain(terms: list[str] = terms, query: str = query) -> Any:
                cursor.execute(
                    "SELECT id FROM search_searchentry WHERE workspace_id = %s "
                    "AND document @@ to_tsquery('simple', %s) LIMIT 20",
                    [workspace_id, postgresql_query(query, terms)],
                )
                return cursor.fetchall()

            unranked.append(timed_ms(plain)[0])

    # Cross-script recall: a query in one script, the needles written in the other that it finds.
    found = {"hant_finds_hans": [0, 0], "hans_finds_hant": [0, 0]}
    for hant, entry in truth["needles"].items():
        for name, query, wanted in (
            ("hant_finds_hans", hant, entry["zh_hans"]),
            ("hans_finds_hant", entry["hans"], entry["zh_hant"]),
        ):
            hits = {hit.object_id for hit in search(member, query, kinds=["message"], limit=50).hits}
            found[name][0] += len(hits & set(wanted))
            found[name][1] += len(wanted)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM conversations_message WHERE workspace_id = %s", [workspace_id])
        messages = cursor.fetchone()[0]
        cursor.execute("SELECT pg_size_pretty(pg_relation_size('search_entry_document'))")
        gin_size = cursor.fetchone()[0]
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('search_searchentry'))")
        table_size = cursor.fetchone()[0]
    p95 = percentile(overall, 0.95)
    return {
        "search_messages": messages,
        "search_p50_ms": round(statistics.median(overall), 1),
        "search_p95_ms": p95,
        "search_p99_ms": percentile(overall, 0.99),
        "search_queries": len(overall),
        "search_p95_target_ms": TARGET_P95_MS,
        "search_p95_met": p95 < TARGET_P95_MS,
        "search_by_kind": {kind: summary(values) for kind, values in sorted(by_kind.items())},
        "search_ceiling_pk_lookup": summary(lookups),
        "search_ceiling_unranked_match": summary(unranked),
        "search_cross_script_recall_hant_to_hans": round(found["hant_finds_hans"][0] / found["hant_finds_hans"][1], 3),
        "search_cross_script_recall_hans_to_hant": round(found["hans_finds_hant"][0] / found["hans_finds_hant"][1], 3),
        "search_index_size": {"gin": gin_size, "table_with_indexes": table_size},
    }


def run(database_url: str, messages: int, reuse: bool, seed: int = 7) -> dict[str, Any]:
    """In this process: set Django up on ``database_url``, load unless reusing a complete load, measure."""
    kept = ensure_database(database_url, reuse)
    os.environ["FRONTDESK_DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontdesk.settings")
    os.environ.setdefault("FRONTDESK_VAR_DIR", str(REPO / "var" / "bench-search"))
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.core.management import call_command

    from frontdesk.core.models import Workspace

    truth_file = Path(os.environ["FRONTDESK_VAR_DIR"]) / f"search-truth-{database_url.rsplit('/', 1)[1]}.json"
    loaded = kept and Workspace.objects.filter(name="bench-search").exists() and truth_file.exists()
    if loaded:
        truth = json.loads(truth_file.read_text())
        if truth.get("messages") != messages:
            log(f"--reuse: the database holds {truth.get('messages')} messages, not {messages}; measuring those")
        log("Reusing the loaded database")
        call_command("migrate", verbosity=0)
        from django.db import connection

        with connection.cursor() as cursor:
            # Statistics as a migration may have changed how they are kept (search 0003).
            cursor.execute("ANALYZE search_searchentry")
    else:
        if kept:
            ensure_database(database_url, reuse=False)
            from django.db import connections

            connections.close_all()
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        truth = load(messages, seed)
        truth["messages"] = messages
        truth["load_seconds"] = round(time.perf_counter() - started)
        truth_file.parent.mkdir(parents=True, exist_ok=True)
        truth_file.write_text(json.dumps(truth))
    result = measure(truth, seed)
    result["search_load_seconds"] = truth.get("load_seconds")
    return result


def measure_search(database_url: str, *, messages: int = 5_000_000, reuse: bool) -> dict[str, Any]:
    """Search figures over ``messages`` messages in the PostgreSQL database at ``database_url`` (created, or
    kept with ``reuse``), measured in a child process so the caller's Django set-up is left alone."""
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--database-url",
        database_url,
        "--messages",
        str(messages),
    ]
    if reuse:
        command.append("--reuse")
    completed = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True, cwd=REPO)
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=5_000_000)
    parser.add_argument("--database-url", default=os.environ.get("FRONTDESK_BENCH_SEARCH_URL", DEFAULT_URL))
    parser.add_argument("--reuse", action="store_true", help="keep the database when it already holds a load")
    args = parser.parse_args()
    print(json.dumps(run(args.database_url, args.messages, args.reuse)), flush=True)


if __name__ == "__main__":
    main()
