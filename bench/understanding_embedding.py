"""The optional embedding model's duplicate figures (`frontdesk.text.embedding`), for `bench/understanding.py`.

The same evaluation set and method as MinHash's figures: the threshold with the best min(precision, recall) on
the development split, precision and recall reported on the held-out split at the product's threshold. The
decision measured is the product's: MinHash similarity at least the candidate floor, identifiers that agree,
and the embeddings' cosine at least the threshold. Also timed: encoding one text (what a check pays for each
candidate it has not seen) with the encoder warm, and a check's worth of candidates remembered.

    .venv/bin/python bench/understanding_embedding.py      # the duplicates part alone, ~2 min here
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.evaluation_set import Pair, duplicate_pairs  # noqa: E402
from bench.understanding import COUNTED, _figures, best_threshold, percentile, precision_recall  # noqa: E402


def _scores(pairs: Sequence[Pair]) -> list[float]:
    from frontdesk.text import embedding
    from frontdesk.text.similarity import signature, similarity

    signatures: dict[str, object] = {}

    def sign(text: str) -> object:
        if text not in signatures:
            signatures[text] = signature(text)
        return signatures[text]

    return [
        embedding.duplicate_scores(
            pair.a.text,
            [pair.b.text],
            [similarity(sign(pair.a.text), sign(pair.b.text))],  # type: ignore[arg-type]
        )[0]
        for pair in pairs
    ]


def measure_encoding(texts: Sequence[str]) -> dict[str, object]:
    """Milliseconds to encode one text not seen before (the encoder loaded and warm), one at a time."""
    from frontdesk.text import embedding

    started = time.perf_counter()
    embedding.similarity("warm", "up")
    first_ms = (time.perf_counter() - started) * 1000
    timings = []
    for text in texts:
        embedding._vector.cache_clear()
        started = time.perf_counter()
        embedding._vector(text)
        timings.append((time.perf_counter() - started) * 1000)
    return {
        "texts": len(texts),
        "load_and_first_ms": round(first_ms, 1),
        "encode_p50_ms": round(percentile(timings, 0.50), 2),
        "encode_p95_ms": round(percentile(timings, 0.95), 2),
        "mean_characters": round(statistics.mean(len(text) for text in texts), 1),
    }


def measure_embedding_duplicates(pairs: Sequence[Pair], timed_texts: int = 300) -> dict[str, object]:
    """Held-out precision and recall of the embedding decision, and the cost of encoding a text."""
    from frontdesk.text import embedding

    if not embedding.available():
        return {"skipped": f"{embedding.PACKAGE} is not installed (pip install 'frontdesk[embeddings]')"}
    counted = [pair for pair in pairs if pair.category in COUNTED]
    development = [pair for pair in counted if pair.split == "development"]
    held_out = [pair for pair in counted if pair.split == "held_out"]
    dev_scores = _scores(development)
    held_scores = _scores(held_out)
    chosen = best_threshold(dev_scores, [pair.duplicate for pair in development])
    dev_precision, dev_recall = precision_recall(dev_scores, [p.duplicate for p in development], chosen)
    texts = list(dict.fromkeys(pair.a.text for pair in held_out))[:timed_texts]
    return {
        "model": embedding.MODEL_NAME,
        "threshold": embedding.DUPLICATE_THRESHOLD,
        "candidate_floor": embedding.CANDIDATE_FLOOR,
        "threshold_chosen_on_development": chosen,
        "development_precision": round(dev_precision, 3),
        "development_recall": round(dev_recall, 3),
        "held_out": _figures(held_out, held_scores, embedding.DUPLICATE_THRESHOLD),
        "encoding": measure_encoding(texts),
    }


if __name__ == "__main__":
    print(json.dumps(measure_embedding_duplicates(duplicate_pairs()), ensure_ascii=False))
