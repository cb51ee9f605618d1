"""Issue 7's quality and speed figures in one JSON line: duplicate detection, incident grouping, search, and the
per-message cost of the duplicate check at ingest.

- **duplicates**: precision and recall of `frontdesk.text.similarity.is_duplicate` on the generated evaluation
  set (`bench/evaluation_set.py`): the threshold is chosen on the development split (the kinds of problem
  tuning may see) and the figures reported are those of the held-out split at that threshold. English vs
  Chinese pairs of one problem are reported apart (MinHash over words cannot match across languages). The
  same is done for the shingle designs compared (`--compare-shingles`): Chinese character trigrams (the first
  design), words (the product), words and trigrams.
- **duplicates by the embedding model**: the same for the optional model (`FRONTDESK_SIMILARITY_MODEL=use-multilingual`,
  `bench/understanding_embedding.py`), with the cost of encoding a text; `--skip-embedding` leaves it out.
- **grouping**: the adjusted Rand index of the product's incidents against the generated truth: a stream of
  several incidents at once plus noise goes through the real ingest path (`frontdesk.pipeline.ingest` on a
  web-chat channel, one contact per customer) into a throwaway SQLite database, and each message's incident is
  read back from `frontdesk.incidents`.
- **search**: `bench/understanding_search.py`'s `measure_search` (PostgreSQL; skipped without
  `--database-url`).
- **ingest cost**: `frontdesk.incidents.grouping.check_message` timed per message against ≥ 10,000 stored
  case signatures (a message alone, as at quiet times), then `check_messages` over batches of 25 as the worker
  runs it when many write at once (each batch's time shared by its messages), with the cost of inserting the
  message row itself measured in the same run as a ceiling.

    .venv/bin/python bench/understanding.py                          # everything but search
    .venv/bin/python bench/understanding.py --database-url postgres://postgres@127.0.0.1:5432/fd_eval \\
        --search-messages 200000                                      # with search, smaller than 5,000,000
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scipy.special import comb  # type: ignore[import-untyped]  # noqa: E402

from bench.evaluation_set import Pair, duplicate_pairs, grouping_stream  # noqa: E402

if TYPE_CHECKING:
    from frontdesk.channels.models import Channel
    from frontdesk.core.models import Workspace

# --- measures -------------------------------------------------------------------------------------------------


def precision_recall(scores: Sequence[float], labels: Sequence[bool], threshold: float) -> tuple[float, float]:
    """Precision and recall of deciding "duplicate" when score >= threshold (1.0 when nothing was decided)."""
    true_positive = sum(1 for score, label in zip(scores, labels, strict=True) if score >= threshold and label)
    decided = sum(1 for score in scores if score >= threshold)
    positive = sum(1 for label in labels if label)
    precision = true_positive / decided if decided else 1.0
    recall = true_positive / positive if positive else 1.0
    return precision, recall


def best_threshold(scores: Sequence[float], labels: Sequence[bool]) -> float:
    """The threshold (0.05 to 0.80 by 0.01) with the highest min(precision, recall); ties go to the higher one."""
    best = (-1.0, 0.0)
    for step in range(5, 81):
        threshold = step / 100
        precision, recall = precision_recall(scores, labels, threshold)
        best = max(best, (min(precision, recall), threshold))
    return best[1]


def adjusted_rand_index(truth: Sequence[object], predicted: Sequence[object]) -> float:
    """Hubert and Arabie's adjusted Rand index of two labellings of the same items (1.0 identical, about 0.0 for
    chance). Labels are compared for equality only."""
    if len(truth) != len(predicted):
        raise ValueError("both labellings must cover the same items")
    n = len(truth)
    if n < 2:
        return 1.0
    contingency: dict[tuple[object, object], int] = {}
    rows: dict[object, int] = {}
    columns: dict[object, int] = {}
    for a, b in zip(truth, predicted, strict=True):
        contingency[a, b] = contingency.get((a, b), 0) + 1
        rows[a] = rows.get(a, 0) + 1
        columns[b] = columns.get(b, 0) + 1
    index = sum(comb(count, 2, exact=True) for count in contingency.values())
    sum_rows = sum(comb(count, 2, exact=True) for count in rows.values())
    sum_columns = sum(comb(count, 2, exact=True) for count in columns.values())
    expected = sum_rows * sum_columns / comb(n, 2, exact=True)
    maximum = (sum_rows + sum_columns) / 2
    if maximum == expected:
        return 1.0
    return float((index - expected) / (maximum - expected))


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


# --- duplicates -----------------------------------------------------------------------------------------------

COUNTED = ("same", "shared_words", "other_instance", "unrelated")


def _first_design_shingles(text: str) -> set[str]:
    # Issue 7's foundation: character trigrams over the Han characters, stemmed Latin words without stop words.
    from frontdesk.text.normalise import normalise
    from frontdesk.text.segment import terms_of_normalised
    from frontdesk.text.similarity import _HAN, _STOP_TERMS

    normalised = normalise(text)
    han = "".join(_HAN.findall(normalised))
    found = {han} if 0 < len(han) <= 3 else {han[i : i + 3] for i in range(len(han) - 2)}
    found.update(term for term in terms_of_normalised(_HAN.sub(" ", normalised)) if term not in _STOP_TERMS)
    return found


def shingle_designs() -> dict[str, Callable[[str], set[str]]]:
    from frontdesk.text.similarity import shingles

    return {
        "char_trigrams": _first_design_shingles,
        "words": shingles,
        "words_and_char_trigrams": lambda text: shingles(text, 3),
    }


def _scores(pairs: Sequence[Pair], features: Callable[[str], set[str]] | None = None) -> list[float]:
    from frontdesk.text.similarity import signature, signature_of_shingles, similarity

    cache: dict[str, object] = {}

    def sign(text: str) -> object:
        if text not in cache:
            cache[text] = signature(text) if features is None else signature_of_shingles(features(text))
        return cache[text]

    return [similarity(sign(pair.a.text), sign(pair.b.text)) for pair in pairs]  # type: ignore[arg-type]


def _figures(pairs: Sequence[Pair], scores: Sequence[float], threshold: float) -> dict[str, object]:
    labels = [pair.duplicate for pair in pairs]
    precision, recall = precision_recall(scores, labels, threshold)
    by_category = {}
    for category in COUNTED:
        chosen = [score for pair, score in zip(pairs, scores, strict=True) if pair.category == category]
        if chosen:
            decided = sum(1 for score in chosen if score >= threshold)
            by_category[category] = {
                "pairs": len(chosen),
                "judged_duplicate": round(decided / len(chosen), 3),
                "mean_similarity": round(statistics.mean(chosen), 3),
            }
    cross = [s for p, s in zip(pairs, scores, strict=True) if p.category == "same" and p.cross_script]
    same_script = [
        s
        for p, s in zip(pairs, scores, strict=True)
        if p.category == "same" and not p.cross_script and p.a.variant != "en"
    ]
    english = [s for p, s in zip(pairs, scores, strict=True) if p.category == "same" and p.a.variant == "en"]
    return {
        "pairs": len(pairs),
        "precision": round(precision, 3),
        "recall": round(recall, 3),
        "recall_cross_script": round(sum(1 for s in cross if s >= threshold) / len(cross), 3) if cross else None,
        "recall_same_script_chinese": round(sum(1 for s in same_script if s >= threshold) / len(same_script), 3)
        if same_script
        else None,
        "recall_english": round(sum(1 for s in english if s >= threshold) / len(english), 3) if english else None,
        "categories": by_category,
    }


def measure_duplicates(pairs: Sequence[Pair], *, compare: bool = False) -> dict[str, object]:
    """Precision and recall of the product's decision (`is_duplicate`, i.e. similarity >= DUPLICATE_THRESHOLD)
    on the held-out split, the threshold the development split would choose, and optionally the same for
    every shingle design."""
    from frontdesk.text import similarity as _similarity_function  # noqa: F401  (import check)
    from frontdesk.text.similarity import DUPLICATE_THRESHOLD

    counted = [pair for pair in pairs if pair.category in COUNTED]
    development = [pair for pair in counted if pair.split == "development"]
    held_out = [pair for pair in counted if pair.split == "held_out"]
    across = [pair for pair in pairs if pair.category == "en_vs_zh"]

    dev_scores = _scores(development)
    held_scores = _scores(held_out)
    result: dict[str, object] = {
        "pairs": len(pairs),
        "threshold": DUPLICATE_THRESHOLD,
        "threshold_chosen_on_development": best_threshold(dev_scores, [p.duplicate for p in development]),
        "held_out": _figures(held_out, held_scores, DUPLICATE_THRESHOLD),
        "development": _figures(development, dev_scores, DUPLICATE_THRESHOLD),
    }
    across_scores = _scores(across)
    result["english_vs_chinese_not_counted"] = {
        "pairs": len(across),
        "judged_duplicate": round(sum(1 for s in across_scores if s >= DUPLICATE_THRESHOLD) / len(across), 3)
        if across
        else None,
    }
    if compare:
        designs = {}
        for name, features in shingle_designs().items():
            dev = _scores(development, features)
            threshold = best_threshold(dev, [p.duplicate for p in development])
            held = _scores(held_out, features)
            precision, recall = precision_recall(held, [p.duplicate for p in held_out], threshold)
            dev_precision, dev_recall = precision_recall(dev, [p.duplicate for p in development], threshold)
            cross = [s for p, s in zip(held_out, held, strict=True) if p.category == "same" and p.cross_script]
            designs[name] = {
                "threshold_from_development": threshold,
                "development_precision": round(dev_precision, 3),
                "development_recall": round(dev_recall, 3),
                "held_out_precision": round(precision, 3),
                "held_out_recall": round(recall, 3),
                "held_out_cross_script_mean_similarity": round(statistics.mean(cross), 3) if cross else None,
            }
        result["shingle_designs"] = designs
    return result


# --- the product, in a throwaway database -----------------------------------------------------------------------


def start_django(var_dir: Path | None = None) -> str:
    """Set Django up on FRONTDESK_DATABASE_URL if given, else on a fresh SQLite file under `var_dir` (default
    var/bench-understanding/<time>), and migrate it. Returns the database vendor."""
    if not os.environ.get("FRONTDESK_DATABASE_URL"):
        directory = var_dir or ROOT / "var" / "bench-understanding" / time.strftime("%Y%m%d-%H%M%S")
        directory.mkdir(parents=True, exist_ok=True)
        os.environ["FRONTDESK_VAR_DIR"] = str(directory)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontdesk.settings")
    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    return str(connection.vendor)


def _new_workspace(name: str) -> tuple[Workspace, Channel]:
    from frontdesk.channels.api.setup import create_api_channel
    from frontdesk.core.models import Workspace

    slug = f"{name}-{time.time_ns()}"
    workspace = Workspace.objects.create(name=name, slug=slug[:50])
    return workspace, create_api_channel(workspace, "Evaluation backend")


def ingest(channel: Channel, messages: Sequence[tuple[str, str]], batch: int = 25) -> dict[str, int]:
    """Send (customer id, text) through the channel's signed webhook and let the inbound processor store them,
    as the worker does; the incidents subscriber checks each stored message. The customer id → conversation id."""
    from django.test import Client

    from frontdesk.channels.api.adapter import sign
    from frontdesk.contacts.models import Identity
    from frontdesk.conversations.models import Conversation
    from frontdesk.pipeline.processing import process_due

    client = Client()
    path = f"/hooks/{channel.kind}/{channel.webhook_token}"
    secret = channel.secrets["signing_secret"]
    for start in range(0, len(messages), batch):
        events = [
            {
                "id": f"evt-{start + offset}",
                "type": "message",
                "contact": {"id": customer, "name": customer},
                "message": {"id": f"msg-{start + offset}", "text": text},
                "timestamp": "2026-12-01T09:00:00Z",
            }
            for offset, (customer, text) in enumerate(messages[start : start + batch])
        ]
        body = json.dumps({"events": events}).encode()
        response = client.generic(
            "POST",
            path,
            body,
            content_type="application/json",
            headers={"X-Frontdesk-Signature": sign(secret, body)},
            HTTP_HOST="127.0.0.1",
        )
        if response.status_code != 200:
            raise RuntimeError(f"the webhook answered {response.status_code}: {response.content[:200]!r}")
        while process_due().count:
            pass
    workspace_id = channel.workspace_id
    identities = dict(
        Identity.in_workspace(workspace_id).filter(channel=channel).values_list("contact_id", "external_id")
    )
    return {
        identities[contact_id]: pk
        for pk, contact_id in Conversation.in_workspace(workspace_id).values_list("pk", "contact_id")
    }


def measure_grouping(
    split: str | None, *, include_english: bool = True, seed: int = 11, **stream_options: Any
) -> dict[str, object]:
    """ARI of the incidents the product forms from a generated stream, against the stream's truth."""
    from frontdesk.incidents.models import Incident, IncidentConversation

    stream = grouping_stream(seed=seed, split=split, include_english=include_english, **stream_options)
    workspace, channel = _new_workspace("grouping")
    started = time.perf_counter()
    conversations = ingest(channel, [(message.customer, message.text) for message in stream])
    seconds = time.perf_counter() - started
    memberships = dict(
        IncidentConversation.in_workspace(workspace.pk)
        .filter(removed_at__isnull=True)
        .values_list("conversation_id", "incident_id")
    )
    truth: list[str] = []
    predicted: list[str] = []
    for number, message in enumerate(stream):
        truth.append(message.incident or f"noise-{number}")
        incident = memberships.get(conversations[message.customer])
        predicted.append(f"incident-{incident}" if incident is not None else f"alone-{number}")
    in_incidents = [m for m in stream if m.incident]
    grouped = sum(1 for m in in_incidents if memberships.get(conversations[m.customer]) is not None)
    noise_grouped = sum(1 for m in stream if not m.incident and memberships.get(conversations[m.customer]) is not None)
    return {
        "messages": len(stream),
        "incident_messages": len(in_incidents),
        "noise_messages": len(stream) - len(in_incidents),
        "true_incidents": len({m.incident for m in in_incidents}),
        "incidents_formed": Incident.in_workspace(workspace.pk).count(),
        "ari": round(adjusted_rand_index(truth, predicted), 3),
        "incident_messages_grouped": round(grouped / len(in_incidents), 3) if in_incidents else None,
        "noise_messages_grouped": noise_grouped,
        "ingest_messages_per_s": round(len(stream) / seconds, 1),
    }


def tune_grouping_threshold(candidates: Iterable[float]) -> tuple[float, dict[float, float]]:
    """The GROUP_THRESHOLD with the best ARI on the development stream (set for the run, as the product reads it
    when used). Returns it and the ARI of every candidate."""
    import frontdesk.text.similarity  # noqa: F401

    module = sys.modules["frontdesk.text.similarity"]
    original = float(getattr(module, "GROUP_THRESHOLD"))  # noqa: B009
    scores: dict[float, float] = {}
    for threshold in candidates:
        setattr(module, "GROUP_THRESHOLD", threshold)  # noqa: B010
        figures = measure_grouping("development", include_english=False)
        scores[threshold] = float(figures["ari"])  # type: ignore[arg-type]
    setattr(module, "GROUP_THRESHOLD", original)  # noqa: B010
    best = max(scores, key=lambda t: (scores[t], t))
    return best, scores


# Messages a worker batch holds when many customers write at once (the pipeline takes up to 100).
BATCH = 25


def measure_check_cost(indexed: int = 10_000, timed: int = 1_000, seed: int = 5) -> dict[str, object]:
    """`check_message` timed per message against `indexed` stored case signatures (other customers' open
    conversations, with generated messages of every kind and variant), and, as a ceiling, inserting the
    message row itself."""
    import random

    from django.db import connection
    from django.utils import timezone

    from bench.evaluation_set import CHANNELS, KINDS, VARIANTS, new_instance, write
    from frontdesk.contacts.models import Contact
    from frontdesk.conversations.models import Conversation, Message, MessageKind
    from frontdesk.incidents.grouping import check_message, check_messages
    from frontdesk.incidents.models import CaseSignature, SignatureBand
    from frontdesk.pipeline.writes import checkpoint
    from frontdesk.text.similarity import band_keys, signature, to_bytes

    rng = random.Random(seed)
    workspace, channel = _new_workspace("cost")

    def texts(count: int) -> list[str]:
        return [
            write(new_instance(rng.choice(KINDS), rng), rng.choice(VARIANTS), rng.choice(CHANNELS), rng)[0].text
            for _ in range(count)
        ]

    def conversations(count: int) -> list[Conversation]:
        contacts = Contact.all_workspaces.bulk_create(
            [Contact(workspace=workspace, name=f"Customer {n}") for n in range(count)]
        )
        return Conversation.all_workspaces.bulk_create(
            [Conversation(workspace=workspace, contact=c, channel=channel, subject="") for c in contacts]
        )

    # The index: each background conversation's case signature and band keys as `check_message` stores them
    # (the product's `signature` and `band_keys` of its first message), written in bulk so 10,000 take seconds.
    background = conversations(indexed)
    now = timezone.now()
    started = time.perf_counter()
    cases = []
    for conversation, text in zip(background, texts(indexed), strict=True):
        minhash = signature(text)
        cases.append(
            (
                CaseSignature(
                    workspace=workspace,
                    conversation=conversation,
                    contact_id=conversation.contact_id,
                    text=text,
                    message_count=1,
                    minhash=to_bytes(minhash),
                    first_message_at=now,
                    last_message_at=now,
                ),
                band_keys(minhash),
            )
        )
    stored = CaseSignature.all_workspaces.bulk_create([case for case, _ in cases], batch_size=2000)
    SignatureBand.all_workspaces.bulk_create(
        [
            SignatureBand(workspace=workspace, signature=case, key=key)
            for case, (_, keys) in zip(stored, cases, strict=True)
            for key in keys
        ],
        batch_size=5000,
    )
    if connection.vendor == "postgresql":
        # What autovacuum does soon after a bulk load in production (the test server runs without it): without
        # statistics the planner takes the 480,000 band rows for a few thousand, and without the visibility map
        # the band index cannot answer alone.
        with connection.cursor() as cursor:
            cursor.execute(
                "VACUUM ANALYZE incidents_signatureband, incidents_casesignature, conversations_conversation"
            )
    fill_seconds = time.perf_counter() - started
    signatures = CaseSignature.in_workspace(workspace.pk).count()

    def store(conversation: Conversation, text: str) -> Message:
        return Message.all_workspaces.create(
            workspace=workspace,
            conversation=conversation,
            kind=MessageKind.INBOUND,
            channel=channel,
            text=text,
            status="received",
            created_at=timezone.now(),
        )

    # A message alone: the worker's batch holds one when customers write one at a time, and between two such
    # messages it idles, which on SQLite means checkpointing the write-ahead log (`InboundProcessor.idle`).
    insert_ms: list[float] = []
    signature_ms: list[float] = []
    check_ms: list[float] = []
    # The checks that started an incident (with every similar conversation of the index not yet in one) apart.
    creating_ms: list[float] = []
    others_ms: list[float] = []
    candidates: list[int] = []
    for conversation, text in zip(conversations(timed), texts(timed), strict=True):
        started = time.perf_counter()
        message = store(conversation, text)
        insert_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        signature(text)
        signature_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        result = check_message(message)
        check_ms.append((time.perf_counter() - started) * 1000)
        candidates.append(result.candidates if result is not None else 0)
        (creating_ms if result is not None and result.incident_created else others_ms).append(check_ms[-1])
        checkpoint()

    # The worker's batches when many write at once (a cancelled flight): `check_messages` over BATCH messages, as
    # the subscriber runs it, each batch's time shared by its messages.
    per_message_in_batch_ms: list[float] = []
    for start in range(0, timed, BATCH):
        count = min(BATCH, timed - start)
        batch = [store(c, t) for c, t in zip(conversations(count), texts(count), strict=True)]
        started = time.perf_counter()
        check_messages(batch)
        per_message_in_batch_ms.append((time.perf_counter() - started) * 1000 / count)
    return {
        "indexed_signatures": signatures,
        "timed_messages": timed,
        "check_p50_ms": round(percentile(check_ms, 0.50), 2),
        "check_p95_ms": round(percentile(check_ms, 0.95), 2),
        "check_max_ms": round(max(check_ms), 2),
        "mean_candidates": round(statistics.mean(candidates), 1),
        "checks_creating_an_incident": len(creating_ms),
        "creating_p50_ms": round(percentile(creating_ms, 0.50), 2) if creating_ms else None,
        "creating_p95_ms": round(percentile(creating_ms, 0.95), 2) if creating_ms else None,
        "others_p50_ms": round(percentile(others_ms, 0.50), 2) if others_ms else None,
        "others_p95_ms": round(percentile(others_ms, 0.95), 2) if others_ms else None,
        f"in_batches_of_{BATCH}": {
            "batches": len(per_message_in_batch_ms),
            "per_message_p50_ms": round(percentile(per_message_in_batch_ms, 0.50), 2),
            "per_message_p95_ms": round(percentile(per_message_in_batch_ms, 0.95), 2),
            "per_message_max_ms": round(max(per_message_in_batch_ms), 2),
        },
        # The text part of the check (normalise, shingles, MinHash) on its own.
        "signature_p50_ms": round(percentile(signature_ms, 0.50), 2),
        "signature_p95_ms": round(percentile(signature_ms, 0.95), 2),
        "ceiling_insert_message_p50_ms": round(percentile(insert_ms, 0.50), 2),
        "ceiling_insert_message_p95_ms": round(percentile(insert_ms, 0.95), 2),
        "fill_seconds": round(fill_seconds, 1),
    }


def measure_search_figures(database_url: str | None, messages: int, reuse: bool) -> dict[str, object]:
    if not database_url:
        return {"skipped": "no --database-url (search is measured on PostgreSQL)"}
    try:
        from bench.understanding_search import measure_search  # type: ignore[import-not-found, unused-ignore]
    except ImportError as error:
        return {"skipped": f"bench/understanding_search.py not available: {error}"}
    figures: dict[str, object] = measure_search(database_url, messages=messages, reuse=reuse)
    return figures


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=3000, help="duplicate pairs to generate (default 3,000)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--compare-shingles", action="store_true", help="also tune and test each shingle design")
    parser.add_argument("--skip-grouping", action="store_true")
    parser.add_argument("--skip-embedding", action="store_true", help="leave out the optional embedding model")
    parser.add_argument("--tune-grouping", action="store_true", help="choose GROUP_THRESHOLD on the development stream")
    parser.add_argument("--indexed", type=int, default=10_000, help="stored signatures for the check's cost (0 skips)")
    parser.add_argument("--timed", type=int, default=1_000, help="messages timed for the check's cost")
    parser.add_argument("--database-url", help="PostgreSQL for search (bench/understanding_search.py)")
    parser.add_argument("--search-messages", type=int, default=5_000_000)
    parser.add_argument("--search-reuse", action="store_true", help="reuse the search database if it is filled")
    args = parser.parse_args(list(argv) if argv is not None else None)

    started = time.perf_counter()
    pairs = duplicate_pairs(seed=args.seed, pairs=args.pairs)
    out: dict[str, object] = {"benchmark": "understanding"}
    out["duplicates"] = measure_duplicates(pairs, compare=args.compare_shingles)
    if not args.skip_embedding:
        from bench.understanding_embedding import measure_embedding_duplicates

        out["duplicates_by_embedding_model"] = measure_embedding_duplicates(pairs)
    if not args.skip_grouping or args.indexed:
        out["database"] = start_django()
    if not args.skip_grouping:
        from frontdesk.text.similarity import GROUP_THRESHOLD

        grouping: dict[str, object] = {"threshold": GROUP_THRESHOLD}
        if args.tune_grouping:
            best, scores = tune_grouping_threshold([0.15, 0.2, 0.25, 0.29, 0.33, 0.4, 0.5])
            grouping["development_ari_by_threshold"] = {str(t): ari for t, ari in scores.items()}
            grouping["threshold_chosen_on_development"] = best
        grouping["held_out_chinese"] = measure_grouping("held_out", include_english=False)
        grouping["held_out_with_english"] = measure_grouping("held_out", include_english=True)
        grouping["all_kinds_with_english"] = measure_grouping(None, include_english=True)
        out["grouping"] = grouping
    if args.indexed:
        out["check_cost"] = measure_check_cost(args.indexed, args.timed)
    out["search"] = measure_search_figures(args.database_url, args.search_messages, args.search_reuse)
    out["seconds"] = round(time.perf_counter() - started, 1)
    # The machine is shared: timings are only comparable at a similar load.
    out["load_average_1m_at_end"] = round(os.getloadavg()[0], 2)
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
