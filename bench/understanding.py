"""Issue 7's quality and speed figures in one JSON line: duplicate detection, incident grouping, search, and the
per-message cost of the duplicate check at ingest.

- **duplicates**: precision and recall of `frontdesk.text.similarity.is_duplicate` on the generated evaluation
  set (`bench/evaluation_set.py`): the threshold is chosen on the development split (the kinds of problem
  tuning may see) and the figures reported are those of the held-out split at that threshold. English vs
  Chinese pairs of one problem are reported apart (MinHash over words cannot match across languages). The
  same is done for the shingle designs compared (`--compare-shingles`): Chinese character trigrams (the first
  design), words (the product), words and trigrams.
- **grouping**: the adjusted Rand index of the product's incidents against the generated truth: a stream of
  several incidents at once plus noise goes through the real ingest path (`frontdesk.pipeline.ingest` on a
  web-chat channel, one contact per customer) into a throwaway SQLite database, and each message's incident is
  read back from `frontdesk.incidents`.
- **search**: `bench/understanding_search.py`'s `measure_search` (PostgreSQL; skipped without
  `--database-url`).
- **ingest cost**: `frontdesk.incidents.grouping.check_message` timed per message against ≥ 10,000 stored
  case signatures, with the cost of inserting the message row itself measured in the same run as a ceiling.

    .venv/bin/python bench/understanding.py                          # everything but search
    .venv/bin/python bench/understanding.py --database-url postgres://postgres@127.0.0.1:5432/fd_eval \\
        --search-messages 200000                                      # with search, smaller than 5,000,000
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scipy.special import comb  # type: ignore[import-untyped]  # noqa: E402

from bench.evaluation_set import Pair, duplicate_pairs  # noqa: E402

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


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=3000, help="duplicate pairs to generate (default 3,000)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--compare-shingles", action="store_true", help="also tune and test each shingle design")
    args = parser.parse_args(list(argv) if argv is not None else None)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontdesk.settings")
    started = time.perf_counter()
    pairs = duplicate_pairs(seed=args.seed, pairs=args.pairs)
    out: dict[str, object] = {"benchmark": "understanding"}
    out["duplicates"] = measure_duplicates(pairs, compare=args.compare_shingles)
    out["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(out, ensure_ascii=False))


_ = re  # kept for the grouping section

if __name__ == "__main__":
    main()
