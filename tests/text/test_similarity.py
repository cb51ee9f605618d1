import time

import pytest

from frontdesk.text import DuplicateIndex, from_bytes, shingles, signature, similarity, to_bytes

TRADITIONAL = "你好，我的航班CX880今天被取消了，機票錢什麼時候可以退款？行李還在機場裡面。"
SIMPLIFIED = "你好，我的航班CX880今天被取消了，机票钱什么时候可以退款？行李还在机场里面。"
FULL_WIDTH = "你好，我的航班ＣＸ８８０今天被取消了，機票錢什麼時候可以退款？行李還在機場裏面。"


def test_one_complaint_in_either_script_or_with_full_width_digits_is_a_near_duplicate():
    assert similarity(TRADITIONAL, SIMPLIFIED) >= 0.6
    assert similarity(TRADITIONAL, FULL_WIDTH) >= 0.6
    assert similarity(SIMPLIFIED, FULL_WIDTH) >= 0.6


def test_a_reworded_complaint_still_scores_as_similar():
    assert (
        similarity("My flight CX880 was cancelled, please refund me", "Flight CX880 got cancelled. I want a refund.")
        >= 0.6
    )


def test_different_problems_sharing_words_score_low():
    assert similarity("flight CX880 cancelled refund", "baggage lost on CX880") < 0.3
    assert similarity("我的航班CX880被取消了，請退款", "我在CX880上的行李不見了") < 0.3


def test_shingles_are_character_trigrams_of_chinese_and_words_of_english():
    assert shingles("機票退款") == {"机票退", "票退款"}
    assert shingles("退款") == {"退款"}
    assert shingles("Please refund my tickets") == {"refund", "ticket"}


def test_nothing_to_compare_is_never_similar():
    assert shingles("😀🙏 !!!") == set()
    assert similarity("", "") == 0.0
    assert similarity("😀", "😀") == 0.0
    assert similarity("", SIMPLIFIED) == 0.0


def test_signatures_round_trip_through_bytes():
    original = signature(TRADITIONAL)
    stored = to_bytes(original)
    assert len(stored) == 512
    restored = from_bytes(stored)
    assert similarity(restored, original) == 1.0
    assert to_bytes(restored) == stored
    assert similarity(restored, SIMPLIFIED) == similarity(original, SIMPLIFIED)


def test_signatures_are_stable_values_not_per_process_random():
    # Stored signatures are compared with ones computed later by other processes.
    assert to_bytes(signature("flight CX880 cancelled")) == to_bytes(signature("FLIGHT ＣＸ８８０ CANCELLED!"))
    assert to_bytes(signature("退款"))[:8].hex() == to_bytes(signature("退款"))[:8].hex()


def test_bytes_of_the_wrong_length_are_refused():
    with pytest.raises(ValueError, match="512 bytes"):
        from_bytes(b"\x00" * 10)


def test_a_hundred_kilobytes_gets_a_signature_in_bounded_time():
    text = "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(100_000))
    started = time.perf_counter()
    assert similarity(text, text) == 1.0
    assert time.perf_counter() - started < 10


def test_duplicate_index_finds_inserted_near_duplicates_and_forgets_removed_ones():
    index: DuplicateIndex[int] = DuplicateIndex(threshold=0.5)
    index.insert(1, signature(TRADITIONAL))
    index.insert(2, signature("我在CX880上的行李不見了，請幫我找"))
    index.insert(3, signature("😀"))
    assert len(index) == 2
    assert 3 not in index

    assert index.query(signature(SIMPLIFIED)) == [1]
    assert index.query(signature("😀")) == []

    index.remove(1)
    index.remove(1)
    assert index.query(signature(SIMPLIFIED)) == []
    assert 1 not in index


def test_inserting_a_key_again_replaces_its_signature():
    index: DuplicateIndex[str] = DuplicateIndex()
    index.insert("case-1", signature(TRADITIONAL))
    index.insert("case-1", signature("baggage lost at the airport"))
    assert index.query(signature(SIMPLIFIED)) == []
    assert index.query(signature("Baggage lost at the airport!")) == ["case-1"]
