"""The generated evaluation set and bench/understanding.py's measures, on small runs."""

from __future__ import annotations

from typing import Any

import pytest

from bench.evaluation_set import (
    CHANNELS,
    CHINESE,
    DEVELOPMENT_KINDS,
    HELD_OUT_KINDS,
    KINDS,
    VARIANTS,
    duplicate_pairs,
    grouping_stream,
)
from bench.understanding import (
    adjusted_rand_index,
    best_threshold,
    measure_check_cost,
    measure_duplicates,
    measure_grouping,
    precision_recall,
)

CATEGORIES = {"same", "shared_words", "other_instance", "unrelated", "en_vs_zh"}


def test_the_generator_is_deterministic_for_a_seed() -> None:
    assert duplicate_pairs(seed=3, pairs=200) == duplicate_pairs(seed=3, pairs=200)
    assert duplicate_pairs(seed=3, pairs=200) != duplicate_pairs(seed=4, pairs=200)
    assert grouping_stream(seed=5) == grouping_stream(seed=5)


def test_every_pair_has_a_label_a_category_and_a_split_of_its_kinds() -> None:
    pairs = duplicate_pairs(pairs=2000)
    assert len(pairs) >= 2000
    for pair in pairs:
        assert pair.category in CATEGORIES
        assert pair.duplicate is (pair.category in {"same", "en_vs_zh"})
        kinds = DEVELOPMENT_KINDS if pair.split == "development" else HELD_OUT_KINDS
        assert {pair.a.kind, pair.b.kind} <= kinds
        if pair.category == "same":
            assert pair.a.instance == pair.b.instance
        if pair.category == "shared_words":
            # Another problem, the same identifiers.
            assert pair.a.kind != pair.b.kind
            assert pair.a.instance.split(":")[1] == pair.b.instance.split(":")[1]
    assert {pair.split for pair in pairs} == {"development", "held_out"}
    assert {pair.category for pair in pairs} == CATEGORIES
    assert any(pair.cross_script for pair in pairs)


def test_the_three_chinese_variants_english_and_every_channel_are_present() -> None:
    pairs = duplicate_pairs(pairs=400)
    messages = [message for pair in pairs for message in (pair.a, pair.b)]
    assert {message.variant for message in messages} == set(VARIANTS)
    assert {message.channel for message in messages} == set(CHANNELS)
    for kind in KINDS:
        assert set(kind.statements) == set(kind.requests) == set(VARIANTS)
    hong_kong = " ".join(m.text for m in messages if m.variant == "zh-Hant-HK")
    taiwan = " ".join(m.text for m in messages if m.variant == "zh-Hant-TW")
    mainland = " ".join(m.text for m in messages if m.variant == "zh-Hans")
    assert "咗" in hong_kong and "嘅" in hong_kong
    assert "機" in taiwan and "咗" not in taiwan
    assert "机" in mainland and "機" not in mainland
    emails = [m.text for m in messages if m.channel == "email"]
    assert all("\n\n" in text for text in emails)


def test_the_grouping_stream_has_incidents_noise_and_every_variant() -> None:
    stream = grouping_stream(seed=11)
    incidents = {message.incident for message in stream if message.incident}
    assert len(incidents) == 8
    assert sum(1 for message in stream if not message.incident) > 100
    assert {message.variant for message in stream} == set(VARIANTS)
    assert len({message.customer for message in stream}) == len(stream)
    chinese = grouping_stream(seed=11, split="held_out", include_english=False)
    assert {message.variant for message in chinese} == set(CHINESE)


def test_adjusted_rand_index_on_known_cases() -> None:
    assert adjusted_rand_index([0, 0, 1, 1], [0, 0, 1, 1]) == 1.0
    # Names of groups do not matter.
    assert adjusted_rand_index([0, 0, 1, 1], ["b", "b", "a", "a"]) == 1.0
    # scikit-learn's documented examples of adjusted_rand_score.
    assert adjusted_rand_index([0, 0, 1, 2], [0, 0, 1, 1]) == pytest.approx(0.5714, abs=1e-4)
    assert adjusted_rand_index([0, 0, 1, 1], [0, 1, 0, 1]) == pytest.approx(-0.5)
    assert adjusted_rand_index([0, 0, 0, 0], [0, 1, 2, 3]) == 0.0
    # Hubert and Arabie's formula by hand: 6 items, truth {3, 3}, predicted {2, 2, 2}.
    # index 2, rows 6, columns 3, expected 6 * 3 / 15 = 1.2, maximum 4.5 -> (2 - 1.2) / (4.5 - 1.2).
    assert adjusted_rand_index([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2]) == pytest.approx(0.8 / 3.3)
    with pytest.raises(ValueError):
        adjusted_rand_index([0], [0, 1])


def test_precision_recall_and_the_development_threshold() -> None:
    scores = [0.9, 0.8, 0.4, 0.3, 0.1]
    labels = [True, True, False, True, False]
    assert precision_recall(scores, labels, 0.35) == (2 / 3, 2 / 3)
    assert precision_recall(scores, labels, 0.95) == (1.0, 0.0)
    assert best_threshold(scores, labels) == 0.3


def test_duplicate_measures_on_a_small_set() -> None:
    figures = measure_duplicates(duplicate_pairs(pairs=200), compare=True)
    held_out: Any = figures["held_out"]
    assert 0 <= held_out["precision"] <= 1 and 0 <= held_out["recall"] <= 1
    assert set(held_out["categories"]) == {"same", "shared_words", "other_instance", "unrelated"}
    assert held_out["categories"]["unrelated"]["mean_similarity"] < held_out["categories"]["same"]["mean_similarity"]
    assert set(figures["shingle_designs"]) == {"char_trigrams", "words", "words_and_char_trigrams"}  # type: ignore[arg-type, call-overload]
    assert figures["english_vs_chinese_not_counted"]["pairs"] == 20  # type: ignore[index]


# Transactional: the incidents subscriber hears of each stored message when its transaction commits, as in
# production, and the measure reads the incidents right after.
@pytest.mark.django_db(transaction=True)
def test_grouping_through_the_ingest_path_and_the_check_cost_on_a_small_run() -> None:
    grouping = measure_grouping("held_out", include_english=False, incidents=2, customers_per_incident=(4, 6), noise=6)
    assert grouping["true_incidents"] == 2
    assert grouping["incidents_formed"] >= 1  # type: ignore[operator]
    assert -1 <= grouping["ari"] <= 1  # type: ignore[operator]
    assert grouping["messages"] == grouping["incident_messages"] + grouping["noise_messages"]  # type: ignore[operator]
    cost = measure_check_cost(indexed=40, timed=5)
    assert cost["indexed_signatures"] == 40
    assert cost["timed_messages"] == 5
    assert cost["check_p95_ms"] > 0  # type: ignore[operator]


def test_embedding_model_measures_on_a_small_set() -> None:
    from bench.understanding_embedding import measure_embedding_duplicates

    figures: Any = measure_embedding_duplicates(duplicate_pairs(pairs=200), timed_texts=5)
    assert figures["model"] == "use-multilingual"
    held_out = figures["held_out"]
    assert 0 <= held_out["precision"] <= 1 and 0 <= held_out["recall"] <= 1
    # The identifier rule: two customers' problems with other flights or orders are never judged one.
    assert held_out["categories"]["other_instance"]["judged_duplicate"] == 0
    assert held_out["categories"]["unrelated"]["judged_duplicate"] == 0
    assert figures["encoding"]["texts"] == 5 and figures["encoding"]["encode_p50_ms"] > 0
